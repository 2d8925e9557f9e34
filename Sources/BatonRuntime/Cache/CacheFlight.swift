import Synchronization

/// How a load that several requests waited on ended.
enum FlightResult<Value: Sendable>: Sendable {
    case value(Value)
    case failure(any Error)
    /// The leader was cancelled before it had a result: a waiter should try again itself.
    case abandoned
}

/// One in-progress load of a key (a caller's miss, or a background refresh) that later requests
/// for the key join instead of calling again (single flight).
final class CacheFlight<Value: Sendable>: Sendable {
    let id: UInt64
    /// The deadline bounding the leader's load; `nil` when unknown (background refresh, or a
    /// leader outside any run). A waiter whose own deadline is earlier bounds its wait by it.
    let leaderDeadline: BatonInstant?

    private struct State {
        var result: FlightResult<Value>?
        var waiters: [UInt64: CheckedContinuation<FlightResult<Value>?, Never>] = [:]
        var nextWaiter: UInt64 = 0
        /// Set when the key was invalidated during the load: its value must not be stored.
        var invalidated = false
    }

    private let state = Lock(State())

    init(id: UInt64, leaderDeadline: BatonInstant?) {
        self.id = id
        self.leaderDeadline = leaderDeadline
    }

    var isInvalidated: Bool { state.withLock { $0.invalidated } }

    func invalidate() {
        state.withLock { $0.invalidated = true }
    }

    /// Waits for the flight's result; `nil` when the waiting task was cancelled first.
    func wait() async -> FlightResult<Value>? {
        let waiter = state.withLock { state -> UInt64 in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<FlightResult<Value>?, Never>) in
                let ready = state.withLock { state -> FlightResult<Value>?? in
                    if let result = state.result { return .some(result) }
                    if Task.isCancelled { return .some(nil) }
                    state.waiters[waiter] = continuation
                    return .none
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            let cancelled = state.withLock { $0.waiters.removeValue(forKey: waiter) }
            cancelled?.resume(returning: nil)
        }
    }

    /// Publishes the result and wakes every waiter.
    func complete(_ result: FlightResult<Value>) {
        let waiters = state.withLock { state -> [CheckedContinuation<FlightResult<Value>?, Never>] in
            state.result = result
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: result) }
    }
}
