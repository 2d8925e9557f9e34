/// Service level objectives of a workflow (spec-v1 §14). Every malformed value is
/// `invalid-value` at the value; `slo-budget` is checked by the workflow, which knows the deadline.
extension Checker {
    static let sloKeys = ["availability", "latency", "window"]

    func readSLO(_ e: YAMLMapping.Entry) -> ServiceLevelObjectives? {
        guard let m = closed(e.value, "'slo'", allowed: Self.sloKeys, owner: e.key.location) else { return nil }
        if m["availability"] == nil, m["latency"] == nil {
            // A misspelt objective was reported as an unknown key, with its suggestion.
            if m.entries.allSatisfy({ Self.sloKeys.contains($0.key.value) }) {
                report(.missingKey, "'slo' needs 'availability', 'latency' or both", at: e.key.location)
            }
            return nil
        }
        let errorsBefore = errorCount
        var slo = ServiceLevelObjectives(availability: nil, latency: nil, location: e.key.location)
        if let a = m["availability"] {
            slo.availability = objective(a.value, "'availability'")
        }
        if let l = m["latency"],
           let lm = closed(l.value, "'latency'", allowed: ["threshold", "target"], required: ["threshold", "target"],
                           owner: l.key.location) {
            let threshold = lm["threshold"].flatMap { sloDuration($0.value, "'threshold'", example: "300ms") }
            let target = lm["target"].flatMap { objective($0.value, "'target'") }
            if let threshold, let target {
                slo.latency = ServiceLevelObjectives.Latency(threshold: threshold, target: target)
            }
        }
        if let w = m["window"], let window = sloWindow(w.value) {
            slo.window = window
        }
        return errorCount == errorsBefore ? slo : nil
    }

    /// Where `slo-budget` points: the latency threshold's value.
    func sloThresholdLocation(_ e: YAMLMapping.Entry) -> SourceLocation? {
        guard case .mapping(let m) = e.value, case .mapping(let l)? = m["latency"]?.value else { return nil }
        return l["threshold"]?.value.location
    }

    /// An objective: a percentage above 0% and below 100% (100% leaves no error budget to burn).
    private func objective(_ node: YAMLNode, _ what: String) -> Double? {
        guard case .scalar(let s) = node, let r = ScalarSyntax.ratio(s.value), r.isFinite else {
            report(.invalidValue, "\(what) must be a percentage such as 99.9%", at: node.location)
            return nil
        }
        guard r < 1 else {
            report(.invalidValue,
                   "\(what) must be below 100%, not \(s.value): an objective of 100% leaves no error budget, "
                   + "so any failure would break it", at: node.location)
            return nil
        }
        guard r > 0 else {
            report(.invalidValue, "\(what) must be above 0%, not \(s.value)", at: node.location)
            return nil
        }
        return r
    }

    /// A positive duration; anything else is `invalid-value` here (spec-v1 §14).
    private func sloDuration(_ node: YAMLNode, _ what: String, example: String) -> Duration? {
        guard case .scalar(let s) = node, !s.isNull, let d = ScalarSyntax.duration(s.value) else {
            let text = node.scalar.map { " '\($0.value)'" } ?? ""
            report(.invalidValue, "\(what)\(text) must be a duration such as \(example)", at: node.location)
            return nil
        }
        guard d > .zero else {
            report(.invalidValue, "\(what) must be greater than zero", at: node.location)
            return nil
        }
        return d
    }

    /// `window`: whole days (`28d`, `7d`), weeks (`4w`) or any duration (`36h`), at most 365 days.
    private func sloWindow(_ node: YAMLNode) -> Duration? {
        guard case .scalar(let s) = node, !s.isNull else {
            report(.invalidValue, "'window' must be a duration such as 28d or 7d", at: node.location)
            return nil
        }
        let window: Duration?
        if s.value.hasSuffix("d"), let days = ScalarSyntax.integer(String(s.value.dropLast())) {
            window = days > 0 && days <= 365 ? .seconds(days * 86_400) : nil
        } else if s.value.hasSuffix("w"), let weeks = ScalarSyntax.integer(String(s.value.dropLast())) {
            window = weeks > 0 && weeks <= 52 ? .seconds(weeks * 7 * 86_400) : nil
        } else {
            window = ScalarSyntax.duration(s.value).flatMap { $0 > .zero ? $0 : nil }
        }
        guard let window else {
            report(.invalidValue,
                   "'window' '\(s.value)' must be a duration such as 28d, 4w or 36h (whole days or weeks, or a duration; at most 365d)",
                   at: node.location)
            return nil
        }
        return window
    }
}
