import BatonRuntime
import BatonTesting
import Foundation
import Testing

private struct RefundRequest: Codable, Sendable, Equatable {
    var chargeID: String
}

private struct MailRequest: Codable, Sendable, Equatable {
    var orderID: String
}

private struct StoreDown: Error, ClassifiedError {
    var errorClass: ErrorClass { .unavailable }
}

private struct Declined: Error, ClassifiedError {
    var errorClass: ErrorClass { .permanent }
}

/// A journal that records what the executor asks of it, and can be told to fail.
private final class RecordingJournal: SagaJournal {
    struct Behaviour {
        var failRecord = false
        var failFinish = false
        var claim = true
    }

    private let state: Lock<(events: [String], records: [SagaStepRecord], behaviour: Behaviour)>

    init(_ behaviour: Behaviour = Behaviour()) {
        state = Lock((events: [], records: [], behaviour: behaviour))
    }

    var events: [String] { state.withLock { $0.events } }
    var records: [SagaStepRecord] { state.withLock { $0.records } }

    func record(_ step: SagaStepRecord) async throws {
        try state.withLock { state in
            state.events.append("record \(step.step)")
            if state.behaviour.failRecord { throw StoreDown() }
            state.records.append(step)
        }
    }

    func claimCompensation(runID: String, step: String) async throws -> Bool {
        state.withLock { state in
            state.events.append("claim \(step)")
            return state.behaviour.claim
        }
    }

    func compensationEnded(runID: String, step: String, succeeded: Bool) async throws {
        state.withLock { $0.events.append("ended \(step) \(succeeded)") }
    }

    func finish(runID: String, outcome: SagaRunOutcome) async throws {
        try state.withLock { state in
            state.events.append("finish \(outcome.rawValue)")
            if state.behaviour.failFinish { throw StoreDown() }
        }
    }
}

private final class RecordingQueue: AsyncCallQueue {
    let fail: Bool
    private let calls = Lock([AsyncCall]())

    init(fail: Bool = false) {
        self.fail = fail
    }

    var enqueued: [AsyncCall] { calls.withLock { $0 } }

    func enqueue(_ call: AsyncCall) async throws {
        if fail { throw StoreDown() }
        calls.withLock { $0.append(call) }
    }
}

private final class RecordingBus: CacheInvalidationBus {
    private let messages = Lock([CacheInvalidationMessage]())
    var published: [CacheInvalidationMessage] { messages.withLock { $0 } }
    func publish(_ message: CacheInvalidationMessage) async { messages.withLock { $0.append(message) } }
    func subscribe(_ targets: [CacheInvalidationTarget]) {}
}

@Suite("Replica protocols: saga journal, durable async queue, invalidation bus, call registry")
struct ReplicaProtocolTests {
    /// `charge` (compensated by `payments.refund` with the charge's id), then `reserve`, which
    /// fails when the input says so.
    private static func workflow(
        journal: any SagaJournal,
        clock: ManualClock,
        events: EventLog
    ) -> Workflow<Bool, String> {
        let refund = OperationHandler<RefundRequest>("payments.refund", policy: DirectCall()) { request, context in
            events.append("refund \(request.chargeID) \(context.idempotencyKey ?? "-")")
        }
        var builder = WorkflowBuilder<Bool>(
            workflow: "checkout", deadline: .seconds(1), clock: clock.asAnyClock, random: .seeded(3), telemetry: .disabled,
            sagaJournal: journal
        )
        let charge: StepKey<String> = builder.step(
            "charge", service: "payments", policy: DirectCall(),
            compensation: StepCompensation(refund) { _, output, _ in RefundRequest(chargeID: output) }
        ) { _, _, _ in "ch-1" }
        builder.step("reserve", service: "inventory", dependsOn: [charge.id], policy: DirectCall()) { fail, _, _ -> Int in
            if fail { throw Declined() }
            return 1
        }
        return builder.build { _, values in values[charge] }
    }

