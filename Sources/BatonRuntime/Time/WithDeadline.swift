/// Thrown when an operation did not finish by its deadline.
public struct TimeoutError: ClassifiedError, Equatable, CustomStringConvertible {
    /// The time the operation was allowed.
    public var limit: Duration

    /// A timeout of an operation that was allowed `limit` (its timeout clipped to the deadline).
    public init(limit: Duration) {
        self.limit = limit
    }

    public var errorClass: ErrorClass { .timeout }
    public var description: String { "timed out after \(limit)" }
}

/// Runs `operation` and gives up at `instant` on `clock`.
///
/// When the instant passes first, the operation's task is cancelled and this function throws
/// ``TimeoutError``. Structured concurrency does not let a parent abandon a child, so the function
/// returns only once the operation has reacted to cancellation: an operation that ignores
/// cancellation delays the timeout by however long it takes to notice. Every operation Baton runs
/// itself (sleeps, limiter waits, queue waits) reacts at once, and nothing is ever leaked.
///
/// On a real clock (``AnyClock/continuous`` or any clock not in ``BatonInstant``s) the operation
/// runs in one task and the clock's shared deadline watcher cancels it at the instant — no timer
/// task per call. An operation that returns a value despite the cancellation keeps it. On a virtual clock (`BatonTesting.ManualClock`) the operation races a child task
/// sleeping until the instant, so tests see one sleeper per timed operation.
///
/// - Parameters:
///   - instant: When to give up. An instant that has already passed throws without starting the
///     operation.
///   - clock: The clock `instant` belongs to.
///   - limit: The duration reported in the ``TimeoutError``.
///   - isolation: The actor this function runs on; the caller's by default.
///   - operation: The work; cancelled when `instant` passes first.
/// - Throws: ``TimeoutError`` when `instant` passed first, or `operation`'s error.
public func withDeadline<T: Sendable>(
    _ instant: BatonInstant,
    clock: AnyClock,
    limit: Duration,
    isolation: isolated (any Actor)? = #isolation,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    guard clock.now < instant else { throw TimeoutError(limit: limit) }
    if let watcher = clock.deadlineWatcher {
        return try await withWatchedDeadline(instant, watcher: watcher, limit: limit, operation)
    }
    // The group is typed by an enum so the sleeper's completion can be told apart from the
    // operation's without boxing errors.
    return try await withThrowingTaskGroup(of: DeadlineRace<T>.self, isolation: isolation) { group in
        group.addTask { try await .finished(operation()) }
        group.addTask {
            do {
                try await clock.sleep(until: instant, tolerance: nil)
                return .expired
            } catch {
                return .watchStopped
            }
        }
        defer { group.cancelAll() }
        // The operation's own outcome wins over a cancelled watch: an operation that finished
        // as the caller was cancelled still reports its value (a completed write stays known).
        while let race = try await group.next() {
            switch race {
            case .finished(let value): return value
            case .expired: throw TimeoutError(limit: limit)
            case .watchStopped: continue
            }
        }
        throw TimeoutError(limit: limit)
    }
}

/// The real-clock path of ``withDeadline(_:clock:limit:isolation:_:)``: the operation runs in a
/// task (inheriting task-locals and priority) that the watcher cancels at `instant`; the caller's
/// cancellation is forwarded to it, and its outcome is awaited in every case, so it never
/// outlives the call.
func withWatchedDeadline<T: Sendable>(
    _ instant: BatonInstant,
    watcher: DeadlineWatcher,
    limit: Duration,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let task = Task { try await operation() }
    let ticket = TaskDeadlineTicket(task)
    watcher.register(ticket, at: instant)
    let result = await withTaskCancellationHandler {
        await task.result
    } onCancel: {
        task.cancel()
    }
    return try outcome(result, expired: watcher.finish(ticket), limit: limit)
}

/// What a watched operation amounts to: its value whenever it produced one (a write that
/// completed as its timeout fired stays known), else ``TimeoutError`` when the instant passed
/// first, else its own error.
private func outcome<T>(_ result: Result<T, any Error>, expired: Bool, limit: Duration) throws -> T {
    switch result {
    case .success(let value): return value
    case .failure(let error): throw expired ? TimeoutError(limit: limit) : error
    }
}

/// Runs `operation` with at most `timeout`, clipped to the current run's ``Deadline``.
///
/// With neither a timeout nor a deadline the operation runs directly, at no extra cost.
///
/// - Parameters:
///   - timeout: The attempt's own limit; `nil` for the run's deadline only.
///   - clock: The clock the timeout and the deadline's instant are both measured on: the run's.
///   - isolation: The actor this function runs on; the caller's by default.
///   - operation: The attempt; cancelled when the limit passes.
/// - Throws: ``TimeoutError`` (its ``TimeoutError/limit`` is the clipped time) when the limit
///   passed first, or `operation`'s error.
public func withAttemptTimeout<T: Sendable>(
    _ timeout: Duration?,
    clock: AnyClock,
    isolation: isolated (any Actor)? = #isolation,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    guard let (instant, limit) = attemptInstant(timeout, clock: clock) else { return try await operation() }
    return try await withDeadline(instant, clock: clock, limit: limit, operation)
}

/// ``withAttemptTimeout(_:clock:isolation:_:)`` for a policy's attempt: `call(context)` without a
/// closure around it, and on a real clock with the attempt itself as the watcher's ticket — one
/// allocation for the ticket, one for the attempt's task.
func withAttemptTimeout<T: Sendable>(
    _ timeout: Duration?,
    clock: AnyClock,
    context: CallContext,
    _ call: @escaping @Sendable (CallContext) async throws -> T
) async throws -> T {
    guard let (instant, limit) = attemptInstant(timeout, clock: clock) else { return try await call(context) }
    var bounded = context
    bounded.attemptDeadline = Deadline(instant, clock: clock)
    let context = bounded  // a constant: the attempt's task captures it
    guard let watcher = clock.deadlineWatcher else {
        return try await withDeadline(instant, clock: clock, limit: limit) { try await call(context) }
    }
    guard clock.now < instant else { throw TimeoutError(limit: limit) }
    let attempt = WatchedAttempt(call, context: context)
    let task = Task { try await attempt.run() }
    attempt.task = task
    watcher.register(attempt, at: instant)
    let result = await withTaskCancellationHandler {
        await task.result
    } onCancel: {
        task.cancel()
    }
    return try outcome(result, expired: watcher.finish(attempt), limit: limit)
}

/// When an attempt that wants `timeout` must end, and the limit to report: `timeout` from now,
/// clipped to the run's ``Deadline``; `nil` when neither bounds it.
private func attemptInstant(_ timeout: Duration?, clock: AnyClock) -> (BatonInstant, Duration)? {
    switch (timeout, Deadline.current) {
    case (nil, nil):
        return nil
    case (let timeout?, nil):
        return (clock.now.advanced(by: timeout), timeout)
    case (let timeout, let deadline?):
        let now = clock.now
        if let timeout, now.advanced(by: timeout) < deadline.instant {
            return (now.advanced(by: timeout), timeout)
        }
        return (deadline.instant, now.duration(to: deadline.instant))
    }
}

private enum DeadlineRace<T: Sendable>: Sendable {
    case finished(T)
    case expired
    /// The watch was cancelled before the instant: only the operation's outcome can end the race.
    case watchStopped
}
