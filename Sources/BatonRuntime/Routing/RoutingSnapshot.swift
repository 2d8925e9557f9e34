/// The routing state of one service at one instant (``EndpointRouter/snapshot``).
public struct RoutingSnapshot: Sendable, Hashable, CustomStringConvertible {
    /// One endpoint's state.
    public struct EndpointState: Sendable, Hashable {
        /// The endpoint described.
        public var endpoint: Endpoint
        /// Neither ejected nor behind an open circuit.
        public var healthy: Bool
        /// When the current ejection ends, if ejected.
        public var ejectedUntil: BatonInstant?
        /// Ejections counted towards the next ejection's length.
        public var ejections: Int
        /// Failures in a row; any answer (a `permanent` error included) and every ejection reset
        /// it. Outlier detection ejects at ``EndpointRouter/OutlierDetection/consecutiveFailures``.
        public var consecutiveFailures: Int
        /// The peak-EWMA latency estimate, decayed to now.
        public var latencyEstimate: Duration
        /// Attempts sent to the endpoint and not yet finished.
        public var inflight: Int
        /// The endpoint's breaker state, with per-endpoint breakers.
        public var circuit: CircuitState?
    }

    /// The service the router routes.
    public var service: String
    /// When the snapshot was taken.
    public var at: BatonInstant
    /// The router's strategy.
    public var strategy: RoutingStrategy
    /// Every endpoint's state, in spec order.
    public var endpoints: [EndpointState]
    /// The active rule's name, or `nil` for default routing.
    public var activeRule: String?
    /// When the active rule became active.
    public var activeSince: BatonInstant?
    /// The stats that made it active.
    public var activeRuleStats: RoutingStats?
    /// The live stats now.
    public var stats: RoutingStats

    public var description: String {
        var lines = ["routing '\(service)' at \(at): \(strategy), rule \(activeRule.map { "'\($0)' since \(activeSince.map { "\($0)" } ?? "?")" } ?? "none"); \(stats)"]
        for state in endpoints {
            var line = "  \(state.endpoint.url): \(state.healthy ? "healthy" : "unhealthy") ewma=\(state.latencyEstimate) inflight=\(state.inflight)"
            if let until = state.ejectedUntil { line += " ejected until \(until) (#\(state.ejections))" }
            if let circuit = state.circuit { line += " circuit \(circuit)" }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
