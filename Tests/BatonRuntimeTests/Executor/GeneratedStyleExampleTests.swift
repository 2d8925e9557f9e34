import BatonRuntime
import BatonTesting
import Testing

// What `baton generate` should emit for the checkout workflow of spec-v1 §6 (trimmed: a few
// fields per type). Everything in this section is "generated"; the tests below are the user's.
// Conventions the generator should keep: explicit closure parameter and result types (cheap type
// checking), one `let` per step key, steps declared in topological order (spec order among
// independent steps), policies built once in `init`.

// MARK: - Generated types

struct CheckoutRequest: Codable, Hashable, Sendable {
    var cartId: String
    var orderId: String
    var giftWrap: Bool
}

struct Cart: Codable, Hashable, Sendable {
    var id: String
    var skus: [String]
}

struct Quote: Codable, Hashable, Sendable {
    var total: Int
}

enum StockLevel: String, Codable, Hashable, Sendable, CaseIterable {
    case inStock, low, outOfStock
}

struct StockReport: Codable, Hashable, Sendable {
    var level: StockLevel
}

struct Reservation: Codable, Hashable, Sendable {
    var id: String
}

struct Charge: Codable, Hashable, Sendable {
    var id: String
}

struct CheckoutSummary: Codable, Hashable, Sendable {
    var orderId: String
    var total: Int
    var stock: StockLevel?
    var chargeId: String
}

// MARK: - Generated service protocols

protocol CartService: Sendable {
    func getCart(_ input: String, context: CallContext) async throws -> Cart
}

protocol PricingService: Sendable {
    func quote(_ input: [String], context: CallContext) async throws -> Quote
    func listPrice(_ input: [String], context: CallContext) async throws -> Quote
}

protocol InventoryService: Sendable {
    func check(_ input: [String], context: CallContext) async throws -> StockReport
    func reserve(_ input: [String], context: CallContext) async throws -> Reservation
    func release(_ input: String, context: CallContext) async throws
}

protocol PaymentsService: Sendable {
    func charge(_ input: Int, context: CallContext) async throws -> Charge
    func refund(_ input: String, context: CallContext) async throws
}

protocol MailService: Sendable {
    func sendReceipt(_ input: String, context: CallContext) async throws
}

// MARK: - Generated orchestrator

struct CheckoutOrchestrator: Sendable {
    private let checkoutWorkflow: Workflow<CheckoutRequest, CheckoutSummary>
    private let asyncSteps: AsyncStepQueue