    @Test func aCompensableStepIsRecordedWithItsOperationEncodedRequestAndKeyAndTheRunFinished() async throws {
        let journal = RecordingJournal()
        let events = EventLog()
        let workflow = Self.workflow(journal: journal, clock: ManualClock(), events: events)
        let result = try await workflow.run(false, correlationID: "order-1")
        #expect(result.output == "ch-1")
        #expect(journal.events == ["record charge", "finish finished"])
        let record = try #require(journal.records.first)
        #expect(record.operation == "payments.refund")
        #expect(record.idempotencyKey == "order-1:charge:compensate")
        #expect(record.correlationID == "order-1")
        #expect(record.workflow == "checkout")
        #expect(record.sequence == 1)
        #expect(try JSONDecoder().decode(RefundRequest.self, from: Data(record.input)) == RefundRequest(chargeID: "ch-1"))
        #expect(events.events.isEmpty)
    }

    @Test func aFailedRunClaimsEachCompensationRunsItAndEndsCompensated() async throws {
        let journal = RecordingJournal()
        let events = EventLog()
        let workflow = Self.workflow(journal: journal, clock: ManualClock(), events: events)
        let error = try await #require(throws: WorkflowError.self) { try await workflow.run(true, correlationID: "order-2") }
        #expect(error.compensations.map(\.step) == ["charge"])
        #expect(events.events == ["refund ch-1 order-2:charge:compensate"])
        #expect(journal.events == ["record charge", "claim charge", "ended charge true", "finish compensated"])
    }

    @Test func aCompensationClaimedElsewhereIsNotRunHere() async throws {
        let journal = RecordingJournal(.init(claim: false))
        let events = EventLog()
        let workflow = Self.workflow(journal: journal, clock: ManualClock(), events: events)
        let error = try await #require(throws: WorkflowError.self) { try await workflow.run(true, correlationID: "order-3") }
        #expect(error.compensations.isEmpty)
        #expect(events.events.isEmpty)
        #expect(journal.events == ["record charge", "claim charge", "finish compensated"])
    }

    @Test func aStepThatCannotBeRecordedFailsWithTheJournalsClassAndIsCompensatedInPlace() async throws {
        let journal = RecordingJournal(.init(failRecord: true))
        let events = EventLog()
        let workflow = Self.workflow(journal: journal, clock: ManualClock(), events: events)
        let error = try await #require(throws: WorkflowError.self) { try await workflow.run(false, correlationID: "order-4") }
        #expect(error.failedStep == "charge")
        #expect(error.errorClass == .unavailable)
        #expect(error.report.steps.first { $0.step == "reserve" }?.outcome == .notStarted, "nothing relied on the unrecorded effect")
        #expect(events.events == ["refund ch-1 order-4:charge:compensate"])
        #expect(journal.events == ["record charge"], "an unrecorded step is compensated without a claim; nothing to finish")
    }

    @Test func aSucceededRunWhoseEndCannotBeRecordedFailsAndIsCompensated() async throws {
        let journal = RecordingJournal(.init(failFinish: true))
        let events = EventLog()
        let workflow = Self.workflow(journal: journal, clock: ManualClock(), events: events)
        let error = try await #require(throws: WorkflowError.self) { try await workflow.run(false, correlationID: "order-5") }
        #expect(error.errorClass == .unavailable)
        #expect(error.failedStep == "charge")
        #expect(events.events == ["refund ch-1 order-5:charge:compensate"])
        #expect(journal.events == ["record charge", "finish finished", "claim charge", "ended charge true", "finish compensated"])
    }

    @Test func theInMemoryJournalClaimsOnceAndForgetsFinishedRuns() async throws {
        let journal = InMemorySagaJournal()
        #expect(journal.storesInputs == false)
        let events = EventLog()
        let workflow = Self.workflow(journal: journal, clock: ManualClock(), events: events)
        _ = try await workflow.run(false, correlationID: "a")
        #expect(journal.openRuns == 0)
        await #expect(throws: WorkflowError.self) { try await workflow.run(true, correlationID: "b") }
        #expect(journal.openRuns == 0)
        #expect(events.events == ["refund ch-1 b:charge:compensate"])

        try await journal.record(SagaStepRecord(runID: "r", workflow: "w", correlationID: "c", step: "s", sequence: 1, operation: "o", idempotencyKey: "k", input: []))
        #expect(try await journal.claimCompensation(runID: "r", step: "s"))
        #expect(try await journal.claimCompensation(runID: "r", step: "s") == false)
        #expect(try await journal.claimCompensation(runID: "r", step: "unknown") == false)
        try await journal.finish(runID: "r", outcome: .compensated)
        #expect(journal.openRuns == 0)
    }

