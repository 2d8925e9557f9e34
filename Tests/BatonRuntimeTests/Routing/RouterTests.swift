import BatonRuntime
import BatonTesting
import InMemoryLogging
import Logging
import Testing

@Suite(.timeLimit(.minutes(1))) struct RouterStrategyTests {
    static func endpoints(_ weights: [Int]) -> [Endpoint] {
        weights.enumerated().map { Endpoint(url: "e\($0.offset)", weight: $0.element) }
    }

    /// Picks `count` endpoints, finishing each at once, and counts them per URL index.
    static func distribution(_ router: EndpointRouter, _ count: Int, access: OperationAccess = .read) -> [Int] {
        var counts = Array(repeating: 0, count: router.endpoints.count)
        for _ in 0..<count {
            let choice = router.select(for: access)
            counts[choice.index] += 1
            router.finish(choice, .success(latency: .milliseconds(1)))
        }
        return counts
    }

    @Test func weightedRoundRobinGivesExactCountsEvenlyInterleaved() {
        let router = EndpointRouter(service: "s", endpoints: Self.endpoints([1, 2, 3]), clock: ManualClock().asAnyClock, telemetry: .disabled)
        var sequence: [Int] = []
        for _ in 0..<6 {
            let choice = router.select()
            sequence.append(choice.index)
            router.finish(choice, .notSent)
        }
        #expect(sequence == [2, 1, 0, 2, 1, 2], "smooth: the heaviest never gets more than its share in a row")
        #expect(Self.distribution(router, 600) == [100, 200, 300])
    }

    @Test func weightedRandomFollowsTheWeightsAndIsReproducible() {
        let clock = ManualClock().asAnyClock
        let router = EndpointRouter(service: "s", endpoints: Self.endpoints([1, 1, 2]), strategy: .random, clock: clock, random: .seeded(42), telemetry: .disabled)
        let counts = Self.distribution(router, 20_000)
        #expect(abs(counts[0] - 5_000) < 300 && abs(counts[1] - 5_000) < 300 && abs(counts[2] - 10_000) < 400, "\(counts)")
        let again = EndpointRouter(service: "s", endpoints: Self.endpoints([1, 1, 2]), strategy: .random, clock: clock, random: .seeded(42), telemetry: .disabled)
        #expect(Self.distribution(again, 20_000) == counts, "same seed, same picks")
    }

    /// The figure: one of three endpoints 10× slower. Sequential calls on the manual
    /// clock: least-latency sends it well under 10 % of traffic after warm-up, round robin a third.
    @Test func leastLatencyStarvesA10xSlowerEndpointWhileRoundRobinSendsItAThird() {
        func run(_ strategy: RoutingStrategy) -> (slowShare: Double, counts: [Int]) {
            let clock = ManualClock()
            let router = EndpointRouter(
                service: "s", endpoints: Self.endpoints([1, 1, 1]), strategy: strategy, clock: clock.asAnyClock, random: .seeded(7), telemetry: .disabled)
            var counts = [0, 0, 0]
            for call in 0..<3_000 {
                let choice = router.select()
                let latency: Duration = choice.index == 2 ? .milliseconds(100) : .milliseconds(10)
                clock.advance(by: latency)
                router.finish(choice, .success(latency: latency))
                if call >= 300 { counts[choice.index] += 1 }  // after warm-up
            }
            return (Double(counts[2]) / Double(counts.reduce(0, +)), counts)
        }
        let leastLatency = run(.leastLatency)
        let roundRobin = run(.roundRobin)
        print("one endpoint 10x slower, share of traffic after warm-up: least-latency \(leastLatency.slowShare) \(leastLatency.counts), round-robin \(roundRobin.slowShare) \(roundRobin.counts)")
        #expect(leastLatency.slowShare < 0.10)
        #expect(roundRobin.counts == [900, 900, 900])
    }

    @Test func powerOfTwoChoicesPrefersTheFasterEndpointAndCountsInflight() {
        let clock = ManualClock()
        let router = EndpointRouter(service: "s", endpoints: Self.endpoints([1, 1]), strategy: .leastLatency, clock: clock.asAnyClock, random: .seeded(3), telemetry: .disabled)
        // Teach it: e0 takes 50 ms, e1 takes 5 ms.
        for index in [0, 1] {
            var choice = router.select()
            while choice.index != index {
                router.finish(choice, .notSent)
                choice = router.select(excluding: [1 - index])
            }
            router.finish(choice, .success(latency: index == 0 ? .milliseconds(50) : .milliseconds(5)))
        }
        #expect(router.select().index == 1)
        // Nine calls in flight on e1 make it cost 10 × 5 ms = 50 ms: now e0 (50 ms, idle) ties, and
        // a tenth tips it.
        var held: [EndpointRouter.Choice] = []
        for _ in 0..<10 { held.append(router.select(excluding: [0])) }
        #expect(router.snapshot.endpoints[1].inflight == 11)
        #expect(router.select().index == 0, "e1 is loaded: 5 ms × 12 > 50 ms × 1")
    }

    @Test func aFastFailureDoesNotMakeAnEndpointLookFast() {
        let clock = ManualClock()
        // A small initial estimate, so the first samples (slower) are taken as peaks at once.
        let router = EndpointRouter(
            service: "s", endpoints: Self.endpoints([1, 1]), strategy: .leastLatency,
            peakEWMA: .init(initialEstimate: .milliseconds(1)), clock: clock.asAnyClock, random: .seeded(1), telemetry: .disabled)
        let e0 = router.select(excluding: [1])
        router.finish(e0, .success(latency: .milliseconds(20)))
        let e1 = router.select(excluding: [0])
        router.finish(e1, .success(latency: .milliseconds(20)))
        let failing = router.select(excluding: [1])
        router.finish(failing, .failure(.unavailable, latency: .microseconds(100)))
        let estimates = router.snapshot.endpoints.map(\.latencyEstimate)
        #expect(estimates[0] == .milliseconds(100), "a failure counts as 5× the estimate: \(estimates)")
        #expect(estimates[1] == .milliseconds(20))
        for _ in 0..<20 {
            let choice = router.select()
            #expect(choice.index == 1)
            router.finish(choice, .notSent)
        }
    }

    @Test func regionFirstStaysLocalAndFailsOverWhenTheLocalRegionIsUnhealthy() {
        let clock = ManualClock()
        let router = EndpointRouter(
            service: "s",
            endpoints: [Endpoint(url: "eu1", region: "eu"), Endpoint(url: "us1", region: "us"), Endpoint(url: "eu2", region: "eu")],
            strategy: .regionFirst, localRegion: "eu",
            outlierDetection: .init(consecutiveFailures: 1, ejectFor: .seconds(10), maxEjected: 1),
            clock: clock.asAnyClock, telemetry: .disabled)
        #expect(Self.distribution(router, 10) == [5, 0, 5])
        // Both local endpoints fail once and are ejected: fail over.
        for index in [0, 2] {
            let choice = router.select(excluding: [1, 2 - index])
            #expect(choice.index == index)
            router.finish(choice, .failure(.unavailable, latency: .milliseconds(1)))
        }
        #expect(router.snapshot.endpoints.map(\.healthy) == [false, true, false])
        let failedOver = Self.distribution(router, 4)
        #expect(failedOver == [0, 4, 0])
        clock.advance(by: .seconds(10))
        #expect(Self.distribution(router, 4) == [2, 0, 2], "back home once the ejections end")
    }

    @Test func writesGoToPrimariesReadsEverywhere() {
        let router = EndpointRouter(
            service: "s",
            endpoints: [Endpoint(url: "replica1", role: .replica), Endpoint(url: "primary", role: .primary), Endpoint(url: "replica2", role: .replica)],
            clock: ManualClock().asAnyClock, telemetry: .disabled)
        #expect(Self.distribution(router, 9, access: .write) == [0, 9, 0])
        #expect(Self.distribution(router, 9, access: .read) == [3, 3, 3])
        // A write retry excluding the primary still goes to the primary: never to a replica.
        let retry = router.select(for: .write, excluding: [1])
        #expect(retry.index == 1)
    }

    @Test func withoutRolesWritesGoAnywhere() {
        let router = EndpointRouter(service: "s", endpoints: Self.endpoints([1, 1]), clock: ManualClock().asAnyClock, telemetry: .disabled)
        #expect(Self.distribution(router, 4, access: .write) == [2, 2])
    }

    @Test func anExcludedEndpointIsAvoidedWhenAnotherIsAvailable() {
        let router = EndpointRouter(service: "s", endpoints: Self.endpoints([100, 1]), clock: ManualClock().asAnyClock, telemetry: .disabled)
        #expect(router.select().index == 0)
        #expect(router.select(excluding: [0]).index == 1)
        let single = EndpointRouter(service: "s", endpoints: Self.endpoints([1]), clock: ManualClock().asAnyClock, telemetry: .disabled)
        #expect(single.select(excluding: [0]).index == 0, "a lone endpoint is retried")
    }
}

