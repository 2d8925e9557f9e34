import BatonSpec

/// A value of a spec type, dynamic: what the interpreter passes between steps where generated code
/// passes typed records.
enum Value: Sendable, Hashable {
    case null
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    /// Decimal, date and uuid as their text; enum cases by name.
    case text(String)
    case array([Value])
    /// Records (by field name) and `[string: T]` dictionaries.
    case record([String: Value])

    /// The field `name` of a record; `.null` for anything else (an absent optional).
    subscript(field name: String) -> Value {
        if case .record(let fields) = self { return fields[name] ?? .null }
        return .null
    }

    /// A stable 64-bit digest of the value (FNV-1a over its parts; records by sorted field name).
    var digest: UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        mix(into: &hash)
        return hash
    }

    private func mix(into hash: inout UInt64) {
        func byte(_ value: UInt8) {
            hash ^= UInt64(value)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        func text(_ string: String) {
            for unit in string.utf8 { byte(unit) }
            byte(0xFF)
        }
        func word(_ value: UInt64) {
            for shift in stride(from: 0, to: 64, by: 8) { byte(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
        }
        switch self {
        case .null: byte(0)
        case .string(let s): byte(1); text(s)
        case .int(let i): byte(2); word(UInt64(bitPattern: Int64(i)))
        case .double(let d): byte(3); word(d.bitPattern)
        case .bool(let b): byte(b ? 4 : 5)
        case .text(let s): byte(6); text(s)
        case .array(let items):
            byte(7)
            for item in items { item.mix(into: &hash) }
            byte(8)
        case .record(let fields):
            byte(9)
            for name in fields.keys.sorted() {
                text(name)
                fields[name]!.mix(into: &hash)
            }
            byte(10)
        }
    }

    /// The text an idempotency key is made of (`String(describing:)` in generated code).
    var keyText: String {
        switch self {
        case .null: "nil"
        case .string(let s), .text(let s): s
        case .int(let i): String(i)
        case .double(let d): String(d)
        case .bool(let b): String(b)
        case .array(let items): "[" + items.map(\.keyText).joined(separator: ", ") + "]"
        case .record(let fields): "{" + fields.keys.sorted().map { "\($0): \(fields[$0]!.keyText)" }.joined(separator: ", ") + "}"
        }
    }
}

/// Makes values of spec types: the outputs simulated services answer with and the inputs of the
/// simulated runs. A value is a function of its type and a seed text (deterministic): strings
/// are `<seed>.<field>`, numbers 1, booleans true, enums their first case, lists one element,
/// dictionaries one entry, optionals present.
struct ValueSynthesizer: Sendable {
    let spec: ResolvedSpec

    func make(_ type: TypeRef, seed: String, depth: Int = 0) -> Value {
        guard depth < 16 else { return .null }
        switch type {
        case .string: return .string(seed)
        case .int: return .int(1)
        case .double: return .double(1)
        case .bool: return .bool(true)
        case .decimal: return .text("1")
        case .date: return .text("2026-01-01T00:00:00Z")
        case .uuid: return .text("00000000-0000-4000-8000-000000000000")
        case .optional(let wrapped): return make(wrapped, seed: seed, depth: depth + 1)
        case .array(let element): return .array([make(element, seed: seed + "[0]", depth: depth + 1)])
        case .dictionary(let element): return .record(["key": make(element, seed: seed + ".key", depth: depth + 1)])
        case .named(let name):
            guard let declared = spec.type(named: name) else { return .null }
            if let first = declared.cases.first { return .text(first.name) }
            var fields: [String: Value] = [:]
            for field in declared.fields {
                // A record that contains itself only through an optional or a list: stop there.
                if depth > 4, field.type.isOptional { continue }
                fields[field.name] = make(field.type, seed: seed + "." + field.name, depth: depth + 1)
            }
            return .record(fields)
        }
    }
}

/// Evaluates the typed expressions of a resolved model (spec-v1 §6.1) on dynamic values.
struct ExpressionEvaluator: Sendable {
    /// `$input…` and `$step…` roots; a missing step value is `.null`.
    func evaluate(_ expression: TypedExpression, input: Value, step: (String) -> Value) -> Value {
        switch expression {
        case .reference(let reference):
            let root: Value = switch reference.root {
            case .input: input
            case .step(let name): step(name)
            }
            return Self.follow(reference.path[...], from: root)
        case .literal(let literal, _):
            return Self.value(of: literal)
        case .null:
            return .null
        case .record(_, let fields):
            var record: [String: Value] = [:]
            for field in fields {
                let value = evaluate(field.value, input: input, step: step)
                if value != .null { record[field.name] = value }
            }
            return .record(record)
        case .array(let items, _):
            return .array(items.map { evaluate($0, input: input, step: step) })
        case .dictionary(let entries, _):
            var record: [String: Value] = [:]
            for entry in entries { record[entry.key] = evaluate(entry.value, input: input, step: step) }
            return .record(record)
        }
    }

    /// `a.b`, `list[].field`: a missing link gives `.null` (optional chaining).
    static func follow(_ path: ArraySlice<ValueReference.Element>, from value: Value) -> Value {
        guard let first = path.first else { return value }
        switch first {
        case .field(let name):
            return follow(path.dropFirst(), from: value[field: name])
        case .each:
            guard case .array(let items) = value else { return .null }
            return .array(items.map { follow(path.dropFirst(), from: $0) })
        }
    }

    static func value(of literal: LiteralValue) -> Value {
        switch literal {
        case .string(let s): .string(s)
        case .int(let i): .int(i)
        case .double(let d): .double(d)
        case .bool(let b): .bool(b)
        case .decimal(let s), .date(let s), .uuid(let s), .enumCase(let s): .text(s)
        }
    }
}
