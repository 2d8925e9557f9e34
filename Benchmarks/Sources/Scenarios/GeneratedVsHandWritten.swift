// Suite 2: the checkout example's generated orchestrator against the same workflow written by
// hand with structured concurrency, both calling instant in-memory services.
import BatonRuntime
import Checkout
import Foundation
import Synchronization

// MARK: - Instant in-memory services

struct Carts: CartService {
    func getCart(_ input: CartGetCartInput, context: CallContext) async throws -> Cart {
        Cart(id: input.cartId, items: [CartItem(sku: "sku-\(input.cartId)", quantity: 1), CartItem(sku: "gift", quantity: 2)])
    }
}

struct Pricing: PricingService {
    func quote(_ input: QuoteRequest, context: CallContext) async throws -> Quote {
        Quote(id: "q", total: Decimal(input.items.count * 10))
    }
    func listPrice(_ input: PricingListPriceInput, context: CallContext) async throws -> Quote {
        Quote(id: "l", total: Decimal(input.skus.count * 12))
    }
}

struct Inventory: InventoryService {
    func check(_ input: InventoryCheckInput, context: CallContext) async throws -> StockReport { StockReport(level: .inStock) }
    func reserve(_ input: InventoryReserveInput, context: CallContext) async throws -> Reservation { Reservation(id: input.orderId) }
    func release(_ input: InventoryReleaseInput, context: CallContext) async throws -> Reservation { Reservation(id: input.reservationId) }
}

struct Payments: PaymentsService {
    func charge(_ input: PaymentsChargeInput, context: CallContext) async throws -> Charge { Charge(id: input.orderId, amount: input.amount) }
    func refund(_ input: PaymentsRefundInput, context: CallContext) async throws -> Charge { Charge(id: input.chargeId, amount: 0) }
}

struct Mail: MailService {
    func sendReceipt(_ input: MailSendReceiptInput, context: CallContext) async throws -> MailSendReceiptOutput { MailSendReceiptOutput(queued: true) }
}

struct Wrapping: WrappingService {
    func book(_ input: WrappingBookInput, context: CallContext) async throws -> WrappingBookOutput { WrappingBookOutput(bookingId: input.orderId) }
    func cancel(_ input: WrappingCancelInput, context: CallContext) async throws -> WrappingCancelOutput { WrappingCancelOutput(bookingId: input.bookingId) }
}

// MARK: - The same workflow by hand

/// `checkout` as a careful engineer writes it without Baton: the same dependency structure
/// (cart → quote, stock; quote → reserve, charge; giftWrap and the receipt independent), each
/// call under its spec timeout clipped to the 800 ms deadline (a task group racing a sleeping
/// child), 2 attempts for the calls the spec retries, the listPrice fallback, `stock` optional,
/// compensations of reserve/charge/giftWrap when a required step fails, and the receipt sent
/// in the background.
struct HandWrittenCheckout: Sendable {
    let cart: any CartService
    let pricing: any PricingService
    let inventory: any InventoryService
    let payments: any PaymentsService
    let mail: any MailService
    let wrapping: any WrappingService

    struct Failed: Error {}

    func checkout(_ input: CheckoutRequest) async throws -> CheckoutSummary {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .milliseconds(800))
        let correlationID = input.orderId
        @Sendable func context(_ step: String, key: String? = nil) -> CallContext {
            CallContext(workflow: "checkout", step: step, correlationID: correlationID, idempotencyKey: key)
        }
        let (cart, pricing, inventory, payments, mail, wrapping) = (self.cart, self.pricing, self.inventory, self.payments, self.mail, self.wrapping)

        // mode: async — fire and forget.
        Task { _ = try? await mail.sendReceipt(MailSendReceiptInput(orderId: input.orderId), context: context("receipt")) }

        async let wrap: WrappingBookOutput? = input.giftWrap
            ? timed(.milliseconds(100), deadline) { try await wrapping.book(WrappingBookInput(orderId: input.orderId), context: context("giftWrap")) }
            : nil
        let theCart = try await retrying {
            try await timed(.milliseconds(50), deadline) { try await cart.getCart(CartGetCartInput(cartId: input.cartId), context: context("cart")) }
        }
        let skus = theCart.items.map(\.sku)
        async let stock: StockReport? = try? await retrying {
            try await timed(.milliseconds(80), deadline) { try await inventory.check(InventoryCheckInput(skus: skus), context: context("stock")) }
        }
        let quote: Quote
        do {
            quote = try await retrying {
                try await timed(.milliseconds(100), deadline) {
                    try await pricing.quote(QuoteRequest(items: theCart.items, coupon: theCart.coupon), context: context("quote"))
                }
            }
        } catch {
            quote = try await retrying {
                try await timed(.milliseconds(100), deadline) { try await pricing.listPrice(PricingListPriceInput(skus: skus), context: context("quote")) }
            }
        }
        async let reservation = retrying {
            try await timed(.milliseconds(80), deadline) {
                try await inventory.reserve(InventoryReserveInput(orderId: input.orderId, skus: skus), context: context("reserve", key: input.orderId))
            }
        }
        async let charge = retrying {
            try await timed(.milliseconds(200), deadline) {
                try await payments.charge(PaymentsChargeInput(orderId: input.orderId, amount: quote.total), context: context("charge", key: input.orderId))
            }
        }
        var failure: (any Error)?
        var done: (reservation: Reservation?, charge: Charge?, wrap: WrappingBookOutput?) = (nil, nil, nil)
        do { done.reservation = try await reservation } catch { failure = error }
        do { done.charge = try await charge } catch { failure = failure ?? error }
        do { done.wrap = try await wrap } catch { failure = failure ?? error }
        let level = await stock?.level
        if let failure {
            if let booked = done.wrap {
                _ = try? await wrapping.cancel(WrappingCancelInput(bookingId: booked.bookingId), context: context("giftWrap"))
            }
            if let charged = done.charge { _ = try? await payments.refund(PaymentsRefundInput(chargeId: charged.id), context: context("charge")) }
            if let reserved = done.reservation {
                _ = try? await inventory.release(InventoryReleaseInput(reservationId: reserved.id), context: context("reserve"))
            }
            throw failure
        }
        return CheckoutSummary(orderId: input.orderId, total: quote.total, stock: level, chargeId: done.charge!.id)
    }
}

