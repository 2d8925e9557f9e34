@testable import BatonRuntime
import BatonTesting
import Synchronization
import Testing

/// The shared timer behind attempt timeouts on real clocks, driven here by a manual clock: one
/// sleeper (the watcher's) however many attempts are timed.
@Suite struct DeadlineWatcherTests {
    static func watcher(on clock: ManualClock) -> DeadlineWatcher {
        DeadlineWatcher(now: { clock.now }, sleep: { instant in try await clock.sleep(until: instant) })
    }

    static func at(_ milliseconds: Int) -> BatonInstant { .zero.advanced(by: .milliseconds(milliseconds)) }

    @Test func returnsTheValueAndStopsWatching() async throws {
        let clock = ManualClock()
        let watcher = Self.watcher(on: clock)
        let task = Task {
            try await withWatchedDeadline(Self.at(100), watcher: watcher, limit: .milliseconds(100)) {
                try await clock.sleep(until: Self.at(40))
                return 7
            }
        }
        try await clock.waitForSleepers(count: 2)  // the operation and the watcher
        clock.advance(by: .milliseconds(40))
        #expect(try await task.value == 7)
        #expect(watcher.watchedCount == 0)
        // The watcher wakes at its instant, finds nothing to watch and ends.
        clock.advance(by: .milliseconds(60))
        try await yieldUntil("the watcher's timer task to end") { !watcher.isArmed }
        #expect(clock.sleeperCount == 0)
    }

    @Test func cancelsTheOperationAtTheInstant() async throws {
        let clock = ManualClock()
        let watcher = Self.watcher(on: clock)
        let task = Task {
            try await withWatchedDeadline(Self.at(100), watcher: watcher, limit: .milliseconds(100)) {
                try await clock.sleep(until: .zero.advanced(by: .seconds(10)))
                return 7
            }
        }
        try await clock.waitForSleepers(count: 2)
        clock.advance(by: .milliseconds(100))
        await #expect(throws: TimeoutError(limit: .milliseconds(100))) { try await task.value }
        #expect(clock.now == Self.at(100))
        #expect(watcher.watchedCount == 0)
        try await yieldUntil("the watcher's timer task to end") { !watcher.isArmed }
        #expect(clock.sleeperCount == 0, "the operation's sleep was cancelled and the watcher ended")
    }

    @Test func anOperationThatFinishesAsItIsCancelledKeepsItsValue() async throws {
        // A write that completed as its timeout fired is not reported as a timeout.
        let clock = ManualClock()
        let watcher = Self.watcher(on: clock)
        let task = Task {
            try await withWatchedDeadline(Self.at(100), watcher: watcher, limit: .milliseconds(100)) {
                try? await clock.sleep(until: .zero.advanced(by: .seconds(10)))
                return 7
            }
        }
        try await clock.waitForSleepers(count: 2)
        clock.advance(by: .milliseconds(100))
        #expect(try await task.value == 7)
        #expect(watcher.watchedCount == 0)
    }

    @Test func oneTimerForManyAttempts() async throws {
        let clock = ManualClock()
        let watcher = Self.watcher(on: clock)
        let finished = FinishedCount()
        let outcomes = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
            for index in 1...10 {
                group.addTask {
                    defer { finished.value.add(1, ordering: .sequentiallyConsistent) }
                    do {
                        _ = try await withWatchedDeadline(Self.at(100 * index), watcher: watcher, limit: .milliseconds(100 * index)) {
                            try await clock.sleep(until: Self.at(550))
                            return index
                        }
                        return (index, true)
                    } catch {
                        #expect(error is TimeoutError)
                        return (index, false)
                    }
                }
            }
            try await clock.waitForSleepers(count: 11)  // ten operations, one watcher
            // The watcher wakes once and expires the five attempts whose instants have passed.
            clock.advance(to: Self.at(500))
            try await yieldUntil("the five expired attempts to finish") {
                finished.value.load(ordering: .sequentiallyConsistent) >= 5
            }
            try await clock.waitForSleepers(count: 6)  // five operations, the watcher re-armed for 600 ms
            clock.advance(to: Self.at(550))
            var outcomes: [Int: Bool] = [:]
            for try await (index, succeeded) in group { outcomes[index] = succeeded }
            return outcomes
        }
        // Deadlines at 100…500 ms passed before the operations' 550 ms; the others finished.
        for index in 1...10 { #expect(outcomes[index] == (index > 5), "attempt \(index)") }
        #expect(watcher.watchedCount == 0)
    }

