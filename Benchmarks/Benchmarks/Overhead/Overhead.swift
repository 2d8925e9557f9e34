// Suite 1: what the policies add to one call of an instant async service.
//
// Every benchmark runs `scalingFactor` (1,000) calls per sample; ordo-one/benchmark reports wall
// time and mallocs per call. `Benchmarks/run` turns them into ratios against `bare call`.
import Benchmark
import BatonRuntime
import Logging
import Metrics
import Tracing

/// The downstream service: instant, opaque to the optimiser.
@inline(never)
@Sendable func service(_ context: CallContext) async throws -> Int {
    context.attempt
}

let call: @Sendable (CallContext) async throws -> Int = service

let context = CallContext(workflow: "bench", step: "call", correlationID: "bench-correlation")

func pipelines(clock: AnyClock) -> [(String, ResiliencePipeline)] {
    [
        ("timeout only", ResiliencePipeline(timeout: .seconds(1), clock: clock)),
        ("retry only", ResiliencePipeline(retry: RetryPolicy(maxAttempts: 3, budget: nil), clock: clock)),
        ("breaker only", ResiliencePipeline(circuitBreaker: CircuitBreaker(name: "bench", clock: clock), clock: clock)),
        ("full stack", fullStack(clock: clock, telemetry: .disabled)),
        ("full stack without timeout", fullStack(clock: clock, telemetry: .disabled, timeout: nil)),
    ]
}

/// Timeout + retry (with a budget) + breaker + rate limit + bulkhead: everything a call can have
/// besides routing, hedging and caches.
func fullStack(clock: AnyClock, telemetry: Telemetry, timeout: Duration? = .seconds(1)) -> ResiliencePipeline {
    ResiliencePipeline(
        timeout: timeout,
        retry: RetryPolicy(maxAttempts: 3),
        retryBudget: RetryBudget(clock: clock),
        circuitBreaker: CircuitBreaker(
            name: "bench", clock: clock,
            observer: telemetry.circuitStateRecorder(breaker: "bench", service: "bench").observe),
        rateLimiter: RateLimiter(name: "bench", rate: .perSecond(1e12), burst: 1_000_000_000, clock: clock),
        bulkhead: Bulkhead(name: "bench", maxConcurrent: 1_000, clock: clock),
        clock: clock
    )
}

/// Retry + budget + breaker (no timeout): the baseline the routing and hedging rows add to.
func routingBaseline(clock: AnyClock, router: EndpointRouter? = nil, hedging: Hedging? = nil) -> ResiliencePipeline {
    ResiliencePipeline(
        retry: RetryPolicy(maxAttempts: 3),
        retryBudget: RetryBudget(clock: clock),
        circuitBreaker: CircuitBreaker(name: "bench", clock: clock),
        router: router,
        hedging: hedging,
        clock: clock
    )
}

/// The routing and hedging variants of `routingBaseline`, each adding one feature.
func routedPipelines(clock: AnyClock) -> [(String, ResiliencePipeline)] {
    let endpoints = [Endpoint(url: "a"), Endpoint(url: "b"), Endpoint(url: "c")]
    let roundRobin = EndpointRouter(service: "bench", endpoints: endpoints, clock: clock, telemetry: .disabled)
    let leastLatency = EndpointRouter(
        service: "bench", endpoints: endpoints, strategy: .leastLatency,
        outlierDetection: EndpointRouter.OutlierDetection(), circuitBreaker: CircuitBreaker.Configuration(),
        clock: clock, random: .seeded(1), telemetry: .disabled)
    // A percentile delay that never has enough samples: the pipeline checks and runs no race.
    let cold = Hedging(HedgePolicy(delay: .percentile(0.95)), service: "bench",
                       estimator: LatencyEstimator(clock: clock), minimumSamples: .max, telemetry: .disabled)
    // A delay the instant call never reaches: every call runs the race (attempt + timer tasks).
    let armed = Hedging(HedgePolicy(delay: .fixed(.seconds(10))), service: "bench",
                        estimator: LatencyEstimator(clock: clock), telemetry: .disabled)
    return [
        ("retry + budget + breaker", routingBaseline(clock: clock)),
        ("retry + budget + breaker, round-robin router (3 endpoints)", routingBaseline(clock: clock, router: roundRobin)),
        ("retry + budget + breaker, least-latency router, outlier detection, endpoint breakers",
         routingBaseline(clock: clock, router: leastLatency)),
        ("retry + budget + breaker, hedging at p95 before any sample (no race)", routingBaseline(clock: clock, hedging: cold)),
        ("retry + budget + breaker, hedging armed (a race per call)", routingBaseline(clock: clock, hedging: armed)),
    ]
}

/// One attempt, no timeout, no classifier work on success: lets the executor skip its deadline
/// watcher (it says it ends by the deadline) without the attempt task a timeout needs, so the
/// diamond rows measure the executor itself.
struct PassThrough: CallPolicy {
    var boundsAttemptsByRunDeadline: Bool { true }

    func run<T: Sendable>(
        _ context: CallContext,
        log: AttemptLog,
        _ call: @escaping @Sendable (CallContext) async throws -> T
    ) async throws -> T {
        var context = context
        context.attempt = log.beginAttempt()
        return try await call(context)
    }
}