/// Two attempts, as the spec's `standard` retry (no backoff needed on the happy path).
func retrying<T: Sendable>(_ operation: () async throws -> T) async throws -> T {
    do {
        return try await operation()
    } catch is CancellationError {
        throw CancellationError()
    } catch {
        return try await operation()
    }
}

/// The usual hand-rolled timeout: race the operation against a sleeping child.
func timed<T: Sendable>(
    _ timeout: Duration,
    _ deadline: ContinuousClock.Instant,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let until = min(ContinuousClock.now.advanced(by: timeout), deadline)
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(until: until, clock: .continuous)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw TimeoutError(limit: timeout) }
        return value
    }
}

// MARK: - The measurement

enum GeneratedVsHandWritten {
    static func run(_ report: Report, quick: Bool) async {
        let options = OrchestratorOptions(telemetry: .disabled)
        let generated = CheckoutOrchestrator(
            cart: Carts(), pricing: Pricing(), inventory: Inventory(), payments: Payments(), mail: Mail(), wrapping: Wrapping(),
            options: options)
        let handWritten = HandWrittenCheckout(
            cart: Carts(), pricing: Pricing(), inventory: Inventory(), payments: Payments(), mail: Mail(), wrapping: Wrapping())
        let runs = quick ? 2_000 : 20_000
        let workers = 8
        let rounds = quick ? 1 : 3
        // Unique cart ids: every run misses both caches (the generated code does strictly more).
        let counter = Atomic<Int>(0)
        @Sendable func request() -> CheckoutRequest {
            let n = counter.add(1, ordering: .relaxed).newValue
            return CheckoutRequest(cartId: "cart-\(n)", orderId: "order-\(n)", giftWrap: false)
        }
        if ProcessInfo.processInfo.environment["BATON_BENCH_PROFILE_GENERATED"] != nil {
            // For profiling: only the generated orchestrator, for a while.
            let gen = await measure(runs: runs * 5, workers: workers) {
                let input = request()
                _ = try await generated.checkout(input, correlationID: input.orderId).output
            }
            print("generated alone: \(gen.throughput) runs/s, p50 \(gen.p50) ms")
            return
        }
        var results: [String: (throughput: [Double], p50: [Double])] = ["generated": ([], []), "hand-written": ([], [])]
        // Warm up both.
        _ = await measure(runs: runs / 10, workers: workers) { _ = try await handWritten.checkout(request()) }
        _ = await measure(runs: runs / 10, workers: workers) { _ = try await generated.checkout(request(), correlationID: "c").output }
        for _ in 0..<rounds {
            let hand = await measure(runs: runs, workers: workers) { _ = try await handWritten.checkout(request()) }
            let gen = await measure(runs: runs, workers: workers) {
                let input = request()
                _ = try await generated.checkout(input, correlationID: input.orderId).output
            }
            results["hand-written"]!.throughput.append(hand.throughput)
            results["hand-written"]!.p50.append(hand.p50)
            results["generated"]!.throughput.append(gen.throughput)
            results["generated"]!.p50.append(gen.p50)
        }
        await generated.shutdown()
        let handThroughput = median(results["hand-written"]!.throughput)
        let genThroughput = median(results["generated"]!.throughput)
        let handP50 = median(results["hand-written"]!.p50)
        let genP50 = median(results["generated"]!.p50)
        let suite = "2 generated vs hand-written"
        report.add(Row(suite: suite, name: "hand-written throughput", value: handThroughput, unit: "runs/s"))
        report.add(Row(
            suite: suite, name: "generated throughput", value: genThroughput, unit: "runs/s",
            ratio: genThroughput / handThroughput, baseline: "hand-written", target: "≥ 0.9×", met: genThroughput / handThroughput >= 0.9))
        report.add(Row(suite: suite, name: "hand-written p50", value: handP50 * 1000, unit: "µs"))
        report.add(Row(suite: suite, name: "generated p50", value: genP50 * 1000, unit: "µs", ratio: genP50 / handP50, baseline: "hand-written"))
    }

    /// `runs` calls of `body` by `workers` concurrent tasks: runs per second and the median
    /// latency (ms).
    static func measure(runs: Int, workers: Int, _ body: @escaping @Sendable () async throws -> Void) async -> (throughput: Double, p50: Double) {
        let clock = ContinuousClock()
        let start = clock.now
        let perWorker = runs / workers
        let latencies = await withTaskGroup(of: Latencies.self) { group in
            for _ in 0..<workers {
                group.addTask {
                    var latencies = Latencies()
                    for _ in 0..<perWorker {
                        let begin = clock.now
                        do { try await body() } catch { fatalError("checkout failed: \(error)") }
                        latencies.record(begin.duration(to: clock.now))
                    }
                    return latencies
                }
            }
            var all = Latencies()
            for await part in group { all.merge(part) }
            return all
        }
        let elapsed = milliseconds(start.duration(to: clock.now)) / 1000
        return (Double(perWorker * workers) / elapsed, latencies.percentile(0.5))
    }
}
