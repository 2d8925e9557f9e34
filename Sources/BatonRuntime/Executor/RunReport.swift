/// How one step of a workflow run ended (spec-v1 §7.5).
public enum StepOutcome: Sendable, Hashable, CustomStringConvertible {
    /// Whether a cached value was within its `ttl` or served past it.
    public enum CacheFreshness: String, Sendable, Hashable {
        /// Within `ttl`, or loaded by another request's call the step joined.
        case fresh
        /// Past `ttl`: served within `staleWhileRevalidate` or `staleIfError`, or by a
        /// `fallback: { stale: true }`.
        case stale
    }

    /// The call returned a value.
    case succeeded
    /// The value came from the operation's response cache instead of a call of this step (a miss
    /// the step loaded itself is ``succeeded``).
    case cached(CacheFreshness)
    /// The call failed and the step's fallback (a value or an alternate call) provided the value.
    case fallback
    /// The step's `when` condition was false; it was never called.
    case skipped
    /// The step ran out of time: its attempts timed out, or the run's deadline passed while it ran
    /// or before it could start.
    case timedOut
    /// The step failed after its retries and fallback.
    case failed
    /// The step was running when a required step failed, and was cancelled.
    case cancelled
    /// The step never started because a required step failed first.
    case notStarted
    /// A `mode: async` step was handed to the background queue.
    case enqueued
    /// A `mode: async` step found the background queue full and was dropped.
    case dropped

    /// Whether the step produced a value (or, for async steps, was accepted).
    public var hasValue: Bool {
        switch self {
        case .succeeded, .cached, .fallback: true
        default: false
        }
    }

    /// The value of the `baton.outcome` attribute and `outcome` metric label.
    public var label: String {
        switch self {
        case .succeeded: "succeeded"
        case .cached(.fresh): "cached_fresh"
        case .cached(.stale): "cached_stale"
        case .fallback: "fallback"
        case .skipped: "skipped"
        case .timedOut: "timed_out"
        case .failed: "failed"
        case .cancelled: "cancelled"
        case .notStarted: "not_started"
        case .enqueued: "enqueued"
        case .dropped: "dropped"
        }
    }

    public var description: String { label }

    /// Every outcome, in a fixed order (metric objects are made per outcome, once).
    static let all: [StepOutcome] = [
        .succeeded, .cached(.fresh), .cached(.stale), .fallback, .skipped, .timedOut, .failed,
        .cancelled, .notStarted, .enqueued, .dropped,
    ]

    /// Position in ``all``.
    var ordinal: Int {
        switch self {
        case .succeeded: 0
        case .cached(.fresh): 1
        case .cached(.stale): 2
        case .fallback: 3
        case .skipped: 4
        case .timedOut: 5
        case .failed: 6
        case .cancelled: 7
        case .notStarted: 8
        case .enqueued: 9
        case .dropped: 10
        }
    }
}

/// What happened to one step of a run.
public struct StepReport: Sendable, Hashable, CustomStringConvertible {
    /// The step's name in the spec.
    public var step: String
    /// The service the step calls.
    public var service: String
    /// Whether the workflow can complete without this step's value.
    public var isOptional: Bool
    /// How the step ended.
    public var outcome: StepOutcome
    /// Attempts started, by the primary call and a fallback call together; 0 for a step that was
    /// never called.
    public var attempts: Int
    /// The endpoint of the last attempt, when the service declares endpoints.
    public var endpoint: Endpoint?
    /// The class of the error that decided the outcome (for `fallback`, the primary call's error).
    public var errorClass: ErrorClass?
    /// When the step started on the run's clock; `nil` if it never did.
    public var startedAt: BatonInstant?
    /// When the step finished on the run's clock; `nil` if it never started.
    public var finishedAt: BatonInstant?

