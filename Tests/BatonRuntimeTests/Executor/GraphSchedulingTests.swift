import BatonRuntime
import BatonTesting
import Testing

@Suite struct GraphSchedulingTests {
    /// a(10ms)→c(10ms), b(30ms)→d(10ms), a→e(50ms): 60 ms when each step starts the moment its
    /// last dependency is done; level by level (a,b | c,d,e) would take 30 + 50 = 80 ms.
    /// With `DirectCall` the executor runs a deadline watcher (one more sleeper) and every step in
    /// a child task; with `BoundedDirectCall` there is no watcher and lone steps (a, then e) run
    /// inline in the run's task. The timing must be the same.
    @Test(arguments: [false, true])
    func stepsStartWhenTheirLastDependencyFinishes(policiesBoundTheDeadline: Bool) async throws {
        let clock = ManualClock()
        var builder = WorkflowBuilder<Int>.test(clock: clock)
        let policy: any CallPolicy = policiesBoundTheDeadline ? BoundedDirectCall() : DirectCall()
        let watcher = policiesBoundTheDeadline ? 0 : 1
        let a: StepKey<Int> = builder.step("a", service: "s", policy: policy) { _, _, context in
            try await ScriptedCall(clock: clock, returning: 1, after: .milliseconds(10)).call(context)
        }
        let b: StepKey<Int> = builder.step("b", service: "s", policy: policy) { _, _, context in
            try await ScriptedCall(clock: clock, returning: 2, after: .milliseconds(30)).call(context)
        }
        let c: StepKey<Int> = builder.step("c", service: "s", dependsOn: [a.id], policy: policy) { _, values, context in
            try await ScriptedCall(clock: clock, returning: values[a] + 10, after: .milliseconds(10)).call(context)
        }
        let d: StepKey<Int> = builder.step("d", service: "s", dependsOn: [b.id], policy: policy) { _, values, context in
            try await ScriptedCall(clock: clock, returning: values[b] + 20, after: .milliseconds(10)).call(context)
        }
        let e: StepKey<Int> = builder.step("e", service: "s", dependsOn: [a.id], policy: policy) { _, values, context in
            try await ScriptedCall(clock: clock, returning: values[a] + 30, after: .milliseconds(50)).call(context)
        }
        let workflow = builder.build { _, values in [values[c], values[d], values[e]] }

        let run = Task { try await workflow.run(0) }
        // Sleepers: the run's deadline watcher (if any) plus one per running step.
        try await clock.waitForSleepers(count: watcher + 2)  // a, b
        clock.advance(to: ms(10))  // a done → c and e start at once
        try await clock.waitForSleepers(count: watcher + 3)  // b, c, e
        clock.advance(to: ms(20))  // c done
        try await clock.waitForSleepers(count: watcher + 2)  // b, e
        clock.advance(to: ms(30))  // b done → d starts
        try await clock.waitForSleepers(count: watcher + 2)  // e, d
        clock.advance(to: ms(40))  // d done
        try await clock.waitForSleepers(count: watcher + 1)  // e
        clock.advance(to: ms(60))  // e done → run done

        let result = try await run.value
        #expect(result.output == [11, 22, 31])
        #expect(result.report.latency == .milliseconds(60))
        #expect(result.report.isComplete)
        let report = result.report
        #expect(report[step: "a"]?.startedAt == ms(0))
        #expect(report[step: "b"]?.startedAt == ms(0))
        #expect(report[step: "a"]?.finishedAt == ms(10))
        #expect(report[step: "b"]?.finishedAt == ms(30))
        #expect(report[step: "c"]?.startedAt == ms(10), "c starts when a finishes")
        #expect(report[step: "e"]?.startedAt == ms(10), "e starts when a finishes, not when b does")
        #expect(report[step: "d"]?.startedAt == ms(30), "d starts when b finishes")
        #expect(report[step: "e"]?.finishedAt == ms(60))
        #expect(report.steps.allSatisfy { $0.outcome == .succeeded && $0.attempts == 1 })
        #expect(clock.sleeperCount == 0, "the deadline watcher was stopped, nothing leaked")
    }

