import BatonRuntime
import BatonTesting
import InMemoryLogging
import InMemoryTracing
import Logging
import Metrics
import MetricsTestKit
import Testing
import Tracing

@Suite struct TelemetryTests {
    struct Harness {
        let tracer = InMemoryTracer()
        let metrics = TestMetrics()
        let logs = InMemoryLogHandler()
        var telemetry: Telemetry {
            var logger = Logger(label: "test", factory: { _ in logs })
            logger.logLevel = .debug
            return Telemetry(logger: logger, metricsFactory: metrics, tracer: tracer)
        }
    }

    func dimensions(_ step: String, _ service: String, _ outcome: String) -> [(String, String)] {
        [("workflow", "checkout"), ("step", step), ("service", service), ("outcome", outcome)]
    }

    @Test func spansMetricsAndLogsOfARun() async throws {
        let clock = ManualClock()
        let harness = Harness()
        var builder = WorkflowBuilder<Void>(
            workflow: "checkout",
            deadline: .seconds(1),
            clock: clock.asAnyClock,
            random: .seeded(1),
            telemetry: harness.telemetry
        )
        let cart: StepKey<Int> = builder.step("cart", service: "carts", policy: DirectCall()) { _, _, context in
            try await ScriptedCall(clock: clock, returning: 2, after: .milliseconds(20)).call(context)
        }
        let stock: StepKey<Int> = builder.step(
            "stock",
            service: "inventory",
            dependsOn: [cart.id],
            optional: true,
            policy: RetryImmediately(maxAttempts: 2)
        ) { _, _, _ in throw ScriptedError(.overloaded) }
        let workflow = builder.build { _, values in (values[cart], values[ifPresent: stock]) }

        let run = Task { try await workflow.run((), correlationID: "corr-1") }
        try await clock.waitForSleepers(count: 2)
        clock.advance(to: ms(20))
        let result = try await run.value
        #expect(!result.report.isComplete)

        // Spans: one per run, one per attempt, attempts children of the run.
        let spans = harness.tracer.finishedSpans
        let workflowSpan = try #require(spans.first { $0.operationName == "baton.workflow" })
        #expect(workflowSpan.attributes.get("baton.workflow") == .string("checkout"))
        #expect(workflowSpan.attributes.get("baton.outcome") == .string("incomplete"))
        let stepSpans = spans.filter { $0.operationName == "baton.step" }
        #expect(stepSpans.count == 3, "cart once, stock twice")
        #expect(stepSpans.allSatisfy { $0.parentSpanID == workflowSpan.spanID && $0.traceID == workflowSpan.traceID })
        let stockSpans = stepSpans.filter { $0.attributes.get("baton.step") == .string("stock") }
        let attempts = stockSpans.compactMap { span -> Int64? in
            if case .int64(let attempt) = span.attributes.get("baton.attempt") { return attempt }
            return nil
        }
        #expect(attempts.sorted() == [1, 2])
        #expect(stockSpans.allSatisfy { $0.attributes.get("baton.outcome") == .string("failed") && $0.errors.count == 1 })
        let cartSpan = try #require(stepSpans.first { $0.attributes.get("baton.step") == .string("cart") })
        #expect(cartSpan.attributes.get("baton.outcome") == .string("succeeded"))
        #expect(cartSpan.attributes.get("baton.workflow") == .string("checkout"))

        // Metrics: outcome counters, durations on the injected clock, retries.
        let metrics = harness.metrics
        #expect(try metrics.expectCounter("baton_step_outcomes_total", dimensions("cart", "carts", "succeeded")).totalValue == 1)
        #expect(try metrics.expectCounter("baton_step_outcomes_total", dimensions("stock", "inventory", "failed")).totalValue == 1)
        #expect(try metrics.expectCounter("baton_step_outcomes_total", dimensions("stock", "inventory", "succeeded")).totalValue == 0)
        let retries = try metrics.expectCounter("baton_retries_total", [("workflow", "checkout"), ("step", "stock"), ("service", "inventory")])
        #expect(retries.totalValue == 1)
        let cartDuration = try metrics.expectTimer("baton_step_duration_seconds", dimensions("cart", "carts", "succeeded"))
        #expect(cartDuration.values == [20_000_000])
        let runDuration = try metrics.expectTimer("baton_workflow_duration_seconds", [("workflow", "checkout"), ("outcome", "incomplete")])
        #expect(runDuration.values == [20_000_000])

        // Logs carry the correlation id.
        let warning = try #require(harness.logs.entries.first { $0.level == .warning })
        #expect(warning.metadata["baton.correlation_id"] == "corr-1")
        #expect(warning.metadata["baton.step"] == "stock")
    }