    init(
        cart: any CartService,
        pricing: any PricingService,
        inventory: any InventoryService,
        payments: any PaymentsService,
        mail: any MailService,
        clock: AnyClock = .continuous,
        random: RandomSource = .system,
        telemetry: Telemetry = Telemetry(),
        asyncQueueCapacity: Int = 1_000
    ) {
        let asyncSteps = AsyncStepQueue(capacity: asyncQueueCapacity, telemetry: telemetry)
        self.asyncSteps = asyncSteps
        // Policies: one per (service, operation) as resolved by the checker.
        let cartGetCartPolicy = ResiliencePipeline(timeout: .milliseconds(100), clock: clock, random: random)
        let pricingQuotePolicy = ResiliencePipeline(timeout: .milliseconds(150), clock: clock, random: random)
        let pricingListPricePolicy = ResiliencePipeline(timeout: .milliseconds(150), clock: clock, random: random)
        let inventoryPolicy = ResiliencePipeline(timeout: .milliseconds(100), clock: clock, random: random)
        let paymentsPolicy = ResiliencePipeline(timeout: .milliseconds(300), clock: clock, random: random)
        let mailPolicy = ResiliencePipeline(timeout: .seconds(1), clock: clock, random: random)

        var checkout = WorkflowBuilder<CheckoutRequest>(
            workflow: "checkout",
            deadline: .milliseconds(800),
            clock: clock,
            random: random,
            telemetry: telemetry,
            asyncQueue: asyncSteps
        )
        let cartStep: StepKey<Cart> = checkout.step(
            "cart",
            service: "cart",
            policy: cartGetCartPolicy,
            call: { (input: CheckoutRequest, _: StepValues, context: CallContext) async throws -> Cart in
                try await cart.getCart(input.cartId, context: context)
            }
        )
        let quoteStep: StepKey<Quote> = checkout.step(
            "quote",
            service: "pricing",
            dependsOn: [cartStep.id],
            policy: pricingQuotePolicy,
            fallback: .call(policy: pricingListPricePolicy) { (_: CheckoutRequest, values: StepValues, context: CallContext) async throws -> Quote in
                try await pricing.listPrice(values[cartStep].skus, context: context)
            },
            call: { (_: CheckoutRequest, values: StepValues, context: CallContext) async throws -> Quote in
                try await pricing.quote(values[cartStep].skus, context: context)
            }
        )
        let stockStep: StepKey<StockReport> = checkout.step(
            "stock",
            service: "inventory",
            dependsOn: [cartStep.id],
            optional: true,
            policy: inventoryPolicy,
            call: { (_: CheckoutRequest, values: StepValues, context: CallContext) async throws -> StockReport in
                try await inventory.check(values[cartStep].skus, context: context)
            }
        )
        let reserveStep: StepKey<Reservation> = checkout.step(
            "reserve",
            service: "inventory",
            dependsOn: [cartStep.id, quoteStep.id],
            policy: inventoryPolicy,
            compensation: StepCompensation(policy: inventoryPolicy) {
                (_: CheckoutRequest, reserve: Reservation, _: StepValues, context: CallContext) async throws in
                try await inventory.release(reserve.id, context: context)
            },
            call: { (_: CheckoutRequest, values: StepValues, context: CallContext) async throws -> Reservation in
                try await inventory.reserve(values[cartStep].skus, context: context)
            }
        )
        let chargeStep: StepKey<Charge> = checkout.step(
            "charge",
            service: "payments",
            dependsOn: [quoteStep.id],
            policy: paymentsPolicy,
            idempotencyKey: { (input: CheckoutRequest, _: StepValues) -> String? in input.orderId },
            compensation: StepCompensation(policy: paymentsPolicy) {
                (_: CheckoutRequest, charge: Charge, _: StepValues, context: CallContext) async throws in
                try await payments.refund(charge.id, context: context)
            },
            call: { (_: CheckoutRequest, values: StepValues, context: CallContext) async throws -> Charge in
                try await payments.charge(values[quoteStep].total, context: context)
            }
        )
        checkout.asyncStep(
            "receipt",
            service: "mail",
            dependsOn: [chargeStep.id, reserveStep.id],
            policy: mailPolicy,
            call: { (input: CheckoutRequest, _: StepValues, context: CallContext) async throws in
                try await mail.sendReceipt(input.orderId, context: context)
            }
        )
        checkoutWorkflow = checkout.build { (input: CheckoutRequest, values: StepValues) -> CheckoutSummary in
            CheckoutSummary(
                orderId: input.orderId,
                total: values[quoteStep].total,
                stock: values[ifPresent: stockStep]?.level,
                chargeId: values[chargeStep].id
            )
        }
    }

    /// Prices, reserves and charges a cart.
    func checkout(_ input: CheckoutRequest, correlationID: String? = nil) async throws -> WorkflowResult<CheckoutSummary> {
        try await checkoutWorkflow.run(input, correlationID: correlationID)
    }

    /// Stops taking background (`mode: async`) calls and waits for the queued ones.
    func shutdown() async {
        await asyncSteps.shutdown()
    }
}

// MARK: - Generated mocks (test output)

struct MockCartService: CartService {
    var getCart: ScriptedCall<Cart>
    func getCart(_ input: String, context: CallContext) async throws -> Cart { try await getCart.call(context) }
}

struct MockPricingService: PricingService {
    var quote: ScriptedCall<Quote>
    var listPrice: ScriptedCall<Quote>
    func quote(_ input: [String], context: CallContext) async throws -> Quote { try await quote.call(context) }
    func listPrice(_ input: [String], context: CallContext) async throws -> Quote { try await listPrice.call(context) }
}

struct MockInventoryService: InventoryService {
    var check: ScriptedCall<StockReport>
    var reserve: ScriptedCall<Reservation>
    var release: ScriptedCall<Void>
    func check(_ input: [String], context: CallContext) async throws -> StockReport { try await check.call(context) }
    func reserve(_ input: [String], context: CallContext) async throws -> Reservation { try await reserve.call(context) }
    func release(_ input: String, context: CallContext) async throws { try await release.call(context) }
}

struct MockPaymentsService: PaymentsService {
    var charge: ScriptedCall<Charge>
    var refund: ScriptedCall<Void>
    func charge(_ input: Int, context: CallContext) async throws -> Charge { try await charge.call(context) }
    func refund(_ input: String, context: CallContext) async throws { try await refund.call(context) }
}

