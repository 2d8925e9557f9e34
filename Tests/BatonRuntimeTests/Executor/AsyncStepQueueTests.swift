import BatonRuntime
import BatonTesting
import InMemoryLogging
import Logging
import Testing

@Suite struct AsyncStepQueueTests {
    @Test func dropsAndCountsWhenFullThenDrainsOnShutdown() async throws {
        let clock = ManualClock()
        let logs = InMemoryLogHandler()
        let telemetry = Telemetry(logger: Logger(label: "test", factory: { _ in logs }), metricsFactory: nil, tracer: nil)
        let queue = AsyncStepQueue(capacity: 1, maxConcurrent: 1, telemetry: telemetry)
        let work = ScriptedCall<Void>(clock: clock, returning: (), after: .milliseconds(10))
        let context = CallContext(workflow: "w", step: "s", correlationID: "c")

        #expect(queue.submit(label: "w.s") { _ = try? await work.call(context) })  // runs at once
        #expect(queue.submit(label: "w.s") { _ = try? await work.call(context) })  // waits
        #expect(!queue.submit(label: "w.s") { _ = try? await work.call(context) })  // full
        #expect(queue.droppedCount == 1)
        #expect(queue.pendingCount == 1)
        #expect(logs.entries.contains { $0.level == .warning && "\($0.message)".contains("queue full") })

        let shutdown = Task { await queue.shutdown() }
        try await clock.waitForSleepers(count: 1)
        clock.advance(to: ms(10))
        try await work.waitForCalls(count: 2)
        try await clock.waitForSleepers(count: 1)
        clock.advance(to: ms(20))
        await shutdown.value
        #expect(queue.completedCount == 2)
        #expect(queue.pendingCount == 0)

        #expect(!queue.submit(label: "w.s") {}, "a shut-down queue takes nothing")
        #expect(queue.droppedCount == 2)
    }

    /// Regression (found by the soak): a worker held its first job — and everything it captured,
    /// such as a run's input and step values — for as long as it lived, and released the last job
    /// only after `drain()` had returned.
    @Test func onceDrainedTheQueueRetainsNothingAFinishedJobCaptured() async throws {
        let clock = ManualClock()
        let queue = AsyncStepQueue(capacity: 4, maxConcurrent: 1, telemetry: .disabled)
        let work = ScriptedCall<Void>(clock: clock, returning: (), after: .milliseconds(10))
        let context = CallContext(workflow: "w", step: "s", correlationID: "c")
        weak var first: Payload?
        weak var second: Payload?
        do {
            let payloads = (Payload(), Payload())
            first = payloads.0
            second = payloads.1
            for payload in [payloads.0, payloads.1] {
                let accepted = queue.submit(label: "w.s") {
                    _ = try? await work.call(context)
                    payload.touch()
                }
                #expect(accepted)
            }
        }
        try await clock.waitForSleepers(count: 1)
        clock.advance(to: ms(10))
        try await work.waitForCalls(count: 2)
        try await clock.waitForSleepers(count: 1)
        // The worker is still alive, running the second job: the first one is released already.
        #expect(first == nil, "a live worker must not retain its first job")
        #expect(second != nil)
        clock.advance(to: ms(20))
        await queue.drain()
        #expect(second == nil, "drain() returned while the queue still retained a finished job")
        #expect(queue.completedCount == 2)
    }

    @Test func runReturnsAfterShutdownIsRequestedAndTheQueueDrained() async throws {
        let clock = ManualClock()
        let queue = AsyncStepQueue(capacity: 4, maxConcurrent: 2, telemetry: .disabled)
        let service = Task { await queue.run() }
        let work = ScriptedCall<Void>(clock: clock, returning: (), after: .milliseconds(5))
        let context = CallContext(workflow: "w", step: "s", correlationID: "c")
        for _ in 0..<3 { queue.submit(label: "w.s") { _ = try? await work.call(context) } }
        queue.beginShutdown()
        try await clock.waitForSleepers(count: 2)  // two run at a time
        clock.advance(to: ms(5))
        try await work.waitForCalls(count: 3)
        try await clock.waitForSleepers(count: 1)
        clock.advance(to: ms(10))
        await service.value
        #expect(queue.completedCount == 3)
    }

    @Test func cancellingRunAlsoShutsDownAndDrains() async throws {
        let queue = AsyncStepQueue(capacity: 4, telemetry: .disabled)
        let service = Task { await queue.run() }
        queue.submit(label: "w.s") {}
        service.cancel()
        await service.value
        #expect(!queue.isAccepting)
        #expect(queue.completedCount == 1)
    }