@Suite(.timeLimit(.minutes(1))) struct OutlierDetectionTests {
    static func fail(_ router: EndpointRouter, _ index: Int, times: Int) {
        let others = EndpointSet(arrayLiteral: 0, 1, 2, 3, 4, 5, 6, 7).subtracting([index])
        for _ in 0..<times {
            let choice = router.select(excluding: others)
            precondition(choice.index == index)
            router.finish(choice, .failure(.transient, latency: .milliseconds(1)))
        }
    }

    @Test func consecutiveFailuresEjectForGrowingTimes() {
        let clock = ManualClock()
        let router = EndpointRouter(
            service: "s", endpoints: (0..<4).map { Endpoint(url: "e\($0)") },
            outlierDetection: .init(consecutiveFailures: 3, ejectFor: .seconds(10), maxEjected: 0.5),
            clock: clock.asAnyClock, telemetry: .disabled)
        Self.fail(router, 0, times: 2)
        #expect(router.snapshot.endpoints[0].healthy)
        // A success in between resets the run.
        let success = router.select(excluding: [1, 2, 3])
        router.finish(success, .success(latency: .milliseconds(1)))
        Self.fail(router, 0, times: 2)
        #expect(router.snapshot.endpoints[0].healthy)
        Self.fail(router, 0, times: 1)
        var snapshot = router.snapshot
        #expect(snapshot.endpoints[0].ejectedUntil == .ms(10_000))
        #expect(snapshot.endpoints[0].ejections == 1)
        for _ in 0..<12 {
            let choice = router.select()
            #expect(choice.index != 0)
            router.finish(choice, .notSent)
        }
        // Permanent failures and cancellations do not count.
        clock.advance(to: .ms(10_000))
        #expect(router.snapshot.endpoints[0].healthy)
        Self.fail(router, 0, times: 2)
        let permanent = router.select(excluding: [1, 2, 3])
        router.finish(permanent, .failure(.permanent, latency: .milliseconds(1)))
        #expect(router.snapshot.endpoints[0].consecutiveFailures == 0)
        // Ejected again right after coming back: twice as long.
        Self.fail(router, 0, times: 3)
        snapshot = router.snapshot
        #expect(snapshot.endpoints[0].ejections == 2)
        #expect(snapshot.endpoints[0].ejectedUntil == .ms(30_000))
        // Healthy for long enough after returning, the count comes back down.
        clock.advance(to: .ms(30_000 + 40_000))
        Self.fail(router, 0, times: 3)
        snapshot = router.snapshot
        #expect(snapshot.endpoints[0].ejections == 1)
        #expect(snapshot.endpoints[0].ejectedUntil == .ms(80_000))
    }

    @Test func neverMoreThanMaxEjectedAreEjected() {
        let clock = ManualClock()
        let router = EndpointRouter(
            service: "s", endpoints: (0..<4).map { Endpoint(url: "e\($0)") },
            outlierDetection: .init(consecutiveFailures: 1, ejectFor: .seconds(10), maxEjected: 0.5),
            clock: clock.asAnyClock, telemetry: .disabled)
        Self.fail(router, 0, times: 1)
        Self.fail(router, 1, times: 1)
        Self.fail(router, 2, times: 1)
        Self.fail(router, 3, times: 1)
        let healthy = router.snapshot.endpoints.map(\.healthy)
        #expect(healthy == [false, false, true, true])
        #expect(router.snapshot.stats.healthy == 0.5)
    }

    /// Property: under any sequence of outcomes, time steps and ejection settings, the ejected share
    /// never exceeds `maxEjected`.
    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6, 7, 8])
    func ejectionsNeverExceedMaxEjected(seed: UInt64) {
        let random = RandomSource.seeded(seed)
        let clock = ManualClock()
        let count = 1 + Int(random.next() % 8)
        let maxEjected = [0.0, 0.1, 0.25, 0.34, 0.5, 0.75, 1.0][Int(random.next() % 7)]
        let router = EndpointRouter(
            service: "s", endpoints: (0..<count).map { Endpoint(url: "e\($0)") }, strategy: .random,
            outlierDetection: .init(consecutiveFailures: 1 + Int(random.next() % 3), ejectFor: .milliseconds(100), maxEjected: maxEjected),
            clock: clock.asAnyClock, random: random, telemetry: .disabled)
        let allowed = Int((maxEjected * Double(count)).rounded(.down))
        for _ in 0..<2_000 {
            let choice = router.select()
            if random.next() % 4 == 0 {
                router.finish(choice, .success(latency: .milliseconds(1)))
            } else {
                router.finish(choice, .failure(.unavailable, latency: .milliseconds(1)))
            }
            if random.next() % 10 == 0 { clock.advance(by: .milliseconds(Int64(random.next() % 150))) }
            let ejected = router.snapshot.endpoints.filter { $0.ejectedUntil != nil }.count
            #expect(ejected <= allowed, "\(ejected) of \(count) ejected, max \(maxEjected)")
            if ejected > allowed { return }
        }
    }
}

