/// A completed compensable step, as a ``SagaJournal`` records it: everything its compensation
/// needs to run in another process.
public struct SagaStepRecord: Sendable, Hashable {
    /// The run, unique per run (not the correlation id, which a caller may reuse).
    public var runID: String
    /// The workflow's name.
    public var workflow: String
    /// The run's correlation id.
    public var correlationID: String
    /// The step's name.
    public var step: String
    /// The step's place in the run's completion order (compensations run in reverse).
    public var sequence: Int
    /// The compensation's name in the orchestrator's compensation ``CallRegistry``.
    public var operation: String
    /// The compensation's idempotency key (`<correlation id>:<step>:compensate`).
    public var idempotencyKey: String
    /// The compensation's request, JSON-encoded; empty when the journal does not store inputs
    /// (``SagaJournal/storesInputs``).
    public var input: [UInt8]

    /// Creates a record (see the properties).
    public init(
        runID: String,
        workflow: String,
        correlationID: String,
        step: String,
        sequence: Int,
        operation: String,
        idempotencyKey: String,
        input: [UInt8]
    ) {
        self.runID = runID
        self.workflow = workflow
        self.correlationID = correlationID
        self.step = step
        self.sequence = sequence
        self.operation = operation
        self.idempotencyKey = idempotencyKey
        self.input = input
    }
}

/// How a journaled run ended.
public enum SagaRunOutcome: String, Sendable, Hashable, CaseIterable {
    /// The run succeeded: its steps stand, nothing is to be compensated.
    case finished
    /// The run failed and its compensations ran (each succeeded or failed for good).
    case compensated
}

/// Where the saga of each run is written, so that its compensations survive the process that ran
/// it (spec-v1 §6; the "many replicas" chapter of the runtime guide).
///
/// The executor calls it for runs of workflows that have compensable steps:
/// 1. ``record(_:)`` once each compensable step succeeded, before any later step relies on its
///    effect (the step's completion waits for it; when it throws, the step fails with that error
///    and is compensated with the run);
/// 2. ``claimCompensation(runID:step:)`` before each compensation, and
///    ``compensationEnded(runID:step:succeeded:)`` after it: a compensation runs only when its
///    claim succeeds, so it runs at most once even when a recovery process took the run over
///    from a slow owner;
/// 3. ``finish(runID:outcome:)`` at the end of a run that recorded a step, before the run returns
///    (when it throws for a run that succeeded, the run fails and is compensated: an unfinished
///    run would be compensated by recovery after the client was told it succeeded).
///
/// A shared journal (`PostgresSagaJournal` of `BatonPostgres`) adds a recovery service: runs whose
/// owner's lease expired have their remaining compensations called by name through the
/// orchestrator's compensation ``CallRegistry``, in reverse order, each at most once.
///
/// The default, ``InMemorySagaJournal``, keeps the saga in the process: compensations run in the
/// run that failed, as they always have, and die with the process.
public protocol SagaJournal: Sendable {
    /// Whether records must carry the compensation's encoded input (`false` skips the encoding
    /// for a journal that never calls compensations by name).
    var storesInputs: Bool { get }

    /// Records a completed compensable step (and the run, on its first record).
    func record(_ step: SagaStepRecord) async throws

    /// Claims the compensation of `step`: `true` when the caller must run it, `false` when it
    /// ran or runs elsewhere.
    func claimCompensation(runID: String, step: String) async throws -> Bool

    /// Records the end of a claimed compensation.
    func compensationEnded(runID: String, step: String, succeeded: Bool) async throws

    /// Records how a run that recorded steps ended.
    func finish(runID: String, outcome: SagaRunOutcome) async throws
}

extension SagaJournal {
    /// Records carry encoded inputs unless a journal says otherwise.
    public var storesInputs: Bool { true }
}

/// The default ``SagaJournal``: the saga lives in the process, as a run's own compensations.
///
/// Keeps the steps of runs in progress so that each compensation is claimed once; nothing
/// survives the process (a replica that dies between a compensable step and the failure of a
/// later one leaves that step's effect in place). Inputs are not encoded.
public final class InMemorySagaJournal: SagaJournal {
    private enum StepState { case completed, compensating, ended }
    private let state = Lock([String: [String: StepState]]())

    /// An empty journal.
    public init() {}

    /// `false`: compensations are never called by name from this journal.
    public var storesInputs: Bool { false }

    /// Runs recorded and not finished yet.
    public var openRuns: Int { state.withLock { $0.count } }

    /// Keeps the step as completed.
    public func record(_ step: SagaStepRecord) async throws {
        state.withLock { $0[step.runID, default: [:]][step.step] = .completed }
    }

    /// `true` for a completed step of a run in progress, once.
    public func claimCompensation(runID: String, step: String) async throws -> Bool {
        state.withLock { runs in
            guard runs[runID]?[step] == .completed else { return false }
            runs[runID]?[step] = .compensating
            return true
        }
    }

    /// Marks the compensation ended.
    public func compensationEnded(runID: String, step: String, succeeded: Bool) async throws {
        state.withLock { runs in
            if runs[runID]?[step] != nil { runs[runID]?[step] = .ended }
        }
    }

    /// Forgets the run.
    public func finish(runID: String, outcome: SagaRunOutcome) async throws {
        _ = state.withLock { $0.removeValue(forKey: runID) }
    }
}

/// Why a step could not be written to the saga journal (besides the journal's own errors).
public enum SagaJournalError: Error, ClassifiedError, CustomStringConvertible, Equatable {
    /// The compensation's request does not encode.
    case unencodableInput(step: String, reason: String)

    /// Permanent.
    public var errorClass: ErrorClass { .permanent }

    public var description: String {
        switch self {
        case .unencodableInput(let step, let reason): "the compensation request of step '\(step)' does not encode: \(reason)"
        }
    }
}
