/// What a step looks like to expressions that reference it.
struct StepHeader {
    var name: String
    var location: SourceLocation
    var call: OperationRef?
    var output: TypeRef?
    var optional: Bool
    var hasWhen: Bool
    var mode: StepMode

    var valueIsOptional: Bool { optional || hasWhen || mode == .async }

    /// Why the value may be missing, for messages.
    var missingReason: String {
        if mode == .async { return "step '\(name)' is async" }
        if optional { return "step '\(name)' is optional" }
        return "step '\(name)' has a 'when' condition"
    }
}

/// What expressions may see.
struct ExpressionScope {
    var workflowInput: TypeRef?
    var steps: [String: StepHeader]
    var stepNames: [String]
    /// In a compensation: the compensated step, whose value is present (not optional).
    var compensationOf: String?
    /// In a compensation: the steps it may read (the step itself and what it depends on).
    var allowedSteps: Set<String>?
}

/// Expressions (spec-v1 §6.1): references, literals typed against their target, record
/// construction from mappings, lists, `$$` escapes, and `when` conditions.
extension Checker {
    /// Types `node` against `target`. `anchor` is the key holding the value (for `missing-field`).
    func expression(_ node: YAMLNode, target: TypeRef, scope: ExpressionScope, anchor: SourceLocation,
                    what: String) -> TypedExpression? {
        // An unresolved target was reported where it was declared; do not cascade.
        if target.isErrorType { return nil }
        switch node {
        case .scalar(let s):
            if s.isNull {
                guard target.isOptional else {
                    report(.typeMismatch, "\(what) is required (\(target)); null cannot fill it", at: s.location)
                    return nil
                }
                return .null(type: target)
            }
            if s.value.hasPrefix("$"), !s.value.hasPrefix("$$"), s.tag == nil {
                guard let ref = reference(s, scope: scope) else { return nil }
                guard assignable(ref.type, to: target) else {
                    if ref.type.isOptional, !target.isOptional, assignable(ref.type.unwrapped, to: target) {
                        var why = "it may be missing"
                        if case .step(let n) = ref.root, let h = scope.steps[n], h.valueIsOptional,
                           scope.compensationOf != n {
                            why = h.missingReason
                        }
                        report(.typeMismatch,
                               "'\(ref)' is \(ref.type) because \(why); it cannot fill \(what), which is required (\(target)); make the field optional",
                               at: s.location)
                    } else {
                        report(.typeMismatch, "'\(ref)' is \(ref.type), but \(what) is \(target)", at: s.location)
                    }
                    return nil
                }
                return .reference(ref)
            }
            return literal(s, target: target, what: what).map { .literal($0, type: target.unwrapped) }
        case .sequence(let seq):
            guard case .array(let element) = target.unwrapped else {
                report(.typeMismatch, "a list cannot fill \(what), which is \(target)", at: seq.location)
                return nil
            }
            var items: [TypedExpression] = []
            var ok = true
            for (i, item) in seq.items.enumerated() {
                if let e = expression(item, target: element, scope: scope, anchor: item.location,
                                      what: "item \(i + 1) of \(what)") {
                    items.append(e)
                } else {
                    ok = false
                }
            }
            return ok ? .array(items, type: target.unwrapped) : nil
        case .mapping(let m):
            if case .dictionary(let value) = target.unwrapped {
                var entries: [DictionaryEntry] = []
                for e in m.entries {
                    if let v = expression(e.value, target: value, scope: scope, anchor: e.key.location,
                                          what: "entry '\(e.key.value)'") {
                        entries.append(DictionaryEntry(key: e.key.value, value: v))
                    }
                }
                return .dictionary(entries, type: target.unwrapped)
            }
            guard let r = record(target) else {
                report(.typeMismatch, "a mapping cannot fill \(what), which is \(target)", at: m.location)
                return nil
            }
            return recordConstruction(m, record: r, scope: scope, anchor: anchor)
        }
    }

