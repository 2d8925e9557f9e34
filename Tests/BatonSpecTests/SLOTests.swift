import Testing
@testable import BatonSpec

/// `slo:` on workflows (spec-v1 §14): the resolved model, and every finding at its exact place.
@Suite struct SLOTests {
    /// A valid spec whose workflow's line 14 is `slo` (replaced by each test).
    static func spec(slo: String, deadline: String = "1s") -> String {
        """
        baton: 1
        name: Shop
        services:
          cart:
            operations:
              get:
                input: { id: string }
                output: { total: int }
        workflows:
          buy:
            input: { id: string }
            output: { total: int }
            deadline: \(deadline)
        \(slo)
            steps:
              c:
                call: cart.get
                with: { id: $input.id }
            result: { total: $c.total }
        """
    }

    @Test func resolvesBothObjectivesAndTheDefaultWindow() throws {
        let r = check(Self.spec(slo: "    slo:\n      availability: 99.9%\n      latency: { threshold: 300ms, target: 99% }"))
        #expect(r.diagnostics.isEmpty)
        let slo = try #require(r.spec?.workflows.first?.slo)
        #expect(abs(try #require(slo.availability) - 0.999) < 1e-12)
        #expect(slo.latency == ServiceLevelObjectives.Latency(threshold: .milliseconds(300), target: 0.99))
        #expect(slo.window == .seconds(28 * 86_400))
        #expect(slo.windowText == "28d")
        #expect(slo.location.line == 14 && slo.location.column == 5)
    }

    @Test func windowsInDaysOrAsADuration() throws {
        let days = check(Self.spec(slo: "    slo: { availability: 99%, window: 7d }"))
        #expect(try #require(days.spec?.workflows.first?.slo).window == .seconds(7 * 86_400))
        let weeks = check(Self.spec(slo: "    slo: { availability: 99%, window: 4w }"))
        #expect(try #require(weeks.spec?.workflows.first?.slo).windowText == "28d")
        let hours = check(Self.spec(slo: "    slo: { availability: 99%, window: 36h }"))
        #expect(try #require(hours.spec?.workflows.first?.slo).windowText == "36h")
    }

    @Test func aWorkflowWithoutSLOHasNone() {
        let r = check(Self.spec(slo: ""))
        #expect(r.diagnostics.isEmpty)
        #expect(r.spec?.workflows.first?.slo == nil)
    }

    @Test(arguments: [
        // An objective of 100% or more leaves no error budget.
        ("    slo: { availability: 100% }", "invalid-value@14:26"),
        ("    slo: { availability: 150% }", "invalid-value@14:26"),
        ("    slo: { availability: 0% }", "invalid-value@14:26"),
        ("    slo: { availability: high }", "invalid-value@14:26"),
        ("    slo: { availability: 0.999 }", "invalid-value@14:26"),
        ("    slo: { latency: { threshold: 300ms, target: 100% } }", "invalid-value@14:49"),
        // A threshold that is not a duration is invalid-value (not invalid-duration).
        ("    slo: { latency: { threshold: 300, target: 99% } }", "invalid-value@14:34"),
        ("    slo: { latency: { threshold: fast, target: 99% } }", "invalid-value@14:34"),
        ("    slo: { latency: { threshold: 0ms, target: 99% } }", "invalid-value@14:34"),
        ("    slo: { availability: 99%, window: 28 }", "invalid-value@14:39"),
        ("    slo: { availability: 99%, window: 0d }", "invalid-value@14:39"),
        ("    slo:\n      availabilty: 99%", "unknown-key@15:7"),
        ("    slo: { latency: { threshold: 300ms } }", "missing-key@14:12"),
        ("    slo: { window: 7d }", "missing-key@14:5"),
        ("    slo: 99.9%", "invalid-value@14:10"),
    ])
    func findings(slo: String, expected: String) {
        #expect(summary(Self.spec(slo: slo)) == [expected])
    }

    @Test func sloBudgetWhenTheThresholdIsAtOrAboveTheDeadline() {
        let atDeadline = Self.spec(slo: "    slo:\n      latency:\n        threshold: 1s\n        target: 99%")
        let r = check(atDeadline)
        #expect(r.diagnostics.map { "\($0.rule.id)@\($0.location.line):\($0.location.column)" } == ["slo-budget@16:20"])
        #expect(r.diagnostics.first?.severity == .warning)
        #expect(r.diagnostics.first?.message.contains("deadline 1s") == true)
        // A warning: the spec still resolves.
        #expect(r.spec?.workflows.first?.slo?.latency?.threshold == .seconds(1))
        #expect(summary(Self.spec(slo: "    slo: { latency: { threshold: 1500ms, target: 99% } }"))
                == ["slo-budget@14:34"])
        #expect(summary(Self.spec(slo: "    slo: { latency: { threshold: 999ms, target: 99% } }")).isEmpty)
        // Only the latency objective has a threshold.
        #expect(summary(Self.spec(slo: "    slo: { availability: 99% }", deadline: "1ms")).isEmpty)
    }
}