    @Test func aLoneChainRunsInlineWithTheSameTiming() async throws {
        // a → b → c: every step is alone when it becomes ready, so all run in the run's task.
        let clock = ManualClock()
        var builder = WorkflowBuilder<Int>.test(clock: clock)
        let a: StepKey<Int> = builder.step("a", service: "s", policy: BoundedDirectCall()) { input, _, context in
            try await ScriptedCall(clock: clock, returning: input + 1, after: .milliseconds(5)).call(context)
        }
        let b: StepKey<Int> = builder.step("b", service: "s", dependsOn: [a.id], policy: BoundedDirectCall()) { _, values, context in
            try await ScriptedCall(clock: clock, returning: values[a] * 2, after: .milliseconds(7)).call(context)
        }
        let c: StepKey<Int> = builder.step("c", service: "s", dependsOn: [b.id], policy: BoundedDirectCall()) { _, values, _ in values[b] + 1 }
        let workflow = builder.build { _, values in values[c] }

        let run = Task { try await workflow.run(1) }
        try await clock.waitForSleepers(count: 1)
        clock.advance(to: ms(5))
        try await clock.waitForSleepers(count: 1)
        clock.advance(to: ms(12))
        let result = try await run.value
        #expect(result.output == 5)
        #expect(result.report[step: "b"]?.startedAt == ms(5))
        #expect(result.report[step: "c"]?.startedAt == ms(12))
        #expect(result.report.latency == .milliseconds(12))
    }

    @Test func whenFalseSkipsTheStepWithoutCallingIt() async throws {
        let clock = ManualClock()
        let wrap = ScriptedCall(clock: clock, returning: "wrapped")
        var builder = WorkflowBuilder<Bool>.test(clock: clock)
        let order: StepKey<Int> = builder.step("order", service: "orders", policy: DirectCall()) { _, _, _ in 7 }
        let gift: StepKey<String> = builder.step(
            "giftWrap",
            service: "wrapping",
            dependsOn: [order.id],
            when: { input, _ in input },
            policy: DirectCall()
        ) { _, _, context in try await wrap.call(context) }
        // Depends on the skipped step: still runs, and sees no value.
        let note: StepKey<String> = builder.step("note", service: "notes", dependsOn: [gift.id], policy: DirectCall()) { _, values, _ in
            values[ifPresent: gift] ?? "no wrap"
        }
        let workflow = builder.build { _, values in values[note] }

        let result = try await workflow.run(false)
        #expect(wrap.callCount == 0)
        #expect(result.output == "no wrap")
        #expect(result.report[step: "giftWrap"]?.outcome == .skipped)
        #expect(result.report[step: "giftWrap"]?.attempts == 0)
        #expect(result.report.isComplete, "a skipped step is not missing")

        let wrapped = try await workflow.run(true)
        #expect(wrapped.output == "wrapped")
        #expect(wrap.callCount == 1)
    }

    @Test func optionalFailureCompletesTheRunIncomplete() async throws {
        let clock = ManualClock()
        var builder = WorkflowBuilder<Void>.test(clock: clock)
        let cart: StepKey<Int> = builder.step("cart", service: "cart", policy: DirectCall()) { _, _, _ in 3 }
        let stock: StepKey<String> = builder.step("stock", service: "inventory", dependsOn: [cart.id], optional: true, policy: DirectCall()) { _, _, _ in
            throw ScriptedError(.overloaded)
        }
        let total: StepKey<Int> = builder.step("total", service: "pricing", dependsOn: [cart.id], policy: DirectCall()) { _, values, _ in
            values[cart] * 10
        }
        let workflow = builder.build { _, values in (values[total], values[ifPresent: stock]) }

        let result = try await workflow.run(())
        #expect(result.output.0 == 30)
        #expect(result.output.1 == nil)
        #expect(!result.report.isComplete)
        #expect(result.report.missing.map(\.step) == ["stock"])
        #expect(result.report[step: "stock"]?.outcome == .failed)
        #expect(result.report[step: "stock"]?.errorClass == .overloaded)
        #expect(result.report[step: "total"]?.outcome == .succeeded)
    }

    @Test func fallbackValueReplacesAFailedCall() async throws {
        let clock = ManualClock()
        var builder = WorkflowBuilder<Void>.test(clock: clock)
        let quote: StepKey<Int> = builder.step(
            "quote",
            service: "pricing",
            policy: DirectCall(),
            fallback: .value(99)
        ) { _, _, _ in throw ScriptedError(.unavailable) }
        let workflow = builder.build { _, values in values[quote] }

        let result = try await workflow.run(())
        #expect(result.output == 99)
        #expect(result.report[step: "quote"]?.outcome == .fallback)
        #expect(result.report[step: "quote"]?.errorClass == .unavailable, "the report says why the fallback was used")
        #expect(result.report.isComplete)
        #expect(result.report.degraded.map(\.step) == ["quote"])
    }

