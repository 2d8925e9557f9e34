import BatonRuntime
import BatonTesting
import Synchronization
import Testing

@Suite(.timeLimit(.minutes(1))) struct ResiliencePipelineTests {
    static let noJitter = Backoff(initial: .milliseconds(25), max: .seconds(1), jitter: .none)
    static let context = CallContext(workflow: "checkout", step: "quote", correlationID: "c-1")

    /// A downstream call that follows a script per attempt number, recording what it saw.
    final class Downstream: Sendable {
        let seen = Recorder<Int>()
        let behaviour: @Sendable (Int) async throws -> Int

        init(_ behaviour: @escaping @Sendable (Int) async throws -> Int) {
            self.behaviour = behaviour
        }

        func call(_ context: CallContext) async throws -> Int {
            seen.append(context.attempt)
            return try await behaviour(context.attempt)
        }
    }

    @Test func aBarePipelineMakesOneAttempt() async throws {
        let pipeline = ResiliencePipeline(clock: ManualClock().asAnyClock)
        let downstream = Downstream { $0 * 10 }
        let log = AttemptLog()
        #expect(try await pipeline.run(Self.context, log: log, downstream.call) == 10)
        #expect(log.summary == AttemptSummary(attempts: 1))
        #expect(downstream.seen.all == [1])
    }

    /// The call sees when its attempt ends (what an HTTP client sends as `X-Request-Timeout-Ms`):
    /// the attempt timeout from the attempt's start, or the run's deadline when that is earlier.
    @Test func theCallSeesItsAttemptDeadline() async throws {
        let clock = ManualClock()
        let pipeline = ResiliencePipeline(timeout: .milliseconds(100), clock: clock.asAnyClock)
        let seen = Recorder<BatonInstant?>()
        let call: @Sendable (CallContext) async throws -> Int = { context in
            seen.append(context.attemptDeadline?.instant)
            return 1
        }
        clock.advance(by: .milliseconds(5))
        _ = try await pipeline.run(Self.context, log: AttemptLog(), call)
        _ = try await Deadline.$current.withValue(.after(.milliseconds(30), clock: clock.asAnyClock)) {
            try await pipeline.run(Self.context, log: AttemptLog(), call)
        }
        _ = try await ResiliencePipeline(clock: clock.asAnyClock).run(Self.context, log: AttemptLog(), call)
        #expect(seen.all == [.zero.advanced(by: .milliseconds(105)), .zero.advanced(by: .milliseconds(35)), nil])
    }

    @Test func retriesNumberTheirAttemptsAndLogFailures() async throws {
        let clock = ManualClock()
        let pipeline = ResiliencePipeline(retry: RetryPolicy(backoff: Self.noJitter), clock: clock.asAnyClock)
        let downstream = Downstream { attempt in
            if attempt == 1 { throw ScriptedError(.transient) }
            return attempt
        }
        let log = AttemptLog()
        let task = Task { try await pipeline.run(Self.context, log: log, downstream.call) }
        try await clock.waitForSleepers(count: 1)
        clock.advance(by: .milliseconds(25))
        #expect(try await task.value == 2)
        #expect(downstream.seen.all == [1, 2])
        #expect(log.summary == AttemptSummary(attempts: 2, failures: [.transient]))
    }

    @Test func anOpenCircuitIsNotRetriedUnlessUnavailableIsInRetryOn() async throws {
        let clock = ManualClock()
        let breaker = CircuitBreaker(name: "pricing", configuration: .init(mode: .consecutive, consecutiveFailures: 1, openFor: .seconds(1)), clock: clock.asAnyClock)
        let pipeline = ResiliencePipeline(
            retry: RetryPolicy(backoff: Self.noJitter, retryOn: [.transient]), circuitBreaker: breaker, clock: clock.asAnyClock)
        let downstream = Downstream { _ in throw ScriptedError(.transient) }
        let log = AttemptLog()
        let task = Task { try await pipeline.run(Self.context, log: log, downstream.call) }
        try await clock.waitForSleepers(count: 1)
        clock.advance(by: .milliseconds(25))
        await #expect(throws: CircuitOpenError(breaker: "pricing", retryAfter: .milliseconds(975))) { try await task.value }
        #expect(downstream.seen.all == [1], "the second attempt never reached the dependency")
        #expect(log.summary == AttemptSummary(attempts: 2, failures: [.transient, .unavailable]))
    }

    @Test func anOpenCircuitIsRetriedAfterItsRetryAfterWhenUnavailableIsRetryable() async throws {
        let clock = ManualClock()
        let breaker = CircuitBreaker(name: "pricing", configuration: .init(mode: .consecutive, consecutiveFailures: 1, openFor: .seconds(1)), clock: clock.asAnyClock)
        let pipeline = ResiliencePipeline(retry: RetryPolicy(backoff: Self.noJitter), circuitBreaker: breaker, clock: clock.asAnyClock)
        let downstream = Downstream { attempt in
            if attempt == 1 { throw ScriptedError(.transient) }
            return attempt
        }
        let log = AttemptLog()
        let task = Task { try await pipeline.run(Self.context, log: log, downstream.call) }
        try await clock.waitForSleepers(count: 1)
        clock.advance(by: .milliseconds(25))
        try await clock.waitForSleepers(count: 1)
        #expect(clock.nextDeadline == .ms(1000), "waits out the open circuit, not just the 50 ms backoff")
        clock.advance(to: .ms(1000))
        #expect(try await task.value == 3)
        #expect(downstream.seen.all == [1, 3])
        #expect(log.summary == AttemptSummary(attempts: 3, failures: [.transient, .unavailable]))
        #expect(breaker.state == .closed, "the half-open probe succeeded")
    }

    @Test func aRateLimitRefusalCountsAsOverloadedAndSparesTheBreaker() async throws {
        let clock = ManualClock()
        let any = clock.asAnyClock
        let limiter = RateLimiter(name: "pricing", rate: .perSecond(10), burst: 1, clock: any)
        let breaker = CircuitBreaker(name: "pricing", configuration: .init(mode: .consecutive, consecutiveFailures: 1), clock: any)
        let pipeline = ResiliencePipeline(
            retry: RetryPolicy(backoff: Self.noJitter), circuitBreaker: breaker, rateLimiter: limiter, clock: any)
        let downstream = Downstream { $0 }
        #expect(try await pipeline.run(Self.context, log: AttemptLog(), downstream.call) == 1)
        let log = AttemptLog()
        let task = Task { try await pipeline.run(Self.context, log: log, downstream.call) }
        try await clock.waitForSleepers(count: 1)
        #expect(clock.nextDeadline == .ms(100), "the limiter's retry-after (100 ms) beats the 25 ms backoff")
        clock.advance(by: .milliseconds(100))
        #expect(try await task.value == 2)
        #expect(log.summary == AttemptSummary(attempts: 2, failures: [.overloaded]))
        #expect(breaker.state == .closed, "a local refusal says nothing about the dependency")
    }

    @Test func timeoutsArePerAttemptAndRetried() async throws {
        let clock = ManualClock()
        let pipeline = ResiliencePipeline(timeout: .milliseconds(50), retry: RetryPolicy(backoff: Self.noJitter), clock: clock.asAnyClock)
        let downstream = Downstream { attempt in
            if attempt == 1 { try await clock.sleep(for: .seconds(10)) }
            return attempt
        }
        let log = AttemptLog()
        let task = Task { try await pipeline.run(Self.context, log: log, downstream.call) }
        try await clock.waitForSleepers(count: 2)  // the call and its timeout
        #expect(clock.nextDeadline == .ms(50))
        clock.advance(by: .milliseconds(50))
        // The timed-out call's sleep is cancelled and the backoff's begins, on other tasks: wait for
        // exactly that picture (a sleeper-count barrier could see the stale sleeper instead).
        try await yieldUntil("the backoff to be the only sleeper, until 75 ms") { clock.sleeperCount == 1 && clock.nextDeadline == .ms(75) }
        clock.advance(by: .milliseconds(25))
        #expect(try await task.value == 2)
        #expect(log.summary == AttemptSummary(attempts: 2, failures: [.timeout]))
    }

    @Test func theRunDeadlineEndsRetries() async throws {
        let clock = ManualClock()
        let any = clock.asAnyClock
        let pipeline = ResiliencePipeline(timeout: .seconds(1), retry: RetryPolicy(maxAttempts: 5, backoff: Self.noJitter), clock: any)
        let downstream = Downstream { _ in
            try await clock.sleep(for: .seconds(10))
            return 0
        }
        let log = AttemptLog()
        let task = Task {
            try await Deadline.$current.withValue(.after(.milliseconds(100), clock: any)) {
                try await pipeline.run(Self.context, log: log, downstream.call)
            }
        }
        try await clock.waitForSleepers(count: 2)
        #expect(clock.nextDeadline == .ms(100), "the attempt timeout is clipped to the deadline")
        clock.advance(by: .milliseconds(100))
        await #expect(throws: TimeoutError(limit: .milliseconds(100))) { try await task.value }
        #expect(log.summary == AttemptSummary(attempts: 1, failures: [.timeout]))
        #expect(clock.sleeperCount == 0)
    }

    @Test func theBulkheadSlotIsReleasedWhateverHappens() async throws {
        let clock = ManualClock()
        let bulkhead = Bulkhead(name: "x", maxConcurrent: 1, clock: clock.asAnyClock)
        let pipeline = ResiliencePipeline(timeout: .milliseconds(10), bulkhead: bulkhead, clock: clock.asAnyClock)
        await #expect(throws: ScriptedError(.permanent)) {
            try await pipeline.run(Self.context, log: AttemptLog()) { _ in throw ScriptedError(.permanent) }
        }
        let slow = Task { try await pipeline.run(Self.context, log: AttemptLog()) { _ in try await clock.sleep(for: .seconds(1)) } }
        try await clock.waitForSleepers(count: 2)
        clock.advance(by: .milliseconds(10))
        await #expect(throws: TimeoutError.self) { try await slow.value }
        let cancelled = Task { try await pipeline.run(Self.context, log: AttemptLog()) { _ in try await clock.sleep(for: .seconds(1)) } }
        try await clock.waitForSleepers(count: 2)
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        #expect(bulkhead.inFlight == 0)
    }

    @Test func cancellationIsNotRetried() async throws {
        let clock = ManualClock()
        let pipeline = ResiliencePipeline(retry: RetryPolicy(maxAttempts: 5, backoff: Self.noJitter), clock: clock.asAnyClock)
        let downstream = Downstream { _ in
            try await clock.sleep(for: .seconds(10))
            return 0
        }
        let log = AttemptLog()
        let task = Task { try await pipeline.run(Self.context, log: log, downstream.call) }
        try await clock.waitForSleepers(count: 1)
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(log.summary == AttemptSummary(attempts: 1, failures: [.cancelled]))
    }

    @Test func retriesSpendTheSharedBudget() async throws {
        let clock = ManualClock()
        let budget = RetryBudget(ratio: 0, minPerSecond: 0.1, window: .seconds(10), clock: clock.asAnyClock)  // one retry
        let pipeline = ResiliencePipeline(retry: RetryPolicy(maxAttempts: 5, backoff: Self.noJitter), retryBudget: budget, clock: clock.asAnyClock)
        let downstream = Downstream { _ in throw ScriptedError(.unavailable) }
        let task = Task { try await pipeline.run(Self.context, log: AttemptLog(), downstream.call) }
        try await clock.waitForSleepers(count: 1)
        clock.advance(by: .milliseconds(25))
        await #expect(throws: ScriptedError(.unavailable)) { try await task.value }
        #expect(downstream.seen.all == [1, 2])
        #expect(budget.snapshot == RetryBudget.Snapshot(calls: 1, withdrawals: 1, available: 0))
        // Without a shared budget, the retry policy's budget configuration makes a private one.
        let own = ResiliencePipeline(retry: RetryPolicy(budget: .init(ratio: 0, minPerSecond: 0)), clock: clock.asAnyClock)
        #expect(own.retryBudget?.configuration == .init(ratio: 0, minPerSecond: 0))
        #expect(ResiliencePipeline(retry: RetryPolicy(budget: nil), clock: clock.asAnyClock).retryBudget == nil)
    }

    @Test func singleAttemptRecordsItsFailureClass() async throws {
        let log = AttemptLog()
        await #expect(throws: ScriptedError(.overloaded)) {
            try await SingleAttempt(clock: ManualClock().asAnyClock).run(Self.context, log: log) { _ in throw ScriptedError(.overloaded) }
        }
        #expect(log.summary == AttemptSummary(attempts: 1, failures: [.overloaded]))
    }
}
