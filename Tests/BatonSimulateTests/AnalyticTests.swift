import BatonSimulate
import BatonSpec
import Testing

/// A checked spec from YAML text (the test fails on any error).
func model(_ yaml: String, file: String = "test.baton.yaml") throws -> ResolvedSpec {
    let result = SpecChecker.check(SpecSource(path: file, text: yaml))
    let errors = result.errors.map { "\($0.location.line):\($0.location.column) \($0.rule.id) \($0.message)" }
    #expect(errors.isEmpty, "\(errors)")
    return try #require(result.spec)
}

/// Simulates `workflow` of `spec` under the profile in `profile` (YAML).
func simulate(_ spec: ResolvedSpec, workflow: String = "run", profile: String, runs: Int, concurrency: Int = 1, seed: UInt64 = 1) async throws -> SimulationResult {
    let resolved = try #require(spec.workflow(named: workflow))
    let loaded = try Profile.load(SpecSource(path: "profile.yaml", text: profile), spec: spec, workflow: resolved)
    return try await Simulator(spec: spec, workflow: workflow, profile: loaded).run(SimulationOptions(runs: runs, concurrency: concurrency, seed: seed))
}

/// Services `a`…`e`, each with one read operation `get` (no resilience settings unless a test
/// adds them), and one workflow `run` whose steps the test writes.
func spec(steps: String, deadline: String = "1s", services extra: [String: String] = [:], request: String = "{ id: string }") -> String {
    var lines = [
        "baton: 1",
        "name: Analytic",
        "types:",
        "  Request: \(request)",
        "  Response: { id: string }",
        "services:",
    ]
    for name in ["a", "b", "c", "d", "e"] {
        lines.append("  \(name):")
        if let settings = extra[name] { lines.append("    " + settings) }
        lines.append("    operations:")
        lines.append("      get: { input: { id: string }, output: { id: string } }")
    }
    lines += [
        "workflows:",
        "  run:",
        "    input: Request",
        "    output: Response",
        "    deadline: \(deadline)",
        "    steps:",
    ]
    // The steps as the tests write them, at any indentation: each one at six spaces.
    for step in steps.split(separator: "\n") where !step.allSatisfy(\.isWhitespace) {
        lines.append("      " + step.drop { $0 == " " })
    }
    lines.append("    result: { id: $input.id }")
    return lines.joined(separator: "\n") + "\n"
}

@Suite struct AnalyticTests {
    static let latencies = """
        services:
          a: { latency: { constant: 10ms } }
          b: { latency: { constant: 20ms } }
          c: { latency: { constant: 30ms } }
          d: { latency: { constant: 50ms } }
        """

    @Test func aChainTakesTheSumOfItsSteps() async throws {
        let spec = try model(spec(steps: """
                  one: { call: a.get, with: { id: $input.id } }
                  two: { call: b.get, with: { id: $one.id } }
                  three: { call: c.get, with: { id: $two.id } }
            """))
        let result = try await simulate(spec, profile: Self.latencies, runs: 200)
        #expect(result.success == 1)
        #expect(result.complete == 1)
        let latency = try #require(result.latency)
        #expect([latency.p50, latency.p90, latency.p99, latency.p999] == [0.06, 0.06, 0.06, 0.06])
        #expect(result.extraLoad == 0)
        #expect(result.calls.map(\.counts.calls) == [200, 200, 200])
    }

    @Test func aFanOutTakesItsSlowestBranch() async throws {
        let spec = try model(spec(steps: """
                  one: { call: a.get, with: { id: $input.id } }
                  two: { call: b.get, with: { id: $input.id } }
                  three: { call: c.get, with: { id: $input.id } }
                  four: { call: d.get, with: { id: $input.id } }
            """))
        let result = try await simulate(spec, profile: Self.latencies, runs: 200, concurrency: 4)
        let latency = try #require(result.latency)
        #expect([latency.p50, latency.p999] == [0.05, 0.05])
        #expect(result.success == 1)
    }

    @Test func aFanOutAfterARootAddsTheRootToTheSlowestBranch() async throws {
        let spec = try model(spec(steps: """
                  root: { call: a.get, with: { id: $input.id } }
                  two: { call: b.get, with: { id: $root.id } }
                  three: { call: d.get, with: { id: $root.id } }
            """))
        let result = try await simulate(spec, profile: Self.latencies, runs: 100)
        #expect(result.latency?.p99 == 0.06)
    }