    /// A mapping building record `r` field by field (absent optional fields are left out).
    func recordConstruction(_ m: YAMLMapping, record r: ResolvedType, scope: ExpressionScope,
                            anchor: SourceLocation) -> TypedExpression? {
        var given: [String: TypedExpression] = [:]
        var ok = true
        for e in m.entries {
            guard let f = r.field(e.key.value) else {
                let hint = Suggest.didYouMean(e.key.value, in: r.fields.map(\.name))
                report(.unknownField, "type '\(r.name)'\(schemaNote(r)) has no field '\(e.key.value)'" + (hint.map { "; \($0)" } ?? ""),
                       at: e.key.location, suggestion: hint)
                ok = false
                continue
            }
            if let v = expression(e.value, target: f.type, scope: scope, anchor: e.key.location,
                                  what: "field '\(f.name)' of '\(r.name)'\(schemaNote(r))") {
                given[f.name] = v
            } else {
                ok = false
            }
        }
        for f in r.fields where !f.type.isOptional && m[f.name] == nil {
            // A type that failed to resolve was reported where it is written; name no placeholder.
            let type = f.type.isErrorType ? "" : " (\(f.type))"
            report(.missingField, "missing required field '\(f.name)' of '\(r.name)'\(type)\(schemaNote(r, from: true))", at: anchor)
            ok = false
        }
        guard ok else { return nil }
        let fields = r.fields.compactMap { f in given[f.name].map { FieldValue(name: f.name, fieldType: f.type, value: $0) } }
        return .record(typeName: r.name, fields: fields)
    }

    /// `T` fills `T?`; lists and dictionaries are covariant in that sense too.
    func assignable(_ source: TypeRef, to target: TypeRef) -> Bool {
        if source == target || source.isErrorType || target.isErrorType { return true }
        switch (source, target) {
        case (.optional(let a), .optional(let b)): return assignable(a, to: b)
        case (_, .optional(let b)): return assignable(source, to: b)
        case (.array(let a), .array(let b)): return assignable(a, to: b)
        case (.dictionary(let a), .dictionary(let b)): return assignable(a, to: b)
        default: return false
        }
    }

    /// A literal scalar typed against `target` (through one optional).
    func literal(_ s: YAMLScalar, target: TypeRef, what: String) -> LiteralValue? {
        let text = s.value.hasPrefix("$$") ? String(s.value.dropFirst()) : s.value
        let plain = s.isPlain
        let t = target.unwrapped
        func mismatch(_ extra: String = "") -> LiteralValue? {
            report(.typeMismatch, "\(describeLiteral(s)) cannot fill \(what), which is \(target)\(extra)", at: s.location)
            return nil
        }
        switch t {
        case .string:
            if plain, ScalarSyntax.bool(text) != nil || ScalarSyntax.float(text) != nil {
                return mismatch("; quote it to make it text")
            }
            return .string(text)
        case .int:
            guard plain, let v = ScalarSyntax.integer(text) else { return mismatch() }
            return .int(v)
        case .double:
            guard plain, let v = ScalarSyntax.float(text) else { return mismatch() }
            guard v.isFinite else {
                report(.invalidValue, "the number \(text) is too large for \(what), which is a double", at: s.location)
                return nil
            }
            return .double(v)
        case .decimal:
            guard plain, ScalarSyntax.float(text) != nil else { return mismatch() }
            // Generated code builds the value with `Decimal(string:)`, which reads only decimal
            // notation and returns nil (a crash in generated code) beyond Decimal's range.
            if let problem = ScalarSyntax.decimalLiteralProblem(text) {
                report(.invalidValue, "the number \(text) cannot fill \(what), which is a decimal: \(problem)", at: s.location)
                return nil
            }
            return .decimal(text)
        case .bool:
            guard plain, let v = ScalarSyntax.bool(text) else { return mismatch() }
            return .bool(v)
        case .date:
            guard LiteralSyntax.isRFC3339(text) else { return mismatch(" (an RFC 3339 date such as 2024-05-01T12:00:00Z)") }
            return .date(text)
        case .uuid:
            guard LiteralSyntax.isUUID(text) else { return mismatch(" (a UUID such as 123e4567-e89b-12d3-a456-426614174000)") }
            return .uuid(text.lowercased())
        case .named(let n):
            guard let type = resolvedTypes[n], type.isEnum else {
                return mismatch("; build a record with a mapping")
            }
            guard type.cases.contains(where: { $0.name == text }) else {
                let hint = Suggest.didYouMean(text, in: type.cases.map(\.name))
                report(.typeMismatch, "'\(text)' is not a case of enum '\(n)'\(schemaNote(type)) (\(type.cases.map(\.name).joined(separator: ", ")))"
                       + (hint.map { "; \($0)" } ?? ""), at: s.location, suggestion: hint)
                return nil
            }
            return .enumCase(text)
        default:
            return mismatch()
        }
    }

