/// The default ``IdempotencyStore``: deduplicates within one process.
///
/// - Duplicates of a running execution wait for it instead of executing (coalescing); the wait
///   ends at the caller's ``Deadline/current`` (``TimeoutError``) or on cancellation, and a
///   cancelled waiter leaves the others waiting.
/// - Successes are remembered for their TTL on the injected clock; failures are not (see the
///   protocol's contract). When the executing caller is cancelled or runs out of time, its waiters
///   contend again and one of them executes: nobody is left waiting on an execution that ended.
/// - At most ``maxEntries`` remembered outcomes are kept: inserting one more drops the oldest
///   (counted in ``Statistics/evicted``); expired entries are dropped as they are met. Running
///   executions are not counted against the bound (there are as many as concurrent calls).
///
/// A process-local store protects against duplicates that reach this process (a client retrying
/// a request, concurrent runs with the same order id); across replicas, pass a shared store, and
/// let the downstream deduplicate on ``CallContext/idempotencyKey`` as well.
public final class InMemoryIdempotencyStore: IdempotencyStore {
    /// Counters of what the store did.
    public struct Statistics: Sendable, Hashable {
        /// Operations executed (each key's leader).
        public var executions = 0
        /// Calls that waited for a running execution instead of executing.
        public var coalesced = 0
        /// Calls answered from a remembered success.
        public var replayed = 0
        /// Remembered successes dropped to respect ``InMemoryIdempotencyStore/maxEntries``.
        public var evicted = 0
        /// Remembered successes currently held (expired ones may be among them until met).
        public var entries = 0
    }

    /// The most remembered outcomes kept.
    public let maxEntries: Int
    private let clock: AnyClock
    private let state: Lock<State>

    private enum Outcome: Sendable {
        case value(any Sendable)
        case failure(any Error)
        /// The execution was given up by its caller: contend again.
        case abandoned
    }

    private enum Entry {
        /// Waiters are resumed with a `Result`: a checked continuation resumed by
        /// `resume(throwing:)` leaks in Swift 6.3.
        case running(flight: UInt64, waiters: [UInt64: CheckedContinuation<Result<Outcome, any Error>, Never>])
        case completed(any Sendable, expires: BatonInstant, generation: UInt64)
    }

    private struct State {
        var entries: [IdempotencyKey: Entry] = [:]
        /// Remembered successes in insertion order, with their generation (stale records are
        /// skipped when popped).
        var order: [(key: IdempotencyKey, generation: UInt64)] = []
        var head = 0
        var completed = 0
        var nextID: UInt64 = 0
        var statistics = Statistics()

        mutating func makeID() -> UInt64 {
            nextID += 1
            return nextID
        }

        /// Drops the oldest remembered outcome; returns `false` when none is left.
        mutating func dropOldest(now: BatonInstant, counting: Bool) -> Bool {
            while head < order.count {
                let record = order[head]
                head += 1
                guard case .completed(_, let expires, let generation)? = entries[record.key], generation == record.generation else { continue }
                entries[record.key] = nil
                completed -= 1
                if counting, expires > now { statistics.evicted += 1 }
                return true
            }
            return false
        }

        mutating func compactOrder(limit: Int) {
            if head == order.count {
                order.removeAll(keepingCapacity: true)
                head = 0
            } else if order.count - head > 2 * limit + 64 || head > limit + 64 {
                order = order[head...].filter { record in
                    if case .completed(_, _, let generation)? = entries[record.key] { return generation == record.generation }
                    return false
                }
                head = 0
            }
        }
    }

    /// - Parameters:
    ///   - maxEntries: The most remembered successes kept (default 10,000); at least 1.
    ///   - clock: TTLs are measured on it (use the orchestrator's clock).
    public init(maxEntries: Int = 10_000, clock: AnyClock = .continuous) {
        precondition(maxEntries >= 1, "maxEntries must be at least 1")
        self.clock = clock
        self.maxEntries = maxEntries
        self.state = Lock(State())
    }

    /// What the store has done so far.
    public var statistics: Statistics {
        state.withLock { state in
            var statistics = state.statistics
            statistics.entries = state.completed
            return statistics
        }
    }

    private enum Decision {
        case replay(any Sendable)
        case lead(UInt64)
        case wait
    }

