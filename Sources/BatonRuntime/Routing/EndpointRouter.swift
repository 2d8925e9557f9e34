import Logging
import Synchronization

/// Chooses the endpoint of each attempt of one service's calls (spec-v1 §5 `endpoints`,
/// `routing`), and learns from every attempt's outcome.
///
/// One router per service, built once with the orchestrator and shared by every pipeline of the
/// service (``ResiliencePipeline/init(timeout:retry:retryBudget:circuitBreaker:rateLimiter:bulkhead:router:endpointBreakers:hedging:access:classifier:clock:random:)``):
/// the pipeline asks it for the endpoint of each attempt and reports the attempt's outcome back.
///
/// **How a choice is made**, from all endpoints:
/// 1. *Writes* go to the primaries when the endpoints declare roles (and one is a primary).
/// 2. The *active rule* (below) narrows the set: `use` keeps only the matching endpoints;
///    `prefer` keeps them while one is healthy; `avoid` drops them while another is healthy.
/// 3. `regionFirst` keeps the ``localRegion``'s endpoints while one of them is healthy — so it
///    fails over to the other regions only when the local region has no healthy endpoint.
/// 4. Among what is left, healthy endpoints (not ejected, circuit not open) that are not
///    *excluded* are preferred; then healthy excluded ones; then unhealthy ones (an attempt must
///    go somewhere: an open circuit then fails it at once, and the retry policy takes over).
///    Exclusion is how a retry moves to another endpoint than the one that failed, and how
///    concurrent hedges spread over endpoints.
/// 5. The strategy picks one: weighted round robin, weighted random, power of two choices over
///    peak-EWMA latency (`leastLatency`), or round robin within the region (`regionFirst`).
///
/// **Peak EWMA** (Finagle's `PeakEwma`, Linkerd's/tower's `PeakEwma`): each endpoint keeps a
/// latency estimate that jumps to any slower sample at once and otherwise moves towards new
/// samples with weight `1 − e^(−Δt/decayTime)`; an endpoint that gets no traffic sees its estimate
/// decay towards zero, so it is probed again eventually. Its cost is `estimate × (in-flight + 1) /
/// weight`. A failed call counts as a sample of 5 times the current estimate (at least the
/// observed time), so an endpoint that fails fast does not look fast. Decay time 10 s and
/// initial estimate 30 ms, as in Finagle and Linkerd.
///
/// **Outlier detection** (Envoy's consecutive-failures ejection): after
/// ``OutlierDetection/consecutiveFailures`` failures in a row an endpoint is ejected for
/// `ejectFor × (its number of ejections)`, capped at ``OutlierDetection/maxEjectFor``; the count
/// goes down by one for every `ejectFor` the endpoint then stays healthy. An ejection that would
/// make more than ``OutlierDetection/maxEjected`` of the endpoints ejected at once does not
/// happen. Failures are the classes that say something about the dependency's health (timeout,
/// unavailable, overloaded, transient, unknown); `permanent` answers count as successes and
/// cancelled attempts are ignored.
///
/// **Rules** are evaluated in order on ``stats`` at most once per ``evaluationInterval`` (lazily,
/// on a call); the first whose condition holds is active until another evaluation picks
/// another one or none. Every change of the active rule is logged (`notice`) with the rule's name
/// and the stats that triggered it; ``snapshot`` shows the current state.
///
/// **Per-endpoint circuit breakers**: given a breaker configuration, the router holds one
/// ``CircuitBreaker`` per endpoint (named `service@url`), skips endpoints whose circuit is open,
/// and hands the endpoint's breaker to the pipeline with its choice.
///
/// Each part of this is a value of its own, composed under the router's one lock: the selector
/// (candidates and strategies), the peak-EWMA estimates, the outlier detector, the error-rate
/// window and the rule evaluator.
///
/// Thread-safe; one short lock per selection and per outcome (plus a read of each per-endpoint
/// breaker's state when there are such breakers), no allocation on either path (for services of
/// up to 64 endpoints), no task and no timer of its own.
///
/// ```swift
/// let router = EndpointRouter(
///     service: "pricing",
///     endpoints: [
///         Endpoint(url: "http://pricing-eu:8080", region: "eu-west"),
///         Endpoint(url: "http://pricing-us:8080", region: "us-east", weight: 2),
///         Endpoint(url: "http://pricing-lite:8080", variant: "lite"),
///     ],
///     strategy: .leastLatency,
///     outlierDetection: EndpointRouter.OutlierDetection(),
///     rules: [RoutingRule(name: "shed-to-lite", when: .latency(.p99, .greaterThan, .milliseconds(300)), .use(.variant("lite")))],
///     clock: clock, telemetry: telemetry)
/// // Every attempt of the pipeline's calls gets its endpoint in `CallContext.endpoint`.
/// let quotes = ResiliencePipeline(timeout: .milliseconds(150), retry: RetryPolicy(), router: router, clock: clock)
/// ```
public final class EndpointRouter: Sendable {
    /// The endpoint chosen for one attempt; hand it back to `finish(_:_:)`.
    package struct Choice: Sendable {
        /// The endpoint's position in ``EndpointRouter/endpoints``.
        package let index: Int
        /// The endpoint to send the attempt to; the pipeline puts it in ``CallContext/endpoint``.
        package let endpoint: Endpoint
        /// The endpoint's own breaker, when the router has per-endpoint breakers.
        package let breaker: CircuitBreaker?
    }