    @Test func fallbackCallRunsWithTheStepsContext() async throws {
        let clock = ManualClock()
        let primary = ScriptedCall<Int>(clock: clock, [.fail(ScriptedError(.unavailable), after: .milliseconds(5))])
        let listPrice = ScriptedCall(clock: clock, returning: 50, after: .milliseconds(3))
        var builder = WorkflowBuilder<Void>.test(clock: clock)
        let quote: StepKey<Int> = builder.step(
            "quote",
            service: "pricing",
            policy: DirectCall(),
            fallback: .call(policy: DirectCall()) { _, _, context in try await listPrice.call(context) }
        ) { _, _, context in try await primary.call(context) }
        let workflow = builder.build { _, values in values[quote] }

        let run = Task { try await workflow.run((), correlationID: "run-1") }
        try await clock.waitForSleepers(count: 2)
        clock.advance(to: ms(5))
        try await clock.waitForSleepers(count: 2)  // watcher, fallback call
        clock.advance(to: ms(8))
        let result = try await run.value
        #expect(result.output == 50)
        let report = try #require(result.report[step: "quote"])
        #expect(report.outcome == .fallback)
        #expect(report.attempts == 2, "one primary attempt and one fallback attempt")
        #expect(report.latency == .milliseconds(8))
        #expect(listPrice.calls.first?.context.step == "quote")
        #expect(listPrice.calls.first?.context.correlationID == "run-1")
    }

    @Test func requiredFailureWithoutFallbackThrowsAndStartsNothingNew() async throws {
        let clock = ManualClock()
        let later = ScriptedCall(clock: clock, returning: 1)
        var builder = WorkflowBuilder<Void>.test(clock: clock)
        let first: StepKey<Int> = builder.step("first", service: "s", policy: DirectCall()) { _, _, _ in throw ScriptedError(.permanent) }
        builder.step("second", service: "s", dependsOn: [first.id], policy: DirectCall()) { _, _, context in try await later.call(context) }
        let workflow = builder.build { _, _ in () }

        let error = await #expect(throws: WorkflowError.self) { try await workflow.run(()) }
        #expect(error?.failedStep == "first")
        #expect(error?.errorClass == .permanent)
        #expect(error?.underlying is ScriptedError)
        #expect(error?.report[step: "second"]?.outcome == .notStarted)
        #expect(later.callCount == 0)
    }

    @Test func aCallersTimeoutShortensTheDeadlineButNeverLengthensIt() async throws {
        let clock = ManualClock()
        let charge = ScriptedCall(clock: clock, returning: "ch_1")
        var builder = WorkflowBuilder<String>.test("checkout", deadline: .milliseconds(800), clock: clock)
        builder.step("charge", service: "payments", policy: DirectCall()) { _, _, context in try await charge.call(context) }
        let workflow = builder.build { _, _ in () }

        _ = try await workflow.run("order-1", timeout: .milliseconds(250))
        _ = try await workflow.run("order-2", timeout: .seconds(5))
        _ = try await workflow.run("order-3")
        #expect(charge.calls.map { $0.context.deadline?.instant } == [ms(250), ms(800), ms(800)])
    }

    @Test func callContextCarriesRunAndStepFacts() async throws {
        let clock = ManualClock()
        let charge = ScriptedCall(clock: clock, returning: "ch_1")
        var builder = WorkflowBuilder<String>.test("checkout", deadline: .milliseconds(800), clock: clock)
        builder.step(
            "charge",
            service: "payments",
            policy: DirectCall(),
            idempotencyKey: { orderID, _ in orderID }
        ) { _, _, context in try await charge.call(context) }
        let workflow = builder.build { _, _ in () }

        let result = try await workflow.run("order-9")
        let context = try #require(charge.calls.first?.context)
        #expect(context.workflow == "checkout")
        #expect(context.step == "charge")
        #expect(context.attempt == 1)
        #expect(context.idempotencyKey == "order-9")
        #expect(context.deadline?.instant == ms(800))
        #expect(context.correlationID == result.report.correlationID)
        // Generated ids are UUID-shaped (8-4-4-4-12 lowercase hex, version 4).
        let id = context.correlationID
        #expect(id.count == 36)
        #expect(id.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12])
        #expect(id.split(separator: "-")[2].first == "4")
    }

    @Test func correlationIDsAreReproducibleFromASeed() {
        #expect(CorrelationID.make(using: .seeded(1)) == CorrelationID.make(using: .seeded(1)))
        #expect(CorrelationID.make(using: .seeded(1)) != CorrelationID.make(using: .seeded(2)))
    }
}
