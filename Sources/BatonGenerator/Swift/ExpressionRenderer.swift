import BatonSpec

/// Lowers the typed expressions of a spec (`with`, `result`, `when`, fallback values) to Swift.
///
/// References become member accesses with optional chaining exactly where the spec's types are
/// optional, list projections (`$x.items[].sku`) become `map`, and records are built with their
/// memberwise initialisers, so the Swift type of every expression is the type the checker gave it.
/// What the checker guarantees (fields exist, literals parse) is checked again here and reported
/// as a ``GeneratorError`` at `location`, never papered over with a default.
struct ExpressionRenderer {
    var spec: ResolvedSpec
    /// The Swift expression of each step's value: `values[cartStep]`, `values[ifPresent: stockStep]`.
    var stepValue: (_ step: String, _ optional: Bool) -> SwiftExpr
    /// The Swift expression of `$input`.
    var input = SwiftExpr.text("input")
    /// Where the expressions come from, for errors.
    var location: SourceLocation

    func expression(_ expression: TypedExpression) throws -> SwiftExpr {
        switch expression {
        case .reference(let reference):
            return try self.reference(reference)
        case .literal(let value, let type):
            return try literal(value, type: type)
        case .null:
            return .text("nil")
        case .record(let typeName, let fields):
            return .call(SwiftIdentifier.escaped(typeName), try fields.map {
                SwiftArgument(SwiftIdentifier.label($0.name), try self.expression($0.value))
            })
        case .array(let items, _):
            return .array(try items.map(self.expression))
        case .dictionary(let entries, _):
            return .dictionary(try entries.map {
                SwiftDictionaryEntry(key: .text(SwiftLiteral.string($0.key)), value: try self.expression($0.value))
            })
        }
    }

    func reference(_ reference: ValueReference) throws -> SwiftExpr {
        let base: SwiftExpr
        switch reference.root {
        case .input: base = input
        case .step(let name): base = stepValue(name, reference.rootType.isOptional)
        }
        return try path(base, type: reference.rootType, reference.path[...])
    }

    /// `base` followed by `elements`; `type` is the declared type of `base`, which decides between
    /// `.` and `?.` for the next member.
    private func path(_ base: SwiftExpr, type: TypeRef, _ elements: ArraySlice<ValueReference.Element>) throws -> SwiftExpr {
        guard let element = elements.first else { return base }
        let receiver: SwiftExpr = type.isOptional ? .postfix(base, "?") : base
        switch element {
        case .field(let name):
            guard let fieldType = type.unwrapped.namedCore.flatMap({ spec.type(named: $0)?.field(name)?.type }) else {
                throw GeneratorError("no field '\(name)' in \(type)", at: location)
            }
            return try path(.member(receiver, SwiftIdentifier.escaped(name)), type: fieldType, elements.dropFirst())
        case .each:
            guard case .array(let elementType) = type.unwrapped else {
                throw GeneratorError("'[]' projects a list, but \(type) is not one", at: location)
            }
            let inner = try path(.text("$0"), type: elementType, elements.dropFirst())
            return .call(.member(receiver, "map"), [], trailing: SwiftClosure(nil, [.expression(inner)]))
        }
    }

    /// A literal already validated by the checker against `type`.
    func literal(_ value: LiteralValue, type: TypeRef) throws -> SwiftExpr {
        switch value {
        case .string(let text): return .text(SwiftLiteral.string(text))
        case .int(let number): return .text("\(number)")
        case .double(let number): return .text(doubleLiteral(number))
        case .bool(let flag): return .text(flag ? "true" : "false")
        case .decimal(let text): return .postfix(.call("Foundation.Decimal", [SwiftArgument("string", .text(SwiftLiteral.string(text)))]), "!")
        case .date(let text):
            guard let date = RFC3339.swiftExpression(text) else { throw GeneratorError("'\(text)' is not an RFC 3339 date", at: location) }
            return .text(date)
        case .uuid(let text):
            guard let uuid = UUIDLiteral.swiftExpression(text) else { throw GeneratorError("'\(text)' is not a UUID", at: location) }
            return uuid
        case .enumCase(let name):
            guard let enumType = type.unwrapped.namedCore else { throw GeneratorError("enum case '\(name)' for \(type), which is no enum", at: location) }
            return .text("\(SwiftIdentifier.escaped(enumType)).\(SwiftIdentifier.escaped(name))")
        }
    }

