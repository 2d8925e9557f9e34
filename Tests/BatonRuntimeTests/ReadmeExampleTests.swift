// The README's hand-written runtime example, compiled and run; `DocumentationTests` checks that
// README.md shows it verbatim.

import BatonRuntime
import BatonTesting
import Testing

// README: hand-written runtime example (begin)
import BatonRuntime

struct PriceQuote: Sendable, Equatable {
    var total: Int
}

protocol CartStore: Sendable {
    func items(in cart: String, context: CallContext) async throws -> [String]
}

protocol PriceList: Sendable {
    func quote(_ skus: [String], context: CallContext) async throws -> PriceQuote
}

/// Loads a cart, then prices it: one deadline for both, retries with a budget and a circuit
/// breaker for pricing, and a fallback price when pricing is down.
func makeCheckout(carts: any CartStore, prices: any PriceList, clock: AnyClock = .continuous) -> Workflow<String, PriceQuote> {
    // Built once and shared by every run: the breaker and the budget see all traffic.
    let pricing = ResiliencePipeline(
        timeout: .milliseconds(150),
        retry: RetryPolicy(maxAttempts: 3, backoff: Backoff(initial: .milliseconds(20), max: .milliseconds(200))),
        retryBudget: RetryBudget(clock: clock),
        circuitBreaker: CircuitBreaker(name: "pricing", clock: clock),
        clock: clock
    )
    var checkout = WorkflowBuilder<String>(workflow: "checkout", deadline: .milliseconds(800), clock: clock)
    let cart: StepKey<[String]> = checkout.step(
        "cart", service: "carts", policy: SingleAttempt(timeout: .milliseconds(50), clock: clock)
    ) { cartID, _, context in
        try await carts.items(in: cartID, context: context)
    }
    let quote: StepKey<PriceQuote> = checkout.step(
        "quote", service: "pricing", dependsOn: [cart.id], policy: pricing, fallback: .value(PriceQuote(total: 0))
    ) { _, values, context in
        try await prices.quote(values[cart], context: context)
    }
    return checkout.build { _, values in values[quote] }
}

// let result = try await makeCheckout(carts: carts, prices: prices).run("cart-42")
// result.output is the quote; result.report says how each step went.
// README: hand-written runtime example (end)

@Suite struct ReadmeExampleTests {
    struct Carts: CartStore {
        func items(in cart: String, context: CallContext) async throws -> [String] { ["a", "b"] }
    }

    struct Prices: PriceList {
        let script: ScriptedCall<PriceQuote>
        func quote(_ skus: [String], context: CallContext) async throws -> PriceQuote { try await script.call(context) }
    }

    @Test func pricesTheCart() async throws {
        let clock = ManualClock()
        let prices = Prices(script: ScriptedCall(clock: clock, returning: PriceQuote(total: 30)))
        let result = try await makeCheckout(carts: Carts(), prices: prices, clock: clock.asAnyClock).run("cart-42")
        #expect(result.output == PriceQuote(total: 30))
        #expect(result.report.isComplete)
    }

    @Test func fallsBackWhenPricingFailsForGood() async throws {
        let clock = ManualClock()
        let prices = Prices(script: ScriptedCall(clock: clock, [.fail(ScriptedError(.permanent))]))
        let result = try await makeCheckout(carts: Carts(), prices: prices, clock: clock.asAnyClock).run("cart-42")
        #expect(result.output == PriceQuote(total: 0))
        #expect(result.report[step: "quote"]?.outcome == .fallback)
    }
}