    /// What became of an attempt sent to a `Choice`.
    package enum Outcome: Sendable, Hashable {
        /// The endpoint answered (a `permanent` failure is an answer too) in `latency`.
        case success(latency: Duration)
        /// The attempt failed with `errorClass` after `latency`.
        case failure(ErrorClass, latency: Duration)
        /// The attempt never reached the endpoint (its circuit was open, a local limiter refused).
        case notSent
    }

    /// The service's name, for logs, breakers and snapshots.
    public let service: String
    /// The endpoints, in spec order.
    public let endpoints: [Endpoint]
    /// How the router picks among the remaining candidates (spec `routing.strategy`).
    public var strategy: RoutingStrategy { selector.strategy }
    /// The region ``RoutingStrategy/regionFirst`` prefers.
    public let localRegion: String?
    /// `nil`: no ejection.
    public let outlierDetection: OutlierDetection?
    /// The latency tracking settings (used by ``RoutingStrategy/leastLatency``; the estimates are
    /// kept and shown in snapshots whatever the strategy).
    package let peakEWMA: PeakEWMA
    /// In order; the first whose condition holds is active.
    public let rules: [RoutingRule]
    /// The service's latency distribution: fed with every successful attempt's latency, read by
    /// rules (and by hedging when shared with it).
    public let estimator: LatencyEstimator
    /// Rules are evaluated at most this often. Default 1 s.
    public let evaluationInterval: Duration
    /// How far back `errorRate` looks. Default 10 s.
    public let statsWindow: Duration
    /// One breaker per endpoint (same order), or empty.
    public let breakers: [CircuitBreaker]

    private let clock: AnyClock
    private let random: RandomSource
    private let logger: Logger
    private let observer: (@Sendable (RoutingRuleChange) -> Void)?
    private let selector: EndpointSelector
    private let state: Lock<State>

    /// Everything that changes, under one lock: each part a value with one job.
    private struct State {
        /// Each endpoint's peak-EWMA latency estimate.
        var latency: [PeakEWMA.Estimate]
        /// Attempts in flight to each endpoint, and in total.
        var inflight: [Int]
        var totalInflight = 0
        /// The smooth weighted round-robin counters.
        var roundRobin: [Int]
        /// Failure streaks and ejections.
        var outliers: OutlierDetector
        /// Calls and failures of the last `statsWindow`.
        var window: RoutingStatsWindow
        /// The active rule.
        var rules: RuleEvaluator
    }

