import BatonRuntime
import Checkout
import Foundation
import Prometheus

// The demo's Prometheus side: the orchestrator's metrics in a swift-prometheus registry, whose
// `baton_workflow_duration_seconds` histogram has a bucket boundary at every latency threshold of
// the spec's service level objectives (one line: `durationHistogramBuckets`). `--metrics-file`
// writes its exposition: what a server's `GET /metrics` would answer for a Prometheus loaded with
// `baton alerts` output.

/// A swift-prometheus registry and the metrics factory that fills it.
package struct PrometheusMetrics: Sendable {
    package let registry: PrometheusCollectorRegistry
    package let factory: PrometheusMetricsFactory

    /// - Parameter durationHistogramBuckets: the generated orchestrator's
    ///   `durationHistogramBuckets`; by default those of the checkout spec.
    package init(durationHistogramBuckets: [String: [Duration]] = CheckoutOrchestrator.durationHistogramBuckets) {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // The one line that makes the SLO thresholds bucket boundaries.
        factory.durationHistogramBuckets = durationHistogramBuckets
        self.factory = factory
    }

    /// The Prometheus text exposition of every metric, as a `/metrics` endpoint serves it.
    package func exposition() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
