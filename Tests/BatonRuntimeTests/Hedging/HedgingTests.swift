import BatonRuntime
import BatonTesting
import MetricsTestKit
import Synchronization
import Testing

/// A downstream whose latency and result depend on the endpoint (or on the call's order):
/// sleeps on the manual clock, records every call and every cancellation.
final class EndpointDownstream: Sendable {
    enum Behaviour: Sendable {
        case succeed(Int, after: Duration)
        case fail(ErrorClass, after: Duration)
        case hang
    }

    let clock: ManualClock
    let behaviour: @Sendable (_ url: String?, _ callIndex: Int) -> Behaviour
    let calls = Recorder<CallContext>()
    let cancelled = Recorder<String>()
    private let counter = Lock(0)

    init(clock: ManualClock, _ behaviour: @escaping @Sendable (_ url: String?, _ callIndex: Int) -> Behaviour) {
        self.clock = clock
        self.behaviour = behaviour
    }

    func call(_ context: CallContext) async throws -> Int {
        let index = counter.withLock { value in
            defer { value += 1 }
            return value
        }
        calls.append(context)
        let start = clock.now
        do {
            switch behaviour(context.endpoint?.url, index) {
            case .succeed(let value, let after):
                try await clock.sleep(until: start.advanced(by: after))
                return value
            case .fail(let errorClass, let after):
                try await clock.sleep(until: start.advanced(by: after))
                throw ScriptedError(errorClass)
            case .hang:
                try await clock.sleep(until: start.advanced(by: .seconds(3600)))
                return -1
            }
        } catch is CancellationError {
            cancelled.append(context.endpoint?.url ?? "attempt \(context.attempt)")
            throw CancellationError()
        }
    }

    var endpoints: [String?] { calls.all.map { $0.endpoint?.url } }
}

