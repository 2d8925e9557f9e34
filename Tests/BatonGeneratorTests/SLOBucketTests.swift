import BatonSpec
import Testing
@testable import BatonGenerator

/// The generated orchestrator lists the bucket boundaries of `baton_workflow_duration_seconds`
/// its service level objectives need (spec-v1 §14: a boundary at every threshold).
@Suite struct SLOBucketTests {
    static func spec(_ slos: [String]) -> String {
        var text = """
            baton: 1
            name: Shop
            services:
              cart:
                operations:
                  get:
                    input: { id: string }
                    output: { total: int }
            workflows:

            """
        for (index, slo) in slos.enumerated() {
            text += """
                  w\(index):
                    input: { id: string }
                    output: { total: int }
                    deadline: 2s
                \(slo)
                    steps:
                      c: { call: cart.get, with: { id: $input.id } }
                    result: { total: $c.total }

                """
        }
        return text
    }

    @Test func everyThresholdIsABoundaryOnceInAscendingOrder() throws {
        let spec = try resolve(Self.spec([
            "    slo: { latency: { threshold: 300ms, target: 99% } }",
            "    slo: { latency: { threshold: 250ms, target: 95% } }",     // already a default bucket
            "    slo: { availability: 99% }",
            "    slo: { latency: { threshold: 1.2s, target: 90% } }",
        ]))
        let buckets = OrchestratorView.workflowDurationBuckets(spec)
        #expect(buckets == [
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(300), .milliseconds(500), .seconds(1), .milliseconds(1200),
            .milliseconds(2500), .seconds(5), .seconds(10),
        ])
        let orchestrator = try #require(try generate(spec).sources.first { $0.name.hasSuffix(".Orchestrator.swift") }).contents
        #expect(orchestrator.contains("    public static let workflowDurationBuckets: [Swift.Duration] = [\n"))
        #expect(orchestrator.contains("        Swift.Duration.milliseconds(300),\n        Swift.Duration.milliseconds(500),\n"))
        #expect(orchestrator.contains("        Swift.Duration.milliseconds(1200),\n"))
        #expect(orchestrator.contains(
            "    public static var durationHistogramBuckets: [Swift.String: [Swift.Duration]] {\n"
            + "        [BatonRuntime.TelemetryNames.workflowDuration: workflowDurationBuckets]\n    }\n"))
    }

    @Test func withoutObjectivesTheBucketsAreTheDefaults() throws {
        let spec = try resolve(Self.spec([""]))
        #expect(OrchestratorView.workflowDurationBuckets(spec) == OrchestratorView.defaultDurationBuckets)
    }
}
