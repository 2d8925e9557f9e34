import BatonRuntime
import BatonTesting
import Synchronization
import Testing

@Suite struct IdempotencyStoreTests {
    struct Order: Sendable {
        var id: String
    }

    /// A workflow with one write step, `charge`, deduplicated on the order id through `store`.
    static func chargeWorkflow(
        store: any IdempotencyStore,
        ttl: Duration = .seconds(60),
        deadline: Duration = .seconds(1),
        clock: ManualClock,
        charge: ScriptedCall<String>,
        policy: any CallPolicy = BoundedDirectCall()
    ) -> Workflow<Order, String> {
        var builder = WorkflowBuilder<Order>.test(deadline: deadline, clock: clock)
        let step: StepKey<String> = builder.step(
            "charge",
            service: "payments",
            policy: policy,
            idempotencyKey: { input, _ in input.id },
            idempotency: StepIdempotency(store: store, scope: "payments.charge", ttl: ttl)
        ) { _, _, context in
            try await charge.call(context)
        }
        return builder.build { _, values in values[step] }
    }

    @Test func oneHundredConcurrentDuplicatesExecuteTheSideEffectOnce() async throws {
        let clock = ManualClock()
        let store = InMemoryIdempotencyStore(clock: clock.asAnyClock)
        let charge = ScriptedCall<String>(clock: clock, returning: "ch_1", after: .milliseconds(10))
        let workflow = Self.chargeWorkflow(store: store, clock: clock, charge: charge)

        let outputs = try await withThrowingTaskGroup(of: String?.self) { group in
            for _ in 0..<100 {
                group.addTask { try? await workflow.run(Order(id: "order-1")).output }
            }
            // The leader's call sleeps; each duplicate waits under its run's deadline (one
            // watcher each).
            try await clock.waitForSleepers(count: 100)
            clock.advance(by: .milliseconds(10))
            var outputs: [String?] = []
            for try await output in group { outputs.append(output) }
            return outputs
        }
        #expect(charge.callCount == 1)
        #expect(outputs.count == 100)
        #expect(outputs.allSatisfy { $0 == "ch_1" })
        let statistics = store.statistics
        #expect(statistics.executions == 1)
        #expect(statistics.coalesced + statistics.replayed == 99)
        #expect(statistics.entries == 1)
        #expect(clock.sleeperCount == 0)
    }

    @Test func aSuccessIsReplayedWithinItsTTLAndExecutedAgainAfterIt() async throws {
        let clock = ManualClock()
        let store = InMemoryIdempotencyStore(clock: clock.asAnyClock)
        let charge = ScriptedCall<String>(clock: clock, [.succeed("ch_1"), .succeed("ch_2")])
        let workflow = Self.chargeWorkflow(store: store, ttl: .seconds(10), clock: clock, charge: charge)

        #expect(try await workflow.run(Order(id: "o")).output == "ch_1")
        clock.advance(by: .seconds(9))
        let replay = try await workflow.run(Order(id: "o"))
        #expect(replay.output == "ch_1", "within the TTL the remembered outcome is returned")
        #expect(replay.report[step: "charge"]?.outcome == .succeeded)
        #expect(replay.report[step: "charge"]?.attempts == 0, "nothing was called")
        #expect(charge.callCount == 1)

        clock.advance(by: .seconds(1))
        #expect(try await workflow.run(Order(id: "o")).output == "ch_2", "the TTL passed: executed again")
        #expect(charge.callCount == 2)
        #expect(try await workflow.run(Order(id: "other")).output == "ch_2", "another key executes")
        #expect(charge.callCount == 3)
    }

    @Test func aFailureIsNotRememberedSoADuplicateExecutesAgain() async throws {
        let clock = ManualClock()
        let store = InMemoryIdempotencyStore(clock: clock.asAnyClock)
        let charge = ScriptedCall<String>(clock: clock, [.fail(ScriptedError(.permanent)), .succeed("ch_1")])
        let workflow = Self.chargeWorkflow(store: store, clock: clock, charge: charge)

        let error = try #require(await #expect(throws: WorkflowError.self) { try await workflow.run(Order(id: "o")) })
        #expect(error.errorClass == .permanent)
        #expect(try await workflow.run(Order(id: "o")).output == "ch_1")
        #expect(charge.callCount == 2)
        #expect(store.statistics.executions == 2)
    }

    @Test func duplicatesWaitingOnAFailedExecutionShareItsErrorWithoutExecuting() async throws {
        let clock = ManualClock()
        let store = InMemoryIdempotencyStore(clock: clock.asAnyClock)
        let charge = ScriptedCall<String>(clock: clock, [.fail(ScriptedError(.permanent, tag: 1), after: .milliseconds(10)), .succeed("ch")])
        let workflow = Self.chargeWorkflow(store: store, clock: clock, charge: charge)

        let first = Task { try await workflow.run(Order(id: "o")) }
        try await charge.waitForCalls(count: 1)
        let second = Task { try await workflow.run(Order(id: "o")) }
        try await clock.waitForSleepers(count: 2)  // the call, the duplicate's deadline watch
        #expect(store.statistics.coalesced == 1)
        clock.advance(by: .milliseconds(10))
        for run in [first, second] {
            let error = try #require(await #expect(throws: WorkflowError.self) { try await run.value })
            #expect(error.underlying as? ScriptedError == ScriptedError(.permanent, tag: 1))
        }
        #expect(charge.callCount == 1)
    }

