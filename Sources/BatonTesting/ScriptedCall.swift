import BatonRuntime
import Synchronization

/// A scripted stand-in for one service operation: each attempt takes a set time on a clock and
/// then returns a value or throws, following a script. Records every call it gets.
///
/// Use it inside mock services to make an orchestrator's timing and failures deterministic:
///
/// ```swift
/// let clock = ManualClock()
/// let quote = ScriptedCall<Quote>(clock: clock, [
///     .fail(ServiceUnavailable(), after: .milliseconds(10)),   // 1st attempt
///     .succeed(Quote(total: 42), after: .milliseconds(5)),      // 2nd and later attempts
/// ])
/// struct MockPricing: PricingService {
///     let quote: ScriptedCall<Quote>
///     func quote(_ input: QuoteRequest, context: CallContext) async throws -> Quote {
///         try await quote.call(context)
///     }
/// }
/// ```
///
/// The last entry of the script repeats for every later attempt. Waits are real sleeps on the
/// given clock, so they react to cancellation (a cancelled attempt throws `CancellationError`).
public final class ScriptedCall<Output: Sendable>: Sendable {
    /// What one attempt does.
    public enum Behaviour: Sendable {
        /// Wait `after`, then return the value.
        case succeed(Output, after: Duration = .zero)
        /// Wait `after`, then throw the error.
        case fail(any Error, after: Duration = .zero)
        /// Wait until cancelled (then throw `CancellationError`).
        case hang
    }

    /// One call the script received.
    public struct Call: Sendable {
        /// The context the caller passed.
        public var context: CallContext
        /// When the call started on the clock.
        public var startedAt: BatonInstant
    }

    private let clock: AnyClock
    private let script: [Behaviour]
    private let log = Lock<Log>(Log())

    private struct Log {
        var calls: [Call] = []
        var waiters = CountWaiters()
    }

    /// What the script stands for in messages, e.g. `pricing.quote`.
    public let name: String

    /// - Parameters:
    ///   - clock: The clock the waits sleep on (usually a ``ManualClock``).
    ///   - name: What the script stands for in messages (e.g. `pricing.quote`); default `call`.
    ///   - script: One behaviour per attempt; the last repeats. Must not be empty.
    public init<C: Clock>(clock: C, name: String = "call", _ script: [Behaviour]) where C.Duration == Duration {
        precondition(!script.isEmpty, "a script needs at least one behaviour")
        self.clock = AnyClock(clock)
        self.name = name
        self.script = script
    }

    /// A script that always succeeds with `value` after `delay`.
    public convenience init<C: Clock>(clock: C, returning value: Output, after delay: Duration = .zero) where C.Duration == Duration {
        self.init(clock: clock, name: "call", [.succeed(value, after: delay)])
    }

    /// Plays the next behaviour of the script.
    public func call(_ context: CallContext) async throws -> Output {
        let startedAt = clock.now
        let (index, satisfied) = log.withLock { log in
            log.calls.append(Call(context: context, startedAt: startedAt))
            let count = log.calls.count
            return (count - 1, log.waiters.takeSatisfied(count: count))
        }
        for waiter in satisfied { waiter.resume(returning: .success(())) }
        switch script[min(index, script.count - 1)] {
        case .succeed(let value, let delay):
            try await wait(delay, from: startedAt)
            return value
        case .fail(let error, let delay):
            try await wait(delay, from: startedAt)
            throw error
        case .hang:
            while true {
                try await clock.sleep(until: startedAt.advanced(by: .seconds(86_400 * 365)), tolerance: nil)
            }
        }
    }

    /// Every call received so far, in order.
    public var calls: [Call] { log.withLock { $0.calls } }

    /// How many calls were received.
    public var callCount: Int { log.withLock { $0.calls.count } }

    /// Suspends until at least `count` calls were received: a barrier for tests, like
    /// ``ManualClock/waitForSleepers(count:within:)``.
    ///
    /// - Parameters:
    ///   - count: The number of calls to wait for.
    ///   - bound: How long to wait on the wall clock before giving up (default 20 s).
    /// - Throws: ``WaitTimedOut`` (naming the script and the calls received) when fewer than
    ///   `count` calls arrived after `bound`; `CancellationError` when the waiting task is cancelled.
    public func waitForCalls(count: Int, within bound: Duration = defaultWaitBound) async throws {
        try await boundedWait(
            bound: bound,
            makeID: { log.withLock { $0.waiters.makeID() } },
            park: { id, continuation in
                let parked = log.withLock { log -> Bool in
                    guard log.calls.count < count, !Task.isCancelled else { return false }
                    log.waiters.park(id: id, target: count, continuation)
                    return true
                }
                if !parked { continuation.resume(returning: Task.isCancelled ? .failure(CancellationError()) : .success(())) }
                return parked
            },
            take: { [self] id in self.log.withLock { $0.waiters.take(id: id) } },
            describe: { [self] in "\(count) calls of \(self.name) (\(self.log.withLock { $0.calls.count }) received)" }
        )
    }

    private func wait(_ delay: Duration, from start: BatonInstant) async throws {
        guard delay > .zero else { return }
        try await clock.sleep(until: start.advanced(by: delay), tolerance: nil)
    }
}

/// A `CallPolicy` that makes exactly one attempt, with no timeout of its own (the executor's
/// deadline still applies): keeps manual-clock tests' sleeper counts simple (one per running
/// step, plus one for the run's deadline).
public struct DirectCall: CallPolicy {
    /// The policy; it has no settings.
    public init() {}

    public func run<T: Sendable>(
        _ context: CallContext,
        log: AttemptLog,
        _ call: @escaping @Sendable (CallContext) async throws -> T
    ) async throws -> T {
        var context = context
        context.attempt = log.beginAttempt()
        do {
            return try await call(context)
        } catch {
            log.recordFailure(ErrorClass.classify(error))
            throw error
        }
    }
}