    /// Creates a step report (the executor makes them; tests may build expected ones).
    ///
    /// - Parameters:
    ///   - step: The step's spec name.
    ///   - service: The service the step calls.
    ///   - isOptional: Whether the workflow completes without the step's value.
    ///   - outcome: How the step ended.
    ///   - attempts: Attempts started, fallback call included. Default 0.
    ///   - endpoint: The endpoint of the last attempt. Default `nil`.
    ///   - errorClass: The class of the error that decided the outcome. Default `nil`.
    ///   - startedAt: When the step started on the run's clock; `nil` if it never did.
    ///   - finishedAt: When it finished; `nil` if it never started.
    public init(
        step: String,
        service: String,
        isOptional: Bool,
        outcome: StepOutcome,
        attempts: Int = 0,
        endpoint: Endpoint? = nil,
        errorClass: ErrorClass? = nil,
        startedAt: BatonInstant? = nil,
        finishedAt: BatonInstant? = nil
    ) {
        self.step = step
        self.service = service
        self.isOptional = isOptional
        self.outcome = outcome
        self.attempts = attempts
        self.endpoint = endpoint
        self.errorClass = errorClass
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }

    /// Time from start to finish on the run's clock; zero for a step that never started.
    public var latency: Duration {
        guard let startedAt, let finishedAt else { return .zero }
        return startedAt.duration(to: finishedAt)
    }

    /// Whether the step's value is missing from the result because something went wrong (a
    /// skipped step is missing on purpose and does not count).
    public var isMissing: Bool {
        switch outcome {
        case .timedOut, .failed, .cancelled, .notStarted: true
        default: false
        }
    }

    /// Whether the step worked only in a reduced way: a fallback or stale value, or a dropped
    /// background call.
    public var isDegraded: Bool {
        switch outcome {
        case .fallback, .cached(.stale), .dropped: true
        default: false
        }
    }

    public var description: String {
        var text = "\(step): \(outcome)"
        if let errorClass { text += " (\(errorClass))" }
        if attempts > 1 { text += ", \(attempts) attempts" }
        return text + ", \(latency)"
    }
}

/// The account of one workflow run: which steps produced values, how, and how long it took.
///
/// Returned with every successful run (a run can succeed and still be incomplete when optional
/// steps failed) and carried by ``WorkflowError`` when a run fails.
public struct RunReport: Sendable, Hashable, CustomStringConvertible {
    /// The workflow's name in the spec.
    public var workflow: String
    /// The id that tied the run's calls and log lines together.
    public var correlationID: String
    /// Every step, in declaration order.
    public var steps: [StepReport]
    /// Time from the start of the run to its result (compensations excluded).
    public var latency: Duration

    /// Creates a run report (the executor makes them; tests may build expected ones).
    ///
    /// - Parameters:
    ///   - workflow: The workflow's spec name.
    ///   - correlationID: The run's correlation id.
    ///   - steps: Every step's report, in declaration order.
    ///   - latency: Time from the start of the run to its result.
    public init(workflow: String, correlationID: String, steps: [StepReport], latency: Duration) {
        self.workflow = workflow
        self.correlationID = correlationID
        self.steps = steps
        self.latency = latency
    }

    /// Whether every step that was meant to run produced its value.
    public var isComplete: Bool { !steps.contains { $0.isMissing } }

    /// Steps whose values are absent because they failed, timed out or never ran, with their
    /// reports saying why.
    public var missing: [StepReport] { steps.filter(\.isMissing) }

    /// Steps that produced only a degraded result (fallback, stale cache, dropped async call).
    public var degraded: [StepReport] { steps.filter(\.isDegraded) }

    /// The report of the step called `name`.
    public subscript(step name: String) -> StepReport? {
        steps.first { $0.step == name }
    }

    public var description: String {
        var text = "\(workflow) [\(correlationID)] \(isComplete ? "complete" : "incomplete") in \(latency)"
        for step in steps { text += "\n  \(step)" }
        return text
    }
}

/// A workflow's output together with the report of the run that produced it (spec-v1 §9).
public struct WorkflowResult<Output: Sendable>: Sendable {
    /// The workflow's output, as the `result` closure given to ``WorkflowBuilder/build(result:)``
    /// made it from the input and the steps' values (generated code: the spec's `result`, with
    /// the fields of missing optional steps `nil`).
    public var output: Output
    /// How the run went: each step's outcome, attempts, endpoint and latency, and whether the
    /// result is complete.
    public var report: RunReport

    /// Pairs `output` with the `report` of the run that produced it.
    public init(output: Output, report: RunReport) {
        self.output = output
        self.report = report
    }
}
