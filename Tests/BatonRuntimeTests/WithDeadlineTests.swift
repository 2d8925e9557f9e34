import BatonRuntime
import BatonTesting
import Testing

@Suite struct WithDeadlineTests {
    @Test func returnsTheValueWhenTheOperationIsFaster() async throws {
        let clock = ManualClock()
        let task = Task {
            try await withDeadline(.zero.advanced(by: .milliseconds(100)), clock: clock.asAnyClock, limit: .milliseconds(100)) {
                try await clock.sleep(until: .zero.advanced(by: .milliseconds(40)))
                return 7
            }
        }
        try await clock.waitForSleepers(count: 2)
        clock.advance(by: .milliseconds(40))
        #expect(try await task.value == 7)
        #expect(clock.sleeperCount == 0)
    }

    @Test func throwsTimeoutAndCancelsTheOperationAtTheInstant() async throws {
        let clock = ManualClock()
        let task = Task {
            try await withDeadline(.zero.advanced(by: .milliseconds(100)), clock: clock.asAnyClock, limit: .milliseconds(100)) {
                try await clock.sleep(until: .zero.advanced(by: .seconds(10)))
                return 7
            }
        }
        try await clock.waitForSleepers(count: 2)
        clock.advance(by: .milliseconds(100))
        await #expect(throws: TimeoutError(limit: .milliseconds(100))) { try await task.value }
        #expect(clock.sleeperCount == 0, "the operation's sleep was cancelled, not leaked")
        #expect(clock.now == .zero.advanced(by: .milliseconds(100)))
    }

    @Test func waitsForAnOperationThatIsSlowToReactToCancellation() async throws {
        // The documented limit of structured concurrency: the timeout returns only when the
        // operation finishes. Here the operation ignores cancellation until t+150ms.
        let clock = ManualClock()
        let task = Task {
            try await withDeadline(.zero.advanced(by: .milliseconds(100)), clock: clock.asAnyClock, limit: .milliseconds(100)) {
                try? await clock.sleep(until: .zero.advanced(by: .milliseconds(100)))
                // Cancelled now, but keeps working on a non-cancellable wait.
                await Task { try? await clock.sleep(until: .zero.advanced(by: .milliseconds(150))) }.value
                return 7
            }
        }
        try await clock.waitForSleepers(count: 2)
        clock.advance(by: .milliseconds(100))
        try await clock.waitForSleepers(count: 1)
        #expect(clock.nextDeadline == .zero.advanced(by: .milliseconds(150)))
        clock.advance(by: .milliseconds(50))
        await #expect(throws: TimeoutError.self) { try await task.value }
    }

    @Test func aPassedInstantThrowsWithoutRunningTheOperation() async throws {
        let clock = ManualClock()
        clock.advance(by: .seconds(1))
        await #expect(throws: TimeoutError.self) {
            try await withDeadline(.zero, clock: clock.asAnyClock, limit: .zero) {
                Issue.record("must not run")
            }
        }
    }

    @Test func attemptTimeoutIsClippedToTheRunDeadline() async throws {
        let clock = ManualClock()
        let any = clock.asAnyClock
        let task = Task {
            try await Deadline.$current.withValue(.after(.milliseconds(30), clock: any)) {
                try await withAttemptTimeout(.milliseconds(100), clock: any) {
                    try await clock.sleep(for: .seconds(1))
                }
            }
        }
        try await clock.waitForSleepers(count: 2)
        #expect(clock.nextDeadline == .zero.advanced(by: .milliseconds(30)))
        clock.advance(by: .milliseconds(30))
        await #expect(throws: TimeoutError(limit: .milliseconds(30))) { try await task.value }
    }
}
