import BatonRuntime
import Logging
import Testing

@testable import CheckoutDemo
@testable import CheckoutSimulation

// Tests of the demo's own logic: flag values, fault lookup, percentiles and the latency model.
// Nothing here sleeps or starts the load.

@Suite struct FlagTests {
    @Test func durationsNeedAUnit() {
        #expect(DurationValue(argument: "300ms")?.duration == .milliseconds(300))
        #expect(DurationValue(argument: "1.5s")?.duration == .milliseconds(1_500))
        #expect(DurationValue(argument: "250us")?.duration == .microseconds(250))
        #expect(DurationValue(argument: "0s")?.duration == .zero)
        #expect(DurationValue(argument: "300") == nil)
        #expect(DurationValue(argument: "-1s") == nil)
        #expect(DurationValue(argument: "ms") == nil)
    }

    @Test func percentagesNeedAPercentSign() {
        #expect(Percentage(argument: "20%")?.fraction == 0.2)
        #expect(Percentage(argument: "0.5%")?.fraction == 0.005)
        #expect(Percentage(argument: "100%")?.fraction == 1)
        #expect(Percentage(argument: "20") == nil)
        #expect(Percentage(argument: "101%") == nil)
        #expect(Percentage(argument: "-1%") == nil)
    }

    @Test func failFlags() throws {
        let flag = try #require(FailFlag(argument: "pricing=20%"))
        #expect(flag.target == "pricing")
        #expect(flag.rate.fraction == 0.2)
        #expect(FailFlag(argument: "pricing.quote=100%")?.target == "pricing.quote")
        #expect(FailFlag(argument: "pricing=20") == nil)
        #expect(FailFlag(argument: "=20%") == nil)
        #expect(FailFlag(argument: "pricing") == nil)
        #expect(FailFlag(argument: "pricing=20%=3") == nil)
    }

    @Test func slowFlags() throws {
        let always = try #require(SlowFlag(argument: "inventory=300ms"))
        #expect(always.target == "inventory")
        #expect(always.delay.duration == .milliseconds(300))
        #expect(always.share.fraction == 1)

        let tail = try #require(SlowFlag(argument: "pricing-eu=150ms@4%"))
        #expect(tail.target == "pricing-eu")
        #expect(tail.delay.duration == .milliseconds(150))
        #expect(tail.share.fraction == 0.04)

        #expect(SlowFlag(argument: "pricing=150ms@") == nil)
        #expect(SlowFlag(argument: "pricing=150ms@4") == nil)
        #expect(SlowFlag(argument: "pricing=fast") == nil)
    }

    @Test func theCommandParsesRepeatedFaults() throws {
        let command = try CheckoutDemo.parse([
            "--duration", "2s", "--rate", "50", "--fail", "payments=30%", "--fail", "pricing-eu=100%",
            "--slow", "inventory=300ms",
        ])
        #expect(command.duration.duration == .seconds(2))
        #expect(command.rate == 50)
        #expect(command.faultOptions.failures.map(\.target) == ["payments", "pricing-eu"])
        #expect(command.faultOptions.slowdowns.map(\.target) == ["inventory"])
        #expect(throws: (any Error).self) { try CheckoutDemo.parse(["--fail", "payments"]) }
        #expect(throws: (any Error).self) { try CheckoutDemo.parse(["--rate", "0"]) }
    }
}

@Suite struct FaultPlanTests {
    @Test func aFlagNamesAServiceAnOperationOrAnEndpoint() {
        #expect(FaultPlan.matches("pricing", service: "pricing", operation: "quote", endpoint: "pricing-eu"))
        #expect(FaultPlan.matches("pricing.quote", service: "pricing", operation: "quote", endpoint: nil))
        #expect(FaultPlan.matches("pricing-eu", service: "pricing", operation: "quote", endpoint: "pricing-eu"))
        #expect(!FaultPlan.matches("pricing.listPrice", service: "pricing", operation: "quote", endpoint: nil))
        #expect(!FaultPlan.matches("pricing-us", service: "pricing", operation: "quote", endpoint: "pricing-eu"))
        #expect(!FaultPlan.matches("cart", service: "pricing", operation: "quote", endpoint: nil))
    }