    /// Executes `operation` for `key` at most once while it runs and, after a success, for `ttl`
    /// (see ``IdempotencyStore/execute(key:ttl:operation:)`` for the contract). A duplicate waits
    /// for the running execution no longer than its ``Deadline/current`` (then ``TimeoutError``)
    /// or until cancelled (`CancellationError`).
    public func execute<T: Sendable>(
        key: IdempotencyKey,
        ttl: Duration,
        operation: () async throws -> T
    ) async throws -> T {
        while true {
            try Task.checkCancellation()
            let now = clock.now
            let decision: Decision = state.withLock { state in
                switch state.entries[key] {
                case .completed(let value, let expires, _)? where expires > now && value is T:
                    state.statistics.replayed += 1
                    return .replay(value)
                case .completed?:
                    state.entries[key] = nil
                    state.completed -= 1
                case .running?:
                    state.statistics.coalesced += 1
                    return .wait
                case nil:
                    break
                }
                let flight = state.makeID()
                state.entries[key] = .running(flight: flight, waiters: [:])
                state.statistics.executions += 1
                return .lead(flight)
            }
            switch decision {
            case .replay(let value):
                return value as! T  // checked by `value is T` above
            case .lead(let flight):
                return try await lead(key: key, flight: flight, ttl: ttl, operation)
            case .wait:
                let clock = self.clock
                let outcome = try await withAttemptTimeout(nil, clock: clock) { try await self.wait(for: key) }
                switch outcome {
                case .value(let value as T): return value
                case .value: continue  // another type under the same key: execute on our own
                case .failure(let error): throw error
                case .abandoned: continue
                }
            }
        }
    }

    /// Drops the remembered success of `key`, if any (see ``IdempotencyStore/forget(_:)``).
    public func forget(_ key: IdempotencyKey) async {
        state.withLock { state in
            guard case .completed? = state.entries[key] else { return }
            state.entries[key] = nil
            state.completed -= 1
        }
    }

    private func lead<T: Sendable>(key: IdempotencyKey, flight: UInt64, ttl: Duration, _ operation: () async throws -> T) async throws -> T {
        let outcome: Outcome
        let result: Result<T, any Error>
        do {
            let value = try await operation()
            outcome = .value(value)
            result = .success(value)
        } catch {
            let gaveUp = Task.isCancelled || [.cancelled, .timeout].contains(ErrorClass.classify(error))
            outcome = gaveUp ? .abandoned : .failure(error)
            result = .failure(error)
        }
        let now = clock.now
        let maxEntries = self.maxEntries
        let waiters = state.withLock { state -> [CheckedContinuation<Result<Outcome, any Error>, Never>] in
            guard case .running(let current, let waiters)? = state.entries[key], current == flight else { return [] }
            if case .value(let value) = outcome, ttl > .zero {
                let generation = state.makeID()
                state.entries[key] = .completed(value, expires: now.advanced(by: ttl), generation: generation)
                state.order.append((key, generation))
                state.completed += 1
                // Expired entries at the front go first, uncounted; then the oldest live ones.
                while state.head < state.order.count, case .completed(_, let expires, _)? = state.entries[state.order[state.head].key], expires <= now {
                    _ = state.dropOldest(now: now, counting: false)
                }
                while state.completed > maxEntries, state.dropOldest(now: now, counting: true) {}
                state.compactOrder(limit: maxEntries)
            } else {
                state.entries[key] = nil
            }
            return Array(waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: .success(outcome)) }
        return try result.get()
    }

    /// Waits for the running execution of `key`; `.abandoned` when there is none any more.
    private func wait(for key: IdempotencyKey) async throws -> Outcome {
        let id = state.withLock { $0.makeID() }
        return try await withTaskCancellationHandler {
            try await withCheckedContinuation { (continuation: CheckedContinuation<Result<Outcome, any Error>, Never>) in
                enum Registration { case registered, gone, cancelled }
                let registration: Registration = state.withLock { state in
                    guard case .running(let flight, var waiters)? = state.entries[key] else { return .gone }
                    if Task.isCancelled { return .cancelled }
                    waiters[id] = continuation
                    state.entries[key] = .running(flight: flight, waiters: waiters)
                    return .registered
                }
                switch registration {
                case .registered: break
                case .gone: continuation.resume(returning: .success(.abandoned))
                case .cancelled: continuation.resume(returning: .failure(CancellationError()))
                }
            }.get()
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Result<Outcome, any Error>, Never>? in
                guard case .running(let flight, var waiters)? = state.entries[key], let waiter = waiters.removeValue(forKey: id) else { return nil }
                state.entries[key] = .running(flight: flight, waiters: waiters)
                return waiter
            }
            waiter?.resume(returning: .failure(CancellationError()))
        }
    }
}