    /// A router over `endpoints` (at least one), with Finagle's and Linkerd's peak-EWMA settings
    /// (10 s decay, 30 ms initial estimate, failures count 5× the estimate).
    ///
    /// - Parameters:
    ///   - service: names the service in logs, breaker names (`service@url`) and snapshots.
    ///   - endpoints: spec order; weights must be at least 1.
    ///   - strategy: spec `routing.strategy`; default round robin.
    ///   - localRegion: spec `routing.localRegion`, for `regionFirst`.
    ///   - outlierDetection: spec `routing.outlierDetection`; `nil` for none.
    ///   - rules: spec `routing.rules`, in order.
    ///   - circuitBreaker: when the service's breaker scope is `endpoint`, its configuration; the
    ///     router then builds one breaker per endpoint. `nil`: no per-endpoint breakers.
    ///   - estimator: the service's latency estimator (share it with the service's ``Hedging``);
    ///     `nil` makes one.
    ///   - evaluationInterval: how often rules are evaluated at most; default 1 s.
    ///   - statsWindow: how far back `errorRate` looks; default 10 s.
    ///   - clock: ejections, EWMA decay, stats windows and rule evaluation run on it.
    ///   - random: for `random` and the two choices of `leastLatency`.
    ///   - telemetry: its logger gets rule changes and ejections; per-endpoint breakers report
    ///     through its circuit-state recorder.
    public convenience init(
        service: String,
        endpoints: [Endpoint],
        strategy: RoutingStrategy = .roundRobin,
        localRegion: String? = nil,
        outlierDetection: OutlierDetection? = nil,
        rules: [RoutingRule] = [],
        circuitBreaker: CircuitBreaker.Configuration? = nil,
        estimator: LatencyEstimator? = nil,
        evaluationInterval: Duration = .seconds(1),
        statsWindow: Duration = .seconds(10),
        clock: AnyClock = .continuous,
        random: RandomSource = .system,
        telemetry: Telemetry = Telemetry()
    ) {
        self.init(
            service: service, endpoints: endpoints, strategy: strategy, localRegion: localRegion,
            outlierDetection: outlierDetection, rules: rules, circuitBreaker: circuitBreaker, peakEWMA: PeakEWMA(),
            estimator: estimator, evaluationInterval: evaluationInterval, statsWindow: statsWindow,
            clock: clock, random: random, telemetry: telemetry, onRuleChange: nil)
    }

    /// The public initialiser's router with its own peak-EWMA settings and an observer of rule
    /// changes (for the runtime's tests).
    ///
    /// - Parameters:
    ///   - peakEWMA: latency tracking for `leastLatency` (the estimates are kept, and shown in
    ///     snapshots, whatever the strategy).
    ///   - onRuleChange: called with every change of the active rule (outside the router's lock).
    package init(
        service: String,
        endpoints: [Endpoint],
        strategy: RoutingStrategy = .roundRobin,
        localRegion: String? = nil,
        outlierDetection: OutlierDetection? = nil,
        rules: [RoutingRule] = [],
        circuitBreaker: CircuitBreaker.Configuration? = nil,
        peakEWMA: PeakEWMA,
        estimator: LatencyEstimator? = nil,
        evaluationInterval: Duration = .seconds(1),
        statsWindow: Duration = .seconds(10),
        clock: AnyClock = .continuous,
        random: RandomSource = .system,
        telemetry: Telemetry = Telemetry(),
        onRuleChange: (@Sendable (RoutingRuleChange) -> Void)? = nil
    ) {
        precondition(!endpoints.isEmpty, "a router needs at least one endpoint")
        precondition(endpoints.allSatisfy { $0.weight >= 1 }, "endpoint weights must be at least 1")
        precondition(statsWindow > .zero, "statsWindow must be positive")
        self.service = service
        self.endpoints = endpoints
        self.localRegion = localRegion
        self.outlierDetection = outlierDetection
        self.peakEWMA = peakEWMA
        self.rules = rules
        self.estimator = estimator ?? LatencyEstimator(clock: clock)
        self.evaluationInterval = evaluationInterval
        self.statsWindow = statsWindow
        self.clock = clock
        self.random = random
        self.logger = telemetry.logger
        self.observer = onRuleChange
        self.selector = EndpointSelector(endpoints: endpoints, strategy: strategy, localRegion: localRegion)
        if let circuitBreaker {
            self.breakers = endpoints.map { endpoint in
                let name = "\(service)@\(endpoint.url)"
                let recorder = telemetry.circuitStateRecorder(breaker: name, service: service)
                return CircuitBreaker(name: name, configuration: circuitBreaker, clock: clock, observer: recorder.observe)
            }
        } else {
            self.breakers = []
        }
        let now = clock.now
        self.state = Lock(State(
            latency: Array(repeating: peakEWMA.initial(at: now), count: endpoints.count),
            inflight: Array(repeating: 0, count: endpoints.count),
            roundRobin: Array(repeating: 0, count: endpoints.count),
            outliers: OutlierDetector(settings: outlierDetection, endpointCount: endpoints.count),
            window: RoutingStatsWindow(window: statsWindow),
            rules: RuleEvaluator(rules: rules, endpoints: endpoints, interval: evaluationInterval)))
    }

