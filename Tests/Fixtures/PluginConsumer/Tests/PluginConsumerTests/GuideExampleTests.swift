// The testing example of the runtime guide (Sources/BatonRuntime/BatonRuntime.docc/RuntimeGuide.md),
// compiled and run here against the mocks and test world the build-tool plugin generates for
// `Checkout`. `DocumentationTests` in the root package checks that the guide shows it verbatim.

// Guide: testing example (begin)
import BatonRuntime
import BatonTesting
import Testing
@testable import Checkout

@Test func chargeIsRetriedOnceAfterATransientFailure() async throws {
    let clock = ManualClock()
    // Everything succeeds with its fixture, except the first charge attempt.
    let world = CheckoutTestWorld(
        clock: clock,
        scripts: ["payments.charge": .failFirst(ScriptedError(.transient))]
    )
    let result = try await world.orchestrator.checkout(CheckoutFixtures.checkoutRequest)

    #expect(result.report.isComplete)
    #expect(result.report[step: "charge"]?.attempts == 2)
    #expect(world.mocks.payments.charge.calls.map(\.context.attempt) == [1, 2])
    // Both attempts carried the same idempotency key.
    #expect(Set(world.mocks.payments.charge.calls.compactMap(\.context.idempotencyKey)).count == 1)
    await world.orchestrator.shutdown()
}
// Guide: testing example (end)
