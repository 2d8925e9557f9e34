import Logging
import Synchronization

/// The bounded background queue that runs `mode: async` steps (spec-v1 §7.9).
///
/// A workflow hands an async step's call to the queue and moves on. The queue runs at most
/// `maxConcurrent` calls at a time, each under its step's own ``CallPolicy`` (so with the step's
/// retries); at most `capacity` calls wait. A call that finds the queue full — or shut down — is
/// dropped and counted (``droppedCount``), and the drop is logged (the 1st, 2nd, 4th, 8th… drop,
/// so an overload cannot flood the log).
///
/// Create one per orchestrator and shut it down when the service stops, so queued calls are not
/// lost:
///
/// ```swift
/// let queue = AsyncStepQueue(capacity: 1_000)
/// // …
/// await queue.shutdown()   // stop taking calls, wait for the queued ones
/// ```
///
/// The queue also has the shape of a swift-service-lifecycle `Service`: ``run()`` returns once
/// ``beginShutdown()`` was called (or its task is cancelled) and everything queued has run. To
/// use it with a `ServiceGroup`, wrap it in a type conforming to `Service` whose `run()` calls
/// `withGracefulShutdownHandler { await queue.run() } onGracefulShutdown: { queue.beginShutdown() }`.
///
/// Calls run in detached worker tasks (the runs that enqueued them have usually returned), which
/// the queue starts on demand and which end when the queue is empty: an idle queue costs no task.
/// Queued calls are not cancelled by shutdown; they are bounded by their policies' timeouts.
public final class AsyncStepQueue: Sendable {
    /// One queued call.
    public typealias Job = @Sendable () async -> Void

    /// How many calls may wait (running ones excluded).
    public let capacity: Int
    /// How many calls run at the same time.
    public let maxConcurrent: Int
    private let logger: Logger
    private let state: Lock<State>

    private struct State: ~Copyable {
        var jobs: Ring
        var workers = 0
        /// Workers started whose first job still sits in `jobs` (not counted against capacity).
        var starting = 0
        var accepting = true
        var dropped = 0
        var completed = 0
        /// Waiting for the queue to be empty with no worker left.
        var drainWaiters: [CheckedContinuation<Void, Never>] = []
        /// `run()` waiting for a shutdown request.
        var shutdownWaiter: CheckedContinuation<Void, Never>?
        var isIdle: Bool { jobs.isEmpty && workers == 0 }
    }

    /// - Parameters:
    ///   - capacity: How many calls may wait; more are dropped. Must be ≥ 0.
    ///   - maxConcurrent: How many calls run at a time. Must be ≥ 1.
    ///   - telemetry: Where drops and background failures are logged.
    public init(capacity: Int, maxConcurrent: Int = 4, telemetry: Telemetry = Telemetry()) {
        precondition(capacity >= 0, "capacity must not be negative")
        precondition(maxConcurrent >= 1, "maxConcurrent must be at least 1")
        self.capacity = capacity
        self.maxConcurrent = maxConcurrent
        self.logger = telemetry.logger
        self.state = Lock(State(jobs: Ring(capacity: capacity)))
    }

    /// Calls dropped so far because the queue was full or shut down.
    public var droppedCount: Int { state.withLock { $0.dropped } }
    /// Calls waiting to run.
    public var pendingCount: Int { state.withLock { $0.jobs.count - $0.starting } }
    /// Calls that ran to their end (successfully or not).
    public var completedCount: Int { state.withLock { $0.completed } }
    /// Whether the queue still takes calls.
    public var isAccepting: Bool { state.withLock { $0.accepting } }

