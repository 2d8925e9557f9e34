import BatonRuntime
import Checkout
import Foundation

// In-process implementations of the six service protocols that BatonBuildTool generated from
// specs/checkout.baton.yaml. Each one hands its work to a `SimulatedService`, which supplies the
// latency and the injected faults; the responses themselves are made up, but consistent (the same
// cart always holds the same items).

/// The six simulated services, with the latency of each operation when nothing is wrong.
package struct SimulatedCheckoutServices: Sendable {
    package let cart: SimulatedService
    package let pricing: SimulatedService
    package let inventory: SimulatedService
    package let payments: SimulatedService
    package let mail: SimulatedService
    package let wrapping: SimulatedService

    /// Median and 99th-percentile latency of every operation in a healthy system. Each p99 stays
    /// well inside the operation's `timeout` in the spec (cart 50ms, pricing 100ms, inventory
    /// 80ms, payments 200ms, wrapping 100ms), so a healthy run rarely needs a retry; `pricing.quote`
    /// has the longest tail, which is what its hedge (`delay: p95`) is for.
    package static let healthyLatencies: [String: [String: LatencyModel]] = [
        "cart": ["getCart": .milliseconds(median: 4, p99: 15)],
        "pricing": [
            "quote": .milliseconds(median: 20, p99: 70),
            "listPrice": .milliseconds(median: 5, p99: 15),
        ],
        "inventory": [
            "check": .milliseconds(median: 10, p99: 35),
            "reserve": .milliseconds(median: 15, p99: 45),
            "release": .milliseconds(median: 10, p99: 30),
        ],
        "payments": [
            "charge": .milliseconds(median: 45, p99: 120),
            "refund": .milliseconds(median: 35, p99: 100),
        ],
        "mail": ["sendReceipt": .milliseconds(median: 20, p99: 80)],
        "wrapping": [
            "book": .milliseconds(median: 20, p99: 60),
            "cancel": .milliseconds(median: 15, p99: 45),
        ],
    ]

    package init(faults: FaultPlan) {
        func service(_ name: String) -> SimulatedService {
            SimulatedService(name: name, latencies: Self.healthyLatencies[name] ?? [:], faults: faults)
        }
        cart = service("cart")
        pricing = service("pricing")
        inventory = service("inventory")
        payments = service("payments")
        mail = service("mail")
        wrapping = service("wrapping")
    }

    /// Every service, in the spec's order.
    package var all: [SimulatedService] { [cart, pricing, inventory, payments, mail, wrapping] }

    /// The generated orchestrator, calling these services.
    package func makeOrchestrator(options: OrchestratorOptions) -> CheckoutOrchestrator {
        CheckoutOrchestrator(
            cart: cartService,
            pricing: pricingService,
            inventory: inventoryService,
            payments: paymentsService,
            mail: mailService,
            wrapping: wrappingService,
            options: options
        )
    }

    // The services as the generated protocols: what the orchestrator calls in process, and what
    // checkout-server's downstream HTTP servers answer with.

    /// `cart`, as a ``CartService``.
    package var cartService: SimulatedCart { SimulatedCart(service: cart) }
    /// `pricing`, as a ``PricingService``.
    package var pricingService: SimulatedPricing { SimulatedPricing(service: pricing) }
    /// `inventory`, as an ``InventoryService``.
    package var inventoryService: SimulatedInventory { SimulatedInventory(service: inventory) }
    /// `payments`, as a ``PaymentsService``.
    package var paymentsService: SimulatedPayments { SimulatedPayments(service: payments) }
    /// `mail`, as a ``MailService``.
    package var mailService: SimulatedMail { SimulatedMail(service: mail) }
    /// `wrapping`, as a ``WrappingService``.
    package var wrappingService: SimulatedWrapping { SimulatedWrapping(service: wrapping) }
}

extension LatencyModel {
    /// A model from a median and a p99 in milliseconds.
    package static func milliseconds(median: Int, p99: Int) -> LatencyModel {
        LatencyModel(median: .milliseconds(median), p99: .milliseconds(p99))
    }
}

// MARK: - The service protocols

package struct SimulatedCart: CartService {
    package let service: SimulatedService

    package func getCart(_ input: CartGetCartInput, context: CallContext) async throws -> Cart {
        try await service.call("getCart", context: context) {
            Cart(id: input.cartId, items: Catalogue.items(inCart: input.cartId))
        }
    }
}

