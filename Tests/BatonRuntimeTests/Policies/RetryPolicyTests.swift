import BatonRuntime
import BatonTesting
import Synchronization
import Testing

@Suite(.timeLimit(.minutes(1))) struct RetryPolicyTests {
    /// Fails with `failures[n-1]` on attempt n, then succeeds with the attempt number. Records the
    /// instant of every attempt.
    final class Script: Sendable {
        let failures: [any Error & Sendable]
        let attempts = Recorder<BatonInstant>()
        let clock: ManualClock

        init(clock: ManualClock, failures: [any Error & Sendable]) {
            self.clock = clock
            self.failures = failures
        }

        func attempt(_ number: Int) throws -> Int {
            attempts.append(clock.now)
            if number <= failures.count { throw failures[number - 1] }
            return number
        }
    }

    static let noJitter = Backoff(initial: .milliseconds(25), max: .seconds(1), jitter: .none)

    @Test func retriesRetryableFailuresWithBackoff() async throws {
        let clock = ManualClock()
        let script = Script(clock: clock, failures: [ScriptedError(.transient), ScriptedError(.timeout)])
        let policy = RetryPolicy(maxAttempts: 3, backoff: Self.noJitter)
        let task = Task {
            try await policy.execute(budget: nil, clock: clock.asAnyClock, random: .seeded(1)) { try script.attempt($0) }
        }
        try await clock.waitForSleepers(count: 1)
        #expect(clock.nextDeadline == .ms(25))
        clock.advance(by: .milliseconds(25))
        try await clock.waitForSleepers(count: 1)
        #expect(clock.nextDeadline == .ms(75))
        clock.advance(by: .milliseconds(50))
        #expect(try await task.value == 3)
        #expect(script.attempts.all == [.ms(0), .ms(25), .ms(75)])
    }

    @Test func doesNotRetryClassesOutsideRetryOn() async throws {
        let clock = ManualClock()
        let script = Script(clock: clock, failures: [ScriptedError(.permanent)])
        await #expect(throws: ScriptedError(.permanent)) {
            try await RetryPolicy().execute(budget: nil, clock: clock.asAnyClock, random: .seeded(1)) { try script.attempt($0) }
        }
        #expect(script.attempts.count == 1)

        let unknown = Script(clock: clock, failures: [ScriptedError(.unknown)])
        let task = Task {
            try await RetryPolicy(backoff: Self.noJitter, retryOn: [.unknown]).execute(budget: nil, clock: clock.asAnyClock, random: .seeded(1)) {
                try unknown.attempt($0)
            }
        }
        try await clock.waitForSleepers(count: 1)
        clock.advance(by: .milliseconds(25))
        #expect(try await task.value == 2, "retryOn may opt into unknown")
    }

    @Test func givesUpAfterMaxAttemptsWithTheLastError() async throws {
        let clock = ManualClock()
        let script = Script(clock: clock, failures: (1...5).map { ScriptedError(.transient, tag: $0) })
        let task = Task {
            try await RetryPolicy(maxAttempts: 2, backoff: Self.noJitter).execute(budget: nil, clock: clock.asAnyClock, random: .seeded(1)) {
                try script.attempt($0)
            }
        }
        try await clock.waitForSleepers(count: 1)
        clock.advance(by: .milliseconds(25))
        await #expect(throws: ScriptedError(.transient, tag: 2)) { try await task.value }
        #expect(script.attempts.count == 2)
        #expect(clock.sleeperCount == 0)
    }

    @Test func retryAfterLengthensTheWait() async throws {
        let clock = ManualClock()
        let script = Script(clock: clock, failures: [ScriptedError(.overloaded, retryAfter: .milliseconds(300))])
        let task = Task {
            try await RetryPolicy(backoff: Self.noJitter).execute(budget: nil, clock: clock.asAnyClock, random: .seeded(1)) { try script.attempt($0) }
        }
        try await clock.waitForSleepers(count: 1)
        #expect(clock.nextDeadline == .ms(300), "at least the retry-after, not the 25 ms backoff")
        clock.advance(by: .milliseconds(300))
        #expect(try await task.value == 2)
    }

    @Test func neverSleepsPastTheDeadline() async throws {
        let clock = ManualClock()
        let any = clock.asAnyClock
        let script = Script(clock: clock, failures: [ScriptedError(.transient, tag: 1), ScriptedError(.transient, tag: 2), ScriptedError(.transient, tag: 3)])
        let backoff = Backoff(initial: .milliseconds(60), max: .seconds(1), jitter: .none)
        let task = Task {
            try await Deadline.$current.withValue(.after(.milliseconds(100), clock: any)) {
                try await RetryPolicy(maxAttempts: 5, backoff: backoff).execute(budget: nil, clock: any, random: .seeded(1)) { try script.attempt($0) }
            }
        }
        try await clock.waitForSleepers(count: 1)
        #expect(clock.nextDeadline == .ms(60))
        clock.advance(by: .milliseconds(60))
        // The next backoff (120 ms) would end at 180 ms, past the 100 ms deadline: the last
        // error comes back at once, at 60 ms.
        await #expect(throws: ScriptedError(.transient, tag: 2)) { try await task.value }
        #expect(clock.now == .ms(60))
        #expect(script.attempts.count == 2)
    }

    @Test func retryAfterBeyondTheDeadlineStopsAtOnce() async throws {
        let clock = ManualClock()
        let any = clock.asAnyClock
        let script = Script(clock: clock, failures: [ScriptedError(.overloaded, retryAfter: .seconds(5))])
        await #expect(throws: ScriptedError(.overloaded, retryAfter: .seconds(5))) {
            try await Deadline.$current.withValue(.after(.seconds(1), clock: any)) {
                try await RetryPolicy().execute(budget: nil, clock: any, random: .seeded(1)) { try script.attempt($0) }
            }
        }
        #expect(script.attempts.count == 1)
        #expect(clock.now == .zero)
    }

    @Test func stopsWhenTheBudgetIsSpent() async throws {
        let clock = ManualClock()
        let budget = RetryBudget(ratio: 0, minPerSecond: 0.2, window: .seconds(10), clock: clock.asAnyClock)  // 2 retries
        let script = Script(clock: clock, failures: (1...10).map { ScriptedError(.unavailable, tag: $0) })
        let task = Task {
            try await RetryPolicy(maxAttempts: 10, backoff: Self.noJitter).execute(budget: budget, clock: clock.asAnyClock, random: .seeded(1)) {
                try script.attempt($0)
            }
        }
        try await clock.waitForSleepers(count: 1)
        clock.advance(by: .milliseconds(25))
        try await clock.waitForSleepers(count: 1)
        clock.advance(by: .milliseconds(50))
        await #expect(throws: ScriptedError(.unavailable, tag: 3)) { try await task.value }
        #expect(script.attempts.count == 3)
        #expect(budget.snapshot.withdrawals == 2)
    }

    @Test func cancellationDuringBackoffStopsAtOnce() async throws {
        let clock = ManualClock()
        let script = Script(clock: clock, failures: (1...10).map { ScriptedError(.transient, tag: $0) })
        let task = Task {
            try await RetryPolicy(maxAttempts: 10, backoff: Self.noJitter).execute(budget: nil, clock: clock.asAnyClock, random: .seeded(1)) {
                try script.attempt($0)
            }
        }
        try await clock.waitForSleepers(count: 1)
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(script.attempts.count == 1)
        #expect(clock.sleeperCount == 0)
    }

    @Test func cancelledFailuresAreNeverRetried() async throws {
        let clock = ManualClock()
        let script = Script(clock: clock, failures: [CancellationError()])
        await #expect(throws: CancellationError.self) {
            try await RetryPolicy(retryOn: Set(ErrorClass.allCases)).execute(budget: nil, clock: clock.asAnyClock, random: .seeded(1)) {
                try script.attempt($0)
            }
        }
        #expect(script.attempts.count == 1)
    }
}
