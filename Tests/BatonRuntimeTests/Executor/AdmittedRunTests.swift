import BatonRuntime
import BatonTesting
import Logging
import Metrics
import MetricsTestKit
import Testing

/// `Workflow.run(_:correlationID:admission:admissionClass:)`: admission control in front of a
/// run, and the `rejected` outcome of `baton_workflow_duration_seconds` that service level
/// objectives count (spec-v1 §14). All on a manual clock.
@Suite struct AdmittedRunTests {
    func duration(_ outcome: String) -> [(String, String)] {
        [("workflow", "checkout"), ("outcome", outcome)]
    }

    /// One step that answers after 10 ms, or fails at once when `fail` is set.
    func makeWorkflow(clock: ManualClock, metrics: TestMetrics, fail: Bool = false) -> Workflow<Void, Int> {
        var builder = WorkflowBuilder<Void>(
            workflow: "checkout", deadline: .seconds(1), clock: clock.asAnyClock, random: .seeded(1),
            telemetry: Telemetry(logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), metricsFactory: metrics)
        )
        let call = ScriptedCall<Int>(clock: clock, [
            fail ? .fail(ScriptedError(.permanent)) : .succeed(7, after: .milliseconds(10)),
        ])
        let step: StepKey<Int> = builder.step("cart", service: "carts", policy: DirectCall()) { _, _, context in
            try await call.call(context)
        }
        return builder.build { _, values in values[step] }
    }

    @Test func aCallRefusedForConcurrencyIsRecordedAsRejectedWithZeroLatency() async throws {
        let clock = ManualClock()
        let metrics = TestMetrics()
        let workflow = makeWorkflow(clock: clock, metrics: metrics)
        let admission = AdmissionController(name: "checkout", maxConcurrent: 1, classes: [], clock: clock.asAnyClock)

        let first = Task { try await workflow.run((), admission: admission) }
        try await clock.waitForSleepers(count: 1)
        #expect(admission.inFlight == 1)

        let refusal = await #expect(throws: OverloadedError.self) {
            _ = try await workflow.run((), admission: admission)
        }
        #expect(refusal?.reason == .admissionConcurrency)
        #expect(try metrics.expectTimer("baton_workflow_duration_seconds", duration("rejected")).values == [0])

        clock.advance(by: .milliseconds(10))
        #expect(try await first.value.output == 7)
        #expect(admission.inFlight == 0, "the slot is released when the run ends")
        #expect(try metrics.expectTimer("baton_workflow_duration_seconds", duration("complete")).values == [10_000_000])
        #expect(try metrics.expectTimer("baton_workflow_duration_seconds", duration("rejected")).values == [0])
    }

    @Test func aCallBeyondItsClassRateIsRejectedUntilATokenIsBack() async throws {
        let clock = ManualClock()
        let metrics = TestMetrics()
        let workflow = makeWorkflow(clock: clock, metrics: metrics)
        let admission = AdmissionController(
            name: "checkout", maxConcurrent: nil,
            classes: [.init("interactive", rate: .perSecond(1), burst: 1), .init("batch", rate: .perSecond(1), burst: 1)],
            clock: clock.asAnyClock
        )
        let first = Task { try await workflow.run((), admission: admission, admissionClass: "batch") }
        try await clock.waitForSleepers(count: 1)
        let refusal = await #expect(throws: OverloadedError.self) {
            _ = try await workflow.run((), admission: admission, admissionClass: "batch")
        }
        #expect(refusal?.reason == .admissionRate)
        #expect(refusal?.retryAfter == .seconds(1))
        clock.advance(by: .milliseconds(10))
        _ = try await first.value
        #expect(try metrics.expectTimer("baton_workflow_duration_seconds", duration("rejected")).values == [0])
    }

    @Test func aFailedAdmittedRunReleasesItsSlotAndCountsAsFailed() async throws {
        let clock = ManualClock()
        let metrics = TestMetrics()
        let workflow = makeWorkflow(clock: clock, metrics: metrics, fail: true)
        let admission = AdmissionController(name: "checkout", maxConcurrent: 1, classes: [], clock: clock.asAnyClock)
        await #expect(throws: WorkflowError.self) { _ = try await workflow.run((), admission: admission) }
        #expect(admission.inFlight == 0)
        #expect(try metrics.expectTimer("baton_workflow_duration_seconds", duration("failed")).values == [0])
        #expect(try metrics.expectTimer("baton_workflow_duration_seconds", duration("rejected")).values.isEmpty)
    }

    @Test func everyOutcomeSeriesExistsFromTheStartSoRatiosHaveADenominator() throws {
        let clock = ManualClock()
        let metrics = TestMetrics()
        _ = makeWorkflow(clock: clock, metrics: metrics)
        for outcome in ["complete", "incomplete", "failed", "rejected"] {
            #expect(try metrics.expectTimer("baton_workflow_duration_seconds", duration(outcome)).values.isEmpty)
        }
    }
}