    private func doubleLiteral(_ number: Double) -> String {
        if number.isNaN { return "Swift.Double.nan" }
        if number.isInfinite { return number < 0 ? "-Swift.Double.infinity" : "Swift.Double.infinity" }
        // A subnormal literal draws "underflows and loses precision" from the compiler; the bit
        // pattern is exact and quiet.
        if number.isSubnormal { return "Swift.Double(bitPattern: 0x\(String(number.bitPattern, radix: 16, uppercase: true)))" }
        let text = "\(number)"
        return text.contains(".") || text.contains("e") ? text : text + ".0"
    }

    /// A `when` condition as a Swift `Bool` expression; an absent optional value makes it false.
    func condition(_ condition: StepCondition) throws -> SwiftExpr {
        let value = try reference(condition.reference)
        let optional = condition.reference.type.isOptional
        switch condition.test {
        case .isTrue: return optional ? .infix(value, "==", .text("true")) : value
        case .isFalse: return optional ? .infix(value, "==", .text("false")) : .prefix("!", value)
        case .equals(let literal): return .infix(value, "==", try self.literal(literal, type: condition.reference.type))
        case .notEquals(let literal):
            let other = try self.literal(literal, type: condition.reference.type)
            guard optional else { return .infix(value, "!=", other) }
            let test = SwiftClosure(nil, [.expression(.infix(.text("$0"), "!=", other))])
            return .infix(.call(.member(.parenthesized(value), "map"), [], trailing: test), "??", .text("false"))
        }
    }
}

/// RFC 3339 text → an exact `Date` expression, computed here so generated code has no parsing
/// (and no force unwrap) at run time.
enum RFC3339 {
    static func swiftExpression(_ text: String) -> String? {
        guard let seconds = epochSeconds(text) else { return nil }
        return "Foundation.Date(timeIntervalSince1970: \(seconds))"
    }

    /// Seconds since 1970 as decimal text (`1700000000.25`), or nil when `text` is not RFC 3339.
    static func epochSeconds(_ text: String) -> String? {
        let chars = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= chars.count else { return nil }
            var value = 0
            for index in range {
                guard chars[index] >= 48, chars[index] <= 57 else { return nil }
                value = value * 10 + Int(chars[index] - 48)
            }
            return value
        }
        guard chars.count >= 20,
              let year = number(0..<4), chars[4] == UInt8(ascii: "-"),
              let month = number(5..<7), chars[7] == UInt8(ascii: "-"),
              let day = number(8..<10), chars[10] == UInt8(ascii: "T") || chars[10] == UInt8(ascii: "t") || chars[10] == UInt8(ascii: " "),
              let hour = number(11..<13), chars[13] == UInt8(ascii: ":"),
              let minute = number(14..<16), chars[16] == UInt8(ascii: ":"),
              let second = number(17..<19),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        var fraction = ""
        if index < chars.count, chars[index] == UInt8(ascii: ".") {
            index += 1
            while index < chars.count, chars[index] >= 48, chars[index] <= 57 {
                fraction.append(Character(Unicode.Scalar(chars[index])))
                index += 1
            }
            guard !fraction.isEmpty else { return nil }
        }
        guard index < chars.count else { return nil }
        var offset = 0
        switch chars[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard index + 1 == chars.count else { return nil }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard index + 6 == chars.count, let h = number(index + 1..<index + 3), chars[index + 3] == UInt8(ascii: ":"),
                  let m = number(index + 4..<index + 6) else { return nil }
            offset = (h * 60 + m) * 60 * (chars[index] == UInt8(ascii: "-") ? -1 : 1)
        default:
            return nil
        }
        let seconds = daysFromCivil(year: year, month: month, day: day) * 86_400
            + hour * 3_600 + minute * 60 + second - offset
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return fraction.isEmpty ? "\(seconds)" : "\(seconds).\(fraction)"
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

/// Canonical UUID text → a `UUID(uuid:)` expression with its sixteen bytes.
enum UUIDLiteral {
    static func swiftExpression(_ text: String) -> SwiftExpr? {
        let hex = text.unicodeScalars.filter { $0 != "-" }
        guard hex.count == 32 else { return nil }
        var bytes: [UInt8] = []
        var iterator = hex.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            guard let value = UInt8(String(high) + String(low), radix: 16) else { return nil }
            bytes.append(value)
        }
        return swiftExpression(bytes: bytes)
    }

    static func swiftExpression(bytes: [UInt8]) -> SwiftExpr {
        let hex = bytes.map { SwiftExpr.text("0x" + String($0, radix: 16, uppercase: true).leftPadded(to: 2)) }
        return .call("Foundation.UUID", [SwiftArgument("uuid", .tuple(hex))])
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
