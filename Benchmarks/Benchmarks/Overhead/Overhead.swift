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

    for (name, pipeline) in pipelines(clock: clock) {
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
    let observed = oneStep(clock: clock, telemetry: Telemetry())
    Benchmark("1-step workflow, full stack, telemetry bootstrapped to no-op", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try await observed.run(1, correlationID: "c").output)
        }
    }
}