    /// One breaker per endpoint (same order), named `<name>@<url>`: for an operation or step whose
    /// breaker differs from the service's, passed to ``ResiliencePipeline`` as `endpointBreakers`.
    public func makeEndpointBreakers(name: String, configuration: CircuitBreaker.Configuration,
                                     telemetry: Telemetry = Telemetry()) -> [CircuitBreaker] {
        endpoints.map { endpoint in
            let breaker = "\(name)@\(endpoint.url)"
            let recorder = telemetry.circuitStateRecorder(breaker: breaker, service: service)
            return CircuitBreaker(name: breaker, configuration: configuration, clock: clock, observer: recorder.observe)
        }
    }

    // MARK: - Choosing

    /// Chooses the endpoint of one attempt and counts it in flight.
    ///
    /// - Parameters:
    ///   - access: writes go to primaries when roles are given.
    ///   - excluded: endpoints to avoid when another candidate is as acceptable (those earlier
    ///     attempts failed on, or concurrent hedges use).
    /// - Returns: the choice; pass it to `finish(_:_:)` exactly once.
    package func select(for access: OperationAccess = .read, excluding excluded: EndpointSet = EndpointSet()) -> Choice {
        let now = clock.now
        let open = openCircuits()
        let (index, change) = state.withLock { state -> (Int, RoutingRuleChange?) in
            let unhealthy = state.outliers.expireEjections(now: now).union(open)
            var change: RoutingRuleChange?
            if state.rules.isDue(at: now) {
                change = self.evaluate(&state, now: now, unhealthy: unhealthy)
            }
            let candidates = selector.candidates(
                access: access, excluded: excluded, unhealthy: unhealthy, rule: state.rules.activeAction)
            let index: Int
            switch selector.pick(from: candidates, roundRobin: &state.roundRobin, random: random) {
            case .endpoint(let chosen):
                index = chosen
            case .cheaperOf(let a, let b):
                index = self.cost(a, state, now: now) <= self.cost(b, state, now: now) ? a : b
            }
            state.inflight[index] += 1
            state.totalInflight += 1
            return (index, change)
        }
        if let change { report(change) }
        return Choice(index: index, endpoint: endpoints[index], breaker: breakers.isEmpty ? nil : breakers[index])
    }

    /// Records what became of the attempt sent to `choice` (exactly once per `select(for:excluding:)`).
    package func finish(_ choice: Choice, _ outcome: Outcome) {
        let now = clock.now
        var recordLatency: Duration?
        let ejection = state.withLock { state -> (duration: Duration, ejections: Int)? in
            let index = choice.index
            state.inflight[index] -= 1
            state.totalInflight -= 1
            switch outcome {
            case .notSent:
                return nil
            case .success(let latency):
                recordLatency = latency
                state.window.count(failure: false, at: now)
                state.outliers.recordAnswer(index)
                peakEWMA.observeAnswer(after: latency, into: &state.latency[index], at: now)
                return nil
            case .failure(let errorClass, let latency):
                switch errorClass {
                case .cancelled:
                    peakEWMA.observeLowerBound(latency, into: &state.latency[index], at: now)
                    return nil
                case .permanent:
                    // The endpoint answered: healthy, and its latency is real.
                    state.window.count(failure: false, at: now)
                    state.outliers.recordAnswer(index)
                    peakEWMA.observeAnswer(after: latency, into: &state.latency[index], at: now)
                    return nil
                case .timeout, .unavailable, .overloaded, .transient, .unknown:
                    state.window.count(failure: true, at: now)
                    peakEWMA.observeFailure(after: latency, into: &state.latency[index], at: now)
                    return state.outliers.recordFailure(index, now: now)
                }
            }
        }
        if let recordLatency { estimator.record(recordLatency) }
        if let ejection {
            logger.warning(
                "endpoint \(choice.endpoint.url) of '\(service)' ejected for \(ejection.duration) (ejection \(ejection.ejections))",
                metadata: ["baton.service": .string(service), "baton.endpoint": .string(choice.endpoint.url)])
        }
    }

