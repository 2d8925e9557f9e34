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
public enum TelemetryNames {
    public static let workflowSpan = "baton.workflow"
    public static let stepSpan = "baton.step"

    public static let workflowAttribute = "baton.workflow"
    public static let stepAttribute = "baton.step"
    public static let attemptAttribute = "baton.attempt"
    public static let outcomeAttribute = "baton.outcome"
    public static let endpointAttribute = "baton.endpoint"
    /// Set (to `true`) on the spans of compensation attempts.
    public static let compensationAttribute = "baton.compensation"

    public static let stepDuration = "baton_step_duration_seconds"
    public static let stepOutcomes = "baton_step_outcomes_total"
    public static let retries = "baton_retries_total"
    public static let circuitState = "baton_circuit_state"
    public static let cacheRequests = "baton_cache_requests_total"
    public static let workflowDuration = "baton_workflow_duration_seconds"

    public static let workflowLabel = "workflow"
    public static let stepLabel = "step"
    public static let serviceLabel = "service"
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
    public let breaker: String
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
