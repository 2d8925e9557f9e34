import BatonRuntime
import BatonTesting
import Foundation
import Testing

/// Heap-growth checks, on only when `BATON_MEMORY_CHECKS` is set: the heap is process-wide, so
/// they need a process of their own (`.ci/run` runs them alone, then the soak alone).
///
/// Regression (found by the soak): in Swift 6.3 a `CheckedContinuation` resumed with
/// `resume(throwing:)` leaks about 100 bytes. The manual clock's cancelled sleeps, the bulkhead's
/// refused or cancelled queue waits and the idempotency store's cancelled waiters were resumed that
/// way; they now resume with a `Result`. (The store's waiters are not measured here: their
/// figure varies between runs with the interleaving of cancellation and waiting.) The bound (50 bytes per iteration) is half the leak, well
/// above the noise of a process that runs nothing else.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["BATON_MEMORY_CHECKS"] != nil))
struct MemoryRegressionTests {
    /// Heap bytes gained per iteration of `body`, after a warm-up.
    static func growthPerIteration(_ iterations: Int = 20_000, _ body: () async throws -> Void) async throws -> Int {
        for _ in 0..<500 { try await body() }
        let before = try #require(RuntimeSoakTests.heapInUse())
        for _ in 0..<iterations { try await body() }
        let after = try #require(RuntimeSoakTests.heapInUse())
        return (after - before) / iterations
    }

    @Test func cancelledSleepsOnTheManualClockDoNotLeak() async throws {
        let growth = try await Self.growthPerIteration {
            let clock = ManualClock()
            let task = Task { try? await clock.sleep(until: clock.now.advanced(by: .seconds(5))) }
            try await clock.waitForSleepers(count: 1)
            task.cancel()
            await task.value
        }
        #expect(growth < 50, "\(growth) bytes per cancelled sleep")
    }

    @Test func refusedBulkheadCallsDoNotLeak() async throws {
        let bulkhead = Bulkhead(name: "b", maxConcurrent: 1, maxQueue: 0, clock: ManualClock().asAnyClock)
        try await bulkhead.acquire()
        let growth = try await Self.growthPerIteration {
            _ = try? await bulkhead.acquire()
        }
        bulkhead.release()
        #expect(growth < 50, "\(growth) bytes per refused call")
    }
}
