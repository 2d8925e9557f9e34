import BatonRuntime
import BatonTesting
import InMemoryLogging
import Logging
import Synchronization
import Testing

@Suite(.timeLimit(.minutes(1))) struct CircuitBreakerTests {
    typealias Config = CircuitBreaker.Configuration

    static func breaker(
        _ configuration: Config, clock: ManualClock, events: Recorder<CircuitBreakerTransition>? = nil, logger: Logger? = nil
    ) -> CircuitBreaker {
        CircuitBreaker(name: "pricing", configuration: configuration, clock: clock.asAnyClock, logger: logger) { events?.append($0) }
    }

    static func succeed(_ breaker: CircuitBreaker, in duration: Duration = .zero) throws {
        breaker.record(try breaker.acquire(), .success(duration: duration))
    }

    static func fail(_ breaker: CircuitBreaker, _ errorClass: ErrorClass = .transient) throws {
        breaker.record(try breaker.acquire(), .failure(errorClass))
    }

    @Test func specDefaults() {
        let config = Config()
        #expect(config.mode == .rate)
        #expect(config.failureRate == 0.5 && config.window == 20 && config.minCalls == 10)
        #expect(config.slowCall == nil && config.consecutiveFailures == 5)
        #expect(config.openFor == .seconds(5) && config.halfOpenProbes == 1)
        #expect(config.failureClasses == [.timeout, .unavailable, .overloaded, .transient, .unknown])
    }

    @Test func rateModeWaitsForMinCallsThenOpensAtTheFailureRate() throws {
        let clock = ManualClock()
        let breaker = Self.breaker(Config(failureRate: 0.5, window: 20, minCalls: 10), clock: clock)
        for _ in 0..<5 { try Self.fail(breaker) }
        for _ in 0..<4 { try Self.succeed(breaker) }
        #expect(breaker.state == .closed, "9 calls: below minCalls, no decision yet")
        try Self.succeed(breaker)
        #expect(breaker.state == .open, "10 calls, 5 failures: 50% >= 50%")
    }

    @Test func rateModeStaysClosedBelowTheRate() throws {
        let clock = ManualClock()
        let breaker = Self.breaker(Config(failureRate: 0.5, window: 10, minCalls: 10), clock: clock)
        // Alternate 4 failures per 10 calls for a long time: the window slides, never >= 50%.
        for index in 0..<200 {
            if index % 5 < 2 { try Self.fail(breaker) } else { try Self.succeed(breaker) }
        }
        #expect(breaker.state == .closed)
    }

    @Test func theWindowForgetsOldFailures() throws {
        let clock = ManualClock()
        let breaker = Self.breaker(Config(failureRate: 0.5, window: 10, minCalls: 10), clock: clock)
        for _ in 0..<4 { try Self.fail(breaker) }
        for _ in 0..<10 { try Self.succeed(breaker) }  // the 4 failures slid out
        for _ in 0..<4 { try Self.fail(breaker) }
        #expect(breaker.state == .closed, "4 of the last 10 failed")
        try Self.fail(breaker)
        #expect(breaker.state == .open, "5 of the last 10 failed")
    }

    @Test func consecutiveMode() throws {
        let clock = ManualClock()
        let breaker = Self.breaker(Config(mode: .consecutive, consecutiveFailures: 3), clock: clock)
        try Self.fail(breaker)
        try Self.fail(breaker)
        try Self.succeed(breaker)
        try Self.fail(breaker)
        try Self.fail(breaker)
        #expect(breaker.state == .closed)
        try Self.fail(breaker)
        #expect(breaker.state == .open)
    }

    @Test func permanentAndCancelledFailuresAreIgnored() throws {
        let clock = ManualClock()
        let breaker = Self.breaker(Config(mode: .consecutive, consecutiveFailures: 2), clock: clock)
        try Self.fail(breaker, .transient)
        try Self.fail(breaker, .permanent)
        try Self.fail(breaker, .cancelled)
        #expect(breaker.state == .closed)
        try Self.fail(breaker, .unknown)
        #expect(breaker.state == .open, "permanent and cancelled neither broke nor extended the run")
    }

    @Test func openRejectsWithRetryAfterThenHalfOpensAndCloses() throws {
        let clock = ManualClock()
        let events = Recorder<CircuitBreakerTransition>()
        let breaker = Self.breaker(Config(mode: .consecutive, consecutiveFailures: 1, openFor: .seconds(5), halfOpenProbes: 2), clock: clock, events: events)
        clock.advance(by: .seconds(1))
        try Self.fail(breaker)
        clock.advance(by: .seconds(2))
        #expect(throws: CircuitOpenError(breaker: "pricing", retryAfter: .seconds(3))) { try breaker.acquire() }
        clock.advance(by: .seconds(3))
        #expect(breaker.state == .halfOpen)
        let first = try breaker.acquire()
        let second = try breaker.acquire()
        #expect(throws: CircuitOpenError(breaker: "pricing", retryAfter: nil), "two probes at a time") { try breaker.acquire() }
        breaker.record(first, .success(duration: .zero))
        #expect(breaker.state == .halfOpen, "one success of two")
        let third = try breaker.acquire()
        breaker.record(second, .success(duration: .zero))
        #expect(breaker.state == .closed)
        breaker.record(third, .failure(.transient))
        #expect(breaker.state == .closed, "a probe admitted before closing does not count against the new state")
        #expect(events.all.map { "\($0.from)->\($0.to)@\($0.at)" } == ["closed->open@t+1.0 seconds", "open->halfOpen@t+6.0 seconds", "halfOpen->closed@t+6.0 seconds"])
        #expect(events.all.allSatisfy { $0.breaker == "pricing" })
    }

    @Test func aFailedProbeReopens() throws {
        let clock = ManualClock()
        let events = Recorder<CircuitBreakerTransition>()
        let breaker = Self.breaker(Config(mode: .consecutive, consecutiveFailures: 1, openFor: .seconds(5)), clock: clock, events: events)
        try Self.fail(breaker)
        clock.advance(by: .seconds(5))
        try Self.fail(breaker)
        #expect(breaker.state == .open)
        #expect(throws: CircuitOpenError(breaker: "pricing", retryAfter: .seconds(5))) { try breaker.acquire() }
        #expect(events.all.map(\.to) == [.open, .halfOpen, .open])
    }

    @Test func anIgnoredProbeFreesItsSlot() throws {
        let clock = ManualClock()
        let breaker = Self.breaker(Config(mode: .consecutive, consecutiveFailures: 1, openFor: .seconds(1)), clock: clock)
        try Self.fail(breaker)
        clock.advance(by: .seconds(1))
        let probe = try breaker.acquire()
        #expect(throws: CircuitOpenError.self) { try breaker.acquire() }
        breaker.record(probe, .failure(.cancelled))
        #expect(breaker.state == .halfOpen)
        let next = try breaker.acquire()
        breaker.recordIgnored(next)
        try Self.succeed(breaker)
        #expect(breaker.state == .closed)
    }

    @Test func slowCallRateOpens() throws {
        let clock = ManualClock()
        let slow = CircuitBreaker.SlowCall(threshold: .milliseconds(300), rate: 0.8)
        let breaker = Self.breaker(Config(failureRate: 0.5, window: 10, minCalls: 10, slowCall: slow), clock: clock)
        for _ in 0..<2 { try Self.succeed(breaker, in: .milliseconds(10)) }
        for _ in 0..<7 { try Self.succeed(breaker, in: .milliseconds(300)) }
        #expect(breaker.state == .closed, "below minCalls")
        try Self.succeed(breaker, in: .milliseconds(500))
        #expect(breaker.state == .open, "8 of 10 slow")
    }

    @Test func runMeasuresAndClassifies() async throws {
        let clock = ManualClock()
        let slow = CircuitBreaker.SlowCall(threshold: .milliseconds(100), rate: 1)
        let breaker = Self.breaker(Config(mode: .consecutive, slowCall: slow, consecutiveFailures: 2), clock: clock)
        await #expect(throws: ScriptedError(.timeout)) { try await breaker.run { throw ScriptedError(.timeout) } }
        let task = Task { try await breaker.run { try await clock.sleep(for: .milliseconds(150)); return 1 } }
        try await clock.waitForSleepers(count: 1)
        clock.advance(by: .milliseconds(150))
        #expect(try await task.value == 1)
        #expect(breaker.state == .open, "a slow success counts as a failure in consecutive mode")
        await #expect(throws: CircuitOpenError.self) { try await breaker.run { Issue.record("must not run") } }
    }

    @Test func logsTransitionsWithTheBreakerName() throws {
        let clock = ManualClock()
        let handler = InMemoryLogHandler()
        let logger = Logger(label: "test") { _ in handler }
        let breaker = Self.breaker(Config(mode: .consecutive, consecutiveFailures: 1, openFor: .seconds(1)), clock: clock, logger: logger)
        try Self.fail(breaker)
        clock.advance(by: .seconds(1))
        try Self.succeed(breaker)
        let entries = handler.entries
        #expect(entries.map(\.level) == [.warning, .info, .info])
        #expect(entries.allSatisfy { $0.metadata["baton.breaker"] == "pricing" })
        #expect(entries.map { $0.metadata["baton.circuit_state"] } == ["open", "halfOpen", "closed"])
    }

    @Test func concurrentProbesNeverExceedTheLimit() async throws {
        let clock = ManualClock()
        let breaker = Self.breaker(Config(mode: .consecutive, consecutiveFailures: 1, openFor: .seconds(1), halfOpenProbes: 3), clock: clock)
        try Self.fail(breaker)
        clock.advance(by: .seconds(1))
        final class Counts: Sendable {
            let state = Lock((running: 0, peak: 0, admitted: 0))
        }
        let counts = Counts()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    guard let permit = try? breaker.acquire() else { return }
                    counts.state.withLock { counts in
                        counts.admitted += 1
                        counts.running += 1
                        counts.peak = max(counts.peak, counts.running)
                    }
                    await Task.yield()
                    counts.state.withLock { $0.running -= 1 }
                    breaker.recordIgnored(permit)
                }
            }
        }
        #expect(counts.state.withLock { $0.peak } <= 3)
        #expect(counts.state.withLock { $0.admitted } >= 3)
    }
}

