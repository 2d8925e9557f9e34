import BatonSimulate
import BatonSpec
import Foundation
import Testing

/// The example checkout spec of the repository.
func checkoutSpec() throws -> ResolvedSpec {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let path = root.appendingPathComponent("specs/checkout.baton.yaml").path
    return try model(try String(contentsOfFile: path, encoding: .utf8), file: path)
}

let checkoutProfile = """
    services:
      cart:
        latency: { constant: 10ms }
      pricing:
        latency: { p50: 20ms, p99: 200ms }
        errors: { rate: 2%, class: transient }
      inventory:
        latency: { p50: 15ms, p99: 60ms }
        operations:
          reserve: { errors: { rate: 1%, class: unavailable } }
      payments:
        latency: { p50: 40ms, p99: 150ms }
        errors: { rate: 1% }
    when: { giftWrap: 10% }
    """

@Suite struct DeterminismTests {
    @Test func theSameSeedGivesByteIdenticalOutputAndAnotherSeedDoesNot() async throws {
        let spec = try checkoutSpec()
        let first = try await simulate(spec, workflow: "checkout", profile: checkoutProfile, runs: 300, concurrency: 6, seed: 7)
        let second = try await simulate(spec, workflow: "checkout", profile: checkoutProfile, runs: 300, concurrency: 6, seed: 7)
        let other = try await simulate(spec, workflow: "checkout", profile: checkoutProfile, runs: 300, concurrency: 6, seed: 8)
        #expect(first.json == second.json)
        #expect(first.text == second.text)
        #expect(first.json != other.json)
        #expect(first.json.contains("\"seed\": 7"))
    }

    @Test func theJSONHasTheKeysOfTheSpecInOrder() async throws {
        let result = try await simulate(try checkoutSpec(), workflow: "checkout", profile: checkoutProfile, runs: 50)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.json.utf8)) as? [String: Any])
        #expect(Set(json.keys) == ["workflow", "runs", "seed", "success", "complete", "latency", "calls", "extraLoad"])
        let keys = ["\"workflow\"", "\"runs\"", "\"seed\"", "\"success\"", "\"complete\"", "\"latency\"", "\"calls\"", "\"extraLoad\""]
        let positions = keys.map { result.json.range(of: $0)!.lowerBound }
        #expect(positions == positions.sorted())
        let latency = try #require(json["latency"] as? [String: Double])
        #expect(Set(latency.keys) == ["p50", "p90", "p99", "p999"])
        let calls = try #require(json["calls"] as? [String: [String: Int]])
        #expect(calls["pricing.quote"].map { Set($0.keys) } == ["calls", "attempts", "hedges", "failures"])
        #expect(calls.count == 11)
    }
}

@Suite struct CheckoutBehaviourTests {
    /// The checkout spec hedges `pricing.quote` at its p95: with a heavy tail the hedges cut the
    /// p99 and cost extra attempts; `--set pricing.hedge=none` takes them away.
    @Test func removingTheHedgeRemovesHedgesAndRaisesTheTail() async throws {
        let spec = try checkoutSpec()
        let unhedged = try SpecOverride(parsing: "pricing.hedge=none").apply(to: spec)
        let with = try await simulate(spec, workflow: "checkout", profile: checkoutProfile, runs: 1_500)
        let without = try await simulate(unhedged, workflow: "checkout", profile: checkoutProfile, runs: 1_500)
        let quote = { (result: SimulationResult) in result.calls.first { $0.operation == "pricing.quote" }!.counts }
        #expect(quote(with).hedges > 0)
        #expect(quote(without).hedges == 0)
        #expect(quote(with).attempts > quote(without).attempts)
        #expect(try #require(with.latency).p99 < (try #require(without.latency)).p99)
    }

    /// When the quote always fails, it falls back to the list price. The failures open pricing's
    /// per-endpoint breakers, which guard the list price too: while they are open (5s) the
    /// fallback is refused as well and the run fails (fast, so that admission control then
    /// refuses runs too). Without the breaker every run succeeds.
    @Test func aFailingQuoteFallsBackToTheListPriceWhileTheBreakersLetIt() async throws {
        let profile = """
            services:
              pricing:
                latency: { constant: 10ms }
                operations:
                  quote: { errors: { rate: 100%, class: unavailable } }
            """
        let spec = try checkoutSpec()
        let guarded = try await simulate(spec, workflow: "checkout", profile: profile, runs: 200)
        let listPrice = { (result: SimulationResult) in result.calls.first { $0.operation == "pricing.listPrice" }!.counts }
        let quote = try #require(guarded.calls.first { $0.operation == "pricing.quote" }?.counts)
        #expect(guarded.success < 0.5)
        #expect(guarded.success > 0)
        #expect(listPrice(guarded).calls == quote.calls)
        #expect(listPrice(guarded).attempts < listPrice(guarded).calls)
        let unguarded = try await simulate(
            try SpecOverride(parsing: "pricing.circuitBreaker=none").apply(to: spec), workflow: "checkout", profile: profile, runs: 200)
        #expect(unguarded.success == 1)
        #expect(listPrice(unguarded).calls == 200)
        #expect(listPrice(unguarded).attempts == 200)
    }