@Suite(.timeLimit(.minutes(1))) struct RoutingRuleTests {
    static let endpoints = [Endpoint(url: "main1"), Endpoint(url: "main2"), Endpoint(url: "lite", variant: "lite")]

    @Test func aRuleSwitchesToTheLiteVariantAndTheChangeIsLoggedAndVisible() throws {
        let clock = ManualClock()
        let logs = InMemoryLogHandler()
        let changes = Recorder<RoutingRuleChange>()
        let rule = RoutingRule(
            name: "shed-to-lite",
            when: .or(.latency(.p99, .greaterThan, .milliseconds(300)), .compare(.errorRate, .greaterThan, 0.05)),
            .use(.variant("lite")))
        let router = EndpointRouter(
            service: "pricing", endpoints: Self.endpoints, rules: [rule], peakEWMA: .init(), evaluationInterval: .seconds(1),
            clock: clock.asAnyClock, telemetry: Telemetry(logger: Logger(label: "test", factory: { _ in logs })),
            onRuleChange: { changes.append($0) })
        #expect(RouterStrategyTests.distribution(router, 3) == [1, 1, 1], "no rule: every endpoint")

        // Slow calls push p99 over 300 ms; the next evaluation (a second later) picks the rule.
        for _ in 0..<5 {
            let choice = router.select(excluding: [2])
            router.finish(choice, .success(latency: .milliseconds(500)))
        }
        #expect(router.snapshot.activeRule == nil, "not evaluated before the interval")
        clock.advance(by: .seconds(1))
        #expect(RouterStrategyTests.distribution(router, 6) == [0, 0, 6])

        let snapshot = router.snapshot
        #expect(snapshot.activeRule == "shed-to-lite")
        #expect(snapshot.activeSince == .ms(1_000))
        let stats = try #require(snapshot.activeRuleStats)
        #expect(try #require(stats.p99) >= .milliseconds(500))
        #expect(changes.all.map(\.to) == ["shed-to-lite"])

        let entry = try #require(logs.entries.first)
        #expect(entry.level == .notice)
        #expect(entry.metadata["baton.routing_rule"] == "shed-to-lite")
        #expect(entry.metadata["baton.routing_previous_rule"] == "none")
        #expect(entry.metadata["baton.service"] == "pricing")
        #expect(entry.metadata["baton.stats.p99"] != nil)
        #expect("\(entry.message)".contains("'shed-to-lite'"))
        #expect("\(entry.message)".contains("p99=5"))

        // Latencies age out of the estimator's window: back to default routing, logged too.
        clock.advance(by: .seconds(60))
        #expect(router.evaluateRules() == nil)
        #expect(changes.all.map(\.to) == ["shed-to-lite", nil])
        #expect(logs.entries.count == 2)
        #expect(logs.entries.last?.metadata["baton.routing_previous_rule"] == "shed-to-lite")
        #expect(router.snapshot.activeRule == nil)
    }

    @Test func rulesAreEvaluatedInOrderFirstMatchWins() {
        let clock = ManualClock()
        let endpoints = [Endpoint(url: "eu", region: "eu"), Endpoint(url: "us", region: "us"), Endpoint(url: "lite", region: "eu", variant: "lite")]
        let router = EndpointRouter(
            service: "s", endpoints: endpoints,
            rules: [
                RoutingRule(name: "errors", when: .compare(.errorRate, .greaterThanOrEqual, 0.5), .avoid(.region("eu"))),
                RoutingRule(name: "busy", when: .compare(.inflight, .greaterThan, 1), .prefer(.variant("lite"))),
            ],
            evaluationInterval: .zero, clock: clock.asAnyClock, telemetry: .disabled)
        // Two calls in flight: "busy" → prefer lite.
        let held = [router.select(), router.select()]
        #expect(router.select().index == 2)
        #expect(router.snapshot.activeRule == "busy")
        for choice in held { router.finish(choice, .failure(.unavailable, latency: .milliseconds(1))) }
        // Failures outweigh everything: "errors" comes first and avoids eu.
        #expect(RouterStrategyTests.distribution(router, 3) == [0, 3, 0])
        #expect(router.snapshot.activeRule == "errors")
    }

    @Test func conditionsEvaluateComparisonsAndConnectives() {
        let stats = RoutingStats(p50: .milliseconds(10), p90: .milliseconds(80), p99: .milliseconds(200), errorRate: 0.02, calls: 100, healthy: 0.5, inflight: 7)
        #expect(RoutingCondition.latency(.p90, .greaterThanOrEqual, .milliseconds(80)).holds(for: stats))
        #expect(!RoutingCondition.latency(.p99, .greaterThan, .milliseconds(300)).holds(for: stats))
        #expect(RoutingCondition.and(.compare(.healthy, .lessThan, 0.75), .compare(.inflight, .equal, 7)).holds(for: stats))
        #expect(!RoutingCondition.and(.compare(.healthy, .lessThan, 0.75), .compare(.errorRate, .greaterThan, 0.05)).holds(for: stats))
        #expect(RoutingCondition.or(.compare(.errorRate, .greaterThan, 0.05), .compare(.inflight, .notEqual, 0)).holds(for: stats))
        #expect(!RoutingCondition.latency(.p50, .lessThan, .seconds(1)).holds(for: RoutingStats()), "no samples: false")
        #expect("\(RoutingCondition.or(.latency(.p99, .greaterThan, .milliseconds(300)), .compare(.errorRate, .greaterThan, 0.05)))"
                == "(p99 > 300ms or errorRate > 5%)")
    }
}
