/// Whether an operation reads or writes (spec-v1 §5 `access`); writes go to primaries when the
/// service's endpoints declare roles.
public enum OperationAccess: String, Sendable, Hashable {
    /// The operation only reads (the spec's default): any endpoint may serve it, and it may be
    /// retried, hedged and cached.
    case read
    /// The operation changes state: it goes to the primaries when any endpoint is a primary, and
    /// is retried or hedged only with an `idempotencyKey`.
    case write
}

/// How an ``EndpointRouter`` picks among its candidate endpoints (spec-v1 §5 `routing.strategy`).
public enum RoutingStrategy: String, Sendable, Hashable {
    /// Smooth weighted round robin (nginx's): over any run of `Σ weights` picks among a stable
    /// candidate set, each endpoint gets exactly its weight, evenly interleaved.
    case roundRobin
    /// Weighted random, from the router's injected ``RandomSource``.
    case random
    /// Power of two choices over peak-EWMA latency × (in-flight + 1), Finagle/Linkerd style:
    /// two candidates are drawn at random and the cheaper (divided by its weight) wins.
    case leastLatency
    /// Endpoints of the local region first (weighted round robin among them); the other regions
    /// only when the local region has no healthy endpoint.
    case regionFirst
}

/// A live statistic of a service that routing rules compare (spec-v1 §5).
public enum RoutingMetric: String, Sendable, Hashable, CaseIterable {
    /// Latency percentiles of the service's recent successful calls, in seconds.
    case p50, p90, p99
    /// Share of recent calls that failed with a class that says the dependency is unhealthy
    /// (timeout, unavailable, overloaded, transient, unknown), 0...1.
    case errorRate
    /// Share of endpoints neither ejected nor behind an open circuit, 0...1.
    case healthy
    /// Calls in flight to the service, all endpoints.
    case inflight
}

/// A comparison operator of a routing condition.
public enum RoutingComparison: String, Sendable, Hashable {
    /// `<`: the metric is below the value.
    case lessThan = "<"
    /// `<=`: the metric is at most the value.
    case lessThanOrEqual = "<="
    /// `>`: the metric is above the value.
    case greaterThan = ">"
    /// `>=`: the metric is at least the value.
    case greaterThanOrEqual = ">="
    /// `==`: the metric equals the value exactly (sensible for `inflight` only).
    case equal = "=="
    /// `!=`: the metric differs from the value.
    case notEqual = "!="

    func holds(_ lhs: Double, _ rhs: Double) -> Bool {
        switch self {
        case .lessThan: lhs < rhs
        case .lessThanOrEqual: lhs <= rhs
        case .greaterThan: lhs > rhs
        case .greaterThanOrEqual: lhs >= rhs
        case .equal: lhs == rhs
        case .notEqual: lhs != rhs
        }
    }
}

/// A routing rule's `when`, as a small syntax tree (the generator translates the spec's
/// `"p99 > 300ms or errorRate > 5%"` into it).
///
/// ```swift
/// let when: RoutingCondition = .or(
///     .latency(.p99, .greaterThan, .milliseconds(300)),
///     .compare(.errorRate, .greaterThan, 0.05))
/// ```
///
/// A comparison on a latency percentile is false while the service has no latency samples.
public indirect enum RoutingCondition: Sendable, Hashable, CustomStringConvertible {
    /// `metric op value`; latencies in seconds, ratios in 0...1, `inflight` as a count.
    case compare(RoutingMetric, RoutingComparison, Double)
    /// Both hold.
    case and(RoutingCondition, RoutingCondition)
    /// Either holds.
    case or(RoutingCondition, RoutingCondition)

    /// A comparison of a latency percentile with a duration.
    public static func latency(_ metric: RoutingMetric, _ comparison: RoutingComparison, _ value: Duration) -> RoutingCondition {
        .compare(metric, comparison, value.seconds)
    }

    /// Whether the condition holds for `stats`.
    public func holds(for stats: RoutingStats) -> Bool {
        switch self {
        case .compare(let metric, let comparison, let value):
            guard let actual = stats.value(of: metric) else { return false }
            return comparison.holds(actual, value)
        case .and(let lhs, let rhs):
            return lhs.holds(for: stats) && rhs.holds(for: stats)
        case .or(let lhs, let rhs):
            return lhs.holds(for: stats) || rhs.holds(for: stats)
        }
    }

    public var description: String {
        switch self {
        case .compare(let metric, let comparison, let value):
            switch metric {
            case .p50, .p90, .p99: "\(metric) \(comparison.rawValue) \(formatSeconds(value))"
            case .errorRate, .healthy: "\(metric) \(comparison.rawValue) \(formatShare(value))"
            case .inflight: "\(metric) \(comparison.rawValue) \(formatNumber(value))"
            }
        case .and(let lhs, let rhs): "(\(lhs) and \(rhs))"
        case .or(let lhs, let rhs): "(\(lhs) or \(rhs))"
        }
    }
}