    @Test func cancellingTheExecutingCallerHandsTheWorkToAWaiter() async throws {
        let clock = ManualClock()
        let store = InMemoryIdempotencyStore(clock: clock.asAnyClock)
        let charge = ScriptedCall<String>(clock: clock, [.hang, .succeed("ch_2", after: .milliseconds(5))])
        let workflow = Self.chargeWorkflow(store: store, clock: clock, charge: charge)

        let leader = Task { try await workflow.run(Order(id: "o")) }
        try await charge.waitForCalls(count: 1)
        let waiter = Task { try await workflow.run(Order(id: "o")) }
        try await clock.waitForSleepers(count: 2)  // the hanging call, the waiter's deadline watch
        leader.cancel()
        let error = try #require(await #expect(throws: WorkflowError.self) { try await leader.value })
        #expect(error.errorClass == .cancelled)
        // The waiter is not left waiting on the abandoned execution: it executes itself.
        try await charge.waitForCalls(count: 2)
        try await clock.waitForSleepers(count: 1)
        clock.advance(by: .milliseconds(5))
        #expect(try await waiter.value.output == "ch_2")
        #expect(charge.callCount == 2)
        #expect(store.statistics.executions == 2)
    }

    @Test func aCancelledWaiterLeavesTheExecutionAndTheOtherWaitersAlone() async throws {
        let clock = ManualClock()
        let store = InMemoryIdempotencyStore(clock: clock.asAnyClock)
        let charge = ScriptedCall<String>(clock: clock, returning: "ch", after: .milliseconds(10))
        let workflow = Self.chargeWorkflow(store: store, clock: clock, charge: charge)

        let leader = Task { try await workflow.run(Order(id: "o")) }
        try await charge.waitForCalls(count: 1)
        let quitter = Task { try await workflow.run(Order(id: "o")) }
        let patient = Task { try await workflow.run(Order(id: "o")) }
        try await clock.waitForSleepers(count: 3)
        quitter.cancel()
        let error = try #require(await #expect(throws: WorkflowError.self) { try await quitter.value })
        #expect(error.errorClass == .cancelled)
        clock.advance(by: .milliseconds(10))
        #expect(try await leader.value.output == "ch")
        #expect(try await patient.value.output == "ch")
        #expect(charge.callCount == 1)
    }

    @Test func aDuplicateWaitsNoLongerThanItsOwnRunsDeadline() async throws {
        let clock = ManualClock()
        let store = InMemoryIdempotencyStore(clock: clock.asAnyClock)
        let charge = ScriptedCall<String>(clock: clock, returning: "ch", after: .milliseconds(100))
        let slow = Self.chargeWorkflow(store: store, deadline: .seconds(1), clock: clock, charge: charge)
        let hurried = Self.chargeWorkflow(store: store, deadline: .milliseconds(20), clock: clock, charge: charge)

        let leader = Task { try await slow.run(Order(id: "o")) }
        try await charge.waitForCalls(count: 1)
        let duplicate = Task { try await hurried.run(Order(id: "o")) }
        try await clock.waitForSleepers(count: 2)
        clock.advance(by: .milliseconds(20))
        let error = try #require(await #expect(throws: WorkflowError.self) { try await duplicate.value })
        #expect(error.errorClass == .timeout)
        #expect(error.report.latency == .milliseconds(20))
        clock.advance(by: .milliseconds(80))
        #expect(try await leader.value.output == "ch")
        #expect(charge.callCount == 1)
    }

    @Test func theStoreSitsOutsideTheRetryLoop() async throws {
        // One execution is the whole retried call: the retries do not go through the store, and
        // a duplicate after the retried success is answered from it.
        let clock = ManualClock()
        let store = InMemoryIdempotencyStore(clock: clock.asAnyClock)
        let charge = ScriptedCall<String>(clock: clock, [.fail(ScriptedError(.transient)), .succeed("ch")])
        let workflow = Self.chargeWorkflow(store: store, clock: clock, charge: charge, policy: RetryImmediately(maxAttempts: 3))

        let result = try await workflow.run(Order(id: "o"))
        #expect(result.output == "ch")
        #expect(result.report[step: "charge"]?.attempts == 2)
        #expect(charge.calls.map(\.context.idempotencyKey) == ["o", "o"])
        #expect(try await workflow.run(Order(id: "o")).output == "ch")
        #expect(charge.callCount == 2)
        #expect(store.statistics.executions == 1)
    }

