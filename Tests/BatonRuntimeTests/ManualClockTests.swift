import Synchronization
import BatonRuntime
import BatonTesting
import Testing

@Suite struct ManualClockTests {
    @Test func wakesSleepersInDeadlineOrderAndSetsNowForEach() async throws {
        let clock = ManualClock()
        let woken = WakeLog()
        let tasks = [30, 10, 20].map { ms in
            Task {
                try await clock.sleep(until: .zero.advanced(by: .milliseconds(ms)))
                woken.append(ms)
            }
        }
        try await clock.waitForSleepers(count: 3)
        #expect(clock.nextDeadline == .zero.advanced(by: .milliseconds(10)))
        clock.advance(by: .milliseconds(15))
        try await tasks[1].value
        #expect(woken.values == [10])
        #expect(clock.now == .zero.advanced(by: .milliseconds(15)))
        #expect(clock.sleeperCount == 2)
        clock.advance(by: .milliseconds(100))
        for task in tasks { try await task.value }
        #expect(Set(woken.values) == [10, 20, 30])
        #expect(clock.sleeperCount == 0)
    }

    @Test func sleepingUntilThePastReturnsAtOnce() async throws {
        let clock = ManualClock()
        clock.advance(by: .seconds(1))
        try await clock.sleep(until: .zero.advanced(by: .milliseconds(500)))
        #expect(clock.sleeperCount == 0)
    }

    @Test func cancellingASleeperRemovesItAndThrows() async throws {
        let clock = ManualClock()
        let task = Task { try await clock.sleep(for: .seconds(5)) }
        try await clock.waitForSleepers(count: 1)
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(clock.sleeperCount == 0)
    }

    @Test func anyClockKeepsTheManualOrigin() async throws {
        let clock = ManualClock()
        clock.advance(by: .milliseconds(42))
        let erased = clock.asAnyClock
        #expect(erased.now == .zero.advanced(by: .milliseconds(42)))
        let task = Task { try await erased.sleep(for: .milliseconds(8)) }
        try await clock.waitForSleepers(count: 1)
        #expect(clock.nextDeadline == .zero.advanced(by: .milliseconds(50)))
        clock.advanceToNextDeadline()
        try await task.value
    }
}

/// Collects values from concurrent tasks.
final class WakeLog: Sendable {
    private let storage = Lock<[Int]>([])
    func append(_ value: Int) { storage.withLock { $0.append(value) } }
    var values: [Int] { storage.withLock { $0 } }
}