/// Which endpoints a rule's action names.
public enum EndpointMatch: Sendable, Hashable, CustomStringConvertible {
    /// Endpoints whose ``Endpoint/variant`` is this label (spec `{ variant: lite }`).
    case variant(String)
    /// Endpoints whose ``Endpoint/region`` is this region (spec `{ region: eu-west }`).
    case region(String)

    /// Whether `endpoint` is named.
    public func matches(_ endpoint: Endpoint) -> Bool {
        switch self {
        case .variant(let variant): endpoint.variant == variant
        case .region(let region): endpoint.region == region
        }
    }

    public var description: String {
        switch self {
        case .variant(let variant): "variant \(variant)"
        case .region(let region): "region \(region)"
        }
    }
}

/// What a matching rule does to the candidate endpoints.
public enum RoutingAction: Sendable, Hashable, CustomStringConvertible {
    /// Only the matching endpoints (healthy ones first, but never the others); ignored when no
    /// endpoint matches.
    case use(EndpointMatch)
    /// The matching endpoints while one of them is healthy, else the others.
    case prefer(EndpointMatch)
    /// The other endpoints while one of them is healthy, else the matching ones.
    case avoid(EndpointMatch)

    public var description: String {
        switch self {
        case .use(let match): "use \(match)"
        case .prefer(let match): "prefer \(match)"
        case .avoid(let match): "avoid \(match)"
        }
    }

    var match: EndpointMatch {
        switch self {
        case .use(let match), .prefer(let match), .avoid(let match): match
        }
    }
}

/// One entry of a service's `routing.rules`: evaluated in order on live stats, the first whose
/// condition holds is the active rule.
public struct RoutingRule: Sendable, Hashable, CustomStringConvertible {
    /// Names the rule in logs and snapshots.
    public var name: String
    /// When the rule applies (the spec's `when`); evaluated on ``RoutingStats``.
    public var condition: RoutingCondition
    /// What the rule does to the candidate endpoints while it is active (`use`, `prefer`, `avoid`).
    public var action: RoutingAction

    /// Creates a rule (spec `{ name, when, use | prefer | avoid }`).
    ///
    /// ```swift
    /// // - name: shed-to-lite
    /// //   when: "p99 > 300ms"
    /// //   use: { variant: lite }
    /// let shed = RoutingRule(
    ///     name: "shed-to-lite", when: .latency(.p99, .greaterThan, .milliseconds(300)), .use(.variant("lite")))
    /// ```
    ///
    /// - Parameters:
    ///   - name: Names the rule in logs and snapshots.
    ///   - condition: When the rule applies.
    ///   - action: What it does to the candidates while active.
    public init(name: String, when condition: RoutingCondition, _ action: RoutingAction) {
        self.name = name
        self.condition = condition
        self.action = action
    }

    public var description: String { "\(name): when \(condition) \(action)" }
}

