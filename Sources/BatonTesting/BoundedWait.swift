import BatonRuntime

/// A test's wait took longer than its bound: what it waited for never happened.
///
/// Thrown by the barriers of BatonTesting (``ManualClock/waitForSleepers(count:within:)``,
/// ``ScriptedCall/waitForCalls(count:within:)``, `Task.value(within:waitingFor:)`)
/// so that a test whose expectation is wrong fails with a message instead of hanging its process.
public struct WaitTimedOut: Error, CustomStringConvertible {
    /// What the test waited for, e.g. `2 calls of pricing.quote (1 received)`.
    public var waitingFor: String
    /// The wall-clock bound that passed.
    public var bound: Duration

    /// A timeout after `bound` while waiting for `waitingFor`.
    public init(waitingFor: String, bound: Duration) {
        self.waitingFor = waitingFor
        self.bound = bound
    }

    public var description: String { "waited \(bound) for \(waitingFor), in vain" }
}

/// How long a barrier waits by default: far longer than any barrier needs on a loaded machine
/// (they wait for work that is already runnable), far shorter than a test's time limit.
public let defaultWaitBound: Duration = .seconds(20)

/// Tasks waiting for a count (calls received, sleepers parked) to reach a target. Kept inside the
/// owner's locked state, so that checking the count and parking happen atomically.
struct CountWaiters {
    typealias Continuation = CheckedContinuation<Result<Void, any Error>, Never>

    private struct Waiter {
        var id: UInt64
        var target: Int
        var continuation: Continuation
    }

    private var nextID: UInt64 = 0
    private var waiters: [Waiter] = []

    mutating func makeID() -> UInt64 {
        nextID &+= 1
        return nextID
    }

    mutating func park(id: UInt64, target: Int, _ continuation: Continuation) {
        waiters.append(Waiter(id: id, target: target, continuation: continuation))
    }

    /// Takes the waiters whose target `count` reaches; resume them outside the lock.
    mutating func takeSatisfied(count: Int) -> [Continuation] {
        var satisfied: [Continuation] = []
        waiters.removeAll { waiter in
            guard waiter.target <= count else { return false }
            satisfied.append(waiter.continuation)
            return true
        }
        return satisfied
    }

    /// Takes one waiter (timed out or cancelled), if it is still parked.
    mutating func take(id: UInt64) -> Continuation? {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
        return waiters.remove(at: index).continuation
    }
}

/// Parks the calling task until it is resumed, cancelled, or `bound` passes (wall-clock time, and
/// as many turns of the ``WaitWatchdog``, so that a starved scheduler does not end it early).
///
/// The wait never blocks a thread: it is a continuation, and the bound is kept by the shared
/// ``WaitWatchdog`` (one task for all waits, not a timer task per wait: a cancelled sleep keeps
/// its timer until the deadline, which made every satisfied wait hold memory for the bound).
///
/// - Parameters:
///   - makeID: Allocates the waiter's id (under the owner's lock).
///   - park: Parks the continuation under the owner's lock, or resumes it at once and returns
///     false when the target is already met or the task is cancelled.
///   - take: Removes a parked waiter by id (under the owner's lock).
///   - describe: What is waited for, with the current state, for the timeout's message.
func boundedWait(
    bound: Duration,
    makeID: () -> UInt64,
    park: (UInt64, CountWaiters.Continuation) -> Bool,
    take: @escaping @Sendable (UInt64) -> CountWaiters.Continuation?,
    describe: @escaping @Sendable () -> String
) async throws {
    let id = makeID()
    let watch = Lock<UInt64?>(nil)
    defer { if let ticket = watch.withLock({ $0 }) { WaitWatchdog.shared.forget(ticket) } }
    try await withTaskCancellationHandler {
        try await withCheckedContinuation { (continuation: CountWaiters.Continuation) in
            guard park(id, continuation) else { return }
            let ticket = WaitWatchdog.shared.watch(for: bound) {
                take(id)?.resume(returning: .failure(WaitTimedOut(waitingFor: describe(), bound: bound)))
            }
            watch.withLock { $0 = ticket }
        }.get()
    } onCancel: {
        take(id)?.resume(returning: .failure(CancellationError()))
    }
}

