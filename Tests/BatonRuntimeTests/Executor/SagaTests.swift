import BatonRuntime
import BatonTesting
import Synchronization
import Testing

/// Retries every failure up to `maxAttempts` with no delay, while the run's (or compensation's)
/// deadline has not passed (the real retry policy lives in Policies/; this keeps the saga tests
/// and the soak independent of it).
struct RetryImmediately: CallPolicy {
    var maxAttempts: Int

    func run<T: Sendable>(_ context: CallContext, log: AttemptLog, _ call: @escaping @Sendable (CallContext) async throws -> T) async throws -> T {
        var context = context
        while true {
            context.attempt = log.beginAttempt()
            do {
                return try await call(context)
            } catch {
                log.recordFailure(ErrorClass.classify(error))
                if context.attempt >= maxAttempts || Task.isCancelled || Deadline.current?.hasExpired == true { throw error }
            }
        }
    }
}

@Suite struct SagaTests {
    /// Declares a compensable step that succeeds after `delay` and logs its compensation.
    static func compensable(
        _ name: String,
        after delay: Int,
        on builder: inout WorkflowBuilder<Void>,
        clock: ManualClock,
        events: EventLog
    ) -> StepKey<String> {
        builder.step(
            name,
            service: "s",
            policy: DirectCall(),
            compensation: StepCompensation(policy: DirectCall()) { _, output, _, _ in events.append("undo \(output)") }
        ) { _, _, context in
            try await ScriptedCall(clock: clock, returning: name, after: .milliseconds(delay)).call(context)
        }
    }

    @Test func compensatesInReverseCompletionOrderExactlyOnceWhenTwoRequiredStepsFailTogether() async throws {
        let clock = ManualClock()
        let events = EventLog()
        var builder = WorkflowBuilder<Void>.test(clock: clock)
        // Declared r1, r2, r3; they complete r2 (10ms), r3 (20ms), r1 (30ms). Each has an optional
        // dependant that starts sleeping when it completes: the test's barrier for "the run has
        // seen this completion" before time moves on.
        for (name, delay) in [("r1", 30), ("r2", 10), ("r3", 20)] {
            let key = Self.compensable(name, after: delay, on: &builder, clock: clock, events: events)
            builder.step("w\(name)", service: "s", dependsOn: [key.id], optional: true, policy: DirectCall()) { _, _, context -> Int in
                try await ScriptedCall<Int>(clock: clock, [.hang]).call(context)
            }
        }
        // Two required steps fail at the same instant.
        for name in ["f1", "f2"] {
            builder.step(name, service: "s", policy: DirectCall()) { _, _, context -> Int in
                try await ScriptedCall<Int>(clock: clock, [.fail(ScriptedError(.unavailable), after: .milliseconds(40))]).call(context)
            }
        }
        let workflow = builder.build { _, _ in () }

        let run = Task { try await workflow.run((), correlationID: "cid") }
        try await clock.waitForSleepers(count: 6)  // watcher, r1, r2, r3, f1, f2
        for instant in [10, 20, 30] {
            clock.advance(to: ms(instant))  // one r completes; its dependant replaces its sleeper
            try await clock.waitForSleepers(count: 6)
        }
        clock.advance(to: ms(40))
        let error = try #require(await #expect(throws: WorkflowError.self) { try await run.value })

        #expect(events.events == ["undo r1", "undo r3", "undo r2"], "reverse completion order, each once")
        #expect(error.compensations.map(\.step) == ["r1", "r3", "r2"])
        #expect(error.fullyCompensated)
        #expect(error.compensations.map(\.idempotencyKey) == ["cid:r1:compensate", "cid:r3:compensate", "cid:r2:compensate"])
        #expect(["f1", "f2"].contains(error.failedStep))
        #expect(error.errorClass == .unavailable)
        #expect(error.report[step: "f1"]?.outcome == .failed)
        #expect(error.report[step: "f2"]?.outcome == .failed)
        #expect(error.report[step: "wr1"]?.outcome == .cancelled)
        #expect(clock.sleeperCount == 0)
    }