    @Test func asyncStepsAreQueuedRetriedAndNotAwaited() async throws {
        let clock = ManualClock()
        let queue = AsyncStepQueue(capacity: 8, telemetry: .disabled)
        let receipt = ScriptedCall<Void>(clock: clock, [
            .fail(ScriptedError(.transient), after: .milliseconds(10)),
            .succeed((), after: .milliseconds(10)),
        ])
        var builder = WorkflowBuilder<String>.test(clock: clock, queue: queue)
        let order: StepKey<String> = builder.step("order", service: "orders", policy: DirectCall()) { input, _, _ in "order-\(input)" }
        let receiptStep = builder.asyncStep(
            "receipt",
            service: "mail",
            dependsOn: [order.id],
            policy: RetryImmediately(maxAttempts: 3),
            idempotencyKey: { _, values in values[order] }
        ) { _, _, context in try await receipt.call(context) }
        _ = receiptStep
        let workflow = builder.build { _, values in values[order] }

        // The run returns while the receipt is still being sent.
        let result = try await workflow.run("1", correlationID: "cid-1")
        #expect(result.output == "order-1")
        #expect(result.report[step: "receipt"]?.outcome == .enqueued)
        #expect(result.report.isComplete)

        let drained = Task { await queue.shutdown() }
        try await clock.waitForSleepers(count: 1)
        clock.advance(to: ms(10))  // first attempt fails, retried at once
        try await receipt.waitForCalls(count: 2)
        try await clock.waitForSleepers(count: 1)
        clock.advance(to: ms(20))
        await drained.value
        #expect(receipt.calls.map(\.context.attempt) == [1, 2])
        #expect(receipt.calls.allSatisfy { $0.context.correlationID == "cid-1" && $0.context.idempotencyKey == "order-1" })
        #expect(receipt.calls.allSatisfy { $0.context.deadline == nil }, "background calls are not bound by the run's deadline")
    }

    /// A `mode: async` write's `invalidates` run in the worker once its background call
    /// succeeded — not when the step is queued, and not after a failure.
    @Test func anAsyncWriteInvalidatesOnlyOnceItsBackgroundCallSucceeded() async throws {
        let clock = ManualClock()
        let queue = AsyncStepQueue(capacity: 8, telemetry: .disabled)
        let cache = ResponseCache<String, Int>(service: "catalog", operation: "price", policy: CachePolicy(ttl: .seconds(60)), clock: clock.asAnyClock)
        let write = ScriptedCall<Void>(clock: clock, [
            .fail(ScriptedError(.permanent), after: .milliseconds(10)),
            .succeed((), after: .milliseconds(10)),
        ])
        let invalidatedFor = Recorder<String>()
        var builder = WorkflowBuilder<String>.test(clock: clock, queue: queue)
        builder.asyncStep(
            "setPrice",
            service: "catalog",
            policy: DirectCall(),
            invalidates: [CacheInvalidation(cache) { input, _, key in
                invalidatedFor.append(input)
                return key == input
            }]
        ) { _, _, context in try await write.call(context) }
        let workflow = builder.build { _, _ in () }

        for (sku, attempt) in [("a", 1), ("b", 2)] {
            await cache.prewarm(key: sku, value: 10)
            _ = try await workflow.run(sku)
            try await write.waitForCalls(count: attempt)
            #expect(invalidatedFor.count == 0, "nothing is invalidated while a write is in flight, nor after one failed")
            try await clock.waitForSleepers(count: 1)
            clock.advance(by: .milliseconds(10))
            await queue.drain()
        }
        // The predicate saw both cached keys, with the input of the run whose write succeeded.
        #expect(invalidatedFor.all == ["b", "b"])
        await queue.shutdown()
    }

    @Test func aFullQueueDropsTheAsyncStepAndTheReportSaysSo() async throws {
        let clock = ManualClock()
        let queue = AsyncStepQueue(capacity: 0, maxConcurrent: 1, telemetry: .disabled)
        let blocker = ScriptedCall<Void>(clock: clock, returning: (), after: .milliseconds(10))
        queue.submit(label: "other") { _ = try? await blocker.call(CallContext(workflow: "w", step: "s", correlationID: "c")) }
        var builder = WorkflowBuilder<Void>.test(clock: clock, queue: queue)
        builder.asyncStep("receipt", service: "mail", policy: DirectCall()) { _, _, _ in }
        let workflow = builder.build { _, _ in () }

        let result = try await workflow.run(())
        #expect(result.report[step: "receipt"]?.outcome == .dropped)
        #expect(result.report.degraded.map(\.step) == ["receipt"])
        #expect(queue.droppedCount == 1)
        try await clock.waitForSleepers(count: 1)
        clock.advance(to: ms(10))
        await queue.shutdown()
    }
}

/// Something a queued job captures, to see when the queue lets go of it.
final class Payload: Sendable {
    func touch() {}
}