    @Test func matchingFailuresCombineAsIndependentChances() throws {
        let plan = FaultPlan(failures: [
            try #require(FailFlag(argument: "pricing=50%")),
            try #require(FailFlag(argument: "pricing-eu=50%")),
        ])
        #expect(plan.failureRate(service: "pricing", operation: "quote", endpoint: "pricing-eu") == 0.75)
        #expect(plan.failureRate(service: "pricing", operation: "quote", endpoint: "pricing-us") == 0.5)
        #expect(plan.failureRate(service: "cart", operation: "getCart", endpoint: nil) == 0)
    }

    @Test func endpointNamesAreHosts() {
        #expect(endpointName(Endpoint(url: "http://pricing-eu:8080")) == "pricing-eu")
        #expect(endpointName(Endpoint(url: "https://pricing.example.com/v1")) == "pricing.example.com")
        #expect(endpointName(Endpoint(url: "pricing-lite")) == "pricing-lite")
    }
}

@Suite struct StatisticsTests {
    @Test func nearestRankPercentiles() {
        let values = (1...100).map { Duration.milliseconds($0) }
        #expect(percentile(0.5, of: values) == .milliseconds(50))
        #expect(percentile(0.99, of: values) == .milliseconds(99))
        #expect(percentile(0.999, of: values) == .milliseconds(100))
        #expect(percentile(1, of: values) == .milliseconds(100))
        #expect(percentile(0.5, of: [.milliseconds(7)]) == .milliseconds(7))
        #expect(percentile(0.5, of: []) == nil)
    }

    @Test func theLatencyModelHitsItsMedianAndP99() {
        let model = LatencyModel(median: .milliseconds(20), p99: .milliseconds(70))
        #expect(model.latency(atStandardScore: 0) == .milliseconds(20))
        let p99 = model.latency(atStandardScore: 2.326).milliseconds
        #expect(abs(p99 - 70) < 0.01)
    }

    @Test func sampledLatenciesFollowTheModel() {
        let model = LatencyModel(median: .milliseconds(20), p99: .milliseconds(70))
        var generator = SplitMix64(seed: 42)
        let samples = (0..<20_000).map { _ in model.sample(using: &generator) }.sorted()
        let median = percentile(0.5, of: samples)!.milliseconds
        let p99 = percentile(0.99, of: samples)!.milliseconds
        #expect(abs(median - 20) < 1)
        #expect(abs(p99 - 70) < 5)
    }

    @Test func aCartAlwaysHoldsTheSameItems() {
        #expect(Catalogue.items(inCart: "cart-17") == Catalogue.items(inCart: "cart-17"))
        #expect((1...4).contains(Catalogue.items(inCart: "cart-17").count))
    }

    @Test func formatting() {
        #expect(formatCount(1_234_567) == "1,234,567")
        #expect(formatCount(999) == "999")
        #expect(formatPercent(0.125) == "12.5%")
        #expect(formatPercent(1) == "100%")
        #expect(formatPercent(0) == "0%")
        #expect(formatPercent(5_999.0 / 6_000) == ">99.9%")
        #expect(formatPercent(1.0 / 6_000) == "<0.1%")
        #expect(formatShare(1, of: 0) == "-")
        #expect(formatDuration(.milliseconds(1_500)) == "1.50s")
        #expect(formatDuration(.milliseconds(42)) == "42ms")
    }
}

@Suite struct EventTests {
    @Test func breakerEventsKeepTheReason() {
        let transition = CircuitBreakerTransition(
            breaker: "payments", from: .closed, to: .open, at: BatonInstant(offset: .milliseconds(1_250)),
            reason: "3 consecutive failures")
        let text = EventLogHandler.describe(
            "\(transition)", metadata: ["baton.breaker": "payments", "baton.circuit_state": "open"])
        #expect(text == "circuit payments is now open (3 consecutive failures)")
    }

    @Test func routingEventsShowTheRuleAndItsStatistics() {
        let text = EventLogHandler.describe(
            "routing rule of 'pricing' none -> 'shed-to-lite' …",
            metadata: [
                "baton.service": "pricing", "baton.routing_rule": "shed-to-lite",
                "baton.stats.error_rate": "12.3%", "baton.stats.p99": "62.5ms",
            ])
        #expect(text == "routing rule of pricing: 'shed-to-lite' active (error rate 12.3%, p99 62.5ms)")
    }
}