    @Test func aStepThatFinishesAfterTheFailureIsCompensatedToo() async throws {
        // `late` ignores cancellation and completes successfully after the failure: its effect
        // happened, so it must be undone as well (first: it completed last).
        let clock = ManualClock()
        let events = EventLog()
        var builder = WorkflowBuilder<Void>.test(clock: clock)
        let early = Self.compensable("early", after: 10, on: &builder, clock: clock, events: events)
        builder.step(
            "late",
            service: "s",
            policy: DirectCall(),
            compensation: StepCompensation(policy: DirectCall()) { _, _, _, _ in events.append("undo late") }
        ) { _, _, _ -> Int in
            // An uncancellable wait, like a downstream call that does not honour cancellation.
            await Task { try? await clock.sleep(until: ms(60)) }.value
            return 1
        }
        // Starts when `early` completes (the barrier below), fails 10 ms later.
        builder.step("fails", service: "s", dependsOn: [early.id], policy: DirectCall()) { _, _, context -> Int in
            try await ScriptedCall<Int>(clock: clock, [.fail(ScriptedError(.permanent), after: .milliseconds(10))]).call(context)
        }
        let workflow = builder.build { _, _ in () }

        let run = Task { try await workflow.run(()) }
        try await clock.waitForSleepers(count: 3)  // watcher, early, late
        clock.advance(to: ms(10))
        try await clock.waitForSleepers(count: 3)  // watcher, late, fails
        clock.advance(to: ms(20))  // fails → cancel; `late` keeps going
        #expect(clock.nextDeadline == ms(60))
        clock.advance(to: ms(60))
        let error = try #require(await #expect(throws: WorkflowError.self) { try await run.value })
        #expect(error.failedStep == "fails")
        #expect(error.errorClass == .permanent)
        #expect(events.events == ["undo late", "undo early"])
        #expect(error.report[step: "late"]?.outcome == .succeeded)
    }

    @Test func compensationRetriesWithItsOwnPolicyAndAStableIdempotencyKey() async throws {
        let clock = ManualClock()
        let release = ScriptedCall<Void>(clock: clock, [.fail(ScriptedError(.transient)), .succeed(())])
        var builder = WorkflowBuilder<Void>.test(clock: clock)
        let reserve: StepKey<String> = builder.step(
            "reserve",
            service: "inventory",
            policy: DirectCall(),
            compensation: StepCompensation(policy: RetryImmediately(maxAttempts: 3)) { _, reservation, _, context in
                #expect(reservation == "res-1")
                try await release.call(context)
            }
        ) { _, _, _ in "res-1" }
        builder.step("charge", service: "payments", dependsOn: [reserve.id], policy: DirectCall()) { _, _, _ -> Int in
            throw ScriptedError(.permanent)
        }
        let workflow = builder.build { _, _ in () }

        let error = try #require(await #expect(throws: WorkflowError.self) { try await workflow.run((), correlationID: "run-7") })
        #expect(error.report[step: "reserve"]?.outcome == .succeeded)
        #expect(release.callCount == 2)
        #expect(release.calls.map(\.context.idempotencyKey) == ["run-7:reserve:compensate", "run-7:reserve:compensate"])
        #expect(release.calls.map(\.context.attempt) == [1, 2])
        #expect(error.compensations.first?.attempts == 2)
        #expect(error.compensations.first?.succeeded == true)
    }

    @Test func compensationsRunEvenWhenTheCallerIsCancelled() async throws {
        let clock = ManualClock()
        // The compensation sleeps on the clock: in a cancelled task that sleep would throw at once.
        let release = ScriptedCall<Void>(clock: clock, returning: (), after: .milliseconds(5))
        var builder = WorkflowBuilder<Void>.test(clock: clock)
        builder.step(
            "reserve",
            service: "inventory",
            policy: DirectCall(),
            compensation: StepCompensation(policy: DirectCall()) { _, _, _, context in try await release.call(context) }
        ) { _, _, context in try await ScriptedCall(clock: clock, returning: "res", after: .milliseconds(10)).call(context) }
        builder.step("slow", service: "s", policy: DirectCall()) { _, _, context -> Int in
            try await ScriptedCall<Int>(clock: clock, [.hang]).call(context)
        }
        let workflow = builder.build { _, _ in () }

        let run = Task { try await workflow.run(()) }
        try await clock.waitForSleepers(count: 3)  // watcher, reserve, slow
        clock.advance(to: ms(10))  // reserve done
        try await clock.waitForSleepers(count: 2)
        run.cancel()
        try await release.waitForCalls(count: 1)
        // The run's own sleepers are gone by now (the group finished before compensating).
        try await clock.waitForSleepers(count: 1)
        #expect(clock.nextDeadline == ms(15))
        clock.advance(to: ms(15))
        let error = try #require(await #expect(throws: WorkflowError.self) { try await run.value })
        #expect(error.failedStep == "slow")
        #expect(error.errorClass == .cancelled)
        #expect(error.compensations.map(\.step) == ["reserve"])
        #expect(error.compensations.first?.succeeded == true, "the compensation ran to completion")
        #expect(error.report[step: "slow"]?.outcome == .cancelled)
    }