    /// A hedge is an extra attempt but not a retry: `baton_retries_total` stays at zero while the
    /// report counts both attempts (hedges have `baton_hedges_total`).
    @Test func hedgesAreNotCountedAsRetries() async throws {
        let clock = ManualClock()
        let harness = Harness()
        let hedging = Hedging(HedgePolicy(delay: .fixed(.milliseconds(10))), service: "pricing",
                              estimator: LatencyEstimator(clock: clock.asAnyClock), telemetry: harness.telemetry)
        let pricing = ResiliencePipeline(hedging: hedging, clock: clock.asAnyClock)
        let quote = ScriptedCall<Int>(clock: clock, [.hang, .succeed(7)])
        var builder = WorkflowBuilder<Void>(workflow: "checkout", deadline: .seconds(1), clock: clock.asAnyClock, telemetry: harness.telemetry)
        let step: StepKey<Int> = builder.step("quote", service: "pricing", policy: pricing) { _, _, context in
            try await quote.call(context)
        }
        let workflow = builder.build { _, values in values[step] }

        let run = Task { try await workflow.run(()) }
        try await quote.waitForCalls(count: 1)
        try await clock.waitForSleepers(count: 2)   // the hanging first attempt and the hedge timer
        clock.advance(by: .milliseconds(10))
        let result = try await run.value
        #expect(result.output == 7)
        #expect(result.report[step: "quote"]?.attempts == 2)
        let retries = try harness.metrics.expectCounter("baton_retries_total", [("workflow", "checkout"), ("step", "quote"), ("service", "pricing")])
        #expect(retries.totalValue == 0)
        #expect(try harness.metrics.expectCounter("baton_hedges_total", [("service", "pricing"), ("outcome", "sent")]).totalValue == 1)
    }

    @Test func failedRunSpanAndCompensationSpans() async throws {
        let clock = ManualClock()
        let harness = Harness()
        var builder = WorkflowBuilder<Void>(workflow: "checkout", deadline: .seconds(1), clock: clock.asAnyClock, telemetry: harness.telemetry)
        let reserve: StepKey<Int> = builder.step(
            "reserve",
            service: "inventory",
            policy: DirectCall(),
            compensation: StepCompensation(policy: DirectCall()) { _, _, _, _ in }
        ) { _, _, _ in 1 }
        builder.step("charge", service: "payments", dependsOn: [reserve.id], policy: DirectCall()) { _, _, _ -> Int in
            throw ScriptedError(.permanent)
        }
        let workflow = builder.build { _, _ in () }
        await #expect(throws: WorkflowError.self) { try await workflow.run((), correlationID: "corr-2") }

        let spans = harness.tracer.finishedSpans
        let workflowSpan = try #require(spans.first { $0.operationName == "baton.workflow" })
        #expect(workflowSpan.attributes.get("baton.outcome") == .string("failed"))
        #expect(workflowSpan.status?.code == .error)
        let compensation = try #require(spans.first { $0.attributes.get("baton.compensation") == .bool(true) })
        #expect(compensation.operationName == "baton.step")
        #expect(compensation.attributes.get("baton.step") == .string("reserve"))
        #expect(compensation.parentSpanID == workflowSpan.spanID)
        #expect(try harness.metrics.expectCounter("baton_step_outcomes_total", dimensions("reserve", "inventory", "compensated")).totalValue == 1)
        #expect(try harness.metrics.expectTimer("baton_workflow_duration_seconds", [("workflow", "checkout"), ("outcome", "failed")]).values.count == 1)
        let failure = try #require(harness.logs.entries.first { $0.level == .error })
        #expect(failure.metadata["baton.correlation_id"] == "corr-2")
        #expect("\(failure.message)".contains("charge"))
    }

    @Test func circuitStateRecorderSetsTheGaugeAndLogsTheBreakerName() throws {
        let harness = Harness()
        let recorder = harness.telemetry.circuitStateRecorder(breaker: "pricing@eu", service: "pricing")
        let gauge = try harness.metrics.expectGauge("baton_circuit_state", [("breaker", "pricing@eu"), ("service", "pricing")])
        #expect(gauge.lastValue == 0)
        recorder.observe(CircuitBreakerTransition(breaker: "pricing@eu", from: .closed, to: .open, at: .zero, reason: "failure rate 60%"))
        #expect(gauge.lastValue == Double(CircuitState.open.gaugeValue))
        let entry = try #require(harness.logs.entries.last)
        #expect(entry.level == .warning)
        #expect(entry.metadata["baton.breaker"] == "pricing@eu")
        #expect("\(entry.message)".contains("pricing@eu"))
    }

    @Test func disabledTelemetrySkipsSpansAndMetrics() {
        let telemetry = Telemetry.disabled
        #expect(!telemetry.tracesEnabled)
        #expect(!telemetry.metricsEnabled)
        let explicit = Telemetry(metricsFactory: TestMetrics(), tracer: InMemoryTracer())
        #expect(explicit.tracesEnabled)
        #expect(explicit.metricsEnabled)
    }
}
