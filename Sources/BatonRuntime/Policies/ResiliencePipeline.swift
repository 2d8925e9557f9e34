/// The resilience policies of one step's call, composed in the order of spec-v1 §7.4.
///
/// Outermost first:
///
/// 1. **retry** — ``RetryPolicy`` with backoff, `retryOn`, retry-after, the service's
///    ``RetryBudget`` and the run's deadline;
/// 2. **hedge** — ``Hedging``: more concurrent attempts while the first is slow (idempotent
///    operations only), each spending the retry budget; the first success wins, the rest are
///    cancelled and awaited;
/// 3. **endpoint choice** — ``EndpointRouter``: each attempt (retry or hedge) gets an endpoint,
///    another one than the attempts that failed before and than the hedges running beside it
///    when there is one; the endpoint goes into ``CallContext/endpoint`` and the ``AttemptLog``;
/// 4. **circuit breaker** — the chosen endpoint's breaker when the router holds per-endpoint
///    breakers, else ``circuitBreaker``; an open circuit fails the attempt with
///    ``CircuitOpenError`` (`unavailable`), retried only if `retryOn` lists `unavailable`;
/// 5. **rate limit** — ``RateLimiter``; no token in time fails the attempt as `overloaded`;
/// 6. **bulkhead** — ``Bulkhead``; a full bulkhead fails the attempt as `overloaded`;
/// 7. **attempt timeout** — `min(timeout, time left before the run's deadline)` per attempt, so a
///    timed-out attempt can be retried while the run has time;
/// 8. the call.
///
/// Every attempt's outcome and latency (measured around the call itself, not the limiter waits)
/// go to the router (EWMA, outlier detection, error rate) and the service's
/// ``LatencyEstimator`` (successes only). Without a router and hedging, none of this runs and
/// the pipeline costs what it did before.
///
/// Each attempt is numbered by ``AttemptLog/beginAttempt(endpoint:)``, carries its number in the
/// ``CallContext``, and every failed attempt records its class with
/// ``AttemptLog/recordFailure(_:)``. Refusals by the local limiters (rate limiter, bulkhead) are
/// not held against the circuit breaker: they say nothing about the dependency.
///
/// Build a pipeline once per step (or operation) when the orchestrator is built; the breaker,
/// limiter, bulkhead and budget are shared objects, typically one per service (the budget) or per
/// breaker scope, passed to every pipeline that shares them. Running a call takes a few short
/// locks and allocates nothing of its own beyond the attempt timeout's task (on a real clock one
/// task per timed attempt, watched by the clock's shared deadline watcher); routing adds
/// no allocation, and a hedged call adds a task group with one child task per attempt and per
/// hedge timer.
///
/// ```swift
/// let clock = AnyClock.continuous
/// let budget = RetryBudget(clock: clock)                     // one per service
/// let breaker = CircuitBreaker(name: "pricing", clock: clock) // one per breaker scope
/// let quote = ResiliencePipeline(
///     timeout: .milliseconds(150),
///     retry: RetryPolicy(maxAttempts: 3),
///     retryBudget: budget,
///     circuitBreaker: breaker,
///     clock: clock)
/// let price = try await quote.run(context, log: AttemptLog()) { context in
///     try await pricing.quote(request, context: context)
/// }
/// ```
public struct ResiliencePipeline: CallPolicy {
    /// The most one attempt may take (clipped to the run's deadline); `nil`: the deadline only.
    public let timeout: Duration?
    /// Retries; `nil` makes exactly one attempt.
    public let retry: RetryPolicy?
    /// The budget retries withdraw from; `nil` for unlimited retries.
    public let retryBudget: RetryBudget?
    /// The breaker of the call's scope; `nil` for none.
    public let circuitBreaker: CircuitBreaker?
    /// The outgoing rate limit; `nil` for none.
    public let rateLimiter: RateLimiter?
    /// The concurrency limit; `nil` for none.
    public let bulkhead: Bulkhead?
    /// Classifies failures for retries, the breaker and the attempt log.
    public let classifier: ErrorClassifier
    /// Backoff sleeps, attempt timeouts and call durations use it.
    public let clock: AnyClock
    /// Jitter comes from it.
    public let random: RandomSource
    /// Chooses each attempt's endpoint and learns from its outcome; `nil` for none.
    public let router: EndpointRouter?
    /// This pipeline's own per-endpoint breakers, replacing the router's for this
    /// pipeline's calls; `nil` uses the router's.
    public let endpointBreakers: [CircuitBreaker]?
    /// Hedged attempts; `nil` for none.
    public let hedging: Hedging?
    /// Reads or writes: writes go to primaries.
    public let access: OperationAccess
    /// Only measure call durations when a slow-call rule, a router or hedging needs them.
    private let measuresDuration: Bool
    /// Successful latencies go to `hedging.estimator` directly (no router feeds it).
    private let feedsHedgingEstimator: Bool