    @Test func anEarlierInstantRearmsTheTimer() async throws {
        let clock = ManualClock()
        let watcher = Self.watcher(on: clock)
        let late = Task {
            try await withWatchedDeadline(Self.at(1000), watcher: watcher, limit: .seconds(1)) {
                try await clock.sleep(until: Self.at(500))
                return 1
            }
        }
        try await clock.waitForSleepers(count: 2)
        let early = Task {
            try await withWatchedDeadline(Self.at(100), watcher: watcher, limit: .milliseconds(100)) {
                try await clock.sleep(until: Self.at(500))
                return 2
            }
        }
        // The timer sleeping until 1 s is retired for one sleeping until 100 ms.
        try await clock.waitForSleepers(count: 3)
        try await yieldUntil("the watcher's timer to be re-armed for 100 ms (3 sleepers)") {
            clock.nextDeadline == Self.at(100) && clock.sleeperCount == 3
        }
        clock.advance(to: Self.at(100))
        await #expect(throws: TimeoutError.self) { try await early.value }
        try await clock.waitForSleepers(count: 2)  // the late operation and the re-armed timer
        clock.advance(to: Self.at(500))
        #expect(try await late.value == 1)
    }

    @Test func forwardsTheCallersCancellation() async throws {
        let clock = ManualClock()
        let watcher = Self.watcher(on: clock)
        let task = Task {
            try await withWatchedDeadline(Self.at(100), watcher: watcher, limit: .milliseconds(100)) {
                try await clock.sleep(until: .zero.advanced(by: .seconds(10)))
                return 7
            }
        }
        try await clock.waitForSleepers(count: 2)
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(watcher.watchedCount == 0)
    }

    @Test func realClocksUseTheWatcherAndVirtualOnesDoNot() {
        #expect(AnyClock.continuous.deadlineWatcher != nil)
        #expect(ManualClock().asAnyClock.deadlineWatcher == nil)
    }

    /// A clock that is not in `BatonInstant`s is wrapped as a real clock, with a watcher: driven by
    /// a manual clock underneath, so the real-clock path is tested without waiting on the wall.
    @Test func aRealClockTimesOutThroughItsWatcher() async throws {
        let manual = ManualClock()
        let clock = AnyClock(ManualTimeClock(manual: manual))
        #expect(clock.deadlineWatcher != nil)
        let task = Task {
            try await withAttemptTimeout(.milliseconds(20), clock: clock) {
                try await clock.sleep(until: .zero.advanced(by: .seconds(3600)))
                return 1
            }
        }
        try await manual.waitForSleepers(count: 2)  // the operation and the watcher's timer
        manual.advance(by: .milliseconds(20))
        await #expect(throws: TimeoutError(limit: .milliseconds(20))) { try await task.value }
        #expect(try await withAttemptTimeout(.seconds(10), clock: clock) { 3 } == 3)
        #expect(clock.deadlineWatcher?.watchedCount == 0)
    }
}

/// Manual time behind an instant type of its own, so `AnyClock` treats it as a real clock.
private struct ManualTimeClock: Clock {
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    let manual: ManualClock
    var now: Instant { Instant(offset: manual.now.offset) }
    var minimumResolution: Duration { .zero }

    func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try await manual.sleep(until: BatonInstant(offset: deadline.offset), tolerance: tolerance)
    }
}

private final class FinishedCount: Sendable {
    let value = Atomic<Int>(0)
}
