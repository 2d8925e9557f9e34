import BatonRuntime
import Testing

/// Prints the per-call cost of routing and hedging in the pipeline, against the same pipeline
/// without them. Never asserts on time; for representative figures run it with `-c release`.
@Suite struct RoutingOverheadMeasurement {
    @Test func printPerCallOverheadOfRoutingAndHedging() async throws {
        let clock = AnyClock.continuous
        let context = CallContext(workflow: "w", step: "s", correlationID: "c")
        let call: @Sendable (CallContext) async throws -> Int = { $0.attempt }
        let endpoints = [Endpoint(url: "a"), Endpoint(url: "b"), Endpoint(url: "c")]
        func pipeline(router: EndpointRouter? = nil, hedging: Hedging? = nil) -> ResiliencePipeline {
            ResiliencePipeline(
                retry: RetryPolicy(), retryBudget: RetryBudget(clock: clock),
                circuitBreaker: CircuitBreaker(name: "b", clock: clock),
                router: router, hedging: hedging, clock: clock)
        }
        let plain = pipeline()
        let roundRobin = pipeline(router: EndpointRouter(service: "s", endpoints: endpoints, clock: clock))
        let leastLatency = pipeline(router: EndpointRouter(
            service: "s", endpoints: endpoints, strategy: .leastLatency,
            outlierDetection: .init(), circuitBreaker: .init(), clock: clock, random: .seeded(1)))
        let estimator = LatencyEstimator(clock: clock)
        let coldHedge = pipeline(hedging: Hedging(HedgePolicy(delay: .percentile(0.95)), service: "s", estimator: estimator, minimumSamples: .max))
        let armedHedge = pipeline(hedging: Hedging(HedgePolicy(delay: .fixed(.seconds(10))), service: "s", estimator: LatencyEstimator(clock: clock)))

        let bare = try await PipelineOverheadMeasurement.nanosecondsPerCall { _ = try await call(context) }
        func measure(_ pipeline: ResiliencePipeline) async throws -> Double {
            try await PipelineOverheadMeasurement.nanosecondsPerCall { _ = try await pipeline.run(context, log: AttemptLog(), call) }
        }
        let plainCost = try await measure(plain)
        let results = [
            ("retry+budget+breaker (baseline)", plainCost),
            ("+ round-robin router, 3 endpoints", try await measure(roundRobin)),
            ("+ least-latency router, outlier detection, per-endpoint breakers", try await measure(leastLatency)),
            ("+ hedging, percentile not yet known (no race)", try await measure(coldHedge)),
            ("+ hedging armed (race: attempt + timer child tasks)", try await measure(armedHedge)),
        ]
        var lines = ["Routing/hedging overhead, \(PipelineOverheadMeasurement.iterations) sequential calls each (bare call \(Int(bare.rounded())) ns):"]
        for (name, nanoseconds) in results {
            lines.append("  \(name): \(Int(nanoseconds.rounded())) ns/call (+\(Int((nanoseconds - plainCost).rounded())) ns)")
        }
        print(lines.joined(separator: "\n"))
    }
}
