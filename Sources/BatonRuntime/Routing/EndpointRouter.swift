import Logging
import Synchronization

/// Chooses the endpoint of each attempt of one service's calls (spec-v1 §5 `endpoints`,
/// `routing`), and learns from every attempt's outcome.
///
/// One router per service, built once with the orchestrator and shared by every pipeline of the
/// service (``ResiliencePipeline/init(timeout:retry:retryBudget:circuitBreaker:rateLimiter:bulkhead:router:endpointBreakers:hedging:access:classifier:clock:random:)``).
/// Each attempt calls ``select(for:excluding:)`` and then, exactly once, ``finish(_:_:)``.
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
/// weight`. A failed call counts as a sample of ``PeakEWMA/failurePenalty`` times the current
/// estimate (at least the observed time), so an endpoint that fails fast does not look fast.
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
/// and the stats that triggered it, and passed to the observer; ``snapshot`` shows the current
/// state.
///
/// **Per-endpoint circuit breakers**: given a breaker configuration, the router holds one
/// ``CircuitBreaker`` per endpoint (named `service@url`), skips endpoints whose circuit is open,
/// and hands the endpoint's breaker to the pipeline with the ``Choice``.
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
    /// Passive outlier detection settings (spec-v1 §5 `routing.outlierDetection`).
    public struct OutlierDetection: Sendable, Hashable {
        /// Failures in a row that eject an endpoint. Default 5.
        public var consecutiveFailures: Int
        /// Base ejection time, multiplied by the number of ejections. Default 30 s.
        public var ejectFor: Duration
        /// The largest share of endpoints ejected at once, 0...1. Default 0.5.
        public var maxEjected: Double
        /// Cap on one ejection. Default 300 s (Envoy's `max_ejection_time`).
        public var maxEjectFor: Duration

        /// Creates outlier detection settings; the defaults are spec-v1's
        /// `{ consecutiveFailures: 5, ejectFor: 30s, maxEjected: 50% }` and Envoy's 300 s cap.
        ///
        /// - Parameters:
        ///   - consecutiveFailures: Failures in a row that eject an endpoint; at least 1.
        ///   - ejectFor: Base ejection time, multiplied by the endpoint's number of ejections;
        ///     positive.
        ///   - maxEjected: The largest share of endpoints ejected at once (0.5 is 50%); clamped to
        ///     0...1.
        ///   - maxEjectFor: Cap on one ejection; at least `ejectFor`.
        public init(consecutiveFailures: Int = 5, ejectFor: Duration = .seconds(30), maxEjected: Double = 0.5, maxEjectFor: Duration = .seconds(300)) {
            precondition(consecutiveFailures >= 1, "consecutiveFailures must be at least 1")
            precondition(ejectFor > .zero && maxEjectFor >= ejectFor, "ejection times must be positive")
            self.consecutiveFailures = consecutiveFailures
            self.ejectFor = ejectFor
            self.maxEjected = min(max(maxEjected, 0), 1)
            self.maxEjectFor = maxEjectFor
        }
    }

    /// Peak-EWMA settings for ``RoutingStrategy/leastLatency``.
    public struct PeakEWMA: Sendable, Hashable {
        /// How fast old samples lose weight (and an idle endpoint's estimate decays). Default
        /// 10 s, as in Finagle and Linkerd.
        public var decayTime: Duration
        /// The estimate of an endpoint before its first sample. Default 30 ms (Linkerd's).
        public var initialEstimate: Duration
        /// A failed call counts as this many times the endpoint's current estimate. Default 5.
        public var failurePenalty: Double

        /// Creates peak-EWMA settings; the defaults are Finagle's and Linkerd's.
        ///
        /// - Parameters:
        ///   - decayTime: How fast old samples lose weight; positive. Default 10 s.
        ///   - initialEstimate: The estimate before an endpoint's first sample. Default 30 ms.
        ///   - failurePenalty: A failure counts as this many times the current estimate; values
        ///     below 1 become 1. Default 5.
        public init(decayTime: Duration = .seconds(10), initialEstimate: Duration = .milliseconds(30), failurePenalty: Double = 5) {
            precondition(decayTime > .zero, "decayTime must be positive")
            self.decayTime = decayTime
            self.initialEstimate = initialEstimate
            self.failurePenalty = max(failurePenalty, 1)
        }
    }

    /// The endpoint chosen for one attempt; hand it back to ``finish(_:_:)``.
    public struct Choice: Sendable {
        /// The endpoint's position in ``EndpointRouter/endpoints``.
        public let index: Int
        /// The endpoint to send the attempt to; the pipeline puts it in ``CallContext/endpoint``.
        public let endpoint: Endpoint
        /// The endpoint's own breaker, when the router has per-endpoint breakers.
        public let breaker: CircuitBreaker?
    }

    /// What became of an attempt sent to a ``Choice``.
    public enum Outcome: Sendable, Hashable {
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
    public let strategy: RoutingStrategy
    /// The region ``RoutingStrategy/regionFirst`` prefers.
    public let localRegion: String?
    /// `nil`: no ejection.
    public let outlierDetection: OutlierDetection?
    /// The latency tracking settings (used by ``RoutingStrategy/leastLatency``; the estimates are
    /// kept and shown in snapshots whatever the strategy).
    public let peakEWMA: PeakEWMA
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
    private let all: EndpointSet
    private let writeTargets: EndpointSet
    private let local: EndpointSet
    private let ruleMatches: [EndpointSet]
    private let weights: [Int]
    private let bucketWidth: Duration
    private let state: Lock<State>

    static let statsBuckets = 10
    /// The largest latency estimate kept, in nanoseconds (one hour).
    static let maxEstimate: Double = 3_600e9

    private struct EndpointState {
        var estimate: Double  // nanoseconds
        var stamp: BatonInstant
        var inflight = 0
        var consecutiveFailures = 0
        var ejectedUntil: BatonInstant?
        var ejections = 0
        var returnedAt: BatonInstant = .zero
        var roundRobin = 0
    }

    private struct StatsBucket {
        var epoch: Int64 = .min
        var calls = 0
        var failures = 0
    }

    private struct State {
        var endpoints: [EndpointState]
        var buckets: [StatsBucket]
        var inflight = 0
        var activeRule: Int?
        var activeSince: BatonInstant?
        var activeStats: RoutingStats?
        var nextEvaluation: BatonInstant = .zero
    }

    /// A router over `endpoints` (at least one).
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
    ///   - peakEWMA: latency tracking for `leastLatency` (the estimates are kept, and shown in
    ///     snapshots, whatever the strategy).
    ///   - estimator: the service's latency estimator (share it with the service's ``Hedging``);
    ///     `nil` makes one.
    ///   - evaluationInterval: how often rules are evaluated at most; default 1 s.
    ///   - statsWindow: how far back `errorRate` looks; default 10 s.
    ///   - clock: ejections, EWMA decay, stats windows and rule evaluation run on it.
    ///   - random: for `random` and the two choices of `leastLatency`.
    ///   - telemetry: its logger gets rule changes and ejections; per-endpoint breakers report
    ///     through its circuit-state recorder.
    ///   - onRuleChange: called with every change of the active rule (outside the router's lock).
    public init(
        service: String,
        endpoints: [Endpoint],
        strategy: RoutingStrategy = .roundRobin,
        localRegion: String? = nil,
        outlierDetection: OutlierDetection? = nil,
        rules: [RoutingRule] = [],
        circuitBreaker: CircuitBreaker.Configuration? = nil,
        peakEWMA: PeakEWMA = PeakEWMA(),
        estimator: LatencyEstimator? = nil,
        evaluationInterval: Duration = .seconds(1),
        statsWindow: Duration = .seconds(10),
        clock: AnyClock,
        random: RandomSource = .system,
        telemetry: Telemetry = .disabled,
        onRuleChange: (@Sendable (RoutingRuleChange) -> Void)? = nil
    ) {
        precondition(!endpoints.isEmpty, "a router needs at least one endpoint")
        precondition(endpoints.allSatisfy { $0.weight >= 1 }, "endpoint weights must be at least 1")
        precondition(statsWindow > .zero, "statsWindow must be positive")
        self.service = service
        self.endpoints = endpoints
        self.strategy = strategy
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
        self.weights = endpoints.map(\.weight)
        self.bucketWidth = max(statsWindow / Self.statsBuckets, .nanoseconds(1))

        var all = EndpointSet()
        var primaries = EndpointSet()
        var local = EndpointSet()
        for (index, endpoint) in endpoints.enumerated() {
            all.insert(index)
            if endpoint.role == .primary { primaries.insert(index) }
            if let localRegion, endpoint.region == localRegion { local.insert(index) }
        }
        self.all = all
        self.writeTargets = primaries.isEmpty ? all : primaries
        self.local = local
        self.ruleMatches = rules.map { rule in
            var matches = EndpointSet()
            for (index, endpoint) in endpoints.enumerated() where rule.action.match.matches(endpoint) { matches.insert(index) }
            return matches
        }
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
        let initial = Double(peakEWMA.initialEstimate.nanosecondsClamped)
        self.state = Lock(State(
            endpoints: Array(repeating: EndpointState(estimate: initial, stamp: now), count: endpoints.count),
            buckets: Array(repeating: StatsBucket(), count: Self.statsBuckets)))
    }

    /// One breaker per endpoint (same order), named `<name>@<url>`: for an operation or step whose
    /// breaker differs from the service's, passed to ``ResiliencePipeline`` as `endpointBreakers`.
    public func makeEndpointBreakers(name: String, configuration: CircuitBreaker.Configuration,
                                     telemetry: Telemetry = .disabled) -> [CircuitBreaker] {
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
    /// - Returns: the choice; pass it to ``finish(_:_:)`` exactly once.
    public func select(for access: OperationAccess = .read, excluding excluded: EndpointSet = EndpointSet()) -> Choice {
        let now = clock.now
        var open = EndpointSet()
        for (index, breaker) in breakers.enumerated() where breaker.state == .open { open.insert(index) }
        let (index, change) = state.withLock { state -> (Int, RoutingRuleChange?) in
            let unhealthy = self.expireEjections(&state, now: now).union(open)
            var change: RoutingRuleChange?
            if !rules.isEmpty && now >= state.nextEvaluation {
                change = self.evaluate(&state, now: now, unhealthy: unhealthy)
            }
            let candidates = self.candidates(access: access, excluded: excluded, unhealthy: unhealthy, activeRule: state.activeRule)
            let index = self.pick(from: candidates, in: &state, now: now)
            state.endpoints[index].inflight += 1
            state.inflight += 1
            return (index, change)
        }
        if let change { report(change) }
        return Choice(index: index, endpoint: endpoints[index], breaker: breakers.isEmpty ? nil : breakers[index])
    }

    /// Records what became of the attempt sent to `choice` (exactly once per ``select(for:excluding:)``).
    public func finish(_ choice: Choice, _ outcome: Outcome) {
        let now = clock.now
        var recordLatency: Duration?
        let ejection = state.withLock { state -> (Duration, Int)? in
            let index = choice.index
            state.endpoints[index].inflight -= 1
            state.inflight -= 1
            switch outcome {
            case .notSent:
                return nil
            case .success(let latency):
                recordLatency = latency
                self.count(failure: false, in: &state, now: now)
                state.endpoints[index].consecutiveFailures = 0
                self.observe(sample: Double(latency.nanosecondsClamped), at: index, in: &state, now: now)
                return nil
            case .failure(let errorClass, let latency):
                switch errorClass {
                case .cancelled:
                    // A lower bound of the true latency: it may raise the peak, never lower it.
                    let sample = Double(latency.nanosecondsClamped)
                    if sample > self.decayedEstimate(state.endpoints[index], now: now) {
                        state.endpoints[index].estimate = min(sample, Self.maxEstimate)
                        state.endpoints[index].stamp = now
                    }
                    return nil
                case .permanent:
                    // The endpoint answered: healthy, and its latency is real.
                    self.count(failure: false, in: &state, now: now)
                    state.endpoints[index].consecutiveFailures = 0
                    self.observe(sample: Double(latency.nanosecondsClamped), at: index, in: &state, now: now)
                    return nil
                case .timeout, .unavailable, .overloaded, .transient, .unknown:
                    self.count(failure: true, in: &state, now: now)
                    let current = max(self.decayedEstimate(state.endpoints[index], now: now), Double(peakEWMA.initialEstimate.nanosecondsClamped))
                    let penalised = max(Double(latency.nanosecondsClamped), current * peakEWMA.failurePenalty)
                    self.observe(sample: penalised, at: index, in: &state, now: now)
                    state.endpoints[index].consecutiveFailures += 1
                    return self.ejectIfDue(index, in: &state, now: now)
                }
            }
        }
        if let recordLatency { estimator.record(recordLatency) }
        if let (duration, count) = ejection {
            logger.warning(
                "endpoint \(choice.endpoint.url) of '\(service)' ejected for \(duration) (ejection \(count))",
                metadata: ["baton.service": .string(service), "baton.endpoint": .string(choice.endpoint.url)])
        }
    }

    // MARK: - Reading the state

    /// The live statistics rules are evaluated on.
    public var stats: RoutingStats {
        let now = clock.now
        var open = EndpointSet()
        for (index, breaker) in breakers.enumerated() where breaker.state == .open { open.insert(index) }
        return state.withLock { state in
            let unhealthy = self.expireEjections(&state, now: now).union(open)
            return self.currentStats(state, now: now, unhealthy: unhealthy)
        }
    }

    /// Evaluates the rules now (whatever ``evaluationInterval`` says) and returns the active rule.
    @discardableResult
    public func evaluateRules() -> RoutingRule? {
        let now = clock.now
        var open = EndpointSet()
        for (index, breaker) in breakers.enumerated() where breaker.state == .open { open.insert(index) }
        let (active, change) = state.withLock { state -> (Int?, RoutingRuleChange?) in
            let unhealthy = self.expireEjections(&state, now: now).union(open)
            let change = self.evaluate(&state, now: now, unhealthy: unhealthy)
            return (state.activeRule, change)
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
            let unhealthy = self.expireEjections(&state, now: now).union(open)
            let endpointStates = endpoints.indices.map { index in
                let endpointState = state.endpoints[index]
                return RoutingSnapshot.EndpointState(
                    endpoint: endpoints[index],
                    healthy: !unhealthy.contains(index),
                    ejectedUntil: endpointState.ejectedUntil,
                    ejections: endpointState.ejections,
                    consecutiveFailures: endpointState.consecutiveFailures,
                    latencyEstimate: .nanoseconds(Int64(self.decayedEstimate(endpointState, now: now).rounded())),
                    inflight: endpointState.inflight,
                    circuit: circuits.isEmpty ? nil : circuits[index])
            }
            return RoutingSnapshot(
                service: service,
                at: now,
                strategy: strategy,
                endpoints: endpointStates,
                activeRule: state.activeRule.map { rules[$0].name },
                activeSince: state.activeSince,
                activeRuleStats: state.activeStats,
                stats: self.currentStats(state, now: now, unhealthy: unhealthy))
        }
    }

    // MARK: - Internals (lock held)

    /// Ends ejections that are over and returns the endpoints still ejected.
    private func expireEjections(_ state: inout State, now: BatonInstant) -> EndpointSet {
        guard outlierDetection != nil else { return EndpointSet() }
        var ejected = EndpointSet()
        for index in state.endpoints.indices {
            guard let until = state.endpoints[index].ejectedUntil else { continue }
            if until <= now {
                state.endpoints[index].ejectedUntil = nil
                state.endpoints[index].returnedAt = until
                state.endpoints[index].consecutiveFailures = 0
            } else {
                ejected.insert(index)
            }
        }
        return ejected
    }

    private func ejectIfDue(_ index: Int, in state: inout State, now: BatonInstant) -> (Duration, Int)? {
        guard let detection = outlierDetection,
              state.endpoints[index].consecutiveFailures >= detection.consecutiveFailures else { return nil }
        let ejected = expireEjections(&state, now: now)
        guard !ejected.contains(index) else { return nil }
        let allowed = Int((detection.maxEjected * Double(endpoints.count)).rounded(.down) + 1e-9)
        guard ejected.count + 1 <= allowed else { return nil }
        var endpoint = state.endpoints[index]
        if endpoint.ejections > 0 {
            let healthyPeriods = Int((endpoint.returnedAt.duration(to: now) / detection.ejectFor).rounded(.down))
            endpoint.ejections = max(0, endpoint.ejections - max(0, healthyPeriods))
        }
        endpoint.ejections += 1
        let duration = min(detection.ejectFor * endpoint.ejections, detection.maxEjectFor)
        endpoint.ejectedUntil = now.advanced(by: duration)
        endpoint.consecutiveFailures = 0
        state.endpoints[index] = endpoint
        return (duration, endpoint.ejections)
    }

    private func candidates(access: OperationAccess, excluded: EndpointSet, unhealthy: EndpointSet, activeRule: Int?) -> EndpointSet {
        let base = access == .write ? writeTargets : all
        // From the most to the least demanding notion of "acceptable"; the first pass that leaves
        // a candidate wins.
        let healthy = all.subtracting(unhealthy)
        for pass in 0..<4 {
            let usable: EndpointSet
            switch pass {
            case 0: usable = excluded.isEmpty ? healthy : healthy.subtracting(excluded)
            case 1: if excluded.isEmpty { continue } else { usable = healthy }
            case 2: if unhealthy.isEmpty { continue } else { usable = excluded.isEmpty ? all : all.subtracting(excluded) }
            default: usable = all
            }
            var pool = base
            if let activeRule {
                let matches = ruleMatches[activeRule]
                switch rules[activeRule].action {
                case .use:
                    let narrowed = pool.intersection(matches)
                    if !narrowed.isEmpty { pool = narrowed }
                case .prefer:
                    let narrowed = pool.intersection(matches)
                    if !narrowed.intersection(usable).isEmpty { pool = narrowed }
                case .avoid:
                    let narrowed = pool.subtracting(matches)
                    if !narrowed.intersection(usable).isEmpty { pool = narrowed }
                }
            }
            if strategy == .regionFirst && !local.isEmpty {
                let narrowed = pool.intersection(local)
                if !narrowed.intersection(usable).isEmpty { pool = narrowed }
            }
            let result = pool.intersection(usable)
            if !result.isEmpty { return result }
        }
        return base
    }

    private func pick(from candidates: EndpointSet, in state: inout State, now: BatonInstant) -> Int {
        let count = candidates.count
        if count == 1 { return candidates.member(at: 0) }
        switch strategy {
        case .roundRobin, .regionFirst:
            // Smooth weighted round robin.
            var total = 0
            var best = -1
            candidates.forEach { index in
                total += weights[index]
                state.endpoints[index].roundRobin += weights[index]
                if best < 0 || state.endpoints[index].roundRobin > state.endpoints[best].roundRobin { best = index }
            }
            state.endpoints[best].roundRobin -= total
            return best
        case .random:
            var total = 0
            candidates.forEach { total += weights[$0] }
            var target = Int(random.next() % UInt64(total))
            var chosen = -1
            candidates.forEach { index in
                guard chosen < 0 else { return }
                if target < weights[index] { chosen = index } else { target -= weights[index] }
            }
            return chosen
        case .leastLatency:
            let first = Int(random.next() % UInt64(count))
            var second = Int(random.next() % UInt64(count - 1))
            if second >= first { second += 1 }
            let a = candidates.member(at: first)
            let b = candidates.member(at: second)
            return cost(a, state, now: now) <= cost(b, state, now: now) ? a : b
        }
    }

    private func cost(_ index: Int, _ state: State, now: BatonInstant) -> Double {
        let endpoint = state.endpoints[index]
        return decayedEstimate(endpoint, now: now) * Double(endpoint.inflight + 1) / Double(weights[index])
    }

    /// The estimate decayed towards zero for the time since its last sample (tower's `decay`).
    private func decayedEstimate(_ endpoint: EndpointState, now: BatonInstant) -> Double {
        let elapsed = endpoint.stamp.duration(to: now)
        guard elapsed > .zero else { return endpoint.estimate }
        return endpoint.estimate * exponential(-(elapsed / peakEWMA.decayTime))
    }

    /// Finagle's update: a slower sample is taken at once (the peak), a faster one blended in.
    private func observe(sample rawSample: Double, at index: Int, in state: inout State, now: BatonInstant) {
        // Repeated failure penalties grow geometrically: keep the estimate to an hour.
        let sample = min(rawSample, Self.maxEstimate)
        var endpoint = state.endpoints[index]
        if sample > endpoint.estimate {
            endpoint.estimate = sample
        } else {
            let elapsed = max(endpoint.stamp.duration(to: now), .zero)
            let weight = exponential(-(elapsed / peakEWMA.decayTime))
            endpoint.estimate = endpoint.estimate * weight + sample * (1 - weight)
        }
        endpoint.stamp = now
        state.endpoints[index] = endpoint
    }

    private func count(failure: Bool, in state: inout State, now: BatonInstant) {
        let epoch = Int64((now.offset / bucketWidth).rounded(.down))
        let index = Int(epoch.magnitude % UInt64(Self.statsBuckets))
        if state.buckets[index].epoch != epoch { state.buckets[index] = StatsBucket(epoch: epoch) }
        state.buckets[index].calls += 1
        if failure { state.buckets[index].failures += 1 }
    }

    private func currentStats(_ state: State, now: BatonInstant, unhealthy: EndpointSet) -> RoutingStats {
        let epoch = Int64((now.offset / bucketWidth).rounded(.down))
        var calls = 0
        var failures = 0
        for bucket in state.buckets where bucket.epoch > epoch - Int64(Self.statsBuckets) && bucket.epoch <= epoch {
            calls += bucket.calls
            failures += bucket.failures
        }
        let latency = estimator.snapshot
        return RoutingStats(
            p50: latency.p50,
            p90: latency.p90,
            p99: latency.p99,
            errorRate: calls == 0 ? 0 : Double(failures) / Double(calls),
            calls: calls,
            healthy: Double(endpoints.count - unhealthy.count) / Double(endpoints.count),
            inflight: state.inflight)
    }

    private func evaluate(_ state: inout State, now: BatonInstant, unhealthy: EndpointSet) -> RoutingRuleChange? {
        state.nextEvaluation = now.advanced(by: evaluationInterval)
        let stats = currentStats(state, now: now, unhealthy: unhealthy)
        let active = rules.firstIndex { $0.condition.holds(for: stats) }
        guard active != state.activeRule else { return nil }
        let change = RoutingRuleChange(
            service: service, from: state.activeRule.map { rules[$0].name }, to: active.map { rules[$0].name }, at: now, stats: stats)
        state.activeRule = active
        state.activeSince = active == nil ? nil : now
        state.activeStats = active == nil ? nil : stats
        return change
    }

    private func report(_ change: RoutingRuleChange) {
        var metadata: Logger.Metadata = [
            "baton.service": .string(service),
            "baton.routing_rule": .string(change.to ?? "none"),
            "baton.routing_previous_rule": .string(change.from ?? "none"),
            "baton.stats.error_rate": .string(formatShare(change.stats.errorRate)),
            "baton.stats.healthy": .string(formatShare(change.stats.healthy)),
            "baton.stats.inflight": .stringConvertible(change.stats.inflight),
        ]
        if let p50 = change.stats.p50 { metadata["baton.stats.p50"] = .string(formatSeconds(p50.seconds)) }
        if let p90 = change.stats.p90 { metadata["baton.stats.p90"] = .string(formatSeconds(p90.seconds)) }
        if let p99 = change.stats.p99 { metadata["baton.stats.p99"] = .string(formatSeconds(p99.seconds)) }
        logger.notice("\(change)", metadata: metadata)
        observer?(change)
    }
}

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

extension Duration {
    /// Nanoseconds, saturating at `Int64.max`, negative durations as zero.
    var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        guard seconds < 9_000_000_000 else { return .max }
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
