import Synchronization

/// Caps the calls running at once against a dependency, with a small bounded queue in front
/// (spec-v1 §4 `bulkhead`), so one slow dependency cannot tie up every task of the process.
///
/// A call beyond ``maxConcurrent`` waits in a FIFO queue of at most ``maxQueue`` callers, for at
/// most ``queueTimeout`` and never past the run's ``Deadline/current``. A call that finds the
/// queue full fails at once with ``OverloadedError`` (``OverloadedError/Reason/bulkheadFull``);
/// one that waits its whole `queueTimeout` fails with ``OverloadedError/Reason/queueTimeout``;
/// one whose run deadline passes while queued fails with ``TimeoutError``. A cancelled waiter
/// leaves the queue at once. Every permit is released exactly once — use
/// ``run(isolation:_:)``, which does it on success, error and cancellation alike.
///
/// ```swift
/// // bulkhead: { maxConcurrent: 16, maxQueue: 32, queueTimeout: 20ms }
/// let bulkhead = Bulkhead(name: "pricing", maxConcurrent: 16, maxQueue: 32, queueTimeout: .milliseconds(20), clock: clock)
/// let quote = try await bulkhead.run { try await pricing.quote(request, context: context) }
/// ```
public final class Bulkhead: Sendable {
    private struct Waiter {
        var id: UInt64
        /// Resumed with a `Result` rather than by `resume(throwing:)`: in Swift 6.3 a checked
        /// continuation resumed with an error leaks about 100 bytes each time (found by the soak).
        var continuation: CheckedContinuation<Result<Void, any Error>, Never>
    }

    private struct State {
        var inFlight = 0
        var nextID: UInt64 = 0
        /// FIFO; at most `maxQueue` long, so removal from the front is cheap enough.
        var waiters: [Waiter] = []
    }

    /// The bulkhead's name, used in errors.
    public let name: String
    /// Calls allowed to run at once.
    public let maxConcurrent: Int
    /// Calls allowed to wait for a slot; 0 means none wait.
    public let maxQueue: Int
    /// The longest a queued call waits; `nil` means it waits until the run's deadline (or
    /// forever outside a run).
    public let queueTimeout: Duration?
    private let clock: AnyClock
    private let storage = Lock(State())

    /// An empty bulkhead.
    ///
    /// - Parameters:
    ///   - name: names the bulkhead in errors.
    ///   - maxConcurrent: calls allowed to run at once, at least 1.
    ///   - maxQueue: calls allowed to wait; default 0.
    ///   - queueTimeout: the longest wait in the queue; `nil` (the spec's default, "no timeout of
    ///     its own") bounds the wait by the run's deadline only.
    ///   - clock: queue timeouts are measured on it.
    public init(name: String, maxConcurrent: Int, maxQueue: Int = 0, queueTimeout: Duration? = nil, clock: AnyClock = .continuous) {
        precondition(maxConcurrent >= 1, "a bulkhead admits at least one call")
        precondition(maxQueue >= 0, "maxQueue must not be negative")
        self.name = name
        self.maxConcurrent = maxConcurrent
        self.maxQueue = maxQueue
        self.queueTimeout = queueTimeout
        self.clock = clock
    }

    /// Calls running now (holding a permit).
    public var inFlight: Int { storage.withLock { $0.inFlight } }
    /// Calls waiting in the queue now.
    public var queued: Int { storage.withLock { $0.waiters.count } }

    /// Runs `operation` once a slot is free, and frees it afterwards whatever happens.
    public func run<T>(
        isolation: isolated (any Actor)? = #isolation,
        _ operation: () async throws -> T
    ) async throws -> T {
        try await acquire()
        defer { release() }
        return try await operation()
    }