    @Test func anAsyncStepWithADurableQueueIsEncodedAndStoredBeforeTheRunGoesOn() async throws {
        let queue = RecordingQueue()
        let events = EventLog()
        let mail = OperationHandler<MailRequest>("mail.sendReceipt", policy: DirectCall()) { request, _ in events.append("sent \(request.orderID)") }
        var builder = WorkflowBuilder<String>(
            workflow: "checkout", deadline: .seconds(1), clock: ManualClock().asAnyClock, telemetry: .disabled, asyncCallQueue: queue
        )
        let receipt = builder.asyncStep(
            "receipt", service: "mail", policy: DirectCall(), idempotencyKey: { input, _ in "key-\(input)" },
            handler: mail, request: { input, _ in MailRequest(orderID: input) }
        )
        builder.step("after", service: "x", dependsOn: [receipt], policy: DirectCall()) { _, _, _ in 1 }
        let workflow = builder.build { input, _ in input }
        let result = try await workflow.run("o-1", correlationID: "c-1")
        #expect(result.report.steps.map(\.outcome) == [.enqueued, .succeeded])
        #expect(result.report.isComplete)
        let call = try #require(queue.enqueued.first)
        #expect(call.operation == "mail.sendReceipt")
        #expect(call.idempotencyKey == "key-o-1")
        #expect(call.correlationID == "c-1")
        #expect(call.step == "receipt")
        #expect(events.events.isEmpty, "the queue delivers it, not the run")
        // Delivered by name, as a durable queue's worker does.
        try await CallRegistry([mail.entry]).call(call.operation, input: call.input, context: CallContext(workflow: "checkout", step: "receipt", correlationID: "c-1"))
        #expect(events.events == ["sent o-1"])
    }

    @Test func anAsyncStepTheDurableQueueRefusesIsDroppedAndTheRunGoesOn() async throws {
        let queue = RecordingQueue(fail: true)
        let mail = OperationHandler<MailRequest>("mail.sendReceipt", policy: DirectCall()) { _, _ in }
        var builder = WorkflowBuilder<String>(
            workflow: "checkout", deadline: .seconds(1), clock: ManualClock().asAnyClock, telemetry: .disabled, asyncCallQueue: queue
        )
        builder.asyncStep("receipt", service: "mail", policy: DirectCall(), handler: mail, request: { input, _ in MailRequest(orderID: input) })
        let workflow = builder.build { input, _ in input }
        let result = try await workflow.run("o-1")
        #expect(result.report.steps.first?.outcome == .dropped)
        #expect(result.report.steps.first?.errorClass == .unavailable)
    }

    @Test func withoutADurableQueueAHandlerAsyncStepRunsInTheProcessQueue() async throws {
        let events = EventLog()
        let queue = AsyncStepQueue(capacity: 10)
        let mail = OperationHandler<MailRequest>("mail.sendReceipt", policy: DirectCall()) { request, _ in events.append("sent \(request.orderID)") }
        var builder = WorkflowBuilder<String>.test(clock: ManualClock(), queue: queue)
        builder.asyncStep("receipt", service: "mail", policy: DirectCall(), handler: mail, request: { input, _ in MailRequest(orderID: input) })
        let workflow = builder.build { input, _ in input }
        _ = try await workflow.run("o-9")
        await queue.drain()
        #expect(events.events == ["sent o-9"])
    }

