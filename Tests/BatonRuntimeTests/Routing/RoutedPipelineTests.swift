import BatonRuntime
import BatonTesting
import Testing

@Suite(.timeLimit(.minutes(1))) struct RoutedPipelineTests {
    static let context = CallContext(workflow: "checkout", step: "quote", correlationID: "c-1")
    static let noJitter = Backoff(initial: .milliseconds(10), max: .seconds(1), jitter: .none)

    @Test func theChosenEndpointReachesTheCallAndTheLog() async throws {
        let clock = ManualClock()
        let router = EndpointRouter(service: "pricing", endpoints: [Endpoint(url: "a"), Endpoint(url: "b")], clock: clock.asAnyClock, telemetry: .disabled)
        let pipeline = ResiliencePipeline(router: router, clock: clock.asAnyClock)
        let downstream = EndpointDownstream(clock: clock) { _, index in .succeed(index, after: .zero) }
        let log = AttemptLog()
        _ = try await pipeline.run(Self.context, log: log, downstream.call)
        _ = try await pipeline.run(Self.context, log: AttemptLog(), downstream.call)
        #expect(downstream.endpoints == ["a", "b"])
        #expect(log.summary == AttemptSummary(attempts: 1, endpoint: Endpoint(url: "a")))
        #expect(router.snapshot.endpoints.map(\.inflight) == [0, 0])
        #expect(router.estimator.count == 2)
    }

    @Test func aRetryMovesToAnotherEndpoint() async throws {
        let clock = ManualClock()
        // Weights 100:1 — round robin alone would pick `a` again; the exclusion moves the retry.
        let router = EndpointRouter(
            service: "pricing", endpoints: [Endpoint(url: "a", weight: 100), Endpoint(url: "b")], clock: clock.asAnyClock, telemetry: .disabled)
        let pipeline = ResiliencePipeline(retry: RetryPolicy(backoff: Self.noJitter), router: router, clock: clock.asAnyClock)
        let downstream = EndpointDownstream(clock: clock) { url, _ in
            url == "a" ? .fail(.unavailable, after: .zero) : .succeed(2, after: .zero)
        }
        let log = AttemptLog()
        let task = Task { try await pipeline.run(Self.context, log: log, downstream.call) }
        try await clock.waitForSleepers(count: 1)
        clock.advance(by: .milliseconds(10))
        #expect(try await task.value == 2)
        #expect(downstream.endpoints == ["a", "b"])
        #expect(downstream.calls.all.map(\.attempt) == [1, 2])
        #expect(log.summary == AttemptSummary(attempts: 2, endpoint: Endpoint(url: "b"), failures: [.unavailable]))
        #expect(router.stats.errorRate == 0.5)
    }

    @Test func retriesAvoidEveryEndpointThatFailedAndReuseOneOnlyWhenAllHave() async throws {
        let clock = ManualClock()
        let router = EndpointRouter(
            service: "pricing", endpoints: [Endpoint(url: "a"), Endpoint(url: "b")], clock: clock.asAnyClock, telemetry: .disabled)
        let pipeline = ResiliencePipeline(retry: RetryPolicy(maxAttempts: 3, backoff: Self.noJitter, budget: nil), router: router, clock: clock.asAnyClock)
        let downstream = EndpointDownstream(clock: clock) { _, index in
            index < 2 ? .fail(.transient, after: .zero) : .succeed(3, after: .zero)
        }
        let task = Task { try await pipeline.run(Self.context, log: AttemptLog(), downstream.call) }
        try await clock.waitForSleepers(count: 1)
        clock.advance(by: .milliseconds(10))
        try await clock.waitForSleepers(count: 1)
        clock.advance(by: .milliseconds(20))
        #expect(try await task.value == 3)
        #expect(downstream.endpoints.prefix(2) == ["a", "b"])
        #expect(downstream.endpoints.count == 3)
    }

    @Test func perEndpointBreakersReplaceTheServiceBreakerAndOpenOnesAreSkipped() async throws {
        let clock = ManualClock()
        let router = EndpointRouter(
            service: "pricing", endpoints: [Endpoint(url: "a"), Endpoint(url: "b")],
            circuitBreaker: .init(mode: .consecutive, consecutiveFailures: 1, openFor: .seconds(5)),
            clock: clock.asAnyClock, telemetry: .disabled)
        let serviceBreaker = CircuitBreaker(name: "pricing", configuration: .init(mode: .consecutive, consecutiveFailures: 1), clock: clock.asAnyClock)
        let pipeline = ResiliencePipeline(circuitBreaker: serviceBreaker, router: router, clock: clock.asAnyClock)
        let downstream = EndpointDownstream(clock: clock) { url, _ in
            url == "a" ? .fail(.unavailable, after: .zero) : .succeed(2, after: .zero)
        }
        #expect(router.breakers.map(\.name) == ["pricing@a", "pricing@b"])
        await #expect(throws: ScriptedError(.unavailable)) { try await pipeline.run(Self.context, log: AttemptLog(), downstream.call) }
        #expect(router.breakers[0].state == .open)
        #expect(serviceBreaker.state == .closed, "the endpoint's breaker was used, not the service's")
        #expect(router.snapshot.endpoints.map(\.circuit) == [.open, .closed])
        #expect(router.snapshot.endpoints.map(\.healthy) == [false, true])
        for _ in 0..<4 {
            #expect(try await pipeline.run(Self.context, log: AttemptLog(), downstream.call) == 2)
        }
        #expect(downstream.endpoints == ["a", "b", "b", "b", "b"], "the open endpoint is skipped")
        clock.advance(by: .seconds(5))
        #expect(router.breakers[0].state == .halfOpen)
        _ = try? await pipeline.run(Self.context, log: AttemptLog(), downstream.call)
        #expect(downstream.endpoints.count == 6)
    }

    @Test func aPipelineWithItsOwnEndpointBreakersUsesThemInsteadOfTheRoutersAndAvoidsOpenOnes() async throws {
        let clock = ManualClock()
        let router = EndpointRouter(
            service: "pricing", endpoints: [Endpoint(url: "a"), Endpoint(url: "b")],
            circuitBreaker: .init(mode: .consecutive, consecutiveFailures: 1, openFor: .seconds(5)),
            clock: clock.asAnyClock, telemetry: .disabled)
        let own = router.makeEndpointBreakers(name: "pricing.strict", configuration: .init(mode: .consecutive, consecutiveFailures: 2, openFor: .seconds(5)), telemetry: .disabled)
        #expect(own.map(\.name) == ["pricing.strict@a", "pricing.strict@b"])
        let pipeline = ResiliencePipeline(router: router, endpointBreakers: own, clock: clock.asAnyClock)
        let downstream = EndpointDownstream(clock: clock) { url, _ in
            url == "a" ? .fail(.unavailable, after: .zero) : .succeed(2, after: .zero)
        }
        // Round robin: a (fails), b, a (fails: its own breaker opens on the second failure), b.
        for _ in 0..<2 {
            await #expect(throws: ScriptedError(.unavailable)) { try await pipeline.run(Self.context, log: AttemptLog(), downstream.call) }
            #expect(try await pipeline.run(Self.context, log: AttemptLog(), downstream.call) == 2)
        }
        #expect(own.map(\.state) == [.open, .closed])
        #expect(router.breakers.map(\.state) == [.closed, .closed], "the router's breakers saw none of these calls")
        for _ in 0..<3 {
            #expect(try await pipeline.run(Self.context, log: AttemptLog(), downstream.call) == 2)
        }
        #expect(downstream.endpoints == ["a", "b", "a", "b", "b", "b", "b"], "the endpoint whose own breaker is open is avoided")
    }

    @Test func noEndpointBreakersMeansNoBreakerOrTheScopesOne() async throws {
        let clock = ManualClock()
        let router = EndpointRouter(
            service: "pricing", endpoints: [Endpoint(url: "a")],
            circuitBreaker: .init(mode: .consecutive, consecutiveFailures: 1, openFor: .seconds(5)),
            clock: clock.asAnyClock, telemetry: .disabled)
        let downstream = EndpointDownstream(clock: clock) { _, _ in .fail(.unavailable, after: .zero) }
        // `circuitBreaker: none` on a step: every attempt reaches the endpoint.
        let unguarded = ResiliencePipeline(router: router, endpointBreakers: [], clock: clock.asAnyClock)
        for _ in 0..<3 {
            await #expect(throws: ScriptedError(.unavailable)) { try await unguarded.run(Self.context, log: AttemptLog(), downstream.call) }
        }
        #expect(downstream.calls.count == 3)
        #expect(router.breakers[0].state == .closed)
        // A service-scoped breaker of the operation guards every endpoint instead of the router's.
        let whole = CircuitBreaker(name: "pricing.whole", configuration: .init(mode: .consecutive, consecutiveFailures: 2), clock: clock.asAnyClock)
        let scoped = ResiliencePipeline(circuitBreaker: whole, router: router, endpointBreakers: [], clock: clock.asAnyClock)
        for _ in 0..<2 {
            await #expect(throws: ScriptedError(.unavailable)) { try await scoped.run(Self.context, log: AttemptLog(), downstream.call) }
        }
        await #expect(throws: CircuitOpenError.self) { try await scoped.run(Self.context, log: AttemptLog(), downstream.call) }
        #expect(whole.state == .open)
        #expect(router.breakers[0].state == .closed)
    }

    @Test func whenEveryEndpointIsOpenTheAttemptFailsFastWithoutReachingOne() async throws {
        let clock = ManualClock()
        let router = EndpointRouter(
            service: "pricing", endpoints: [Endpoint(url: "a")],
            circuitBreaker: .init(mode: .consecutive, consecutiveFailures: 1, openFor: .seconds(5)),
            clock: clock.asAnyClock, telemetry: .disabled)
        let pipeline = ResiliencePipeline(router: router, clock: clock.asAnyClock)
        let downstream = EndpointDownstream(clock: clock) { _, _ in .fail(.unavailable, after: .zero) }
        await #expect(throws: ScriptedError.self) { try await pipeline.run(Self.context, log: AttemptLog(), downstream.call) }
        await #expect(throws: CircuitOpenError.self) { try await pipeline.run(Self.context, log: AttemptLog(), downstream.call) }
        #expect(downstream.calls.count == 1)
        #expect(router.snapshot.endpoints[0].inflight == 0)
        #expect(router.stats.calls == 1, "a refused attempt is not a call to the endpoint")
    }

    @Test func writesThroughThePipelineGoToThePrimary() async throws {
        let clock = ManualClock()
        let router = EndpointRouter(
            service: "orders", endpoints: [Endpoint(url: "r", role: .replica), Endpoint(url: "p", role: .primary)], clock: clock.asAnyClock, telemetry: .disabled)
        let writes = ResiliencePipeline(router: router, access: .write, clock: clock.asAnyClock)
        let reads = ResiliencePipeline(router: router, clock: clock.asAnyClock)
        let downstream = EndpointDownstream(clock: clock) { _, _ in .succeed(1, after: .zero) }
        for _ in 0..<3 { _ = try await writes.run(Self.context, log: AttemptLog(), downstream.call) }
        for _ in 0..<2 { _ = try await reads.run(Self.context, log: AttemptLog(), downstream.call) }
        #expect(downstream.endpoints == ["p", "p", "p", "r", "p"])
    }

    @Test func aRuleSwitchesTheVariantOfPipelineCalls() async throws {
        let clock = ManualClock()
        let router = EndpointRouter(
            service: "pricing",
            endpoints: [Endpoint(url: "full"), Endpoint(url: "lite", variant: "lite")],
            rules: [RoutingRule(name: "shed-to-lite", when: .compare(.errorRate, .greaterThan, 0.05), .use(.variant("lite")))],
            evaluationInterval: .zero, clock: clock.asAnyClock, telemetry: .disabled)
        let pipeline = ResiliencePipeline(router: router, clock: clock.asAnyClock)
        let downstream = EndpointDownstream(clock: clock) { url, index in
            index == 0 ? .fail(.transient, after: .zero) : .succeed(url == "lite" ? 2 : 1, after: .zero)
        }
        _ = try? await pipeline.run(Self.context, log: AttemptLog(), downstream.call)
        for _ in 0..<3 { #expect(try await pipeline.run(Self.context, log: AttemptLog(), downstream.call) == 2) }
        #expect(router.snapshot.activeRule == "shed-to-lite")
        #expect(router.snapshot.activeRuleStats?.errorRate == 1)
    }
}

@Suite struct LatencyEstimatorTests {
    @Test func percentilesAreNeverBelowAndAtMostAnEighthAboveTheTruth() throws {
        let clock = ManualClock()
        let estimator = LatencyEstimator(clock: clock.asAnyClock)
        for value in 1...1_000 { estimator.record(.microseconds(value * 100)) }  // 0.1 ms … 100 ms
        for (quantile, truth) in [(0.5, 50.0), (0.9, 90.0), (0.95, 95.0), (0.99, 99.0)] {
            let estimate = Double(try #require(estimator.percentile(quantile)).components.attoseconds) / 1e15
            #expect(estimate >= truth && estimate <= truth * 1.125, "p\(quantile): \(estimate) ms vs \(truth) ms")
        }
        #expect(estimator.snapshot.count == 1_000)
        #expect(estimator.percentile(0.5, minimumSamples: 1_001) == nil)
    }

    @Test func oldSamplesFallOutOfTheWindow() {
        let clock = ManualClock()
        let estimator = LatencyEstimator(window: .seconds(10), clock: clock.asAnyClock)
        for _ in 0..<10 { estimator.record(.milliseconds(500)) }
        clock.advance(by: .seconds(5))
        for _ in 0..<10 { estimator.record(.milliseconds(5)) }
        #expect(estimator.count == 20)
        clock.advance(by: .seconds(5))
        #expect(estimator.count == 10, "the first half-window has gone")
        #expect(estimator.percentile(0.99)! < .milliseconds(6))
        clock.advance(by: .seconds(60))
        #expect(estimator.count == 0)
        #expect(estimator.percentile(0.5) == nil)
    }

    @Test func extremesStayInRange() {
        let estimator = LatencyEstimator(clock: ManualClock().asAnyClock)
        estimator.record(.zero)
        estimator.record(.seconds(-1))
        estimator.record(.seconds(1_000_000_000))
        #expect(estimator.percentile(0.01)! <= .microseconds(1))
        #expect(estimator.percentile(1)! > .seconds(3600))
    }
}