    /// Composes the given policies; every one is optional.
    ///
    /// - Parameters:
    ///   - timeout: per-attempt timeout (spec `timeout`); `nil` bounds attempts by the run's
    ///     deadline only.
    ///   - retry: spec `retry`; `nil` for a single attempt.
    ///   - retryBudget: the service's shared budget. When `nil` but `retry.budget` is set, the
    ///     pipeline makes a budget of its own from it — per pipeline rather than per service;
    ///     pass a shared one to share it.
    ///   - circuitBreaker: the breaker of the call's scope (shared object).
    ///   - rateLimiter: the outgoing rate limit (shared object).
    ///   - bulkhead: the concurrency limit (shared object).
    ///   - router: the service's endpoint router (shared object); `nil` when the service declares
    ///     no endpoints.
    ///   - endpointBreakers: for an operation or step whose breaker differs from the one the
    ///     router holds per endpoint (the service's): one breaker per router endpoint
    ///     (``EndpointRouter/makeEndpointBreakers(name:configuration:telemetry:)``), or `[]` for
    ///     none, so that `circuitBreaker` (if any) guards every endpoint. Endpoints whose own
    ///     breaker is open are avoided like those the router's breakers have opened. `nil`: the
    ///     router's breakers guard the attempts.
    ///   - hedging: the operation's hedging (idempotent operations only). Hedges withdraw from
    ///     the retry budget: when none is given and `retry` does not disable its budget, the
    ///     pipeline makes one (spec defaults) so hedges are bounded.
    ///   - access: `.write` sends attempts to primaries when the endpoints declare roles.
    ///   - classifier: decides failures' classes; default ``ErrorClassifier/standard``.
    ///   - clock: backoff sleeps, timeouts and slow-call measurements use it.
    ///   - random: jitter source; default ``RandomSource/system``.
    public init(
        timeout: Duration? = nil,
        retry: RetryPolicy? = nil,
        retryBudget: RetryBudget? = nil,
        circuitBreaker: CircuitBreaker? = nil,
        rateLimiter: RateLimiter? = nil,
        bulkhead: Bulkhead? = nil,
        router: EndpointRouter? = nil,
        endpointBreakers: [CircuitBreaker]? = nil,
        hedging: Hedging? = nil,
        access: OperationAccess = .read,
        classifier: ErrorClassifier = .standard,
        clock: AnyClock = .continuous,
        random: RandomSource = .system
    ) {
        self.timeout = timeout
        self.retry = retry
        if let retryBudget {
            self.retryBudget = retryBudget
        } else if let retry, retry.maxAttempts > 1, let configuration = retry.budget {
            self.retryBudget = RetryBudget(configuration, clock: clock)
        } else if hedging != nil, retry?.budget != nil || retry == nil {
            self.retryBudget = RetryBudget(retry?.budget ?? RetryBudget.Configuration(), clock: clock)
        } else {
            self.retryBudget = nil
        }
        self.circuitBreaker = circuitBreaker
        self.rateLimiter = rateLimiter
        self.bulkhead = bulkhead
        self.classifier = classifier
        self.clock = clock
        self.random = random
        precondition(endpointBreakers.map { $0.isEmpty || $0.count == router?.endpoints.count } ?? true,
                     "endpointBreakers needs one breaker per endpoint of the router")
        self.router = router
        self.endpointBreakers = endpointBreakers
        self.hedging = hedging
        self.access = access
        let endpointSlowCalls = (endpointBreakers ?? router?.breakers)?.first?.configuration.slowCall != nil
        let slowCalls = circuitBreaker?.configuration.slowCall != nil || endpointSlowCalls
        self.measuresDuration = slowCalls || router != nil || hedging != nil
        if let hedging {
            self.feedsHedgingEstimator = router.map { $0.estimator !== hedging.estimator } ?? true
        } else {
            self.feedsHedgingEstimator = false
        }
    }