/// A diamond a → b, c, d → e written by hand with a task group: the reference for the executor.
func handWrittenDiamond(_ input: Int) async throws -> Int {
    let a = try await diamondService(input, CallContext(workflow: "bench", step: "a", correlationID: "c"))
    let sum = try await withThrowingTaskGroup(of: Int.self) { group in
        for step in ["b", "c", "d"] {
            group.addTask { try await diamondService(a, CallContext(workflow: "bench", step: step, correlationID: "c")) }
        }
        var sum = 0
        for try await value in group { sum += value }
        return sum
    }
    return try await diamondService(sum, CallContext(workflow: "bench", step: "e", correlationID: "c"))
}

@inline(never)
@Sendable func diamondService(_ value: Int, _ context: CallContext) async throws -> Int {
    value + 1
}

/// The same diamond as a workflow: five steps, three of them concurrent.
func diamond(policy: any CallPolicy) -> Workflow<Int, Int> {
    var builder = WorkflowBuilder<Int>(workflow: "bench", deadline: .seconds(10), random: .seeded(1), telemetry: .disabled)
    let a: StepKey<Int> = builder.step("a", service: "bench", policy: policy) { input, _, context in
        try await diamondService(input, context)
    }
    let fanOut: [StepKey<Int>] = ["b", "c", "d"].map { name in
        builder.step(name, service: "bench", dependsOn: [a.id], policy: policy) { _, values, context in
            try await diamondService(values[a], context)
        }
    }
    let e: StepKey<Int> = builder.step("e", service: "bench", dependsOn: fanOut.map(\.id), policy: policy) { _, values, context in
        try await diamondService(fanOut.reduce(0) { $0 + values[$1] }, context)
    }
    return builder.build { _, values in values[e] }
}

/// A one-step workflow around the full stack: the executor's cost per call, with telemetry off
/// or bootstrapped to no-op backends.
func oneStep(clock: AnyClock, telemetry: Telemetry) -> Workflow<Int, Int> {
    var builder = WorkflowBuilder<Int>(workflow: "bench", deadline: .seconds(10), clock: clock, random: .seeded(1), telemetry: telemetry)
    let step: StepKey<Int> = builder.step("call", service: "bench", policy: fullStack(clock: clock, telemetry: telemetry)) { _, _, context in
        try await service(context)
    }
    return builder.build { _, values in values[step] }
}

var configuration: Benchmark.Configuration { Benchmark.Configuration(
    metrics: [.wallClock, .mallocCountTotal],
    timeUnits: .nanoseconds,
    warmupIterations: 3,
    scalingFactor: .kilo,
    maxDuration: .seconds(1),
    maxIterations: 1_000
) }

/// What code without Baton typically writes for a timeout: the operation raced against a
/// sleeping child in a task group. The reference for what a timeout costs.
func handRolledTimeout<T: Sendable>(_ timeout: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw TimeoutError(limit: timeout) }
        return value
    }
}

let benchmarks: @Sendable () -> Void = {
    let clock = AnyClock.continuous
    let log = AttemptLog()

    Benchmark("bare call", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try await call(context))
        }
    }

    Benchmark("hand-rolled timeout (reference)", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try await handRolledTimeout(.seconds(1)) { try await call(context) })
        }
    }

    Benchmark("single attempt, no timeout", configuration: configuration) { benchmark in
        let single = SingleAttempt(clock: clock)
        for _ in benchmark.scaledIterations {
            blackHole(try await single.run(context, log: log, call))
        }
    }

    for (name, pipeline) in pipelines(clock: clock) + routedPipelines(clock: clock) {
        Benchmark(name, configuration: configuration) { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try await pipeline.run(context, log: log, call))
            }
        }
    }

    // The same stack with telemetry read from process-wide backends bootstrapped to no-ops
    // (what an app that bootstraps nothing real gets): must cost the same as `full stack`.
    LoggingSystem.bootstrap { _ in SwiftLogNoOpLogHandler() }
    MetricsSystem.bootstrap(NOOPMetricsHandler.instance)
    InstrumentationSystem.bootstrap(NoOpTracer())
    let bootstrapped = fullStack(clock: clock, telemetry: Telemetry())
    Benchmark("full stack, telemetry bootstrapped to no-op", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try await bootstrapped.run(context, log: log, call))
        }
    }

    let plain = oneStep(clock: clock, telemetry: .disabled)
    Benchmark("1-step workflow, full stack", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try await plain.run(1, correlationID: "c").output)
        }
    }
    Benchmark("diamond, hand-written task group (reference)", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try await handWrittenDiamond(1))
        }
    }
    let passThrough = diamond(policy: PassThrough())
    Benchmark("5-step diamond workflow, pass-through policy", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try await passThrough.run(1, correlationID: "c").output)
        }
    }
    let timed = diamond(policy: SingleAttempt(clock: clock))
    Benchmark("5-step diamond workflow, SingleAttempt (attempts clipped to the deadline)", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try await timed.run(1, correlationID: "c").output)
        }
    }

    let observed = oneStep(clock: clock, telemetry: Telemetry())
    Benchmark("1-step workflow, full stack, telemetry bootstrapped to no-op", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try await observed.run(1, correlationID: "c").output)
        }
    }
}
