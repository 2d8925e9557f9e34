/// Enforces the attempt timeouts of a real clock with one shared timer instead of a sleeping
/// child task per attempt.
///
/// Each timed attempt registers a ticket with its instant; one detached task sleeps until the
/// earliest registered instant and cancels the attempts whose instant has passed. Registering
/// and finishing take the lock once each, and the common case — attempts that end long before
/// their timeout, with instants registered in increasing order — never wakes or re-arms the
/// timer task: it wakes about once per timeout period, drops the finished tickets and sleeps
/// again, and exits when no ticket is left. Finished tickets are dropped in bulk (when they
/// outnumber the live ones), so memory stays proportional to the attempts in flight.
///
/// Used by ``withDeadline(_:clock:limit:isolation:_:)`` for clocks that are not in virtual time;
/// a virtual clock (the test clock) keeps one sleeper per attempt, which tests count.
final class DeadlineWatcher: Sendable {
    private struct Entry {
        var instant: BatonInstant
        var id: UInt64
        var ticket: DeadlineTicket
    }

    private struct State {
        /// A binary min-heap by (instant, id); finished tickets stay until popped or compacted.
        var heap: [Entry] = []
        var nextID: UInt64 = 0
        var live = 0
        /// The instant the timer task sleeps until; `nil` when there is no timer task.
        var armedUntil: BatonInstant?
        /// Bumped to retire the running timer task (re-armed for an earlier instant).
        var generation: UInt64 = 0
        var timer: Task<Void, Never>?
    }

    private let state = Lock(State())
    private let now: @Sendable () -> BatonInstant
    private let sleep: @Sendable (BatonInstant) async throws -> Void

    init(now: @escaping @Sendable () -> BatonInstant, sleep: @escaping @Sendable (BatonInstant) async throws -> Void) {
        self.now = now
        self.sleep = sleep
    }

    /// Starts watching `ticket`: at `instant` it is expired unless it has finished by then.
    func register(_ ticket: DeadlineTicket, at instant: BatonInstant) {
        let retired: Task<Void, Never>? = state.withLock { state in
            state.nextID &+= 1
            Self.push(Entry(instant: instant, id: state.nextID, ticket: ticket), into: &state.heap)
            state.live += 1
            if let armed = state.armedUntil, armed <= instant { return nil }
            // No timer task, or it sleeps past this instant: start one for it.
            let old = state.timer
            state.generation &+= 1
            state.armedUntil = instant
            state.timer = startTimer(generation: state.generation)
            return old
        }
        retired?.cancel()
    }

    /// Stops watching `ticket`; returns whether it had already been expired.
    func finish(_ ticket: DeadlineTicket) -> Bool {
        state.withLock { state in
            ticket.isFinished = true
            state.live -= 1
            if state.heap.count > 2 * state.live + 64 {
                state.heap.removeAll { $0.ticket.isFinished }
                Self.heapify(&state.heap)
            }
            return ticket.hasExpired
        }
    }

    /// Tickets registered and not finished (for tests).
    var watchedCount: Int { state.withLock { $0.live } }

    /// Whether a timer task is running (for tests).
    var isArmed: Bool { state.withLock { $0.armedUntil != nil } }

    private func startTimer(generation: UInt64) -> Task<Void, Never> {
        Task.detached { [self] in
            while let instant = self.expireDue(generation: generation) {
                try? await self.sleep(instant)
            }
        }
    }

    /// Expires the due tickets; returns the next instant to sleep until, or `nil` when this timer
    /// task should end (nothing left to watch, or it was retired).
    private func expireDue(generation: UInt64) -> BatonInstant? {
        let now = self.now()
        var due: [DeadlineTicket] = []
        let next: BatonInstant? = state.withLock { state in
            guard state.generation == generation else { return nil }
            while let first = state.heap.first {
                if first.ticket.isFinished {
                    Self.popFirst(&state.heap)
                } else if first.instant <= now {
                    first.ticket.hasExpired = true
                    due.append(first.ticket)
                    Self.popFirst(&state.heap)
                } else {
                    break
                }
            }
            guard let first = state.heap.first else {
                state.armedUntil = nil
                state.timer = nil
                return nil
            }
            state.armedUntil = first.instant
            return first.instant
        }
        for ticket in due { ticket.expire() }
        return next
    }

    // MARK: - Heap

    private static func precedes(_ a: Entry, _ b: Entry) -> Bool {
        a.instant < b.instant || (a.instant == b.instant && a.id < b.id)
    }

    private static func push(_ entry: Entry, into heap: inout [Entry]) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard precedes(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private static func popFirst(_ heap: inout [Entry]) {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        siftDown(&heap, from: 0)
    }

    private static func siftDown(_ heap: inout [Entry], from start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { return }
            var smallest = left
            if left + 1 < heap.count, precedes(heap[left + 1], heap[left]) { smallest = left + 1 }
            guard precedes(heap[smallest], heap[parent]) else { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }

    private static func heapify(_ heap: inout [Entry]) {
        guard heap.count > 1 else { return }
        for index in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(&heap, from: index) }
    }
}

/// An attempt watched by a ``DeadlineWatcher``. Its flags are only read and written under the
/// watcher's lock.
class DeadlineTicket: @unchecked Sendable {
    /// The attempt ended (set by `finish`).
    fileprivate(set) var isFinished = false
    /// The instant passed before the attempt ended (set by the timer task).
    fileprivate(set) var hasExpired = false

    /// Cancels the attempt. Called once, outside the lock.
    func expire() {}
}

/// The ticket of an attempt running as `task`.
final class TaskDeadlineTicket<T: Sendable>: DeadlineTicket, @unchecked Sendable {
    let task: Task<T, any Error>

    init(_ task: Task<T, any Error>) {
        self.task = task
    }

    override func expire() { task.cancel() }
}

/// A policy's attempt watched by a ``DeadlineWatcher``: the call, its context and the task
/// running it, in one object.
final class WatchedAttempt<T: Sendable>: DeadlineTicket, @unchecked Sendable {
    private let call: @Sendable (CallContext) async throws -> T
    private let context: CallContext
    /// Set once, before the attempt is registered with the watcher (whose lock orders it
    /// before `expire`).
    var task: Task<T, any Error>?

    init(_ call: @escaping @Sendable (CallContext) async throws -> T, context: CallContext) {
        self.call = call
        self.context = context
    }

    func run() async throws -> T { try await call(context) }

    override func expire() { task?.cancel() }
}
