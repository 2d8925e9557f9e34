/// The resilience policies of one step's call, composed in the order of spec-v1 §7.4.
///
/// Outermost first:
///
/// 1. **retry** — ``RetryPolicy`` with backoff, `retryOn`, retry-after, the service's
///    ``RetryBudget`` and the run's deadline;
/// 2. *(hedging and endpoint choice: a later addition, between retry and the breaker)*;
/// 3. **circuit breaker** — ``CircuitBreaker``; an open circuit fails the attempt with
///    ``CircuitOpenError`` (`unavailable`), retried only if `retryOn` lists `unavailable`;
/// 4. **rate limit** — ``RateLimiter``; no token in time fails the attempt as `overloaded`;
/// 5. **bulkhead** — ``Bulkhead``; a full bulkhead fails the attempt as `overloaded`;
/// 6. **attempt timeout** — `min(timeout, time left before the run's deadline)` per attempt, so a
///    timed-out attempt can be retried while the run has time;
/// 7. the call.
///
/// Each attempt is numbered by ``AttemptLog/beginAttempt(endpoint:)``, carries its number in the
/// ``CallContext``, and every failed attempt records its class with
/// ``AttemptLog/recordFailure(_:)``. Refusals by the local limiters (rate limiter, bulkhead) are
/// not held against the circuit breaker: they say nothing about the dependency.
///
/// Build a pipeline once per step (or operation) when the orchestrator is built; the breaker,
/// limiter, bulkhead and budget are shared objects, typically one per service (the budget) or per
/// breaker scope, passed to every pipeline that shares them. Running a call takes a few short
/// locks and allocates nothing of its own beyond the attempt timeout's child tasks.
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
    /// Only measure call durations when a slow-call rule needs them.
    private let measuresDuration: Bool

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
        classifier: ErrorClassifier = .standard,
        clock: AnyClock,
        random: RandomSource = .system
    ) {
        self.timeout = timeout
        self.retry = retry
        if let retryBudget {
            self.retryBudget = retryBudget
        } else if let retry, retry.maxAttempts > 1, let configuration = retry.budget {
            self.retryBudget = RetryBudget(configuration, clock: clock)
        } else {
            self.retryBudget = nil
        }
        self.circuitBreaker = circuitBreaker
        self.rateLimiter = rateLimiter
        self.bulkhead = bulkhead
        self.classifier = classifier
        self.clock = clock
        self.random = random
        self.measuresDuration = circuitBreaker?.configuration.slowCall != nil
    }

    /// Runs `call` under the pipeline's policies.
    ///
    /// - Parameters:
    ///   - context: the call's context; each attempt gets a copy with its ``CallContext/attempt``.
    ///   - log: receives every attempt and the class of every failure.
    ///   - call: the downstream call; it runs once per attempt.
    /// - Returns: the first successful attempt's result.
    /// - Throws: the last attempt's error (possibly ``CircuitOpenError``, ``OverloadedError`` or
    ///   ``TimeoutError``), or `CancellationError`.
    /// Every wait the pipeline makes (backoff, rate limit, bulkhead queue) and every attempt
    /// (`withAttemptTimeout`) ends by the run's deadline, so the executor needs no watcher task.
    public var boundsAttemptsByRunDeadline: Bool { true }

    public func run<T: Sendable>(
        _ context: CallContext,
        log: AttemptLog,
        _ call: @escaping @Sendable (CallContext) async throws -> T
    ) async throws -> T {
        retryBudget?.recordCall()
        guard let retry, retry.maxAttempts > 1 else {
            return try await attempt(context, log: log, call)
        }
        return try await retry.execute(budget: retryBudget, classifier: classifier, clock: clock, random: random) { _ in
            try await attempt(context, log: log, call)
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
        // Seam for hedging and endpoint choice (spec-v1 §7.4, next issue): a hedging policy runs
        // several `guarded` attempts concurrently from here (each withdrawing from the retry
        // budget), and endpoint choice sets `context.endpoint` and picks that endpoint's breaker
        // before calling `guarded`.
        return try await guarded(context, breaker: circuitBreaker, log: log, call)
    }

    /// Breaker → rate limit → bulkhead → attempt timeout → the call.
    private func guarded<T: Sendable>(
        _ context: CallContext,
        breaker: CircuitBreaker?,
        log: AttemptLog,
        _ call: @escaping @Sendable (CallContext) async throws -> T
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
        do {
            let value = try await withAttemptTimeout(timeout, clock: clock) { try await call(context) }
            if let breaker, let permit {
                breaker.record(permit, .success(duration: start.map { $0.duration(to: clock.now) } ?? .zero))
            }
            return value
        } catch {
            let errorClass = classifier.classify(error).errorClass
            if let breaker, let permit { breaker.record(permit, .failure(errorClass)) }
            log.recordFailure(errorClass)
            throw error
        }
    }
}
