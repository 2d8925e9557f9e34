import BatonRuntime
import Checkout
import Foundation
import Testing

// In-process fakes of the six services of specs/checkout.baton.yaml (generated into `Checkout`
// by the build-tool plugin).

struct FakeCart: CartService {
    let log: CallLog
    func getCart(_ input: CartGetCartInput, context: CallContext) async throws -> Cart {
        log.record("cart.getCart", context)
        return Cart(id: input.cartId, items: [CartItem(sku: "tea", quantity: 2), CartItem(sku: "mug", quantity: 1)])
    }
}

struct FakePricing: PricingService {
    let log: CallLog
    func quote(_ input: QuoteRequest, context: CallContext) async throws -> Quote {
        log.record("pricing.quote", context)
        let units = input.items.reduce(0) { $0 + $1.quantity }
        return Quote(id: "q-1", total: Decimal(units) * Decimal(string: "4.50")!)
    }
    func listPrice(_ input: PricingListPriceInput, context: CallContext) async throws -> Quote {
        log.record("pricing.listPrice", context)
        return Quote(id: "list", total: 99)
    }
}

struct FakeInventory: InventoryService {
    let log: CallLog
    func check(_ input: InventoryCheckInput, context: CallContext) async throws -> StockReport {
        log.record("inventory.check", context)
        return StockReport(level: .low)
    }
    func reserve(_ input: InventoryReserveInput, context: CallContext) async throws -> Reservation {
        log.record("inventory.reserve", context)
        return Reservation(id: "r-\(input.orderId)")
    }
    func release(_ input: InventoryReleaseInput, context: CallContext) async throws -> Reservation {
        log.record("inventory.release", context)
        return Reservation(id: input.reservationId)
    }
}

struct FakePayments: PaymentsService {
    let log: CallLog
    func charge(_ input: PaymentsChargeInput, context: CallContext) async throws -> Charge {
        log.record("payments.charge", context)
        return Charge(id: "ch-\(input.orderId)", amount: input.amount)
    }
    func refund(_ input: PaymentsRefundInput, context: CallContext) async throws -> Charge {
        log.record("payments.refund", context)
        return Charge(id: input.chargeId, amount: 0)
    }
}

struct FakeMail: MailService {
    let log: CallLog
    func sendReceipt(_ input: MailSendReceiptInput, context: CallContext) async throws -> MailSendReceiptOutput {
        log.record("mail.sendReceipt", context)
        return MailSendReceiptOutput(queued: true)
    }
}

struct FakeWrapping: WrappingService {
    let log: CallLog
    func book(_ input: WrappingBookInput, context: CallContext) async throws -> WrappingBookOutput {
        log.record("wrapping.book", context)
        return WrappingBookOutput(bookingId: "w-1")
    }
    func cancel(_ input: WrappingCancelInput, context: CallContext) async throws -> WrappingCancelOutput {
        log.record("wrapping.cancel", context)
        return WrappingCancelOutput(bookingId: input.bookingId)
    }
}

@Suite struct CheckoutTests {
    @Test func checkoutRunsEndToEnd() async throws {
        let log = CallLog()
        let orchestrator = CheckoutOrchestrator(
            cart: FakeCart(log: log),
            pricing: FakePricing(log: log),
            inventory: FakeInventory(log: log),
            payments: FakePayments(log: log),
            mail: FakeMail(log: log),
            wrapping: FakeWrapping(log: log)
        )

        let result = try await orchestrator.checkout(
            CheckoutRequest(cartId: "cart-7", orderId: "o-1", giftWrap: false), correlationID: "corr-1")
        await orchestrator.shutdown()

        #expect(result.output == CheckoutSummary(orderId: "o-1", total: Decimal(string: "13.50")!, stock: .low, chargeId: "ch-o-1"))
        #expect(result.report.isComplete)
        #expect(result.report[step: "giftWrap"]?.outcome == .skipped)
        #expect(result.report[step: "receipt"]?.outcome == .enqueued)
        // `when: $input.giftWrap` was false, nothing failed: no wrapping call, no compensation.
        #expect(!log.names.contains { $0.hasPrefix("wrapping.") })
        #expect(!log.names.contains("inventory.release") && !log.names.contains("payments.refund"))
        // The async receipt ran before shutdown returned.
        #expect(log.names.contains("mail.sendReceipt"))
        // `reserve` runs after `quote` (`after: [quote]`), and the charge carries its idempotency key.
        let names = log.names
        #expect(try #require(names.firstIndex(of: "pricing.quote")) < #require(names.firstIndex(of: "inventory.reserve")))
        let charge = try #require(log.contexts(of: "payments.charge").first)
        #expect(charge.idempotencyKey == "o-1")
        #expect(charge.correlationID == "corr-1")
        #expect(charge.workflow == "checkout" && charge.step == "charge")
    }
}
