import Logging
import Metrics
import Tracing

/// Where the runtime sends its spans, metrics and logs.
///
/// An orchestrator takes one `Telemetry` value at construction and builds every metric object
/// from it once, so nothing telemetry-related is allocated per call. The defaults are whatever the
/// process bootstrapped (`MetricsSystem.factory`, `InstrumentationSystem.tracer`), read when the
/// value is created — so a `withMetricsFactory`/`withTracer` scope around the orchestrator's
/// construction is honoured.
///
/// When nothing is bootstrapped the runtime skips span creation and metric updates entirely:
/// ``tracesEnabled`` and ``metricsEnabled`` are decided once here, and the executor checks them
/// before doing any telemetry work.
///
/// Names are stable API (see DESIGN.md): spans `baton.workflow` and `baton.step` with attributes
/// `baton.workflow`, `baton.step`, `baton.attempt`, `baton.outcome`, `baton.endpoint`; metrics
/// `baton_step_duration_seconds`, `baton_step_outcomes_total`, `baton_retries_total`,
/// `baton_circuit_state`, `baton_cache_requests_total`, `baton_workflow_duration_seconds`,
/// labelled by `workflow`, `step`, `service`, `outcome`. Log lines carry the run's correlation id
/// under the metadata key ``correlationIDMetadataKey``.
///
/// ```swift
/// LoggingSystem.bootstrap(StreamLogHandler.standardOutput)   // once, at startup
/// MetricsSystem.bootstrap(prometheus)
/// let orchestrator = CheckoutOrchestrator(/* services */, options: OrchestratorOptions(telemetry: Telemetry()))
/// let quiet = OrchestratorOptions(telemetry: .disabled)        // benchmarks: nothing recorded
/// ```
public struct Telemetry: Sendable {
    /// Receives the runtime's log lines (step failures, compensations, drops, breaker changes).
    public var logger: Logger
    /// Creates the metric objects.
    public var metricsFactory: any MetricsFactory
    /// Starts the spans.
    public var tracer: any Tracer

    /// Whether spans are worth starting (the tracer is not a `NoOpTracer`).
    public let tracesEnabled: Bool
    /// Whether metrics are worth recording (the factory is not the no-op handler).
    public let metricsEnabled: Bool

    /// Creates telemetry from the given backends; each one left `nil` is the process's
    /// bootstrapped one, read now.
    ///
    /// ```swift
    /// // The bootstrapped metrics factory and tracer, and a logger of your own:
    /// let telemetry = Telemetry(logger: Logger(label: "checkout"))
    /// ```
    ///
    /// - Parameters:
    ///   - logger: Receives the runtime's log lines. Default: a logger labelled `baton`, with the
    ///     bootstrapped log handler.
    ///   - metricsFactory: Creates the metric objects; `nil` (default) for `MetricsSystem.factory`.
    ///     The no-op handler turns metrics off (``metricsEnabled`` is `false`).
    ///   - tracer: Starts the spans; `nil` (default) for `InstrumentationSystem.tracer`. A
    ///     `NoOpTracer` turns spans off (``tracesEnabled`` is `false`).
    public init(
        logger: Logger = Logger(label: "baton"),
        metricsFactory: (any MetricsFactory)? = nil,
        tracer: (any Tracer)? = nil
    ) {
        let factory = metricsFactory ?? MetricsSystem.factory
        let tracer = tracer ?? InstrumentationSystem.tracer
        self.logger = logger
        self.metricsFactory = factory
        self.tracer = tracer
        self.metricsEnabled = !(factory is NOOPMetricsHandler)
        self.tracesEnabled = !(tracer is NoOpTracer)
    }

    /// Telemetry that goes nowhere and costs nothing, whatever the process bootstrapped.
    public static var disabled: Telemetry {
        Telemetry(
            logger: Logger(label: "baton", factory: { _ in SwiftLogNoOpLogHandler() }),
            metricsFactory: NOOPMetricsHandler.instance,
            tracer: NoOpTracer()
        )
    }

    /// The metadata key under which every log line of a run carries its correlation id.
    public static let correlationIDMetadataKey = "baton.correlation_id"
}

/// Stable telemetry names (DESIGN.md). Changing any of these breaks users' dashboards.
///
/// Use them in dashboards, alerts and tests instead of repeating the strings.
public enum TelemetryNames {
    /// `baton.workflow`: the span of one workflow run (kind `internal`), the parent of its step
    /// spans; its ``outcomeAttribute`` is `complete`, `incomplete` or `failed`.
    public static let workflowSpan = "baton.workflow"
    /// `baton.step`: the span of one attempt of a step's call (kind `client`), compensation
    /// attempts included.
    public static let stepSpan = "baton.step"

    /// `baton.workflow`: span attribute naming the workflow (spec name).
    public static let workflowAttribute = "baton.workflow"
    /// `baton.step`: span attribute naming the step (spec name), on step spans.
    public static let stepAttribute = "baton.step"
    /// `baton.attempt`: span attribute with the attempt number (1 for the first), on step spans.
    public static let attemptAttribute = "baton.attempt"
    /// `baton.outcome`: span attribute with the outcome: a ``StepOutcome/label`` on step spans
    /// (`succeeded`, `failed`, `timed_out`, `cancelled`), `complete`/`incomplete`/`failed` on
    /// workflow spans.
    public static let outcomeAttribute = "baton.outcome"
    /// `baton.endpoint`: span attribute with the ``Endpoint/url`` of the attempt, when the
    /// service routes.
    public static let endpointAttribute = "baton.endpoint"
    /// Set (to `true`) on the spans of compensation attempts.
    public static let compensationAttribute = "baton.compensation"

