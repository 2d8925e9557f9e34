/// Shape helpers: closed mappings and scalar kinds (spec-v1 §1–§2).
extension Checker {
    /// Requires `node` to be a mapping with only `allowed` keys and all `required` keys.
    /// Unknown keys are reported with a suggestion; missing keys at `owner` (the key that holds
    /// the mapping). Returns the mapping (even when keys were wrong) or nil when not a mapping.
    func closed(_ node: YAMLNode, _ what: String, allowed: [String], required: [String] = [],
                owner: SourceLocation) -> YAMLMapping? {
        guard case .mapping(let m) = node else {
            if case .scalar(let s) = node, s.isNull, !required.isEmpty {
                report(.missingKey, "\(what) is missing required key '\(required[0])'", at: owner)
            } else if case .scalar(let s) = node, s.isNull {
                return YAMLMapping(entries: [], location: node.location)
            } else {
                report(.invalidValue, "\(what) must be a mapping, not \(node.kindDescription)", at: node.location)
            }
            return nil
        }
        for e in m.entries where !allowed.contains(e.key.value) {
            let hint = Suggest.didYouMean(e.key.value, in: allowed)
            report(.unknownKey, "unknown key '\(e.key.value)' in \(what)" + (hint.map { "; \($0)" } ?? ""),
                   at: e.key.location, suggestion: hint)
        }
        for r in required where m[r] == nil {
            report(.missingKey, "\(what) is missing required key '\(r)'", at: owner)
        }
        return m
    }

    /// Any non-null scalar as text.
    func string(_ node: YAMLNode, _ what: String) -> String? {
        guard case .scalar(let s) = node, !s.isNull else {
            report(.invalidValue, "\(what) must be a text value, not \(node.kindDescription)", at: node.location)
            return nil
        }
        return s.value
    }

    func int(_ node: YAMLNode, _ what: String, min: Int, max: Int = Int.max) -> Int? {
        let range = max == Int.max ? "an integer ≥ \(min)" : "an integer from \(min) to \(max)"
        guard case .scalar(let s) = node, s.isPlain, let v = ScalarSyntax.integer(s.value) else {
            report(.invalidValue, "\(what) must be \(range)", at: node.location)
            return nil
        }
        guard v >= min, v <= max else {
            report(.invalidValue, "\(what) must be \(range), not \(v)", at: node.location)
            return nil
        }
        return v
    }

    func number(_ node: YAMLNode, _ what: String, min: Double) -> Double? {
        guard case .scalar(let s) = node, s.isPlain, let v = ScalarSyntax.float(s.value), v.isFinite else {
            report(.invalidValue, "\(what) must be a number ≥ \(min)", at: node.location)
            return nil
        }
        guard v >= min else {
            report(.invalidValue, "\(what) must be a number ≥ \(min), not \(s.value)", at: node.location)
            return nil
        }
        return v
    }

    func bool(_ node: YAMLNode, _ what: String) -> Bool? {
        guard case .scalar(let s) = node, s.isPlain, let v = ScalarSyntax.bool(s.value) else {
            report(.invalidValue, "\(what) must be true or false", at: node.location)
            return nil
        }
        return v
    }

    /// A positive duration (§2).
    func duration(_ node: YAMLNode, _ what: String) -> Duration? {
        guard case .scalar(let s) = node, !s.isNull else {
            report(.invalidDuration, "\(what) must be a duration such as 250ms or 1.5s", at: node.location)
            return nil
        }
        if s.isPlain, ScalarSyntax.float(s.value) != nil {
            report(.invalidDuration, "\(what) '\(s.value)' has no unit; write e.g. \(s.value)ms or \(s.value)s",
                   at: s.location, suggestion: "add a unit: us, ms, s, m or h")
            return nil
        }
        guard let d = ScalarSyntax.duration(s.value) else {
            report(.invalidDuration,
                   "\(what) '\(s.value)' is not a duration (<number><unit>, unit us, ms, s, m or h, at most 8760h)",
                   at: s.location)
            return nil
        }
        guard d > .zero else {
            report(.invalidDuration, "\(what) must be greater than zero", at: s.location)
            return nil
        }
        return d
    }