    private func describeLiteral(_ s: YAMLScalar) -> String {
        if s.isPlain {
            if ScalarSyntax.bool(s.value) != nil { return "the boolean \(s.value)" }
            if ScalarSyntax.float(s.value) != nil { return "the number \(s.value)" }
        }
        return "the text '\(s.value)'"
    }

    /// Parses and types `$input…`/`$step…`; records step references in `exprRefs`.
    func reference(_ s: YAMLScalar, scope: ExpressionScope) -> ValueReference? {
        let chars = Array(s.value.unicodeScalars)
        var i = 1
        func ident() -> String {
            var out = ""
            while i < chars.count, ScalarSyntax.isAlnum(chars[i]) || chars[i] == "_" {
                out.unicodeScalars.append(chars[i]); i += 1
            }
            return out
        }
        func bad(_ why: String) -> ValueReference? {
            report(.invalidExpression, "malformed reference '\(s.value)': \(why)", at: s.location(atOffset: min(i, chars.count)))
            return nil
        }
        let rootName = ident()
        guard !rootName.isEmpty else { return bad("expected '$input' or '$<step>'") }
        var path: [(ValueReference.Element, Int)] = []
        while i < chars.count {
            if chars[i] == "." {
                i += 1
                let start = i
                let name = ident()
                guard !name.isEmpty else { return bad("expected a field name after '.'") }
                path.append((.field(name), start))
            } else if chars[i] == "[", i + 1 < chars.count, chars[i + 1] == "]" {
                path.append((.each, i))
                i += 2
            } else {
                return bad("unexpected '\(chars[i])'")
            }
        }
        let root: ValueReference.Root
        var rootType: TypeRef
        if rootName == "input" {
            root = .input
            guard let t = scope.workflowInput else { return nil }
            rootType = t
        } else {
            guard let h = scope.steps[rootName] else {
                let hint = Suggest.didYouMean(rootName, in: scope.stepNames + ["input"])
                report(.unknownStep, "unknown step '\(rootName)'" + (hint.map { "; \($0)" } ?? ""),
                       at: s.location(atOffset: 1), suggestion: hint)
                return nil
            }
            let isSelf = scope.compensationOf == rootName
            if let allowed = scope.allowedSteps, !allowed.contains(rootName) {
                report(.invalidExpression,
                       "the compensation of '\(scope.compensationOf ?? "")' may read only that step and the steps it depends on, not '\(rootName)'",
                       at: s.location(atOffset: 1))
                return nil
            }
            exprRefs.append((rootName, s.location))
            if h.mode == .async, !isSelf {
                report(.asyncOutputUsed, "step '\(rootName)' is async (not awaited); its output cannot be used",
                       at: s.location)
                return nil
            }
            guard let out = h.output else { return nil }
            root = .step(rootName)
            rootType = h.valueIsOptional && !isSelf ? out.optional : out
        }
        // Walk the path; `[]` maps the rest of the path over a list's elements.
        var elementTypes: [TypeRef] = []
        func walk(_ t: TypeRef, _ k: Int) -> TypeRef? {
            guard k < path.count, !t.isErrorType else { return t }
            let (element, offset) = path[k]
            switch element {
            case .field(let name):
                guard let r = record(t) else {
                    report(.unknownField, "'\(name)': \(t) has no fields", at: s.location(atOffset: offset))
                    return nil
                }
                guard let f = r.field(name) else {
                    let hint = Suggest.didYouMean(name, in: r.fields.map(\.name))
                    report(.unknownField, "type '\(r.name)'\(schemaNote(r)) has no field '\(name)'" + (hint.map { "; \($0)" } ?? ""),
                           at: s.location(atOffset: offset), suggestion: hint)
                    return nil
                }
                let next = t.isOptional ? f.type.optional : f.type
                elementTypes.append(next)
                return walk(next, k + 1)
            case .each:
                guard case .array(let e) = t.unwrapped else {
                    report(.typeMismatch, "'[]' projects a list, but this value is \(t)", at: s.location(atOffset: offset))
                    return nil
                }
                elementTypes.append(e)
                guard let inner = walk(e, k + 1) else { return nil }
                return t.isOptional ? .optional(.array(inner)) : .array(inner)
            }
        }
        guard let type = walk(rootType, 0) else { return nil }
        return ValueReference(root: root, rootType: rootType, path: path.map(\.0), elementTypes: elementTypes,
                              type: type, location: s.location)
    }