    /// Runs that take no time all start at t=0: the admission control (500/s, burst 100) lets
    /// the first 100 in and refuses the rest.
    @Test func admissionControlRefusesRunsBeyondItsBurst() async throws {
        let result = try await simulate(try checkoutSpec(), workflow: "checkout", profile: "services: {}", runs: 150)
        #expect(result.success == 100.0 / 150)
        #expect(result.calls.first { $0.operation == "cart.getCart" }?.counts.calls == 100)
    }

    /// A failing charge compensates the reservation (and the gift wrap when booked).
    @Test func aFailingChargeReleasesTheReservation() async throws {
        let result = try await simulate(try checkoutSpec(), workflow: "checkout", profile: """
            services:
              payments:
                operations:
                  charge: { latency: { constant: 5ms }, errors: { rate: 100%, class: permanent } }
              inventory:
                latency: { constant: 1ms }
            when: { giftWrap: 0% }
            """, runs: 100)
        #expect(result.success == 0)
        let counts = Dictionary(uniqueKeysWithValues: result.calls.map { ($0.operation, $0.counts.calls) })
        #expect(counts["payments.charge"] == 100)
        #expect(counts["inventory.release"] == 100)
        #expect(counts["wrapping.book"] == 0)
        #expect(counts["mail.sendReceipt"] == 0)
    }

    /// An endpoint override applies to the attempts routed there only.
    @Test func endpointOverridesApplyToTheirEndpoint() async throws {
        let result = try await simulate(try checkoutSpec(), workflow: "checkout", profile: """
            services:
              pricing:
                latency: { constant: 10ms }
                endpoints:
                  "http://pricing-us:8080": { errors: { rate: 100%, class: unavailable } }
            """, runs: 300)
        let quote = try #require(result.calls.first { $0.operation == "pricing.quote" }?.counts)
        #expect(quote.failures > 0)
        #expect(result.success == 1)
    }
}

@Suite struct ProfileErrorTests {
    func errors(_ profile: String) throws -> [Diagnostic] {
        let spec = try checkoutSpec()
        let workflow = try #require(spec.workflow(named: "checkout"))
        do {
            _ = try Profile.load(SpecSource(path: "p.yaml", text: profile), spec: spec, workflow: workflow)
        } catch {
            return error.diagnostics
        }
        Issue.record("the profile loaded")
        return []
    }

    @Test func unknownNamesAreLocatedWithASuggestion() throws {
        let found = try errors("""
            services:
              pricng:
                latency: { constant: 1ms }
              inventory:
                operations:
                  reserv: { errors: { rate: 1% } }
              pricing:
                endpoints:
                  "http://pricing-uk:8080": { latency: { constant: 1ms } }
            when: { giftwrap: 10% }
            """)
        let summary = found.map { "\($0.location.line):\($0.location.column) \($0.rule.id) \($0.suggestion ?? "-")" }
        #expect(summary == [
            "2:3 unknown-service did you mean 'pricing'?",
            "6:7 unknown-operation did you mean 'reserve'?",
            "9:7 unknown-key did you mean 'http://pricing-us:8080'?",
            "10:9 unknown-step did you mean 'giftWrap'?",
        ])
        #expect(found.allSatisfy { $0.location.file == "p.yaml" })
    }

    @Test func malformedValuesAreLocated() throws {
        let found = try errors("""
            services:
              cart:
                latency: { p50: 20ms }
                errors: { rate: 120%, clas: transient }
              payments:
                latency: { uniform: [30ms, 10ms] }
                errors: { rate: 1%, class: flaky }
            when: { stock: 10% }
            """)
        let summary = found.map { "\($0.location.line):\($0.location.column) \($0.rule.id)" }
        #expect(summary == [
            "3:14 invalid-value", "4:21 invalid-value", "4:27 unknown-key", "6:32 invalid-value", "7:32 invalid-value", "8:9 invalid-value",
        ])
    }
}

@Suite struct OverrideTests {
    @Test func overridesParseAndRefuseUnknownNames() throws {
        let spec = try checkoutSpec()
        #expect(throws: SimulationError.self) { try SpecOverride(parsing: "pricing.hedg=none") }
        #expect(throws: SimulationError.self) { try SpecOverride(parsing: "pricng.hedge=none").apply(to: spec) }
        #expect(throws: SimulationError.self) { try SpecOverride(parsing: "pricing.quot.hedge=none").apply(to: spec) }
        #expect(throws: SimulationError.self) { try SpecOverride(parsing: "mail.retry=3").apply(to: spec) }
        let message = try? SpecOverride(parsing: "pricng.hedge=none").apply(to: spec)
        #expect(message == nil)
        do {
            _ = try SpecOverride(parsing: "pricng.hedge=none").apply(to: spec)
        } catch {
            #expect(error.message.contains("did you mean 'pricing'?"))
        }
    }

    @Test func aTimeoutOverrideReachesEveryCallOfTheService() throws {
        let spec = try SpecOverride(parsing: "inventory.timeout=20ms").apply(to: try checkoutSpec())
        let workflow = try #require(spec.workflow(named: "checkout"))
        #expect(workflow.step("stock")?.policies.timeout == .milliseconds(20))
        #expect(workflow.step("reserve")?.compensate?.policies.timeout == .milliseconds(20))
        #expect(workflow.step("cart")?.policies.timeout == .milliseconds(50))
        let hedged = try SpecOverride(parsing: "pricing.quote.hedge=30ms").apply(to: try checkoutSpec())
        #expect(hedged.workflow(named: "checkout")?.step("quote")?.policies.hedge?.delay == .fixed(.milliseconds(30)))
    }
}