@Suite(.timeLimit(.minutes(1))) struct HedgingTests {
    static let context = CallContext(workflow: "checkout", step: "quote", correlationID: "c-1")
    static let twoEndpoints = [Endpoint(url: "a"), Endpoint(url: "b")]

    func hedging(_ policy: HedgePolicy, clock: ManualClock, telemetry: Telemetry = .disabled) -> Hedging {
        Hedging(policy, service: "pricing", estimator: LatencyEstimator(clock: clock.asAnyClock), telemetry: telemetry)
    }

    @Test func aHedgeWinsOverASlowFirstAttemptWhichIsCancelledAndAwaited() async throws {
        let clock = ManualClock()
        let metrics = TestMetrics()
        let hedging = hedging(HedgePolicy(delay: .fixed(.milliseconds(50))), clock: clock, telemetry: Telemetry(metricsFactory: metrics))
        let router = EndpointRouter(service: "pricing", endpoints: Self.twoEndpoints, clock: clock.asAnyClock, telemetry: .disabled)
        let pipeline = ResiliencePipeline(router: router, hedging: hedging, clock: clock.asAnyClock)
        let downstream = EndpointDownstream(clock: clock) { url, _ in
            url == "a" ? .succeed(1, after: .seconds(1)) : .succeed(2, after: .milliseconds(10))
        }
        let log = AttemptLog()
        let task = Task { try await pipeline.run(Self.context, log: log, downstream.call) }

        try await clock.waitForSleepers(count: 2)  // the first attempt and the hedge timer
        #expect(clock.nextDeadline == .ms(50))
        clock.advance(to: .ms(50))
        try await clock.waitForSleepers(count: 2)  // the first attempt and the hedge
        clock.advance(to: .ms(60))

        #expect(try await task.value == 2)
        // Structured: by the time the call returns, the loser has seen its cancellation.
        #expect(downstream.cancelled.all == ["a"])
        #expect(clock.sleeperCount == 0)
        #expect(downstream.endpoints == ["a", "b"], "the hedge went to the other endpoint")
        #expect(downstream.calls.all.map(\.attempt) == [1, 2])
        #expect(log.summary == AttemptSummary(attempts: 2, hedges: 1, endpoint: Endpoint(url: "b"), failures: []),
                "losing the race is not a failed attempt")
        #expect(hedging.hedgesSent == 1)
        #expect(hedging.hedgesWon == 1)
        #expect(try metrics.expectCounter("baton_hedges_total", [("service", "pricing"), ("outcome", "sent")]).totalValue == 1)
        #expect(try metrics.expectCounter("baton_hedges_total", [("service", "pricing"), ("outcome", "won")]).totalValue == 1)
        let snapshot = router.snapshot
        #expect(snapshot.endpoints.map(\.inflight) == [0, 0])
        #expect(snapshot.endpoints[0].latencyEstimate >= .milliseconds(60), "the cancelled loser's time raised its estimate")
    }

    @Test func aFastFirstAttemptSendsNoHedge() async throws {
        let clock = ManualClock()
        let hedging = hedging(HedgePolicy(delay: .fixed(.milliseconds(50)), maxAttempts: 3), clock: clock)
        let pipeline = ResiliencePipeline(hedging: hedging, clock: clock.asAnyClock)
        let downstream = EndpointDownstream(clock: clock) { _, _ in .succeed(7, after: .milliseconds(20)) }
        let task = Task { try await pipeline.run(Self.context, log: AttemptLog(), downstream.call) }
        try await clock.waitForSleepers(count: 2)
        clock.advance(to: .ms(20))
        #expect(try await task.value == 7)
        #expect(downstream.calls.count == 1)
        #expect(clock.sleeperCount == 0, "the hedge timer was cancelled")
        #expect(hedging.hedgesSent == 0 && hedging.hedgesWon == 0)
        #expect(hedging.estimator.count == 1, "without a router the pipeline feeds the estimator itself")
    }

    @Test func upToMaxAttemptsRunAtOnceAndTheFirstAttemptCanStillWin() async throws {
        let clock = ManualClock()
        let hedging = hedging(HedgePolicy(delay: .fixed(.milliseconds(10)), maxAttempts: 3), clock: clock)
        let router = EndpointRouter(service: "pricing", endpoints: [Endpoint(url: "a"), Endpoint(url: "b"), Endpoint(url: "c")], clock: clock.asAnyClock, telemetry: .disabled)
        let pipeline = ResiliencePipeline(router: router, hedging: hedging, clock: clock.asAnyClock)
        let downstream = EndpointDownstream(clock: clock) { url, _ in
            url == "a" ? .succeed(1, after: .milliseconds(25)) : .hang
        }
        let task = Task { try await pipeline.run(Self.context, log: AttemptLog(), downstream.call) }
        try await clock.waitForSleepers(count: 2)
        clock.advance(to: .ms(10))
        try await clock.waitForSleepers(count: 3)  // a, b, timer
        clock.advance(to: .ms(20))
        try await clock.waitForSleepers(count: 3)  // a, b, c — no further timer at the maximum
        #expect(clock.sleeperCount == 3)
        clock.advance(to: .ms(25))
        #expect(try await task.value == 1)
        #expect(Set(downstream.cancelled.all) == ["b", "c"])
        #expect(downstream.endpoints == ["a", "b", "c"], "each hedge to a different endpoint")
        #expect(hedging.hedgesSent == 2)
        #expect(hedging.hedgesWon == 0)
    }

    @Test func aFailedAttemptDoesNotEndTheRaceWhileAnotherRuns() async throws {
        let clock = ManualClock()
        let hedging = hedging(HedgePolicy(delay: .fixed(.milliseconds(10))), clock: clock)
        let pipeline = ResiliencePipeline(hedging: hedging, clock: clock.asAnyClock)
        let downstream = EndpointDownstream(clock: clock) { _, index in
            index == 0 ? .fail(.transient, after: .milliseconds(15)) : .succeed(2, after: .milliseconds(20))
        }
        let log = AttemptLog()
        let task = Task { try await pipeline.run(Self.context, log: log, downstream.call) }
        try await clock.waitForSleepers(count: 2)
        clock.advance(to: .ms(10))
        try await clock.waitForSleepers(count: 2)
        clock.advance(to: .ms(15))  // the first attempt fails; the hedge keeps running
        clock.advance(to: .ms(30))
        #expect(try await task.value == 2)
        #expect(log.summary.failures == [.transient])
        #expect(hedging.hedgesWon == 1)
    }

    @Test func whenEveryAttemptFailsTheLastFailureGoesToTheRetryPolicy() async throws {
        let clock = ManualClock()
        let hedging = hedging(HedgePolicy(delay: .fixed(.milliseconds(10))), clock: clock)
        let pipeline = ResiliencePipeline(
            retry: RetryPolicy(maxAttempts: 2, backoff: Backoff(initial: .milliseconds(5), jitter: .none)),
            hedging: hedging, clock: clock.asAnyClock)
        let downstream = EndpointDownstream(clock: clock) { _, index in
            switch index {
            case 0: .fail(.transient, after: .milliseconds(15))
            case 1: .fail(.unavailable, after: .milliseconds(6))
            default: .succeed(3, after: .milliseconds(1))
            }
        }
        let log = AttemptLog()
        let task = Task { try await pipeline.run(Self.context, log: log, downstream.call) }
        try await clock.waitForSleepers(count: 2)
        clock.advance(to: .ms(10))
        try await clock.waitForSleepers(count: 2)
        clock.advance(to: .ms(16))  // the first attempt fails at 15, the hedge at 16: the race is lost
        try await clock.waitForSleepers(count: 1)  // the retry's backoff, 5 ms
        #expect(clock.nextDeadline == .ms(21))
        clock.advance(to: .ms(21))
        try await clock.waitForSleepers(count: 2)  // the retry's attempt and its own hedge timer
        clock.advance(to: .ms(22))
        #expect(try await task.value == 3)
        #expect(Set(log.summary.failures) == [.transient, .unavailable])
        #expect(log.summary.attempts == 3)
    }

    @Test func anEmptyBudgetSendsNoHedge() async throws {
        let clock = ManualClock()
        let hedging = hedging(HedgePolicy(delay: .fixed(.milliseconds(10))), clock: clock)
        // A floor of exactly one withdrawal per window and no ratio: the first call may hedge, the
        // second may not.
        let budget = RetryBudget(ratio: 0, minPerSecond: 1, window: .seconds(1), clock: clock.asAnyClock)
        let pipeline = ResiliencePipeline(retryBudget: budget, hedging: hedging, clock: clock.asAnyClock)
        let downstream = EndpointDownstream(clock: clock) { _, _ in .succeed(1, after: .milliseconds(30)) }

        let first = Task { try await pipeline.run(Self.context, log: AttemptLog(), downstream.call) }
        try await clock.waitForSleepers(count: 2)
        clock.advance(to: .ms(10))
        try await clock.waitForSleepers(count: 2)
        clock.advance(to: .ms(30))
        #expect(try await first.value == 1)
        #expect(downstream.calls.count == 2)
        #expect(budget.snapshot.available == 0)

        let second = Task { try await pipeline.run(Self.context, log: AttemptLog(), downstream.call) }
        try await clock.waitForSleepers(count: 2)
        clock.advance(to: .ms(40))  // the timer fires; the budget refuses
        try await clock.waitForSleepers(count: 1)
        #expect(clock.sleeperCount == 1, "no hedge and no further timer")
        clock.advance(to: .ms(60))
        #expect(try await second.value == 1)
        #expect(downstream.calls.count == 3)
        #expect(hedging.hedgesSent == 1)
    }

    @Test func aPercentileDelayFollowsTheEstimator() async throws {
        let clock = ManualClock()
        let estimator = LatencyEstimator(clock: clock.asAnyClock)
        let hedging = Hedging(HedgePolicy(delay: .percentile(0.95)), service: "pricing", estimator: estimator, minimumSamples: 20, telemetry: .disabled)
        let pipeline = ResiliencePipeline(hedging: hedging, clock: clock.asAnyClock)
        let downstream = EndpointDownstream(clock: clock) { _, _ in .succeed(1, after: .milliseconds(100)) }

        // Too few samples: no hedging at all (one sleeper, no timer).
        for _ in 0..<19 { estimator.record(.milliseconds(20)) }
        #expect(hedging.currentDelay() == nil)
        let cold = Task { try await pipeline.run(Self.context, log: AttemptLog(), downstream.call) }
        try await clock.waitForSleepers(count: 1)
        #expect(clock.sleeperCount == 1)
        clock.advance(to: .ms(100))
        #expect(try await cold.value == 1)
        #expect(downstream.calls.count == 1)

        // 95 samples of 20 ms and 5 of 40 ms: p95 is 20 ms, rounded up to its bucket's end.
        estimator.reset()
        for _ in 0..<95 { estimator.record(.milliseconds(20)) }
        for _ in 0..<5 { estimator.record(.milliseconds(40)) }
        let p95 = try #require(hedging.currentDelay())
        #expect(p95 >= .milliseconds(20) && p95 <= .milliseconds(22.5))
        let warm = Task { try await pipeline.run(Self.context, log: AttemptLog(), downstream.call) }
        try await clock.waitForSleepers(count: 2)
        #expect(clock.nextDeadline == BatonInstant.ms(100).advanced(by: p95))
        clock.advance(by: p95)
        try await clock.waitForSleepers(count: 2)
        clock.advance(to: .ms(200))
        #expect(try await warm.value == 1)
        #expect(hedging.hedgesSent == 1)
    }

    @Test func noHedgeStartsAtOrPastTheDeadline() async throws {
        let clock = ManualClock()
        let hedging = hedging(HedgePolicy(delay: .fixed(.milliseconds(30)), maxAttempts: 3), clock: clock)
        let pipeline = ResiliencePipeline(hedging: hedging, clock: clock.asAnyClock)
        let downstream = EndpointDownstream(clock: clock) { _, _ in .hang }
        let deadline = Deadline(.ms(50), clock: clock.asAnyClock)
        let task = Task {
            try await Deadline.$current.withValue(deadline) {
                try await pipeline.run(Self.context, log: AttemptLog(), downstream.call)
            }
        }
        try await clock.waitForSleepers(count: 3)  // attempt, its deadline watch, hedge timer at 30 ms
        clock.advance(to: .ms(30))
        try await clock.waitForSleepers(count: 4)  // two attempts with their watches; no timer for 60 ms
        #expect(clock.sleeperCount == 4)
        #expect(clock.nextDeadline == .ms(50))
        clock.advance(to: .ms(50))
        await #expect(throws: TimeoutError.self) { try await task.value }
        #expect(downstream.calls.count == 2)
        #expect(hedging.hedgesSent == 1)
        #expect(clock.sleeperCount == 0)
    }

    @Test func aDelayEndingExactlyAtTheDeadlineIsNotScheduled() async throws {
        let clock = ManualClock()
        let hedging = hedging(HedgePolicy(delay: .fixed(.milliseconds(50))), clock: clock)
        let pipeline = ResiliencePipeline(hedging: hedging, clock: clock.asAnyClock)
        let downstream = EndpointDownstream(clock: clock) { _, _ in .succeed(1, after: .milliseconds(40)) }
        let task = Task {
            try await Deadline.$current.withValue(Deadline(.ms(50), clock: clock.asAnyClock)) {
                try await pipeline.run(Self.context, log: AttemptLog(), downstream.call)
            }
        }
        try await clock.waitForSleepers(count: 2)  // the attempt and its deadline watch, no timer
        #expect(clock.sleeperCount == 2)
        clock.advance(to: .ms(40))
        #expect(try await task.value == 1)
        #expect(hedging.hedgesSent == 0)
    }

    @Test func cancellingTheCallCancelsEveryAttempt() async throws {
        let clock = ManualClock()
        let hedging = hedging(HedgePolicy(delay: .fixed(.milliseconds(10))), clock: clock)
        let pipeline = ResiliencePipeline(hedging: hedging, clock: clock.asAnyClock)
        let downstream = EndpointDownstream(clock: clock) { _, _ in .hang }
        let task = Task { try await pipeline.run(Self.context, log: AttemptLog(), downstream.call) }
        try await clock.waitForSleepers(count: 2)
        clock.advance(to: .ms(10))
        try await clock.waitForSleepers(count: 2)
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(downstream.cancelled.count == 2)
        #expect(clock.sleeperCount == 0)
    }
}