    @Test func deadlineMidFlightCancelsRunningStepsAndReportsThemTimedOut() async throws {
        let clock = ManualClock()
        let events = EventLog()
        var builder = WorkflowBuilder<Void>.test(deadline: .milliseconds(50), clock: clock)
        let first = Self.compensable("first", after: 10, on: &builder, clock: clock, events: events)
        let slow: StepKey<Int> = builder.step("slow", service: "s", dependsOn: [first.id], policy: DirectCall()) { _, _, context in
            try await ScriptedCall<Int>(clock: clock, [.hang]).call(context)
        }
        builder.step("extra", service: "s", optional: true, policy: DirectCall()) { _, _, context -> Int in
            try await ScriptedCall<Int>(clock: clock, [.hang]).call(context)
        }
        let never = ScriptedCall(clock: clock, returning: 0)
        builder.step("after", service: "s", dependsOn: [slow.id], policy: DirectCall()) { _, _, context in try await never.call(context) }
        let workflow = builder.build { _, _ in () }

        let run = Task { try await workflow.run(()) }
        try await clock.waitForSleepers(count: 3)  // watcher, first, extra
        clock.advance(to: ms(10))
        try await clock.waitForSleepers(count: 3)  // watcher, extra, slow
        clock.advance(to: ms(50))  // the deadline
        let error = try #require(await #expect(throws: WorkflowError.self) { try await run.value })
        #expect(error.failedStep == "slow")
        #expect(error.errorClass == .timeout)
        #expect(error.report[step: "slow"]?.outcome == .timedOut)
        #expect(error.report[step: "slow"]?.latency == .milliseconds(40))
        #expect(error.report[step: "extra"]?.outcome == .timedOut)
        #expect(error.report[step: "after"]?.outcome == .notStarted)
        #expect(never.callCount == 0)
        #expect(events.events == ["undo first"], "compensations run after the deadline, with their own budget")
        #expect(clock.sleeperCount == 0)
        #expect(clock.now == ms(50))
    }

    @Test func deadlineEnforcedByPoliciesThatClipAttemptsToIt() async throws {
        // SingleAttempt clips its attempt to the run's deadline, so the executor runs no watcher
        // of its own: the attempt's timer ends the step at the deadline.
        let clock = ManualClock()
        let policy = SingleAttempt(clock: clock.asAnyClock)
        var builder = WorkflowBuilder<Void>.test(deadline: .milliseconds(50), clock: clock)
        let slow: StepKey<Int> = builder.step("slow", service: "s", policy: policy) { _, _, context in
            try await ScriptedCall<Int>(clock: clock, [.hang]).call(context)
        }
        let next = ScriptedCall(clock: clock, returning: 1)
        builder.step("next", service: "s", dependsOn: [slow.id], optional: true, policy: policy) { _, _, context in
            try await next.call(context)
        }
        let workflow = builder.build { _, _ in () }

        let run = Task { try await workflow.run(()) }
        try await clock.waitForSleepers(count: 2)  // the call and its attempt timer
        clock.advance(to: ms(50))
        let error = try #require(await #expect(throws: WorkflowError.self) { try await run.value })
        #expect(error.failedStep == "slow")
        #expect(error.errorClass == .timeout)
        #expect(error.underlying is TimeoutError)
        #expect(error.report[step: "slow"]?.outcome == .timedOut)
        #expect(error.report[step: "next"]?.outcome == .notStarted)
        #expect(next.callCount == 0)
        #expect(clock.sleeperCount == 0)
    }

    @Test func deadlineWithOnlyOptionalStepsRunningCompletesIncomplete() async throws {
        let clock = ManualClock()
        var builder = WorkflowBuilder<Void>.test(deadline: .milliseconds(50), clock: clock)
        let cart: StepKey<Int> = builder.step("cart", service: "s", policy: DirectCall()) { _, _, context in
            try await ScriptedCall(clock: clock, returning: 5, after: .milliseconds(10)).call(context)
        }
        let stock: StepKey<Int> = builder.step("stock", service: "s", optional: true, policy: DirectCall()) { _, _, context in
            try await ScriptedCall<Int>(clock: clock, [.hang]).call(context)
        }
        let workflow = builder.build { _, values in (values[cart], values[ifPresent: stock]) }

        let run = Task { try await workflow.run(()) }
        try await clock.waitForSleepers(count: 3)
        clock.advance(to: ms(10))
        try await clock.waitForSleepers(count: 2)
        clock.advance(to: ms(50))
        let result = try await run.value
        #expect(result.output.0 == 5)
        #expect(result.output.1 == nil)
        #expect(!result.report.isComplete)
        #expect(result.report.missing.map(\.step) == ["stock"])
        #expect(result.report[step: "stock"]?.outcome == .timedOut)
        #expect(result.report[step: "stock"]?.errorClass == .timeout)
        #expect(result.report.latency == .milliseconds(50))
    }
}