    /// Every wait the pipeline makes (backoff, rate limit, bulkhead queue) and every attempt
    /// (`withAttemptTimeout`) ends by the run's deadline, so the executor needs no watcher task.
    public var boundsAttemptsByRunDeadline: Bool { true }

    /// Runs `call` under the pipeline's policies.
    ///
    /// - Parameters:
    ///   - context: the call's context; each attempt gets a copy with its ``CallContext/attempt``
    ///     (and ``CallContext/endpoint`` when the pipeline routes).
    ///   - log: receives every attempt and the class of every failure.
    ///   - call: the downstream call; it runs once per attempt (concurrently when hedging).
    /// - Returns: the first successful attempt's result.
    /// - Throws: the last attempt's error (possibly ``CircuitOpenError``, ``OverloadedError`` or
    ///   ``TimeoutError``), or `CancellationError`.
    public func run<T: Sendable>(
        _ context: CallContext,
        log: AttemptLog,
        _ call: @escaping @Sendable (CallContext) async throws -> T
    ) async throws -> T {
        retryBudget?.recordCall()
        if router == nil && hedging == nil {
            guard let retry, retry.maxAttempts > 1 else {
                return try await attempt(context, log: log, call)
            }
            return try await retry.execute(budget: retryBudget, classifier: classifier, clock: clock, random: random) { _ in
                try await attempt(context, log: log, call)
            }
        }
        // Endpoints that failed an attempt of this call: later attempts avoid them.
        var failed = EndpointSet()
        guard let retry, retry.maxAttempts > 1 else {
            return try await routedAttempt(context, log: log, call, failed: &failed)
        }
        return try await retry.execute(budget: retryBudget, classifier: classifier, clock: clock, random: random) { _ in
            try await routedAttempt(context, log: log, call, failed: &failed)
        }
    }

    /// One attempt: everything inside the retry loop.
    private func attempt<T: Sendable>(
        _ context: CallContext,
        log: AttemptLog,
        _ call: @escaping @Sendable (CallContext) async throws -> T
    ) async throws -> T {
        var context = context
        context.attempt = log.beginAttempt()
        var callStart: BatonInstant?
        return try await guarded(context, breaker: circuitBreaker, log: log, call, callStart: &callStart)
    }

    /// One attempt with routing and/or hedging: hedge → endpoint choice → `guarded`.
    private func routedAttempt<T: Sendable>(
        _ context: CallContext,
        log: AttemptLog,
        _ call: @escaping @Sendable (CallContext) async throws -> T,
        failed: inout EndpointSet
    ) async throws -> T {
        if let hedging, !Task.isCancelled, let delay = hedging.currentDelay() {
            let race = HedgingRace(
                hedging: hedging, router: router, access: access, retryBudget: retryBudget, clock: clock,
                feedsEstimator: feedsHedgingEstimator)
            return try await race.run(
                firstDelay: delay, failed: &failed, attempt: HedgedAttempt(pipeline: self, context: context, log: log, call: call))
        }
        let choice = router?.select(for: access, excluding: avoiding(failed))
        do {
            return try await routedSingle(context, log: log, call, choice: choice, isHedge: false)
        } catch {
            if let choice { failed.insert(choice.index) }
            throw error
        }
    }

    /// One attempt to `choice` (when routing): sets the endpoint in the context and the log,
    /// runs `guarded` with the endpoint's breaker, and reports the outcome to the router and the
    /// latency estimator.
    private func routedSingle<T: Sendable>(
        _ context: CallContext,
        log: AttemptLog,
        _ call: @escaping @Sendable (CallContext) async throws -> T,
        choice: EndpointRouter.Choice?,
        isHedge: Bool,
        feedsEstimator: Bool = true
    ) async throws -> T {
        var context = context
        context.endpoint = choice?.endpoint
        context.attempt = log.beginAttempt(endpoint: choice?.endpoint)
        var callStart: BatonInstant?
        do {
            let value = try await guarded(
                context, breaker: breaker(for: choice), log: log, call, callStart: &callStart, quietCancellation: isHedge)
            if let callStart {
                let latency = callStart.duration(to: clock.now)
                if let router, let choice { router.finish(choice, .success(latency: latency)) }
                if feedsHedgingEstimator, feedsEstimator, let hedging { hedging.estimator.record(latency) }
            } else if let router, let choice {
                router.finish(choice, .notSent)
            }
            return value
        } catch {
            if let router, let choice {
                if let callStart {
                    router.finish(choice, .failure(classifier.classify(error).errorClass, latency: callStart.duration(to: clock.now)))
                } else {
                    router.finish(choice, .notSent)
                }
            }
            throw error
        }
    }