    /// `when`: `$ref` (bool), `!$ref`, `$ref == literal`, `$ref != literal`.
    func condition(_ node: YAMLNode, scope: ExpressionScope) -> StepCondition? {
        guard case .scalar(let s) = node else {
            report(.invalidExpression, "'when' must be a condition such as $input.giftWrap", at: node.location)
            return nil
        }
        var text = s.value
        var base = s
        // Unquoted `!$ref` is read by YAML as a tag; take the tag as the text.
        if text.isEmpty, let tag = s.tag, tag.hasPrefix("!$") {
            text = tag
            base = YAMLScalar(value: tag, style: .plain, location: s.location)
        }
        func sub(_ from: Int, _ value: String, style: YAMLScalar.Style = .plain) -> YAMLScalar {
            YAMLScalar(value: value, style: style, location: base.location(atOffset: from))
        }
        let chars = Array(text.unicodeScalars)
        func trimmed(_ a: Int, _ b: Int) -> (Int, String) {
            var a = a, b = b
            while a < b, chars[a] == " " { a += 1 }
            while b > a, chars[b - 1] == " " { b -= 1 }
            var out = ""
            out.unicodeScalars.append(contentsOf: chars[a..<b])
            return (a, out)
        }
        func boolRef(_ offset: Int, _ value: String) -> ValueReference? {
            guard value.hasPrefix("$"), !value.hasPrefix("$$") else {
                report(.invalidExpression, "'when' is $ref, !$ref, $ref == literal or $ref != literal", at: base.location(atOffset: offset))
                return nil
            }
            guard let r = reference(sub(offset, value), scope: scope) else { return nil }
            guard r.type.unwrapped == .bool else {
                report(.typeMismatch, "'\(r)' is \(r.type); a 'when' without a comparison needs a bool", at: r.location)
                return nil
            }
            return r
        }
        // Find `==` or `!=` outside quotes.
        var opIndex: Int?
        var quote: Unicode.Scalar?
        for k in 0..<chars.count {
            let c = chars[k]
            if let q = quote { if c == q { quote = nil }; continue }
            if c == "\"" || c == "'" { quote = c; continue }
            if (c == "=" || c == "!"), k + 1 < chars.count, chars[k + 1] == "=" { opIndex = k; break }
        }
        if let op = opIndex {
            let (lo, lhs) = trimmed(0, op)
            let (ro, rhs) = trimmed(op + 2, chars.count)
            guard lhs.hasPrefix("$"), !lhs.hasPrefix("$$") else {
                report(.invalidExpression, "the left side of '\(chars[op])=' must be a reference such as $input.tier",
                       at: base.location(atOffset: lo))
                return nil
            }
            guard let r = reference(sub(lo, lhs), scope: scope) else { return nil }
            guard !rhs.isEmpty else {
                report(.invalidExpression, "expected a literal after '\(chars[op])='", at: base.location(atOffset: ro))
                return nil
            }
            var lit = sub(ro, rhs)
            if rhs.count >= 2, let q = rhs.unicodeScalars.first, q == "\"" || q == "'", rhs.unicodeScalars.last == q {
                lit = YAMLScalar(value: String(rhs.dropFirst().dropLast()), style: q == "\"" ? .doubleQuoted : .singleQuoted,
                                 location: base.location(atOffset: ro))
            }
            switch r.type.unwrapped {
            case .array, .dictionary:
                report(.typeMismatch, "'\(r)' is \(r.type); 'when' compares only scalars and enums", at: r.location)
                return nil
            case .named(let n) where resolvedTypes[n]?.isEnum != true:
                report(.typeMismatch, "'\(r)' is \(r.type); 'when' compares only scalars and enums", at: r.location)
                return nil
            default:
                break
            }
            if lit.isNull {
                report(.invalidExpression, "'when' cannot compare with null; an absent value already counts as false",
                       at: lit.location)
                return nil
            }
            guard let value = literal(lit, target: r.type.unwrapped, what: "the comparison with '\(r)'") else { return nil }
            return StepCondition(reference: r, test: chars[op] == "=" ? .equals(value) : .notEquals(value))
        }
        let (o, body) = trimmed(0, chars.count)
        if body.hasPrefix("!") {
            let (o2, rest) = trimmed(o + 1, chars.count)
            return boolRef(o2, rest).map { StepCondition(reference: $0, test: .isFalse) }
        }
        return boolRef(o, body).map { StepCondition(reference: $0, test: .isTrue) }
    }
}