/// The live per-service statistics rules are evaluated on.
public struct RoutingStats: Sendable, Hashable, CustomStringConvertible {
    /// The median latency of the service's recent successful calls; `nil` while there is no
    /// sample (a condition on it is then false).
    public var p50: Duration?
    /// The 90th percentile latency; `nil` while there is no sample.
    public var p90: Duration?
    /// The 99th percentile latency; `nil` while there is no sample.
    public var p99: Duration?
    /// Share of the calls in the stats window that failed (0 when there were none).
    public var errorRate: Double
    /// Calls in the stats window.
    public var calls: Int
    /// Share of healthy endpoints.
    public var healthy: Double
    /// Calls in flight.
    public var inflight: Int

    /// Creates stats (routers compute them; tests use this to check conditions). The defaults
    /// describe an idle, healthy service without latency samples.
    ///
    /// - Parameters:
    ///   - p50: Median latency; `nil` for unknown.
    ///   - p90: 90th percentile latency; `nil` for unknown.
    ///   - p99: 99th percentile latency; `nil` for unknown.
    ///   - errorRate: Share of recent calls that failed, 0...1. Default 0.
    ///   - calls: Calls in the stats window. Default 0.
    ///   - healthy: Share of healthy endpoints, 0...1. Default 1.
    ///   - inflight: Calls in flight. Default 0.
    public init(p50: Duration? = nil, p90: Duration? = nil, p99: Duration? = nil, errorRate: Double = 0, calls: Int = 0, healthy: Double = 1, inflight: Int = 0) {
        self.p50 = p50
        self.p90 = p90
        self.p99 = p99
        self.errorRate = errorRate
        self.calls = calls
        self.healthy = healthy
        self.inflight = inflight
    }

    /// `metric`'s value in the unit conditions use, or `nil` when unknown.
    public func value(of metric: RoutingMetric) -> Double? {
        switch metric {
        case .p50: p50?.seconds
        case .p90: p90?.seconds
        case .p99: p99?.seconds
        case .errorRate: errorRate
        case .healthy: healthy
        case .inflight: Double(inflight)
        }
    }

    public var description: String {
        func latency(_ value: Duration?) -> String { value.map { formatSeconds($0.seconds) } ?? "-" }
        return "p50=\(latency(p50)) p90=\(latency(p90)) p99=\(latency(p99)) errorRate=\(formatShare(errorRate)) (\(calls) calls) healthy=\(formatShare(healthy)) inflight=\(inflight)"
    }
}

/// A change of a router's active rule, as logged and as delivered to its observer.
package struct RoutingRuleChange: Sendable, Hashable, CustomStringConvertible {
    /// The service whose router changed rule.
    package var service: String
    /// The rule active before, or `nil` for none.
    package var from: String?
    /// The rule active now, or `nil` for none (default routing).
    package var to: String?
    /// When, on the router's clock.
    package var at: BatonInstant
    /// The stats the rules were evaluated on.
    package var stats: RoutingStats

    /// Creates a change (routers make them; tests may build expected ones).
    ///
    /// - Parameters:
    ///   - service: The service whose router changed rule.
    ///   - from: The rule active before; `nil` for none.
    ///   - to: The rule active now; `nil` for none.
    ///   - at: When, on the router's clock.
    ///   - stats: The stats the rules were evaluated on.
    package init(service: String, from: String?, to: String?, at: BatonInstant, stats: RoutingStats) {
        self.service = service
        self.from = from
        self.to = to
        self.at = at
        self.stats = stats
    }

    package var description: String {
        "routing rule of '\(service)' \(from.map { "'\($0)'" } ?? "none") -> \(to.map { "'\($0)'" } ?? "none") at \(at): \(stats)"
    }
}

// MARK: - Formatting without Foundation

func formatSeconds(_ seconds: Double) -> String {
    if seconds >= 1 { return "\(formatNumber(seconds))s" }
    return "\(formatNumber(seconds * 1000))ms"
}

func formatShare(_ share: Double) -> String {
    "\(formatNumber(share * 100))%"
}

/// At most one decimal, no trailing ".0".
func formatNumber(_ value: Double) -> String {
    let tenths = (value * 10).rounded()
    if tenths.truncatingRemainder(dividingBy: 10) == 0 { return "\(Int(tenths / 10))" }
    return "\(tenths / 10)"
}
