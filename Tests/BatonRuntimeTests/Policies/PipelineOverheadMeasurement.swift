import BatonRuntime
import Testing

/// Prints the per-call cost of the resilience pipeline against a bare call. Never asserts on
/// time (CI machines vary); read the numbers in the test log. Debug builds exaggerate the cost:
/// for a representative figure run it with `-c release`.
@Suite struct PipelineOverheadMeasurement {
    static let iterations = 20_000

    static func nanosecondsPerCall(_ body: () async throws -> Void) async rethrows -> Double {
        let clock = ContinuousClock()
        for _ in 0..<1_000 { try await body() }  // warm up
        let start = clock.now
        for _ in 0..<iterations { try await body() }
        let elapsed = start.duration(to: clock.now)
        return Double(elapsed.components.attoseconds) / 1e9 / Double(iterations) + Double(elapsed.components.seconds) * 1e9 / Double(iterations)
    }

    @Test func printPerCallOverhead() async throws {
        let clock = AnyClock.continuous
        let context = CallContext(workflow: "w", step: "s", correlationID: "c")
        let call: @Sendable (CallContext) async throws -> Int = { $0.attempt }

        let bare = try await Self.nanosecondsPerCall { _ = try await call(context) }
        let single = SingleAttempt(clock: clock)
        let singleCost = try await Self.nanosecondsPerCall { _ = try await single.run(context, log: AttemptLog(), call) }
        let full = ResiliencePipeline(
            retry: RetryPolicy(),
            retryBudget: RetryBudget(clock: clock),
            circuitBreaker: CircuitBreaker(name: "b", clock: clock),
            rateLimiter: RateLimiter(name: "r", rate: .perSecond(1e9), burst: 1_000_000, clock: clock),
            bulkhead: Bulkhead(name: "h", maxConcurrent: 1_000, clock: clock),
            clock: clock)
        let fullCost = try await Self.nanosecondsPerCall { _ = try await full.run(context, log: AttemptLog(), call) }
        let timed = ResiliencePipeline(
            timeout: .seconds(10),
            retry: RetryPolicy(),
            retryBudget: RetryBudget(clock: clock),
            circuitBreaker: CircuitBreaker(name: "b", clock: clock),
            rateLimiter: RateLimiter(name: "r", rate: .perSecond(1e9), burst: 1_000_000, clock: clock),
            bulkhead: Bulkhead(name: "h", maxConcurrent: 1_000, clock: clock),
            clock: clock)
        let timedCost = try await Self.nanosecondsPerCall { _ = try await timed.run(context, log: AttemptLog(), call) }

        func line(_ name: String, _ nanoseconds: Double) -> String {
            let ratio = nanoseconds / bare
            return "\(name): \(Int(nanoseconds.rounded())) ns/call (\((ratio * 10).rounded() / 10)× bare)"
        }
        print("""
            ResiliencePipeline overhead, \(Self.iterations) sequential calls each:
              \(line("bare call", bare))
              \(line("SingleAttempt, no timeout", singleCost))
              \(line("retry+budget+breaker+rate limit+bulkhead, no timeout", fullCost))
              \(line("the same with a 10 s attempt timeout", timedCost))
            """)
    }
}