    /// Queues `job`. Returns `false` (and counts a drop) when the queue is full or shut down.
    ///
    /// - Parameters:
    ///   - label: Names the call in the drop log line (e.g. `checkout.receipt`).
    ///   - job: The call, run later by one of the queue's workers.
    @discardableResult
    public func submit(label: String, _ job: @escaping Job) -> Bool {
        enum Decision { case startWorker, queued, dropped(Int, shutDown: Bool) }
        let decision: Decision = state.withLock { state in
            guard state.accepting else {
                state.dropped += 1
                return .dropped(state.dropped, shutDown: true)
            }
            // With a free worker slot the call starts at once and never waits, so capacity 0
            // still runs up to `maxConcurrent` calls.
            if state.workers < maxConcurrent {
                state.workers += 1
                // The new worker takes it from the queue: its task must not hold the job (and what
                // the job captured, e.g. a run's input and values) for as long as it lives.
                state.jobs.push(job)
                state.starting += 1
                return .startWorker
            }
            guard state.jobs.count - state.starting < capacity else {
                state.dropped += 1
                return .dropped(state.dropped, shutDown: false)
            }
            state.jobs.push(job)
            return .queued
        }
        switch decision {
        case .startWorker:
            // Detached: a worker outlives the run that started it and serves later runs' calls,
            // so it must not carry that run's task-locals (deadline, trace context) or priority.
            // It keeps the submitter's executor preference (none in production).
            Task.detached(executorPreference: inheritedTaskExecutor()) { await self.work() }
            return true
        case .queued:
            return true
        case .dropped(let total, let shutDown):
            // Powers of two: the first drops are all visible, a flood is summarised.
            if total & (total - 1) == 0 {
                logger.warning(
                    "async call dropped: \(shutDown ? "queue shut down" : "queue full")",
                    metadata: ["baton.call": .string(label), "baton.dropped_total": .stringConvertible(total)]
                )
            }
            return false
        }
    }

    /// Stops taking calls; queued and running ones go on. Returns at once.
    public func beginShutdown() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.accepting = false
            defer { state.shutdownWaiter = nil }
            return state.shutdownWaiter
        }
        waiter?.resume()
    }

    /// Stops taking calls and waits until every queued and running call has ended.
    public func shutdown() async {
        beginShutdown()
        await drain()
    }

    /// Waits until nothing is queued or running (the queue keeps taking calls).
    public func drain() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = state.withLock { state -> Bool in
                if state.isIdle { return true }
                state.drainWaiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }

    /// Runs until shutdown is requested (``beginShutdown()``, or cancellation of the calling task),
    /// then stops taking calls and returns once the queue has drained. The `Service.run()` shape.
    public func run() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if !state.accepting || Task.isCancelled { return true }
                    precondition(state.shutdownWaiter == nil, "AsyncStepQueue.run() called twice")
                    state.shutdownWaiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            beginShutdown()
        }
        await shutdown()
    }

    /// A worker: runs queued jobs until the queue is empty, then ends.
    ///
    /// Each job is released before it is counted as completed, so once ``drain()`` returns nothing
    /// a finished job captured is still retained by the queue.
    private func work() async {
        var job = nextJob(afterCompleting: false)
        while job != nil {
            await job!()
            job = nil
            job = nextJob(afterCompleting: true)
        }
    }

    /// Counts the job that just ended (if any) and takes the next one, or retires the worker.
    private func nextJob(afterCompleting completed: Bool) -> Job? {
        let (job, waiters) = state.withLock { state -> (Job?, [CheckedContinuation<Void, Never>]) in
            if completed { state.completed += 1 } else { state.starting -= 1 }
            if let job = state.jobs.pop() { return (job, []) }
            state.workers -= 1
            guard state.isIdle else { return (nil, []) }
            defer { state.drainWaiters = [] }
            return (nil, state.drainWaiters)
        }
        for waiter in waiters { waiter.resume() }
        return job
    }
}

/// A FIFO of jobs that grows geometrically (the queue bounds its count) and reuses its slots.
private struct Ring {
    private var storage: [AsyncStepQueue.Job?] = []
    private var head = 0
    private(set) var count = 0

    init(capacity: Int) {
        storage.reserveCapacity(Swift.min(capacity, 64))
    }

    var isEmpty: Bool { count == 0 }

    mutating func push(_ job: @escaping AsyncStepQueue.Job) {
        if count == storage.count { grow() }
        storage[(head + count) % storage.count] = job
        count += 1
    }

    mutating func pop() -> AsyncStepQueue.Job? {
        guard count > 0 else { return nil }
        let job = storage[head]
        storage[head] = nil
        head = (head + 1) % storage.count
        count -= 1
        return job
    }

    private mutating func grow() {
        let newSize = Swift.max(storage.count * 2, 8)
        var grown: [AsyncStepQueue.Job?] = Array(repeating: nil, count: newSize)
        for offset in 0..<count {
            grown[offset] = storage[(head + offset) % storage.count]
        }
        storage = grown
        head = 0
    }
}
