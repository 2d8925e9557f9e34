import Logging

/// Which of a service's routing rules is active: evaluated in order on the service's live
/// ``RoutingStats`` at most once per ``interval``; the first whose condition holds is active until
/// another evaluation picks another one or none.
///
/// A value owned by the router's locked state; the router computes the stats, evaluates when
/// ``isDue(at:)`` says so, and logs the changes it returns.
struct RuleEvaluator: Sendable {
    /// In order; the first whose condition holds is active.
    let rules: [RoutingRule]
    /// Rules are evaluated at most this often.
    let interval: Duration
    /// For each rule, the endpoints its action names.
    private let matches: [EndpointSet]
    /// The active rule's position in ``rules``.
    private(set) var active: Int?
    /// When the active rule became active.
    private(set) var activeSince: BatonInstant?
    /// The stats that made it active.
    private(set) var activeStats: RoutingStats?
    private var nextEvaluation: BatonInstant = .zero

    init(rules: [RoutingRule], endpoints: [Endpoint], interval: Duration) {
        self.rules = rules
        self.interval = interval
        self.matches = rules.map { rule in
            var matches = EndpointSet()
            for (index, endpoint) in endpoints.enumerated() where rule.action.match.matches(endpoint) { matches.insert(index) }
            return matches
        }
    }

    /// Whether a call at `now` should evaluate the rules first.
    func isDue(at now: BatonInstant) -> Bool {
        !rules.isEmpty && now >= nextEvaluation
    }

    /// The active rule's action and the endpoints it names, or `nil` for default routing.
    var activeAction: (action: RoutingAction, matches: EndpointSet)? {
        active.map { (rules[$0].action, matches[$0]) }
    }

    /// The active rule's name, or `nil` for default routing.
    var activeName: String? {
        active.map { rules[$0].name }
    }

    /// Evaluates the rules on `stats` now, and returns the change of the active rule, if any.
    mutating func evaluate(_ stats: RoutingStats, at now: BatonInstant, service: String) -> RoutingRuleChange? {
        nextEvaluation = now.advanced(by: interval)
        let next = rules.firstIndex { $0.condition.holds(for: stats) }
        guard next != active else { return nil }
        let change = RoutingRuleChange(service: service, from: activeName, to: next.map { rules[$0].name }, at: now, stats: stats)
        active = next
        activeSince = next == nil ? nil : now
        activeStats = next == nil ? nil : stats
        return change
    }
}

extension RoutingRuleChange {
    /// The metadata of the change's log line: the service, both rules and the stats.
    var logMetadata: Logger.Metadata {
        var metadata: Logger.Metadata = [
            "baton.service": .string(service),
            "baton.routing_rule": .string(to ?? "none"),
            "baton.routing_previous_rule": .string(from ?? "none"),
            "baton.stats.error_rate": .string(formatShare(stats.errorRate)),
            "baton.stats.healthy": .string(formatShare(stats.healthy)),
            "baton.stats.inflight": .stringConvertible(stats.inflight),
        ]
        if let p50 = stats.p50 { metadata["baton.stats.p50"] = .string(formatSeconds(p50.seconds)) }
        if let p90 = stats.p90 { metadata["baton.stats.p90"] = .string(formatSeconds(p90.seconds)) }
        if let p99 = stats.p99 { metadata["baton.stats.p99"] = .string(formatSeconds(p99.seconds)) }
        return metadata
    }
}
