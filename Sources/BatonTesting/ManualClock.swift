import BatonRuntime
import Synchronization

/// A clock that moves only when a test tells it to.
///
/// Time starts at `BatonInstant.zero`. A task that sleeps on this clock is parked until
/// ``advance(by:)`` or ``advance(to:)`` moves time to or past its deadline. Advancing wakes the
/// due sleepers one at a time in deadline order (ties in the order they went to sleep), and sets
/// ``now`` to each sleeper's deadline before waking it.
///
/// Woken tasks run concurrently with the test, so a test that steps through a chain of sleeps
/// waits for the next sleeper explicitly instead of yielding and hoping:
///
/// ```swift
/// let clock = ManualClock()
/// let run = Task { try await orchestrator.checkout(input) }
/// try await clock.waitForSleepers(count: 2)   // both root steps are in flight
/// clock.advance(by: .milliseconds(10))        // the first finishes at t+10ms
/// try await clock.waitForSleepers(count: 2)   // its dependant has started
/// ```
///
/// There are no yield heuristics: every wait is on a registered sleeper, so tests are deterministic
/// under any load. A barrier that is never reached fails with ``WaitTimedOut`` after a wall-clock
/// bound instead of hanging the test.
public final class ManualClock: Clock, Sendable {
    public typealias Instant = BatonInstant

    private struct Sleeper {
        var id: UInt64
        var deadline: BatonInstant
        /// Resumed with a `Result` rather than by `resume(throwing:)`: in Swift 6.3 a checked
        /// continuation resumed with an error leaks about 100 bytes each time.
        var continuation: CheckedContinuation<Result<Void, any Error>, Never>
    }

    private struct State {
        var now: BatonInstant = .zero
        var nextID: UInt64 = 0
        /// Kept sorted by (deadline, id).
        var sleepers: [Sleeper] = []
        var waiters = CountWaiters()
    }

    private let state = Lock(State())

    /// A clock at `BatonInstant.zero` with no sleepers. Pass ``asAnyClock`` to the runtime.
    public init() {}

    /// This clock wrapped for the runtime (keeps the same origin).
    public var asAnyClock: AnyClock { AnyClock(self) }

    public var now: BatonInstant { state.withLock { $0.now } }

    public var minimumResolution: Duration { .zero }

    /// The number of tasks currently sleeping on this clock.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// The earliest deadline among the sleepers, if any.
    public var nextDeadline: BatonInstant? { state.withLock { $0.sleepers.first?.deadline } }

    public func sleep(until deadline: BatonInstant, tolerance: Duration? = nil) async throws {
        try Task.checkCancellation()
        let id: UInt64 = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedContinuation { (continuation: CheckedContinuation<Result<Void, any Error>, Never>) in
                let (resumeNow, satisfied) = state.withLock { state -> (Bool, [CountWaiters.Continuation]) in
                    if deadline <= state.now || Task.isCancelled {
                        return (true, [])
                    }
                    let sleeper = Sleeper(id: id, deadline: deadline, continuation: continuation)
                    let index = state.sleepers.firstIndex { ($0.deadline, $0.id) > (deadline, id) } ?? state.sleepers.endIndex
                    state.sleepers.insert(sleeper, at: index)
                    return (false, state.waiters.takeSatisfied(count: state.sleepers.count))
                }
                if resumeNow {
                    if Task.isCancelled {
                        continuation.resume(returning: .failure(CancellationError()))
                    } else {
                        continuation.resume(returning: .success(()))
                    }
                }
                for waiter in satisfied { waiter.resume(returning: .success(())) }
            }.get()
        } onCancel: {
            let cancelled = state.withLock { state -> Sleeper? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: index)
            }
            cancelled?.continuation.resume(returning: .failure(CancellationError()))
        }
    }

    /// Moves time forward by `duration`, waking every sleeper that becomes due, in order.
    public func advance(by duration: Duration) {
        advance(to: now.advanced(by: duration))
    }

    /// Moves time to `instant` (never backwards), waking every sleeper due by then, in order.
    ///
    /// Sleepers due at the same instant are taken off the clock together and then woken in order,
    /// so a woken task cannot cancel another sleeper of that instant before it fires: which of
    /// them "wins" does not depend on thread timing.
    public func advance(to instant: BatonInstant) {
        while true {
            let due = popSleepers(dueBy: instant)
            if due.isEmpty { break }
            for sleeper in due { sleeper.continuation.resume(returning: .success(())) }
        }
        state.withLock { state in
            if state.now < instant { state.now = instant }
        }
    }

    /// Moves time to the earliest sleeper's deadline and wakes the sleepers due then.
    /// Returns `false` (and leaves time alone) when nobody sleeps.
    @discardableResult
    public func advanceToNextDeadline() -> Bool {
        guard let next = nextDeadline else { return false }
        advance(to: next)
        return true
    }

    /// Suspends until at least `count` tasks sleep on this clock.
    ///
    /// This is the barrier that makes tests deterministic: wait for the work you expect to be
    /// parked before moving time.
    ///
    /// - Parameters:
    ///   - count: The number of sleepers to wait for.
    ///   - bound: How long to wait on the wall clock before giving up (default 20 s).
    /// - Throws: ``WaitTimedOut`` when fewer than `count` tasks sleep after `bound`;
    ///   `CancellationError` when the waiting task is cancelled.
    public func waitForSleepers(count: Int, within bound: Duration = defaultWaitBound) async throws {
        try await boundedWait(
            bound: bound,
            makeID: { state.withLock { $0.waiters.makeID() } },
            park: { id, continuation in
                let parked = state.withLock { state -> Bool in
                    guard state.sleepers.count < count, !Task.isCancelled else { return false }
                    state.waiters.park(id: id, target: count, continuation)
                    return true
                }
                if !parked { continuation.resume(returning: Task.isCancelled ? .failure(CancellationError()) : .success(())) }
                return parked
            },
            take: { [self] id in self.state.withLock { $0.waiters.take(id: id) } },
            describe: { [self] in "\(count) sleepers on the manual clock (\(self.state.withLock { $0.sleepers.count }) sleeping)" }
        )
    }

    /// Takes the sleepers due at the earliest deadline (if it is by `instant`) and moves time there.
    private func popSleepers(dueBy instant: BatonInstant) -> [Sleeper] {
        state.withLock { state in
            guard let first = state.sleepers.first, first.deadline <= instant else { return [] }
            let count = state.sleepers.prefix { $0.deadline == first.deadline }.count
            let due = Array(state.sleepers.prefix(count))
            state.sleepers.removeFirst(count)
            if state.now < first.deadline { state.now = first.deadline }
            return due
        }
    }

}