    /// The breaker guarding an attempt to `choice`: this pipeline's own breaker of the endpoint,
    /// else the router's, else the breaker of the call's scope.
    private func breaker(for choice: EndpointRouter.Choice?) -> CircuitBreaker? {
        guard let choice else { return circuitBreaker }
        if let endpointBreakers {
            return endpointBreakers.isEmpty ? circuitBreaker : endpointBreakers[choice.index]
        }
        return choice.breaker ?? circuitBreaker
    }

    /// `excluded` plus the endpoints whose own breaker (``endpointBreakers``) is open.
    private func avoiding(_ excluded: EndpointSet) -> EndpointSet {
        guard let endpointBreakers, !endpointBreakers.isEmpty else { return excluded }
        var set = excluded
        for (index, breaker) in endpointBreakers.enumerated() where breaker.state == .open { set.insert(index) }
        return set
    }

    /// One attempt of a hedging race (``HedgingRace``), and the endpoints it must avoid: the
    /// pipeline's routed attempt, as a value rather than closures so that the race's child tasks
    /// capture it without allocating contexts of their own.
    struct HedgedAttempt<T: Sendable>: Sendable {
        let pipeline: ResiliencePipeline
        let context: CallContext
        let log: AttemptLog
        let call: @Sendable (CallContext) async throws -> T

        /// Runs attempt number `slot` (0 for the first) to `choice`.
        func callAsFunction(_ choice: EndpointRouter.Choice?, slot: Int) async throws -> T {
            // Only the first attempt's latency describes the dependency's distribution; a winning
            // hedge's is recorded by the race as its elapsed time.
            try await pipeline.routedSingle(context, log: log, call, choice: choice, isHedge: true, feedsEstimator: slot == 0)
        }

        /// `excluded` plus the endpoints the pipeline avoids anyway (open per-endpoint breakers).
        func avoiding(_ excluded: EndpointSet) -> EndpointSet {
            pipeline.avoiding(excluded)
        }
    }

    /// Breaker → rate limit → bulkhead → attempt timeout → the call.
    ///
    /// `callStart` is set just before the call when durations are measured, so a `nil` after a
    /// failure means the call was never made. With `quietCancellation` (a hedge), a cancellation
    /// is not logged as a failed attempt: losing a race is not a failure.
    private func guarded<T: Sendable>(
        _ context: CallContext,
        breaker: CircuitBreaker?,
        log: AttemptLog,
        _ call: @escaping @Sendable (CallContext) async throws -> T,
        callStart: inout BatonInstant?,
        quietCancellation: Bool = false
    ) async throws -> T {
        let permit: CircuitBreaker.Permit?
        do {
            permit = try breaker?.acquire()
        } catch {
            log.recordFailure(error.errorClass)
            throw error
        }
        do {
            try await rateLimiter?.acquire()
            try await bulkhead?.acquire()
        } catch {
            // Refused locally: the dependency was never called, so the breaker learns nothing.
            if let breaker, let permit { breaker.recordIgnored(permit) }
            log.recordFailure(classifier.classify(error).errorClass)
            throw error
        }
        defer { bulkhead?.release() }

        let start = measuresDuration ? clock.now : nil
        callStart = start
        do {
            let value = try await withAttemptTimeout(timeout, clock: clock, context: context, call)
            if let breaker, let permit {
                breaker.record(permit, .success(duration: start.map { $0.duration(to: clock.now) } ?? .zero))
            }
            return value
        } catch {
            let errorClass = classifier.classify(error).errorClass
            if let breaker, let permit { breaker.record(permit, .failure(errorClass)) }
            if !(quietCancellation && errorClass == .cancelled && Task.isCancelled) {
                log.recordFailure(errorClass)
            }
            throw error
        }
    }
}