    @Test func aNamedInvalidationPublishesTheSharedKeyFieldsAndATargetAppliesThem() async throws {
        struct Key: Codable, Hashable, Sendable { var cartId: String; var region: String }
        struct Write: Codable, Sendable { var cartId: String; var note: String }
        let bus = RecordingBus()
        let clock = ManualClock()
        let cache = ResponseCache<Key, String>(service: "cart", operation: "getCart", policy: CachePolicy(ttl: .seconds(60)), clock: clock.asAnyClock)
        await cache.prewarm(key: Key(cartId: "a", region: "eu"), value: "a/eu")
        await cache.prewarm(key: Key(cartId: "a", region: "us"), value: "a/us")
        await cache.prewarm(key: Key(cartId: "b", region: "eu"), value: "b/eu")
        var builder = WorkflowBuilder<String>(
            workflow: "w", deadline: .seconds(1), clock: clock.asAnyClock, telemetry: .disabled, invalidationBus: bus
        )
        builder.step(
            "write", service: "cart", policy: DirectCall(),
            invalidates: [
                CacheInvalidation(cache, name: "cart.getCart", fields: ["cartId"], request: { input, _ in Write(cartId: input, note: "n") }) { request, key in
                    key.cartId == request.cartId
                },
                .all(cache, name: "cart.getCart"),
            ]
        ) { _, _, _ in 1 }
        _ = try await builder.build { _, _ in 0 }.run("a")
        #expect(bus.published == [
            CacheInvalidationMessage(cache: "cart.getCart", match: ["cartId": .string("a")]),
            CacheInvalidationMessage(cache: "cart.getCart", match: nil),
        ])

        // Another replica's cache applies the first message: only cart a's entries go.
        let other = ResponseCache<Key, String>(service: "cart", operation: "getCart", policy: CachePolicy(ttl: .seconds(60)), clock: clock.asAnyClock)
        await other.prewarm(key: Key(cartId: "a", region: "eu"), value: "a/eu")
        await other.prewarm(key: Key(cartId: "b", region: "eu"), value: "b/eu")
        let target = CacheInvalidationTarget("cart.getCart", cache: other)
        await target.apply(bus.published[0])
        #expect(await other.serveStale(for: Key(cartId: "a", region: "eu")) == nil)
        #expect(await other.serveStale(for: Key(cartId: "b", region: "eu")) == "b/eu")
        await target.apply(bus.published[1])
        #expect(await other.serveStale(for: Key(cartId: "b", region: "eu")) == nil)
    }

    @Test func theLocalBusSendsNothingAndNamelessInvalidationsStayLocal() async throws {
        #expect(LocalInvalidationBus().isShared == false)
        struct Key: Codable, Hashable, Sendable { var id: String }
        let bus = RecordingBus()
        let clock = ManualClock()
        let cache = ResponseCache<Key, String>(service: "s", operation: "o", policy: CachePolicy(ttl: .seconds(60)), clock: clock.asAnyClock)
        await cache.prewarm(key: Key(id: "x"), value: "x")
        var builder = WorkflowBuilder<String>(workflow: "w", deadline: .seconds(1), clock: clock.asAnyClock, telemetry: .disabled, invalidationBus: bus)
        builder.step("write", service: "s", policy: DirectCall(), invalidates: [.all(cache)]) { _, _, _ in 1 }
        _ = try await builder.build { _, _ in 0 }.run("a")
        #expect(bus.published.isEmpty)
        #expect(await cache.serveStale(for: Key(id: "x")) == nil)
    }

    @Test func theRegistryRefusesUnknownNamesAndUndecodableInputsWithPermanentErrors() async throws {
        let events = EventLog()
        let refund = OperationHandler<RefundRequest>("payments.refund", policy: DirectCall()) { request, context in
            events.append("\(request.chargeID) \(context.idempotencyKey ?? "-") \(Deadline.current != nil)")
        }
        let registry = CallRegistry([refund.entry])
        #expect(registry.names == ["payments.refund"])
        #expect(registry.merging(CallRegistry()).contains("payments.refund"))
        let context = CallContext(workflow: "w", step: "s", deadline: Deadline.after(.seconds(1), clock: ManualClock().asAnyClock), correlationID: "c", idempotencyKey: "k")
        await #expect(throws: CallRegistryError.unknownOperation("payments.void")) {
            try await registry.call("payments.void", input: [], context: context)
        }
        do {
            try await registry.call("payments.refund", input: Array("{not json".utf8), context: context)
            Issue.record("undecodable input was called")
        } catch let error as CallRegistryError {
            guard case .undecodableInput(let name, _) = error else { throw error }
            #expect(name == "payments.refund")
            #expect(ErrorClassifier.standard.classify(error).errorClass == .permanent)
        }
        try await registry.call("payments.refund", input: try refund.encode(RefundRequest(chargeID: "ch-7")), context: context)
        #expect(events.events == ["ch-7 k true"])
    }
}