package struct SimulatedPricing: PricingService {
    package let service: SimulatedService

    package func quote(_ input: QuoteRequest, context: CallContext) async throws -> Quote {
        try await service.call("quote", context: context) {
            Quote(id: "quote-\(context.correlationID)", total: Catalogue.total(of: input.items))
        }
    }

    package func listPrice(_ input: PricingListPriceInput, context: CallContext) async throws -> Quote {
        try await service.call("listPrice", context: context) {
            // List prices know nothing of quantities: one of each.
            let items = input.skus.map { CartItem(sku: $0, quantity: 1) }
            return Quote(id: "list-\(context.correlationID)", total: Catalogue.total(of: items))
        }
    }
}

package struct SimulatedInventory: InventoryService {
    package let service: SimulatedService

    package func check(_ input: InventoryCheckInput, context: CallContext) async throws -> StockReport {
        try await service.call("check", context: context) {
            StockReport(level: input.skus.count > 3 ? .low : .inStock)
        }
    }

    package func reserve(_ input: InventoryReserveInput, context: CallContext) async throws -> Reservation {
        // `context.idempotencyKey` is the order id (the spec's `idempotencyKey: orderId`): a real
        // inventory service would store it and answer a repeated reservation with the first one.
        try await service.call("reserve", context: context) {
            Reservation(id: "reservation-\(input.orderId)")
        }
    }

    package func release(_ input: InventoryReleaseInput, context: CallContext) async throws -> Reservation {
        try await service.call("release", context: context) {
            Reservation(id: input.reservationId)
        }
    }
}

package struct SimulatedPayments: PaymentsService {
    package let service: SimulatedService

    package func charge(_ input: PaymentsChargeInput, context: CallContext) async throws -> Charge {
        try await service.call("charge", context: context) {
            Charge(id: "charge-\(input.orderId)", amount: input.amount)
        }
    }

    package func refund(_ input: PaymentsRefundInput, context: CallContext) async throws -> Charge {
        try await service.call("refund", context: context) {
            Charge(id: input.chargeId, amount: 0)
        }
    }
}

package struct SimulatedMail: MailService {
    package let service: SimulatedService

    package func sendReceipt(_ input: MailSendReceiptInput, context: CallContext) async throws -> MailSendReceiptOutput {
        try await service.call("sendReceipt", context: context) {
            MailSendReceiptOutput(queued: true)
        }
    }
}

package struct SimulatedWrapping: WrappingService {
    package let service: SimulatedService

    package func book(_ input: WrappingBookInput, context: CallContext) async throws -> WrappingBookOutput {
        try await service.call("book", context: context) {
            WrappingBookOutput(bookingId: "wrap-\(input.orderId)")
        }
    }

    package func cancel(_ input: WrappingCancelInput, context: CallContext) async throws -> WrappingCancelOutput {
        try await service.call("cancel", context: context) {
            WrappingCancelOutput(bookingId: input.bookingId)
        }
    }
}

// MARK: - Made-up but consistent data

/// The shop's catalogue: which items a cart holds and what they cost, derived from the cart's and
/// the item's number so the same cart always holds the same items (and so hits the caches).
package enum Catalogue {
    /// How many products the shop sells.
    package static let products = 500

    /// The items of cart `cart-N`: one to four products, one to three of each.
    package static func items(inCart cartID: String) -> [CartItem] {
        let number = UInt64(cartID.split(separator: "-").last ?? "") ?? 0
        var generator = SplitMix64(seed: number)
        let count = Int.random(in: 1...4, using: &generator)
        return (0..<count).map { _ in
            CartItem(
                sku: "sku-\(Int.random(in: 0..<products, using: &generator))",
                quantity: Int.random(in: 1...3, using: &generator)
            )
        }
    }

    /// The price of `items`: product `sku-N` costs (N mod 40) + 4.99.
    package static func total(of items: [CartItem]) -> Decimal {
        items.reduce(Decimal(0)) { total, item in
            let number = Int(item.sku.split(separator: "-").last ?? "") ?? 0
            let price = Decimal(number % 40) + Decimal(string: "4.99")!
            return total + price * Decimal(item.quantity)
        }
    }
}

/// A small, seedable random number generator (SplitMix64), for data that must be the same every
/// time for the same seed.
package struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    package init(seed: UInt64) {
        state = seed
    }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
