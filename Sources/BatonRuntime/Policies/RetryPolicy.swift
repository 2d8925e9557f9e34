/// When and how often a failed call is tried again (spec-v1 §4 `retry`).
///
/// The defaults are the spec's: 3 attempts, backoff 25 ms doubling to at most 1 s with full
/// jitter, retrying `timeout`, `unavailable`, `overloaded` and `transient` failures, within a
/// budget of 20 % of calls plus 10 retries per second.
///
/// A retry never outlives the run: when the next backoff would end at or past
/// ``Deadline/current``, the last error is rethrown at once instead of sleeping. A retry-after
/// carried by the error (``ClassifiedError/retryAfter``) lengthens the wait to at least that long,
/// under the same deadline rule. Cancellation ends the loop immediately.
///
/// ```swift
/// // retry: { maxAttempts: 4, backoff: { initial: 50ms, max: 2s, jitter: equal }, retryOn: [timeout, unavailable] }
/// let retry = RetryPolicy(maxAttempts: 4, backoff: Backoff(initial: .milliseconds(50), max: .seconds(2), jitter: .equal),
///                         retryOn: [.timeout, .unavailable])
/// let quotes = ResiliencePipeline(timeout: .milliseconds(150), retry: retry, retryBudget: pricingBudget, clock: clock)
/// ```
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts including the first, 1...10. Default 3.
    public var maxAttempts: Int
    /// The delay between attempts.
    public var backoff: Backoff
    /// Error classes worth another attempt. Default: timeout, unavailable, overloaded, transient.
    public var retryOn: Set<ErrorClass>
    /// The service's retry budget; `nil` disables it (spec `budget: none`).
    ///
    /// This is configuration only: the budget's counters live in a ``RetryBudget`` object that the
    /// orchestrator builds once per service and passes to every ``ResiliencePipeline`` of that
    /// service; the pipeline's retries and hedges both withdraw from it.
    public var budget: RetryBudget.Configuration?

    /// Creates a retry policy; every default is spec-v1's.
    ///
    /// - Parameters:
    ///   - maxAttempts: Attempts including the first; at least 1 (traps otherwise), 1...10 in a
    ///     spec. 1 means no retries. Default 3.
    ///   - backoff: The delay between attempts. Default: 25 ms doubling to at most 1 s, full
    ///     jitter (``Backoff/init(initial:max:multiplier:jitter:)``'s defaults).
    ///   - retryOn: Error classes worth another attempt. Default
    ///     ``ErrorClass/retryableByDefault``.
    ///   - budget: The service's retry budget parameters; `nil` disables the budget. Default 20% of
    ///     calls plus 10 per second.
    public init(
        maxAttempts: Int = 3,
        backoff: Backoff = Backoff(),
        retryOn: Set<ErrorClass> = ErrorClass.retryableByDefault,
        budget: RetryBudget.Configuration? = RetryBudget.Configuration()
    ) {
        precondition(maxAttempts >= 1, "maxAttempts counts the first attempt and must be at least 1")
        self.maxAttempts = maxAttempts
        self.backoff = backoff
        self.retryOn = retryOn
        self.budget = budget
    }

    /// Runs `attempt` until it succeeds, fails with a class not in ``retryOn``, runs out of
    /// attempts, budget or deadline, or the task is cancelled.
    ///
    /// - Parameters:
    ///   - budget: the service's shared budget; each retry withdraws from it (`nil`: unlimited).
    ///   - classifier: decides each failure's class and retry-after.
    ///   - clock: backoff sleeps on it.
    ///   - random: jitter comes from it.
    ///   - isolation: the actor the attempts run on; the caller's by default.
    ///   - attempt: receives the attempt number, 1 for the first.
    /// - Returns: the first successful result.
    /// - Throws: the last attempt's error, or `CancellationError` when cancelled during a backoff.
    public func execute<T>(
        budget: RetryBudget?,
        classifier: ErrorClassifier = .standard,
        clock: AnyClock,
        random: RandomSource,
        isolation: isolated (any Actor)? = #isolation,
        _ attempt: (Int) async throws -> T
    ) async throws -> T {
        var number = 1
        var previousDelay: Duration?
        while true {
            do {
                return try await attempt(number)
            } catch {
                guard number < maxAttempts, !Task.isCancelled else { throw error }
                let verdict = classifier.classify(error)
                guard retryOn.contains(verdict.errorClass), verdict.errorClass != .cancelled else { throw error }

                var delay = backoff.delay(forRetry: number, previous: previousDelay, random: random)
                previousDelay = delay
                if let retryAfter = verdict.retryAfter, retryAfter > delay { delay = retryAfter }
                // An attempt that would start at or after the deadline gets no time at all, so do
                // not sleep for it: give the caller the real error now.
                if let deadline = Deadline.current, clock.now.advanced(by: delay) >= deadline.instant { throw error }
                // Withdraw only once the retry is otherwise certain, so refused retries cost nothing.
                if let budget, !budget.tryWithdraw() { throw error }

                if delay > .zero {
                    try await clock.sleep(until: clock.now.advanced(by: delay), tolerance: nil)
                } else {
                    try Task.checkCancellation()
                }
                number += 1
            }
        }
    }
}
