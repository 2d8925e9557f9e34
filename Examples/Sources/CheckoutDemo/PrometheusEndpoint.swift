import BatonRuntime
import Checkout
import FlyingFox
import FlyingSocks
import Foundation
import Prometheus

// The demo's Prometheus side: the orchestrator's metrics in a swift-prometheus registry, whose
// `baton_workflow_duration_seconds` histogram has a bucket boundary at every latency threshold of
// the spec's service level objectives (one line: `durationHistogramBuckets`), served as
// `GET /metrics` so a Prometheus loaded with `baton alerts` output can scrape it.

/// A swift-prometheus registry and the metrics factory that fills it.
struct PrometheusMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory

    init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // The one line that makes the SLO thresholds bucket boundaries.
        factory.durationHistogramBuckets = CheckoutOrchestrator.durationHistogramBuckets
        self.factory = factory
    }

    /// The Prometheus text exposition of every metric, as `/metrics` serves it.
    func exposition() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}

/// `GET /metrics` on the loopback interface, for as long as the demo runs.
actor MetricsEndpoint {
    private let server: HTTPServer
    private var task: Task<Void, any Error>?

    /// - Parameter port: the TCP port on 127.0.0.1; 0 picks a free one (see ``port()``).
    init(metrics: PrometheusMetrics, port: UInt16) throws {
        server = HTTPServer(address: try .inet(ip4: "127.0.0.1", port: port), logger: DisabledLogger.disabled)
        let route: @Sendable (HTTPRequest) async throws -> HTTPResponse = { _ in
            HTTPResponse(
                statusCode: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: Data(metrics.exposition().utf8)
            )
        }
        let server = self.server
        task = Task {
            await server.appendRoute("GET /metrics", handler: route)
            try await server.run()
        }
    }

    /// The port the server listens on, once it does.
    func port() async throws -> UInt16 {
        try await server.waitUntilListening()
        guard case .ip4(_, let port)? = await server.listeningAddress else { throw EndpointError.notListening }
        return port
    }

    func stop() async {
        await server.stop()
        task?.cancel()
        _ = await task?.result
    }

    enum EndpointError: Error {
        case notListening
    }
}