    /// Takes a slot, queueing for one if need be. Balance every successful call with exactly one
    /// ``release()``; prefer ``run(isolation:_:)``.
    ///
    /// - Throws: ``OverloadedError`` when the queue is full or the queue timeout passes,
    ///   ``TimeoutError`` when the run's deadline passes while queued, `CancellationError`.
    public func acquire() async throws {
        enum FastPath { case admitted, full, queue(UInt64) }
        let fast = storage.withLock { state -> FastPath in
            if state.inFlight < maxConcurrent && state.waiters.isEmpty {
                state.inFlight += 1
                return .admitted
            }
            if state.waiters.count >= maxQueue { return .full }
            state.nextID &+= 1
            return .queue(state.nextID)
        }
        switch fast {
        case .admitted:
            return
        case .full:
            throw OverloadedError(reason: .bulkheadFull, name: name)
        case .queue(let id):
            try await waitWithLimit(id: id)
        }
    }

    /// Frees a slot taken by ``acquire()``, handing it to the first waiter if there is one.
    public func release() {
        let next = storage.withLock { state -> Waiter? in
            if !state.waiters.isEmpty { return state.waiters.removeFirst() }
            precondition(state.inFlight > 0, "Bulkhead.release() without a matching acquire()")
            state.inFlight -= 1
            return nil
        }
        // The slot passes straight to the waiter: `inFlight` does not change.
        next?.continuation.resume(returning: .success(()))
    }

    private enum QueueRace: Sendable {
        case granted
        case expired
    }

    private func waitWithLimit(id: UInt64) async throws {
        let now = clock.now
        var until: BatonInstant?
        var untilIsDeadline = false
        if let queueTimeout { until = now.advanced(by: queueTimeout) }
        if let deadline = Deadline.current, until.map({ deadline.instant < $0 }) ?? true {
            until = deadline.instant
            untilIsDeadline = true
        }
        guard let until else {
            try await waitInQueue(id: id)
            return
        }
        let clock = self.clock
        let granted = try await withThrowingTaskGroup(of: QueueRace.self) { group -> Bool in
            group.addTask {
                try await self.waitInQueue(id: id)
                return .granted
            }
            group.addTask {
                try await clock.sleep(until: until, tolerance: nil)
                return .expired
            }
            // Collect both children: a grant that races with the timer must not be lost.
            var granted = false
            var failure: (any Error)?
            while let result = await group.nextResult() {
                switch result {
                case .success(.granted):
                    granted = true
                    group.cancelAll()
                case .success(.expired):
                    group.cancelAll()
                case .failure(let error):
                    if failure == nil && !(error is CancellationError) { failure = error }
                }
            }
            if granted { return true }
            if let failure { throw failure }
            return false
        }
        if granted {
            // Won the slot as the caller was cancelled: give it back rather than run late.
            if Task.isCancelled {
                release()
                throw CancellationError()
            }
            return
        }
        try Task.checkCancellation()
        if untilIsDeadline { throw TimeoutError(limit: now.duration(to: until)) }
        throw OverloadedError(reason: .queueTimeout, name: name)
    }

    private func waitInQueue(id: UInt64) async throws {
        enum Enqueue { case granted, full, cancelled, queued }
        try await withTaskCancellationHandler {
            try await withCheckedContinuation { (continuation: CheckedContinuation<Result<Void, any Error>, Never>) in
                let outcome = storage.withLock { state -> Enqueue in
                    if Task.isCancelled { return .cancelled }
                    if state.inFlight < maxConcurrent && state.waiters.isEmpty {
                        state.inFlight += 1
                        return .granted
                    }
                    if state.waiters.count >= maxQueue { return .full }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return .queued
                }
                switch outcome {
                case .granted: continuation.resume(returning: .success(()))
                case .full: continuation.resume(returning: .failure(OverloadedError(reason: .bulkheadFull, name: name)))
                case .cancelled: continuation.resume(returning: .failure(CancellationError()))
                case .queued: break
                }
            }.get()
        } onCancel: {
            let removed = storage.withLock { state -> Waiter? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index)
            }
            removed?.continuation.resume(returning: .failure(CancellationError()))
        }
    }
}