    /// A ratio `NN%` in 0–100, as a fraction.
    func ratio(_ node: YAMLNode, _ what: String) -> Double? {
        guard case .scalar(let s) = node, let r = ScalarSyntax.ratio(s.value) else {
            report(.invalidValue, "\(what) must be a percentage such as 50% or 0.5%", at: node.location)
            return nil
        }
        guard r >= 0, r <= 1 else {
            report(.invalidValue, "\(what) must be between 0% and 100%", at: node.location)
            return nil
        }
        return r
    }

    /// A rate `N/s`, `N/m`, `N/h`, > 0.
    func rate(_ node: YAMLNode, _ what: String) -> Rate? {
        guard case .scalar(let s) = node, let r = ScalarSyntax.rate(s.value) else {
            report(.invalidValue, "\(what) must be a rate such as 100/s or 6000/m", at: node.location)
            return nil
        }
        guard r.count > 0, r.count <= 1_000_000_000 else {
            report(.invalidValue, "\(what) must be greater than zero and at most 1000000000 per unit", at: node.location)
            return nil
        }
        return Rate(count: r.count, per: r.per)
    }

    /// One of the raw values of `E`, with a suggestion when close.
    func choice<E: RawRepresentable & CaseIterable>(_ node: YAMLNode, _ what: String, _: E.Type) -> E?
        where E.RawValue == String {
        let options = E.allCases.map(\.rawValue)
        guard case .scalar(let s) = node, let v = E(rawValue: s.value) else {
            let text = node.scalar?.value ?? ""
            let hint = Suggest.didYouMean(text, in: options)
            report(.invalidValue, "\(what) must be one of \(options.joined(separator: ", "))"
                   + (hint.map { "; \($0)" } ?? ""), at: node.location, suggestion: hint)
            return nil
        }
        return v
    }

    /// A list of non-null scalars (a single scalar is not accepted: the spec writes lists).
    func scalarList(_ node: YAMLNode, _ what: String) -> [YAMLScalar]? {
        guard case .sequence(let seq) = node else {
            report(.invalidValue, "\(what) must be a list", at: node.location)
            return nil
        }
        var out: [YAMLScalar] = []
        for item in seq.items {
            guard case .scalar(let s) = item, !s.isNull else {
                report(.invalidValue, "\(what) must list names, not \(item.kindDescription)", at: item.location)
                continue
            }
            out.append(s)
        }
        return out
    }

    /// Checks a lowerCamelCase name (services, operations, workflows, steps, fields, cases, policies).
    @discardableResult
    func checkLowerName(_ key: YAMLScalar, _ kind: String) -> Bool {
        guard ScalarSyntax.isLowerName(key.value) else {
            report(.invalidName, "\(kind) name '\(key.value)' must be lowerCamelCase ([a-z][A-Za-z0-9]*)",
                   at: key.location)
            return false
        }
        return true
    }

    @discardableResult
    func checkTypeName(_ key: YAMLScalar) -> Bool {
        guard ScalarSyntax.isTypeName(key.value) else {
            report(.invalidName, "type name '\(key.value)' must be UpperCamelCase ([A-Z][A-Za-z0-9]*)",
                   at: key.location)
            return false
        }
        return true
    }

    /// Optional `description`.
    func description(_ m: YAMLMapping) -> String? {
        m["description"].flatMap { string($0.value, "'description'") }
    }

    /// The entries of a mapping-valued section (`services`, `steps`, …), or nil after reporting.
    func section(_ entry: YAMLMapping.Entry, _ what: String, nonEmpty: Bool) -> [YAMLMapping.Entry]? {
        let node = entry.value
        if case .scalar(let s) = node, s.isNull {
            if nonEmpty { report(.invalidValue, "\(what) must declare at least one entry", at: entry.key.location) }
            return []
        }
        guard case .mapping(let m) = node else {
            report(.invalidValue, "\(what) must be a mapping, not \(node.kindDescription)", at: node.location)
            return nil
        }
        if nonEmpty, m.entries.isEmpty {
            report(.invalidValue, "\(what) must declare at least one entry", at: entry.key.location)
        }
        return m.entries
    }
}