/// Validation of typed string literals.
enum LiteralSyntax {
    /// RFC 3339 date-time: `2024-05-01T12:00:00Z`, `2024-05-01T12:00:00.5+02:00`.
    static func isRFC3339(_ s: String) -> Bool {
        let c = Array(s.utf8)
        func digits(_ from: Int, _ n: Int) -> Int? {
            guard from + n <= c.count else { return nil }
            var v = 0
            for k in from..<(from + n) {
                guard c[k] >= 48, c[k] <= 57 else { return nil }
                v = v * 10 + Int(c[k] - 48)
            }
            return v
        }
        guard let y = digits(0, 4), y > 0, c.count > 19, c[4] == 45, let mo = digits(5, 2), (1...12).contains(mo),
              c[7] == 45, let d = digits(8, 2), (1...31).contains(d), c[10] == 84 || c[10] == 116,
              let h = digits(11, 2), h < 24, c[13] == 58, let mi = digits(14, 2), mi < 60, c[16] == 58,
              let sec = digits(17, 2), sec <= 60 else { return false }
        var i = 19
        if i < c.count, c[i] == 46 {
            i += 1
            let start = i
            while i < c.count, c[i] >= 48, c[i] <= 57 { i += 1 }
            guard i > start else { return false }
        }
        guard i < c.count else { return false }
        if c[i] == 90 || c[i] == 122 { return i + 1 == c.count }
        guard c[i] == 43 || c[i] == 45, let oh = digits(i + 1, 2), oh < 24, i + 3 < c.count, c[i + 3] == 58,
              let om = digits(i + 4, 2), om < 60 else { return false }
        return i + 6 == c.count
    }

    /// `8-4-4-4-12` hexadecimal digits.
    static func isUUID(_ s: String) -> Bool {
        let c = Array(s.utf8)
        guard c.count == 36 else { return false }
        for (k, b) in c.enumerated() {
            if [8, 13, 18, 23].contains(k) {
                guard b == 45 else { return false }
            } else {
                let hex = (b >= 48 && b <= 57) || (b >= 65 && b <= 70) || (b >= 97 && b <= 102)
                guard hex else { return false }
            }
        }
        return true
    }
}
