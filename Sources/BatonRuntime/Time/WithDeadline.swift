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
    _ operation: @Sendable () async throws -> T
) async throws -> T {
    guard clock.now < instant else { throw TimeoutError(limit: limit) }
    return try await withoutActuallyEscaping(operation) { operation in
        // The group is typed by an enum so the sleeper's completion can be told apart from the
        // operation's without boxing errors.
        try await withThrowingTaskGroup(of: DeadlineRace<T>.self, isolation: isolation) { group in
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
    _ operation: @Sendable () async throws -> T
) async throws -> T {
    let deadline = Deadline.current
    switch (timeout, deadline) {
    case (nil, nil):
        return try await operation()
    case (let timeout?, nil):
        return try await withDeadline(clock.now.advanced(by: timeout), clock: clock, limit: timeout, operation)
    case (let timeout, let deadline?):
        let now = clock.now
        var instant = deadline.instant
        var limit = now.duration(to: deadline.instant)
        if let timeout, now.advanced(by: timeout) < instant {
            instant = now.advanced(by: timeout)
            limit = timeout
        }
        return try await withDeadline(instant, clock: clock, limit: limit, operation)
    }
}

private enum DeadlineRace<T: Sendable>: Sendable {
    case finished(T)
    case expired
    /// The watch was cancelled before the instant: only the operation's outcome can end the race.
    case watchStopped
}