@Suite(.timeLimit(.minutes(1))) struct HedgingEndpointReportTests {
    @Test func theLogReportsTheWinnersEndpointNotTheLastAttempts() async throws {
        let clock = ManualClock()
        let hedging = Hedging(HedgePolicy(delay: .fixed(.milliseconds(10))), service: "s", estimator: LatencyEstimator(clock: clock.asAnyClock), telemetry: .disabled)
        let router = EndpointRouter(service: "s", endpoints: [Endpoint(url: "a"), Endpoint(url: "b")], clock: clock.asAnyClock, telemetry: .disabled)
        let pipeline = ResiliencePipeline(router: router, hedging: hedging, clock: clock.asAnyClock)
        let downstream = EndpointDownstream(clock: clock) { url, _ in url == "a" ? .succeed(1, after: .milliseconds(15)) : .hang }
        let log = AttemptLog()
        let task = Task { try await pipeline.run(HedgingTests.context, log: log, downstream.call) }
        try await clock.waitForSleepers(count: 2)
        clock.advance(to: .ms(10))
        try await clock.waitForSleepers(count: 2)
        clock.advance(to: .ms(15))
        #expect(try await task.value == 1)
        #expect(log.summary == AttemptSummary(attempts: 2, hedges: 1, endpoint: Endpoint(url: "a"), failures: []))
        #expect(hedging.hedgesWon == 0)
    }
}
