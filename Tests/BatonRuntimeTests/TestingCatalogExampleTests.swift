// The example of the BatonTesting landing page (Sources/BatonTesting/BatonTesting.docc/BatonTesting.md),
// compiled and run; `DocumentationTests` checks that the page shows it verbatim.

// BatonTesting catalog: example (begin)
import BatonRuntime
import BatonTesting
import Testing

@Test func quoteIsRetriedAfterTheCartArrives() async throws {
    let clock = ManualClock()
    let carts = MockOperation<String, [String]>(clock: clock, [.succeed(["sku-1", "sku-2"], after: .milliseconds(10))])
    let prices = MockOperation<[String], Int>(clock: clock, [
        .fail(ScriptedError(.unavailable), after: .milliseconds(5)),  // the first attempt fails…
        .succeed(42, after: .milliseconds(5)),                        // …and the retry succeeds
    ])

    // The workflow under test: `quote` depends on `cart` and retries once.
    var checkout = WorkflowBuilder<String>(
        workflow: "checkout", deadline: .seconds(1), clock: clock.asAnyClock, telemetry: .disabled)
    let cart: StepKey<[String]> = checkout.step("cart", service: "carts", policy: DirectCall()) { cartID, _, context in
        try await carts(cartID, context: context)
    }
    let pricing = ResiliencePipeline(
        retry: RetryPolicy(maxAttempts: 2), clock: clock.asAnyClock,
        random: RandomSource { 0 })  // full jitter × 0: the retry waits nothing
    let quote: StepKey<Int> = checkout.step("quote", service: "pricing", dependsOn: [cart.id], policy: pricing) { _, values, context in
        try await prices(values[cart], context: context)
    }
    let workflow = checkout.build { _, values in values[quote] }

    // Drive it: wait for each call, then move time to when it finishes.
    let run = Task { try await workflow.run("cart-42") }
    try await carts.waitForCalls(count: 1)
    clock.advance(by: .milliseconds(10))   // t+10ms: the cart arrives, `quote` starts
    try await prices.waitForCalls(count: 1)
    clock.advance(by: .milliseconds(5))    // t+15ms: the first attempt fails, the retry starts
    try await prices.waitForCalls(count: 2)
    clock.advance(by: .milliseconds(5))    // t+20ms: the retry succeeds
    let result = try await run.value

    #expect(result.output == 42)
    #expect(result.report[step: "quote"]?.attempts == 2)
    #expect(prices.calls.map(\.startedAt) == [.zero.advanced(by: .milliseconds(10)), .zero.advanced(by: .milliseconds(15))])
    #expect(prices.calls[1].context.attempt == 2)
}
// BatonTesting catalog: example (end)
