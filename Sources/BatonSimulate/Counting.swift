import BatonRuntime
import Synchronization

/// What the calls of one operation amounted to (spec-v1 §16 `calls`).
public struct OperationCounts: Sendable, Hashable {
    /// Logical calls: one per step, fallback or compensation execution that reached the policy.
    public var calls = 0
    /// Requests sent: first attempts, retries and hedges that reached the service.
    public var attempts = 0
    /// Hedged attempts the runtime started.
    public var hedges = 0
    /// Attempts that failed (an error, a timeout, or cancelled with the run), not counting hedges
    /// cancelled because another attempt of the call won.
    public var failures = 0

    /// Counts with the given values (all 0 by default).
    public init(calls: Int = 0, attempts: Int = 0, hedges: Int = 0, failures: Int = 0) {
        self.calls = calls
        self.attempts = attempts
        self.hedges = hedges
        self.failures = failures
    }
}

/// The counters of one operation, shared by every call site of it.
final class OperationTally: Sendable {
    private let counts = Mutex(OperationCounts())

    var snapshot: OperationCounts { counts.withLock { $0 } }

    func update(_ change: (inout OperationCounts) -> Void) {
        counts.withLock { change(&$0) }
    }
}

/// One logical call in flight: whether some attempt of it already succeeded, so that the hedges
/// cancelled because of it are not counted as failures.
private final class LogicalCall: Sendable {
    private let succeeded = Atomic<Bool>(false)

    func succeed() { succeeded.store(true, ordering: .relaxed) }
    var hasSucceeded: Bool { succeeded.load(ordering: .relaxed) }
}

/// The lowered pipeline of a call site, observed: it forwards everything to the runtime's own
/// policy and counts the logical call, the attempts that reach the service, the hedges and the
/// failed attempts.
struct CountingPolicy: CallPolicy {
    let inner: any CallPolicy
    let tally: OperationTally

    var boundsAttemptsByRunDeadline: Bool { inner.boundsAttemptsByRunDeadline }

    func run<T: Sendable>(
        _ context: CallContext,
        log: AttemptLog,
        _ call: @escaping @Sendable (CallContext) async throws -> T
    ) async throws -> T {
        let hedgesBefore = log.summary.hedges
        let tally = self.tally
        tally.update { $0.calls += 1 }
        defer {
            let hedges = log.summary.hedges - hedgesBefore
            if hedges > 0 { tally.update { $0.hedges += hedges } }
        }
        let logical = LogicalCall()
        return try await inner.run(context, log: log) { context in
            tally.update { $0.attempts += 1 }
            do {
                let value = try await call(context)
                logical.succeed()
                return value
            } catch {
                if !(error is CancellationError && logical.hasSucceeded) {
                    tally.update { $0.failures += 1 }
                }
                throw error
            }
        }
    }
}