    @Test func aCompensatedStepIsForgottenSoARetriedWorkflowExecutesItAgain() async throws {
        // reserve succeeds, charge fails, reserve is compensated (released). When the client
        // retries with the same order, replaying the released reservation would be wrong.
        let clock = ManualClock()
        let store = InMemoryIdempotencyStore(clock: clock.asAnyClock)
        let reserve = ScriptedCall<String>(clock: clock, [.succeed("res_1"), .succeed("res_2")])
        let charge = ScriptedCall<String>(clock: clock, [.fail(ScriptedError(.permanent)), .succeed("ch")])
        let released = EventLog()
        var builder = WorkflowBuilder<Order>.test(clock: clock)
        let reservation: StepKey<String> = builder.step(
            "reserve", service: "inventory", policy: BoundedDirectCall(),
            idempotencyKey: { input, _ in input.id },
            idempotency: StepIdempotency(store: store, scope: "inventory.reserve", ttl: .seconds(60)),
            compensation: StepCompensation(policy: BoundedDirectCall()) { _, reservation, _, _ in released.append(reservation) }
        ) { _, _, context in try await reserve.call(context) }
        let charged: StepKey<String> = builder.step(
            "charge", service: "payments", dependsOn: [reservation.id], policy: BoundedDirectCall()
        ) { _, _, context in try await charge.call(context) }
        let workflow = builder.build { _, values in values[reservation] + "/" + values[charged] }

        await #expect(throws: WorkflowError.self) { try await workflow.run(Order(id: "o")) }
        #expect(released.events == ["res_1"])
        #expect(try await workflow.run(Order(id: "o")).output == "res_2/ch", "the released reservation is not replayed")
        #expect(reserve.callCount == 2)
    }

    @Test func keysAreScopedByOperation() async throws {
        let store = InMemoryIdempotencyStore(clock: ManualClock().asAnyClock)
        let calls = Atomic<Int>(0)
        for scope in ["payments.charge", "payments.refund", "payments.charge"] {
            _ = try await store.execute(key: IdempotencyKey(scope: scope, value: "o-1"), ttl: .seconds(1)) {
                calls.add(1, ordering: .relaxed)
            }
        }
        #expect(calls.load(ordering: .relaxed) == 2)
    }

    @Test func rememberedOutcomesAreBoundedAndDropsAreCounted() async throws {
        let clock = ManualClock()
        let store = InMemoryIdempotencyStore(maxEntries: 3, clock: clock.asAnyClock)
        let calls = Atomic<Int>(0)
        func execute(_ value: String) async throws -> Int {
            try await store.execute(key: IdempotencyKey(scope: "s.o", value: value), ttl: .seconds(60)) {
                calls.add(1, ordering: .relaxed).newValue
            }
        }
        for value in ["a", "b", "c", "d", "e"] { _ = try await execute(value) }
        #expect(store.statistics.entries == 3)
        #expect(store.statistics.evicted == 2)
        #expect(try await execute("e") == 5, "kept: replayed")
        #expect(try await execute("a") == 6, "dropped: executed again")
        #expect(store.statistics.evicted == 3)
        // Expired entries are dropped as they are met, without counting as evictions, and the
        // bookkeeping does not grow with the number of keys seen.
        clock.advance(by: .seconds(61))
        for index in 0..<10_000 { _ = try await execute("k\(index)") }
        #expect(store.statistics.entries == 3)
    }

    @Test func aZeroTTLCoalescesButRemembersNothing() async throws {
        let clock = ManualClock()
        let store = InMemoryIdempotencyStore(clock: clock.asAnyClock)
        let charge = ScriptedCall<String>(clock: clock, [.succeed("ch_1"), .succeed("ch_2")])
        let workflow = Self.chargeWorkflow(store: store, ttl: .zero, clock: clock, charge: charge)
        #expect(try await workflow.run(Order(id: "o")).output == "ch_1")
        #expect(try await workflow.run(Order(id: "o")).output == "ch_2")
        #expect(store.statistics.entries == 0)
    }

    @Test func aStepWithoutAKeyValueBypassesTheStore() async throws {
        let clock = ManualClock()
        let store = InMemoryIdempotencyStore(clock: clock.asAnyClock)
        let charge = ScriptedCall<String>(clock: clock, returning: "ch")
        var builder = WorkflowBuilder<Order>.test(clock: clock)
        let step: StepKey<String> = builder.step(
            "charge", service: "payments", policy: BoundedDirectCall(),
            idempotencyKey: { _, _ in nil },
            idempotency: StepIdempotency(store: store, scope: "payments.charge", ttl: .seconds(60))
        ) { _, _, context in try await charge.call(context) }
        let workflow = builder.build { _, values in values[step] }
        _ = try await workflow.run(Order(id: "o"))
        _ = try await workflow.run(Order(id: "o"))
        #expect(charge.callCount == 2)
        #expect(store.statistics.executions == 0)
    }

    @Test func orchestratorOptionsDefaultToAnInMemoryStoreOnTheirClock() {
        let options = OrchestratorOptions(clock: ManualClock().asAnyClock)
        #expect(options.idempotencyStore is InMemoryIdempotencyStore)
        #expect(options.idempotencyTTL == .seconds(86_400))
    }
}