    /// `baton_step_duration_seconds`: timer of each step's latency (from its start to its
    /// outcome: retries, backoff and fallback included), labelled `workflow`, `step`, `service`
    /// and `outcome`.
    public static let stepDuration = "baton_step_duration_seconds"
    /// `baton_step_outcomes_total`: counter of step outcomes, labelled `workflow`, `step`,
    /// `service` and `outcome` (a ``StepOutcome/label``, or `compensated` /
    /// `compensation_failed` for compensations).
    public static let stepOutcomes = "baton_step_outcomes_total"
    /// `baton_retries_total`: counter of a step's attempts beyond its first (retries, hedges and
    /// a fallback call), and of its compensation's, labelled `workflow`, `step` and `service`.
    public static let retries = "baton_retries_total"
    /// `baton_circuit_state`: gauge of each breaker's state (0 closed, 1 open, 2 half-open),
    /// labelled `breaker` and `service`.
    public static let circuitState = "baton_circuit_state"
    /// `baton_cache_requests_total`: counter of response cache requests, labelled `service`,
    /// `operation` and `result` (`hit`, `stale`, `miss`, `coalesced`, `stale_if_error`, `error`,
    /// `stale_fallback`).
    public static let cacheRequests = "baton_cache_requests_total"
    /// `baton_workflow_duration_seconds`: timer of each run's latency, labelled `workflow` and
    /// `outcome` (`complete`, `incomplete`, `failed`, or `rejected` for a call admission control
    /// refused, recorded with zero latency). Runs that produce output are `complete` plus
    /// `incomplete`; service level objectives (`baton alerts`) are computed from this histogram,
    /// so give it a bucket boundary at every latency threshold (generated orchestrators list them
    /// in `workflowDurationBuckets`).
    public static let workflowDuration = "baton_workflow_duration_seconds"

    /// `workflow`: metric label naming the workflow.
    public static let workflowLabel = "workflow"
    /// `step`: metric label naming the step.
    public static let stepLabel = "step"
    /// `service`: metric label naming the downstream service.
    public static let serviceLabel = "service"
    /// `outcome`: metric label with the outcome (see each metric).
    public static let outcomeLabel = "outcome"
    /// Label of `baton_circuit_state`: the breaker's name.
    public static let breakerLabel = "breaker"
}

// MARK: - Circuit breaker hook

extension Telemetry {
    /// A state-change recorder for one circuit breaker. Make it once, when the breaker is built,
    /// and pass ``CircuitStateRecorder/observe(_:)`` as the breaker's `observer`:
    ///
    /// ```swift
    /// let recorder = telemetry.circuitStateRecorder(breaker: "pricing", service: "pricing")
    /// let breaker = CircuitBreaker(name: "pricing", ..., observer: recorder.observe)
    /// ```
    ///
    /// The recorder logs every transition itself, so don't also give the breaker a logger.
    public func circuitStateRecorder(breaker: String, service: String) -> CircuitStateRecorder {
        CircuitStateRecorder(breaker: breaker, service: service, telemetry: self)
    }
}

/// Publishes a circuit breaker's state: the `baton_circuit_state` gauge (labelled `breaker` and
/// `service`, value ``CircuitState/gaugeValue``: 0 closed, 1 open, 2 half-open) and a log line
/// naming the breaker (spec-v1 §7.10).
public struct CircuitStateRecorder: Sendable {
    /// The breaker's name: the gauge's `breaker` label and the log line's `baton.breaker`.
    public let breaker: String
    /// The breaker's service: the gauge's `service` label and the log line's `baton.service`.
    public let service: String
    private let gauge: Gauge?
    private let logger: Logger

    init(breaker: String, service: String, telemetry: Telemetry) {
        self.breaker = breaker
        self.service = service
        self.logger = telemetry.logger
        if telemetry.metricsEnabled {
            let gauge = Gauge(
                label: TelemetryNames.circuitState,
                dimensions: [(TelemetryNames.breakerLabel, breaker), (TelemetryNames.serviceLabel, service)],
                factory: telemetry.metricsFactory
            )
            gauge.record(CircuitState.closed.gaugeValue)
            self.gauge = gauge
        } else {
            self.gauge = nil
        }
    }

    /// Records a transition: sets the gauge and logs it (`warning` when the breaker opens,
    /// `info` otherwise).
    @Sendable
    public func observe(_ transition: CircuitBreakerTransition) {
        gauge?.record(transition.to.gaugeValue)
        logger.log(
            level: transition.to == .open ? .warning : .info,
            "\(transition)",
            metadata: [
                "baton.breaker": .string(transition.breaker),
                "baton.service": .string(service),
                "baton.circuit_state": .string(transition.to.rawValue),
            ]
        )
    }
}
