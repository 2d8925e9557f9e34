import Logging
import Metrics
import Tracing

/// The metric objects of one step, made once when the workflow is built.
///
/// swift-metrics objects capture their factory and dimensions at creation, and creating them
/// costs a factory lookup and allocations, so each (step, outcome) pair gets its objects here,
/// up front, and the hot path only indexes an array.
struct StepInstruments: Sendable {
    let workflow: String
    let step: String
    let service: String
    private let enabled: Bool
    /// Indexed by `StepOutcome.ordinal`.
    private let outcomes: [Counter]
    /// Indexed by `StepOutcome.ordinal`.
    private let durations: [Metrics.Timer]
    private let retries: Counter?
    private let compensated: Counter?
    private let compensationFailed: Counter?

    init(workflow: String, step: String, service: String, compensable: Bool, telemetry: Telemetry) {
        self.workflow = workflow
        self.step = step
        self.service = service
        self.enabled = telemetry.metricsEnabled
        guard telemetry.metricsEnabled else {
            outcomes = []
            durations = []
            retries = nil
            compensated = nil
            compensationFailed = nil
            return
        }
        let factory = telemetry.metricsFactory
        let base = [
            (TelemetryNames.workflowLabel, workflow),
            (TelemetryNames.stepLabel, step),
            (TelemetryNames.serviceLabel, service),
        ]
        outcomes = StepOutcome.all.map { outcome in
            Counter(label: TelemetryNames.stepOutcomes, dimensions: base + [(TelemetryNames.outcomeLabel, outcome.label)], factory: factory)
        }
        durations = StepOutcome.all.map { outcome in
            Metrics.Timer(
                label: TelemetryNames.stepDuration,
                dimensions: base + [(TelemetryNames.outcomeLabel, outcome.label)],
                preferredDisplayUnit: .seconds,
                factory: factory
            )
        }
        retries = Counter(label: TelemetryNames.retries, dimensions: base, factory: factory)
        if compensable {
            compensated = Counter(
                label: TelemetryNames.stepOutcomes,
                dimensions: base + [(TelemetryNames.outcomeLabel, "compensated")],
                factory: factory
            )
            compensationFailed = Counter(
                label: TelemetryNames.stepOutcomes,
                dimensions: base + [(TelemetryNames.outcomeLabel, "compensation_failed")],
                factory: factory
            )
        } else {
            compensated = nil
            compensationFailed = nil
        }
    }

    /// Counts a step's outcome, its latency and the retries it took.
    @inline(__always)
    func record(_ outcome: StepOutcome, latency: Duration, retries count: Int) {
        guard enabled else { return }
        let ordinal = outcome.ordinal
        outcomes[ordinal].increment()
        durations[ordinal].recordNanoseconds(latency.nanoseconds)
        if count > 0 { retries?.increment(by: count) }
    }

    /// Counts a compensation's result.
    func recordCompensation(succeeded: Bool, attempts: Int) {
        guard enabled else { return }
        (succeeded ? compensated : compensationFailed)?.increment()
        if attempts > 1 { retries?.increment(by: attempts - 1) }
    }
}

/// The workflow-level metric objects, made once per workflow.
struct WorkflowInstruments: Sendable {
    private let enabled: Bool
    private let complete: Metrics.Timer?
    private let incomplete: Metrics.Timer?
    private let failed: Metrics.Timer?
    private let rejected: Metrics.Timer?

    init(workflow: String, telemetry: Telemetry) {
        enabled = telemetry.metricsEnabled
        guard enabled else {
            complete = nil
            incomplete = nil
            failed = nil
            rejected = nil
            return
        }
        func timer(_ outcome: String) -> Metrics.Timer {
            Metrics.Timer(
                label: TelemetryNames.workflowDuration,
                dimensions: [(TelemetryNames.workflowLabel, workflow), (TelemetryNames.outcomeLabel, outcome)],
                preferredDisplayUnit: .seconds,
                factory: telemetry.metricsFactory
            )
        }
        complete = timer("complete")
        incomplete = timer("incomplete")
        failed = timer("failed")
        rejected = timer("rejected")
    }

    func record(_ outcome: RunOutcome, latency: Duration) {
        guard enabled else { return }
        let timer: Metrics.Timer? =
            switch outcome {
            case .complete: complete
            case .incomplete: incomplete
            case .failed: failed
            case .rejected: rejected
            }
        timer?.recordNanoseconds(latency.nanoseconds)
    }
}

/// How a run ended, for the workflow span and metric.
enum RunOutcome: String {
    case complete
    case incomplete
    case failed
    /// Refused by admission control before it started (metric only: no span is started).
    case rejected
}

extension Duration {
    /// The duration in whole nanoseconds, saturating at `Int64.max`.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return scaled &+ attoseconds / 1_000_000_000
    }
}

// MARK: - Spans

/// Runs one attempt inside a `baton.step` span (spec-v1 §7.10: a span per attempt).
///
/// Generic over the tracer so the call on an `any Tracer` is opened once and the span type is
/// concrete.
func withAttemptSpan<T: Tracer, Value>(
    tracer: T,
    workflow: String,
    step: String,
    context: CallContext,
    compensation: Bool = false,
    _ attempt: () async throws -> Value
) async throws -> Value {
    let span = tracer.startSpan(TelemetryNames.stepSpan, context: ServiceContext.current ?? .topLevel, ofKind: .client)
    span.attributes[TelemetryNames.workflowAttribute] = workflow
    span.attributes[TelemetryNames.stepAttribute] = step
    span.attributes[TelemetryNames.attemptAttribute] = context.attempt
    if let endpoint = context.endpoint {
        span.attributes[TelemetryNames.endpointAttribute] = endpoint.url
    }
    if compensation {
        span.attributes[TelemetryNames.compensationAttribute] = true
    }
    defer { span.end() }
    do {
        let value = try await ServiceContext.$current.withValue(span.context) { try await attempt() }
        span.attributes[TelemetryNames.outcomeAttribute] = StepOutcome.succeeded.label
        return value
    } catch {
        let errorClass = executorErrorClass(of: error)
        let outcome: StepOutcome =
            switch errorClass {
            case .timeout: .timedOut
            case .cancelled: .cancelled
            default: .failed
            }
        span.attributes[TelemetryNames.outcomeAttribute] = outcome.label
        span.recordError(error)
        span.setStatus(SpanStatus(code: .error, message: errorClass.rawValue))
        throw error
    }
}
