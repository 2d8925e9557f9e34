import BatonRuntime
import Testing

@testable import CheckoutDemo
@testable import CheckoutSimulation

/// The demo's Prometheus metrics: a bucket boundary at the spec's SLO threshold.
@Suite struct PrometheusMetricsTests {
    /// Builds an orchestrator whose metrics go to `prometheus` (its series are created then).
    func makeOrchestrator(_ prometheus: PrometheusMetrics) {
        _ = SimulatedCheckoutServices(faults: FaultPlan()).makeOrchestrator(
            options: OrchestratorOptions(telemetry: Telemetry(metricsFactory: prometheus.factory)))
    }

    @Test func theWorkflowHistogramHasABucketAtTheSLOThreshold() {
        let prometheus = PrometheusMetrics()
        makeOrchestrator(prometheus)
        let text = prometheus.exposition()
        // specs/checkout.baton.yaml: latency { threshold: 300ms, target: 99% }.
        #expect(text.contains(#"baton_workflow_duration_seconds_bucket{workflow="checkout",outcome="complete",le="0.3"} 0"#))
        for outcome in ["complete", "incomplete", "failed", "rejected"] {
            #expect(text.contains(#"baton_workflow_duration_seconds_count{workflow="checkout",outcome="\#(outcome)"} 0"#))
        }
    }
}
