import Metrics
import Synchronization

/// When and how many hedged attempts a call gets (spec-v1 §4 `hedge`).
///
/// Hedging is for **idempotent operations only**: several copies of the call may reach the
/// dependency, and every one may take effect. The generator passes a hedge policy only to reads
/// and to writes that declare an `idempotencyKey` (a write without one is `unsafe-retry` at lint
/// time); code that builds pipelines by hand must follow the same rule.
public struct HedgePolicy: Sendable, Hashable, CustomStringConvertible {
    /// How long to wait for an attempt before sending the next one.
    public enum Delay: Sendable, Hashable, CustomStringConvertible {
        /// A set time (spec `delay: 50ms`).
        case fixed(Duration)
        /// The service's recent latency percentile, 0...1 (spec `delay: p95` is `0.95`).
        case percentile(Double)

        public var description: String {
            switch self {
            case .fixed(let duration): "\(duration)"
            case .percentile(let quantile): "p\(formatNumber(quantile * 100))"
            }
        }
    }

    /// How long to wait for the attempts in flight before starting the next one.
    public var delay: Delay
    /// Attempts running at once at most, the first included, 2...5. Default 2.
    public var maxAttempts: Int

    /// Creates a hedge policy (spec `hedge: { delay, maxAttempts }`).
    ///
    /// - Parameters:
    ///   - delay: A fixed delay (not negative) or a percentile strictly between 0 and 1; traps
    ///     otherwise.
    ///   - maxAttempts: Attempts running at once at most, the first included, 2...5 (traps
    ///     otherwise). Default 2, as in spec-v1.
    public init(delay: Delay, maxAttempts: Int = 2) {
        precondition((2...5).contains(maxAttempts), "hedge maxAttempts must be 2...5")
        if case .percentile(let quantile) = delay {
            precondition(quantile > 0 && quantile < 1, "a hedge percentile is in 0<…<1")
        }
        if case .fixed(let duration) = delay {
            precondition(duration >= .zero, "a hedge delay must not be negative")
        }
        self.delay = delay
        self.maxAttempts = maxAttempts
    }

    public var description: String { "hedge after \(delay), at most \(maxAttempts) attempts" }
}

/// Runs hedged attempts for one service's operation: a ``HedgePolicy`` with its service's latency
/// estimator and counters. Build one per operation (or per service and policy) with the
/// orchestrator, pass it to ``ResiliencePipeline``.
///
/// **The race** (run by the pipeline, between retry and endpoint choice — spec-v1 §7.4): the first
/// attempt starts at once; after each delay while no attempt has succeeded, another starts, until
/// ``HedgePolicy/maxAttempts`` have been started. Every hedge (each attempt after the first)
/// withdraws from the service's ``RetryBudget`` first and is not sent when the budget is spent
/// (then no further hedges are sent for that call). Each attempt goes to an endpoint the others
/// do not use, when the service has endpoints and one is free. The first success wins: the
/// other attempts are cancelled, and the race returns only once they have ended (a task group:
/// nothing outlives the call). A failed attempt does not end the race while others still run;
/// when every started attempt has failed, the race throws the last failure and the retry policy
/// (outside) decides what next. No hedge starts at or after the run's ``Deadline/current``, nor
/// after the caller was cancelled.
///
/// **Percentile delays** read the service's ``LatencyEstimator`` (which the pipeline feeds with
/// every successful attempt's latency); until it holds ``minimumSamples`` samples a call is not
/// hedged at all, so a cold service sends no extra load on guesses.
///
/// **Counters**: `baton_hedges_total{service, outcome="sent"}` for every hedge sent and
/// `{outcome="won"}` for every race a hedge (not the first attempt) won — created once, here.
///
/// ```swift
/// // hedge: { delay: p95, maxAttempts: 2 }, on a service with endpoints: share the router's estimator
/// let hedging = Hedging(HedgePolicy(delay: .percentile(0.95)), service: "pricing",
///                       estimator: router.estimator, telemetry: telemetry)
/// let quotes = ResiliencePipeline(timeout: .milliseconds(150), router: router, hedging: hedging, clock: clock)
/// ```
public final class Hedging: Sendable {
    /// The policy.
    public let policy: HedgePolicy
    /// The service's latency distribution (share the service router's ``EndpointRouter/estimator``).
    public let estimator: LatencyEstimator
    /// The service, for the counters' `service` label.
    public let service: String
    /// A percentile delay needs this many samples in the estimator; below, no hedging.
    public let minimumSamples: Int

    private let sentCounter: Counter?
    private let wonCounter: Counter?
    private let sent = Atomic<Int>(0)
    private let won = Atomic<Int>(0)

    /// - Parameters:
    ///   - policy: delay and maximum attempts.
    ///   - service: labels the counters.
    ///   - estimator: the service's latency estimator; with a router, pass the router's.
    ///   - minimumSamples: samples needed before a percentile delay hedges; default 20.
    ///   - telemetry: its metrics factory makes the `baton_hedges_total` counters (once).
    public init(_ policy: HedgePolicy, service: String, estimator: LatencyEstimator, minimumSamples: Int = 20, telemetry: Telemetry = Telemetry()) {
        self.policy = policy
        self.service = service
        self.estimator = estimator
        self.minimumSamples = max(1, minimumSamples)
        if telemetry.metricsEnabled {
            sentCounter = Counter(
                label: TelemetryNames.hedges,
                dimensions: [(TelemetryNames.serviceLabel, service), (TelemetryNames.outcomeLabel, "sent")],
                factory: telemetry.metricsFactory)
            wonCounter = Counter(
                label: TelemetryNames.hedges,
                dimensions: [(TelemetryNames.serviceLabel, service), (TelemetryNames.outcomeLabel, "won")],
                factory: telemetry.metricsFactory)
        } else {
            sentCounter = nil
            wonCounter = nil
        }
    }

    /// The delay before the next hedge, now; `nil` when a percentile delay has too few samples.
    public func currentDelay() -> Duration? {
        switch policy.delay {
        case .fixed(let duration): duration
        case .percentile(let quantile): estimator.percentile(quantile, minimumSamples: minimumSamples)
        }
    }

    /// Hedges sent since this object was made.
    public var hedgesSent: Int { sent.load(ordering: .relaxed) }
    /// Races won by a hedge since this object was made.
    public var hedgesWon: Int { won.load(ordering: .relaxed) }

    func recordSent() {
        sent.add(1, ordering: .relaxed)
        sentCounter?.increment()
    }

    func recordWon() {
        won.add(1, ordering: .relaxed)
        wonCounter?.increment()
    }
}

extension TelemetryNames {
    /// Counter of hedged attempts, labelled `service` and `outcome` (`sent` or `won`).
    public static let hedges = "baton_hedges_total"
}