    /// k attempts against failure probability p: success 1 − pᵏ, and each call sends
    /// 1 + p + … + pᵏ⁻¹ attempts on average, so the extra load is p + … + pᵏ⁻¹.
    @Test func retriesGiveOneMinusPToTheKAndTheExpectedExtraLoad() async throws {
        let spec = try model(spec(steps: """
                  one: { call: a.get, with: { id: $input.id } }
            """, services: ["a": "retry: { maxAttempts: 3, budget: none, backoff: { initial: 1ms, jitter: none } }"]))
        let p = 0.3
        let runs = 8_000
        let result = try await simulate(spec, profile: """
            services:
              a: { latency: { constant: 10ms }, errors: { rate: 30%, class: transient } }
            """, runs: runs)
        // Standard errors at 8,000 runs: 0.0018 for the success share, 0.0072 for the extra load.
        #expect(abs(result.success - (1 - p * p * p)) < 0.008)
        #expect(abs(result.extraLoad - (p + p * p)) < 0.03)
        let counts = try #require(result.calls.first?.counts)
        #expect(counts.calls == runs)
        #expect(counts.hedges == 0)
        // Every failed attempt is counted: attempts = calls + retries, failures = retries + failed runs.
        let failedRuns = runs - Int((result.success * Double(runs)).rounded())
        #expect(counts.failures == counts.attempts - counts.calls + failedRuns)
        // The latency of a run is its attempts' time plus the backoff between them (1ms, 2ms).
        #expect(result.latency?.p50 == 0.01)
        #expect(result.latency?.p999 == 0.033)
    }

    /// A permanent error is not retried: one attempt, success 1 − p.
    @Test func errorsOutsideRetryOnAreNotRetried() async throws {
        let spec = try model(spec(steps: """
                  one: { call: a.get, with: { id: $input.id } }
            """, services: ["a": "retry: { maxAttempts: 3, budget: none }"]))
        let result = try await simulate(spec, profile: """
            services:
              a: { errors: { rate: 100%, class: permanent } }
            """, runs: 50)
        #expect(result.success == 0)
        #expect(result.calls.first?.counts == OperationCounts(calls: 50, attempts: 50, hedges: 0, failures: 50))
    }

    @Test func anOptionalStepThatAlwaysFailsLeavesEveryRunIncompleteButSuccessful() async throws {
        let spec = try model(spec(steps: """
                  one: { call: a.get, with: { id: $input.id } }
                  two: { call: b.get, with: { id: $input.id }, optional: true }
            """))
        let result = try await simulate(spec, profile: """
            services:
              a: { latency: { constant: 10ms } }
              b: { latency: { constant: 5ms }, errors: { rate: 100%, class: permanent } }
            """, runs: 300)
        #expect(result.complete == 0)
        #expect(result.success == 1)
        #expect(result.latency?.p99 == 0.01)
    }

    @Test func aDeadlineShorterThanTheOnlyCallGivesNoSuccess() async throws {
        let spec = try model(spec(steps: """
                  one: { call: a.get, with: { id: $input.id } }
            """, deadline: "50ms"))
        let result = try await simulate(spec, profile: """
            services:
              a: { latency: { constant: 80ms } }
            """, runs: 100)
        #expect(result.success == 0)
        #expect(result.complete == 0)
        #expect(result.latency == nil)
        #expect(result.calls.first?.counts == OperationCounts(calls: 100, attempts: 100, hedges: 0, failures: 100))
    }

    /// A required step that fails after a compensable one: the compensation runs once per run.
    @Test func aFailingRequiredStepCompensatesTheCompletedOnes() async throws {
        let yaml = spec(steps: """
                  one: { call: a.get, with: { id: $input.id }, compensate: { call: b.get, with: { id: $one.id } } }
                  two: { call: c.get, with: { id: $one.id } }
            """)
        let spec = try model(yaml)
        let result = try await simulate(spec, profile: """
            services:
              a: { latency: { constant: 10ms } }
              c: { errors: { rate: 100%, class: permanent } }
            """, runs: 40)
        #expect(result.success == 0)
        #expect(result.calls.map(\.operation) == ["a.get", "b.get", "c.get"])
        #expect(result.calls.map(\.counts.calls) == [40, 40, 40])
    }

    /// A `when` step runs in its profile share of runs; a uniform latency lies between its bounds.
    @Test func whenSharesAndUniformLatencies() async throws {
        let spec = try model(spec(steps: """
                  one: { call: a.get, with: { id: $input.id } }
                  two: { call: b.get, with: { id: $input.id }, when: $input.flag }
            """, request: "{ id: string, flag: bool }"))
        let result = try await simulate(spec, profile: """
            services:
              a: { latency: { uniform: [10ms, 30ms] } }
            when: { two: 25% }
            """, runs: 4_000)
        let share = Double(result.calls[1].counts.calls) / 4_000
        #expect(abs(share - 0.25) < 0.03)
        let latency = try #require(result.latency)
        #expect(latency.p50 > 0.018 && latency.p50 < 0.022)
        #expect(latency.p999 <= 0.03)
    }

    /// A log-normal through p50 and p99 has those quantiles.
    @Test func aLogNormalLatencyHasItsTwoQuantiles() async throws {
        let spec = try model(spec(steps: """
                  one: { call: a.get, with: { id: $input.id } }
            """))
        let result = try await simulate(spec, profile: """
            services:
              a: { latency: { p50: 20ms, p99: 200ms } }
            """, runs: 6_000)
        let latency = try #require(result.latency)
        #expect(abs(latency.p50 - 0.02) < 0.002)
        #expect(abs(latency.p99 - 0.2) < 0.03)
    }
}