    // MARK: - Reading the state

    /// The live statistics rules are evaluated on.
    public var stats: RoutingStats {
        let now = clock.now
        let open = openCircuits()
        return state.withLock { state in
            let unhealthy = state.outliers.expireEjections(now: now).union(open)
            return self.currentStats(state, now: now, unhealthy: unhealthy)
        }
    }

    /// Evaluates the rules now (whatever ``evaluationInterval`` says) and returns the active rule.
    @discardableResult
    public func evaluateRules() -> RoutingRule? {
        let now = clock.now
        let open = openCircuits()
        let (active, change) = state.withLock { state -> (Int?, RoutingRuleChange?) in
            let unhealthy = state.outliers.expireEjections(now: now).union(open)
            let change = self.evaluate(&state, now: now, unhealthy: unhealthy)
            return (state.rules.active, change)
        }
        if let change { report(change) }
        return active.map { rules[$0] }
    }

    /// The current routing state: endpoints with their health, ejections, EWMA and load, the
    /// active rule and what triggered it, and the live stats.
    public var snapshot: RoutingSnapshot {
        let now = clock.now
        let circuits = breakers.map(\.state)
        var open = EndpointSet()
        for (index, circuit) in circuits.enumerated() where circuit == .open { open.insert(index) }
        return state.withLock { state in
            let unhealthy = state.outliers.expireEjections(now: now).union(open)
            let endpointStates = endpoints.indices.map { index in
                let health = state.outliers.endpoints[index]
                return RoutingSnapshot.EndpointState(
                    endpoint: endpoints[index],
                    healthy: !unhealthy.contains(index),
                    ejectedUntil: health.ejectedUntil,
                    ejections: health.ejections,
                    consecutiveFailures: health.consecutiveFailures,
                    latencyEstimate: .nanoseconds(Int64(peakEWMA.decayed(state.latency[index], at: now).rounded())),
                    inflight: state.inflight[index],
                    circuit: circuits.isEmpty ? nil : circuits[index])
            }
            return RoutingSnapshot(
                service: service,
                at: now,
                strategy: strategy,
                endpoints: endpointStates,
                activeRule: state.rules.activeName,
                activeSince: state.rules.activeSince,
                activeRuleStats: state.rules.activeStats,
                stats: self.currentStats(state, now: now, unhealthy: unhealthy))
        }
    }

    // MARK: - Internals

    /// The endpoints whose own breaker is open (read outside the router's lock).
    private func openCircuits() -> EndpointSet {
        var open = EndpointSet()
        for (index, breaker) in breakers.enumerated() where breaker.state == .open { open.insert(index) }
        return open
    }

    /// `leastLatency`'s cost of an endpoint: its decayed estimate × (in-flight + 1) ÷ weight.
    private func cost(_ index: Int, _ state: State, now: BatonInstant) -> Double {
        peakEWMA.decayed(state.latency[index], at: now) * Double(state.inflight[index] + 1) / Double(selector.weight(of: index))
    }

    private func currentStats(_ state: State, now: BatonInstant, unhealthy: EndpointSet) -> RoutingStats {
        let (calls, failures) = state.window.totals(at: now)
        let latency = estimator.snapshot
        return RoutingStats(
            p50: latency.p50,
            p90: latency.p90,
            p99: latency.p99,
            errorRate: calls == 0 ? 0 : Double(failures) / Double(calls),
            calls: calls,
            healthy: Double(endpoints.count - unhealthy.count) / Double(endpoints.count),
            inflight: state.totalInflight)
    }

    private func evaluate(_ state: inout State, now: BatonInstant, unhealthy: EndpointSet) -> RoutingRuleChange? {
        let stats = currentStats(state, now: now, unhealthy: unhealthy)
        return state.rules.evaluate(stats, at: now, service: service)
    }

    /// Logs a change of the active rule (`notice`) and passes it to the observer.
    private func report(_ change: RoutingRuleChange) {
        logger.notice("\(change)", metadata: change.logMetadata)
        observer?(change)
    }
}
