import BatonRuntime
import BatonTesting
import Testing

/// BatonTesting's barriers never hang a test: past their wall-clock bound they throw
/// `WaitTimedOut` naming what they waited for, and a cancelled waiter is released at once.
/// (The bound is wall-clock by design; these tests use bounds of a few milliseconds.)
@Suite struct BoundedWaitTests {
    struct Quote: Sendable {}

    @Test func waitingForCallsThatNeverComeFailsNamingTheOperation() async throws {
        let clock = ManualClock()
        let quote = MockOperation<Int, Quote>(clock: clock, name: "pricing.quote", [.succeed(Quote())])
        _ = try await quote(1, context: CallContext(workflow: "w", step: "s", correlationID: "c"))
        let error = try #require(await #expect(throws: WaitTimedOut.self) {
            try await quote.waitForCalls(count: 2, within: .milliseconds(20))
        })
        #expect(error.waitingFor == "2 calls of pricing.quote (1 received)")
        #expect(error.bound == .milliseconds(20))
        // Reached targets return at once, whatever the bound.
        try await quote.waitForCalls(count: 1, within: .zero)
    }

    @Test func waitingForSleepersThatNeverComeFailsSayingHowManySleep() async throws {
        let clock = ManualClock()
        let sleeper = Task { try await clock.sleep(until: .zero.advanced(by: .seconds(1))) }
        try await clock.waitForSleepers(count: 1)
        let error = try #require(await #expect(throws: WaitTimedOut.self) {
            try await clock.waitForSleepers(count: 3, within: .milliseconds(20))
        })
        #expect(error.description == "waited 0.02 seconds for 3 sleepers on the manual clock (1 sleeping), in vain")
        clock.advance(by: .seconds(1))
        try await sleeper.value
    }

    @Test func aCancelledWaiterIsReleasedAtOnce() async throws {
        let clock = ManualClock()
        let waiter = Task { try await clock.waitForSleepers(count: 1, within: .seconds(3600)) }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
    }

    @Test func aRunThatNeverEndsIsCancelledAndNamed() async throws {
        let clock = ManualClock()
        let run = Task { try await clock.sleep(until: .zero.advanced(by: .seconds(1))) }
        let error = try #require(await #expect(throws: WaitTimedOut.self) {
            try await run.value(within: .milliseconds(20), waitingFor: "the checkout run")
        })
        #expect(error.waitingFor == "the checkout run")
        #expect(run.isCancelled)
        #expect(clock.sleeperCount == 0)
    }

    @Test func aRunThatEndsGivesItsValue() async throws {
        let run = Task { () async throws -> Int in 42 }
        #expect(try await run.value(waitingFor: "the answer") == 42)
    }
}
