/// How the compensation of one completed step went.
public struct CompensationReport: Sendable, CustomStringConvertible {
    /// How a compensation ended.
    public enum Outcome: Sendable, CustomStringConvertible {
        /// The compensating call succeeded.
        case compensated
        /// The compensating call failed after its retries; the step's effect may remain.
        case failed(ErrorClass, any Error)

        public var description: String {
            switch self {
            case .compensated: "compensated"
            case .failed(let errorClass, let error): "failed (\(errorClass)): \(error)"
            }
        }
    }

    /// The step whose effect was undone.
    public var step: String
    /// Whether the compensating call succeeded, or how it failed.
    public var outcome: Outcome
    /// Attempts the compensating call took.
    public var attempts: Int
    /// The idempotency key the compensating call carried (derived from the run and the step).
    public var idempotencyKey: String

    /// Creates a compensation report (the executor makes them; tests may build expected ones).
    ///
    /// - Parameters:
    ///   - step: The step whose effect was undone.
    ///   - outcome: How the compensating call ended.
    ///   - attempts: Attempts the compensating call took.
    ///   - idempotencyKey: The key the compensating call carried.
    public init(step: String, outcome: Outcome, attempts: Int, idempotencyKey: String) {
        self.step = step
        self.outcome = outcome
        self.attempts = attempts
        self.idempotencyKey = idempotencyKey
    }

    /// Whether the step's effect was undone.
    public var succeeded: Bool {
        if case .compensated = outcome { return true }
        return false
    }

    public var description: String { "\(step): \(outcome)" }
}

/// Thrown when a required step fails (after its retries and fallback), once the run's completed
/// steps have been compensated (spec-v1 §7.6).
///
/// It names the failed step, its error class and the underlying error, and lists every
/// compensation in the order they ran (reverse order of completion). Its own ``errorClass`` is the
/// failed step's, so a server can map it to a status code (`overloaded` → 429, and so on).
///
/// ```swift
/// do {
///     let result = try await orchestrator.checkout(request)
///     return .ok(result.output)
/// } catch let error as WorkflowError {
///     logger.error("\(error)")   // names the step, its class and every compensation
///     return error.errorClass == .overloaded ? .tooManyRequests(retryAfter: error.retryAfter) : .badGateway
/// }
/// ```
public struct WorkflowError: ClassifiedError, CustomStringConvertible {
    /// The workflow that failed.
    public var workflow: String
    /// The required step whose failure stopped the run.
    public var failedStep: String
    /// The failed step's error class.
    public var errorClass: ErrorClass
    /// The error the failed step's last attempt threw.
    public var underlying: any Error
    /// One entry per compensated step, in the order the compensations ran.
    public var compensations: [CompensationReport]
    /// The report of the failed run.
    public var report: RunReport

    /// Creates the error of a failed run (the executor makes them; tests may build expected ones).
    ///
    /// - Parameters:
    ///   - workflow: The workflow that failed.
    ///   - failedStep: The required step whose failure stopped the run.
    ///   - errorClass: The failed step's error class; also the error's own class.
    ///   - underlying: The error the failed step's last attempt threw.
    ///   - compensations: The compensations, in the order they ran.
    ///   - report: The report of the failed run.
    public init(
        workflow: String,
        failedStep: String,
        errorClass: ErrorClass,
        underlying: any Error,
        compensations: [CompensationReport],
        report: RunReport
    ) {
        self.workflow = workflow
        self.failedStep = failedStep
        self.errorClass = errorClass
        self.underlying = underlying
        self.compensations = compensations
        self.report = report
    }

    /// The failed step's retry-after, when its error carried one.
    public var retryAfter: Duration? { (underlying as? any ClassifiedError)?.retryAfter }

    /// Whether every compensation succeeded (vacuously true when there was nothing to undo).
    public var fullyCompensated: Bool { compensations.allSatisfy(\.succeeded) }

    public var description: String {
        var text = "workflow \(workflow) failed at step \(failedStep) (\(errorClass)): \(underlying)"
        if !compensations.isEmpty {
            text += "; compensations: " + compensations.map(\.description).joined(separator: ", ")
        }
        return text
    }
}