struct MockMailService: MailService {
    var sendReceipt: ScriptedCall<Void>
    func sendReceipt(_ input: String, context: CallContext) async throws { try await sendReceipt.call(context) }
}

// MARK: - Tests a user would write

@Suite struct GeneratedStyleExampleTests {
    struct Fixture {
        let clock = ManualClock()
        let cart: MockCartService
        let pricing: MockPricingService
        let inventory: MockInventoryService
        let payments: MockPaymentsService
        let mail: MockMailService
        let orchestrator: CheckoutOrchestrator

        init(quoteFails: Bool = false, chargeFails: Bool = false, stockFails: Bool = false) {
            let clock = self.clock
            cart = MockCartService(getCart: ScriptedCall(clock: clock, returning: Cart(id: "c1", skus: ["a", "b"])))
            pricing = MockPricingService(
                quote: quoteFails ? ScriptedCall(clock: clock, [.fail(ScriptedError(.permanent))]) : ScriptedCall(clock: clock, returning: Quote(total: 30)),
                listPrice: ScriptedCall(clock: clock, returning: Quote(total: 35))
            )
            inventory = MockInventoryService(
                check: stockFails
                    ? ScriptedCall(clock: clock, [.fail(ScriptedError(.overloaded))])
                    : ScriptedCall(clock: clock, returning: StockReport(level: .low)),
                reserve: ScriptedCall(clock: clock, returning: Reservation(id: "r1")),
                release: ScriptedCall(clock: clock, returning: ())
            )
            payments = MockPaymentsService(
                charge: chargeFails ? ScriptedCall(clock: clock, [.fail(ScriptedError(.permanent))]) : ScriptedCall(clock: clock, returning: Charge(id: "ch1")),
                refund: ScriptedCall(clock: clock, returning: ())
            )
            mail = MockMailService(sendReceipt: ScriptedCall(clock: clock, returning: ()))
            orchestrator = CheckoutOrchestrator(
                cart: cart,
                pricing: pricing,
                inventory: inventory,
                payments: payments,
                mail: mail,
                clock: clock.asAnyClock,
                random: .seeded(42),
                telemetry: .disabled
            )
        }
    }

    let request = CheckoutRequest(cartId: "c1", orderId: "o1", giftWrap: false)

    @Test func happyPath() async throws {
        let fixture = Fixture()
        let result = try await fixture.orchestrator.checkout(request, correlationID: "cid")
        #expect(result.output == CheckoutSummary(orderId: "o1", total: 30, stock: .low, chargeId: "ch1"))
        #expect(result.report.isComplete)
        #expect(result.report[step: "receipt"]?.outcome == .enqueued)
        #expect(fixture.payments.charge.calls.first?.context.idempotencyKey == "o1")
        await fixture.orchestrator.shutdown()
        #expect(fixture.mail.sendReceipt.callCount == 1)
    }

    @Test func quoteFallsBackToListPriceAndStockIsOptional() async throws {
        let fixture = Fixture(quoteFails: true, stockFails: true)
        let result = try await fixture.orchestrator.checkout(request)
        #expect(result.output.total == 35)
        #expect(result.output.stock == nil)
        #expect(!result.report.isComplete)
        #expect(result.report.missing.map(\.step) == ["stock"])
        #expect(result.report.degraded.map(\.step) == ["quote"])
        await fixture.orchestrator.shutdown()
    }

    @Test func failedChargeReleasesTheReservation() async throws {
        let fixture = Fixture(chargeFails: true)
        let error = try #require(await #expect(throws: WorkflowError.self) { try await fixture.orchestrator.checkout(request, correlationID: "cid") })
        #expect(error.failedStep == "charge")
        #expect(error.errorClass == .permanent)
        // `reserve` and `charge` run concurrently after `quote`: reserve is compensated if it
        // completed before the failure was seen, and cancelled otherwise.
        if error.report[step: "reserve"]?.outcome == .succeeded {
            #expect(error.compensations.map(\.step) == ["reserve"])
            #expect(fixture.inventory.release.calls.first?.context.idempotencyKey == "cid:reserve:compensate")
        } else {
            #expect(error.compensations.isEmpty)
        }
        #expect(fixture.mail.sendReceipt.callCount == 0, "the receipt depends on the charge and never started")
        #expect(fixture.payments.refund.callCount == 0)
        await fixture.orchestrator.shutdown()
    }
}
