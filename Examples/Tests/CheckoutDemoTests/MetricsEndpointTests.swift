import BatonRuntime
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

@testable import CheckoutDemo

/// The demo's Prometheus metrics: the SLO buckets and `GET /metrics` on loopback.
@Suite struct MetricsEndpointTests {
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

    @Test func servesTheExpositionOnLoopback() async throws {
        let prometheus = PrometheusMetrics()
        makeOrchestrator(prometheus)
        let endpoint = try MetricsEndpoint(metrics: prometheus, port: 0)
        let port = try await endpoint.port()
        let url = try #require(URL(string: "http://127.0.0.1:\(port)/metrics"))
        let (data, response) = try await URLSession.shared.data(from: url)
        await endpoint.stop()
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(String(decoding: data, as: UTF8.self).contains(#"le="0.3""#))
    }
}