/// Ends the waits of BatonTesting's barriers that pass their bound. One task serves every wait,
/// checking every 50 ms while any wait is watched and ending when none is.
///
/// A bound is wall-clock time *and* as many of the watchdog's own turns (one per tick): the
/// watchdog runs on the same executor as the tasks a test waits for, so on a machine too busy to
/// run them (a loaded CI runner, a parallel test run that keeps both cooperative threads busy)
/// its turns slow down too, and a wait only ends once the scheduler had every chance to run what
/// it waits for.
final class WaitWatchdog: Sendable {
    static let shared = WaitWatchdog()

    static let tick = Duration.milliseconds(50)

    private struct Watched {
        var deadline: ContinuousClock.Instant
        var turnsLeft: Int
        var expire: @Sendable () -> Void
    }

    private struct State {
        var watched: [UInt64: Watched] = [:]
        var nextTicket: UInt64 = 0
        var running = false
    }

    private let state = Lock(State())

    /// Calls `expire` once `bound` has passed, both on the wall clock and in the watchdog's turns,
    /// unless the ticket is forgotten first.
    func watch(for bound: Duration, expire: @escaping @Sendable () -> Void) -> UInt64 {
        let deadline = ContinuousClock.now.advanced(by: bound)
        let turns = Int((bound / Self.tick).rounded(.up))
        let (ticket, start) = state.withLock { state -> (UInt64, Bool) in
            state.nextTicket &+= 1
            state.watched[state.nextTicket] = Watched(deadline: deadline, turnsLeft: turns, expire: expire)
            defer { state.running = true }
            return (state.nextTicket, !state.running)
        }
        if start { Task.detached { await self.run() } }
        return ticket
    }

    func forget(_ ticket: UInt64) {
        _ = state.withLock { $0.watched.removeValue(forKey: ticket) }
    }

    private func run() async {
        while true {
            try? await Task.sleep(for: Self.tick)
            let now = ContinuousClock.now
            let (due, more) = state.withLock { state -> ([Watched], Bool) in
                for key in state.watched.keys { state.watched[key]?.turnsLeft -= 1 }
                let due = state.watched.filter { $0.value.deadline <= now && $0.value.turnsLeft <= 0 }
                for key in due.keys { state.watched.removeValue(forKey: key) }
                if state.watched.isEmpty { state.running = false }
                return (Array(due.values), !state.watched.isEmpty)
            }
            for watched in due { watched.expire() }
            if !more { return }
        }
    }
}

extension Task where Failure == any Error {
    /// The task's value, waiting at most `bound` of wall-clock time for it (and as many turns of
    /// BatonTesting's watchdog on the same executor, so that a busy machine does not cut it short).
    ///
    /// Past the bound the task is cancelled and the wait throws ``WaitTimedOut`` naming
    /// `waitingFor`, so a run that never finishes fails its test instead of hanging it:
    ///
    /// ```swift
    /// let run = Task { try await orchestrator.checkout(input) }
    /// clock.advance(by: .milliseconds(10))
    /// let result = try await run.value(waitingFor: "the checkout run")
    /// ```
    public func value(within bound: Duration = defaultWaitBound, waitingFor: String) async throws -> Success {
        let timedOut = Lock(false)
        // The shared watchdog, not a timer task per run: a cancelled sleep would hold its timer
        // for the whole bound.
        let ticket = WaitWatchdog.shared.watch(for: bound) {
            timedOut.withLock { $0 = true }
            self.cancel()
        }
        defer { WaitWatchdog.shared.forget(ticket) }
        do {
            return try await self.value
        } catch {
            if timedOut.withLock({ $0 }) { throw WaitTimedOut(waitingFor: waitingFor, bound: bound) }
            throw error
        }
    }
}
