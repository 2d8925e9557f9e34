import BatonRuntime
import BatonTesting
import Testing

/// Wakes the clock's sleepers one deadline at a time and returns the instant each one woke at.
/// (For sleepers that do not sleep again once woken.)
func wakeUps(_ clock: ManualClock) -> [BatonInstant] {
    var instants: [BatonInstant] = []
    while let next = clock.nextDeadline {
        let before = clock.sleeperCount
        clock.advance(to: next)
        instants += Array(repeating: next, count: before - clock.sleeperCount)
    }
    return instants
}

@Suite(.timeLimit(.minutes(1))) struct RateLimiterTests {
    @Test func burstThenRejectionWithRetryAfter() throws {
        let clock = ManualClock()
        let limiter = RateLimiter(name: "pricing", rate: .perSecond(10), burst: 2, clock: clock.asAnyClock)
        try limiter.tryAcquire()
        try limiter.tryAcquire()
        #expect(throws: OverloadedError(reason: .rateLimited, name: "pricing", retryAfter: .milliseconds(100))) {
            try limiter.tryAcquire()
        }
        clock.advance(by: .milliseconds(60))
        #expect(throws: OverloadedError(reason: .rateLimited, name: "pricing", retryAfter: .milliseconds(40))) {
            try limiter.tryAcquire()
        }
        clock.advance(by: .milliseconds(40))
        try limiter.tryAcquire()
    }

    @Test func defaultBurstIsOneSecondOfRate() {
        let clock = ManualClock().asAnyClock
        #expect(RateLimiter(name: "a", rate: .perSecond(200), clock: clock).burst == 200)
        #expect(RateLimiter(name: "b", rate: .perMinute(6000), clock: clock).burst == 100)
        #expect(RateLimiter(name: "c", rate: .perMinute(30), clock: clock).burst == 1)
        #expect(RateLimiter(name: "d", rate: .perSecond(5), clock: clock).maxWait == .zero)
    }

    @Test func maxWaitZeroNeverSleeps() async throws {
        let clock = ManualClock()
        let limiter = RateLimiter(name: "x", rate: .perSecond(1), burst: 1, clock: clock.asAnyClock)
        try await limiter.acquire()
        await #expect(throws: OverloadedError(reason: .rateLimited, name: "x", retryAfter: .seconds(1))) {
            try await limiter.acquire()
        }
        #expect(clock.sleeperCount == 0)
    }

    @Test func waitersAreServedInArrivalOrder() async throws {
        let clock = ManualClock()
        let limiter = RateLimiter(name: "x", rate: .perSecond(10), burst: 1, maxWait: .seconds(1), clock: clock.asAnyClock)
        let served = Recorder<(String, BatonInstant)>()
        try await limiter.acquire()
        var tasks: [Task<Void, any Error>] = []
        for (index, name) in ["a", "b", "c"].enumerated() {
            tasks.append(Task {
                try await limiter.acquire()
                served.append((name, clock.now))
            })
            try await clock.waitForSleepers(count: index + 1)
        }
        #expect(wakeUps(clock) == [.ms(100), .ms(200), .ms(300)])
        for task in tasks { try await task.value }
        #expect(served.all.map(\.0) == ["a", "b", "c"])
    }

    @Test func aCancelledWaiterGivesItsPlaceToTheNextArrival() async throws {
        let clock = ManualClock()
        let limiter = RateLimiter(name: "x", rate: .perSecond(10), burst: 1, maxWait: .seconds(1), clock: clock.asAnyClock)
        let served = Recorder<(String, BatonInstant)>()
        try await limiter.acquire()
        var tasks: [String: Task<Void, any Error>] = [:]
        for (index, name) in ["a", "b", "c"].enumerated() {
            tasks[name] = Task {
                try await limiter.acquire()
                served.append((name, clock.now))
            }
            try await clock.waitForSleepers(count: index + 1)
        }
        tasks["b"]!.cancel()
        await #expect(throws: CancellationError.self) { try await tasks["b"]!.value }
        // d takes b's token but does not overtake c: it is served at c's instant, after c.
        tasks["d"] = Task {
            try await limiter.acquire()
            served.append(("d", clock.now))
        }
        try await clock.waitForSleepers(count: 3)
        #expect(wakeUps(clock) == [.ms(100), .ms(300), .ms(300)])
        for name in ["a", "c", "d"] { try await tasks[name]!.value }
        #expect(served.all.map(\.0) == ["a", "c", "d"])
        #expect(throws: OverloadedError.self, "4 tokens in 300 ms at 10/s with burst 1: no more") { try limiter.tryAcquire() }
    }

    @Test func rejectsWhenTheWaitWouldExceedMaxWait() async throws {
        let clock = ManualClock()
        let limiter = RateLimiter(name: "x", rate: .perSecond(10), burst: 1, maxWait: .milliseconds(150), clock: clock.asAnyClock)
        try await limiter.acquire()
        let first = Task { try await limiter.acquire() }
        try await clock.waitForSleepers(count: 1)
        await #expect(throws: OverloadedError(reason: .rateLimited, name: "x", retryAfter: .milliseconds(200))) {
            try await limiter.acquire()
        }
        clock.advance(by: .milliseconds(100))
        try await first.value
    }

    @Test func neverWaitsPastTheRunDeadline() async throws {
        let clock = ManualClock()
        let any = clock.asAnyClock
        let limiter = RateLimiter(name: "x", rate: .perSecond(10), burst: 1, maxWait: .seconds(1), clock: any)
        try await limiter.acquire()
        try await Deadline.$current.withValue(.after(.milliseconds(150), clock: any)) {
            let first = Task { try await Deadline.$current.withValue(.after(.milliseconds(150), clock: any)) { try await limiter.acquire() } }
            try await clock.waitForSleepers(count: 1)
            await #expect(throws: OverloadedError.self, "its token would come at 200 ms, after the deadline") {
                try await limiter.acquire()
            }
            clock.advance(by: .milliseconds(100))
            try await first.value
        }
    }

    /// Property: over any interval `[s, t]` the limiter admits at most `burst + rate × (t - s)`
    /// calls, for random rates, bursts and arrival patterns.
    @Test func neverAdmitsMoreThanBurstPlusRateTimesTime() throws {
        for seed in UInt64(0)..<100 {
            let random = RandomSource.seeded(seed)
            let clock = ManualClock()
            let perSecond = [0.5, 3, 10, 77, 1000][Int(random.next() % 5)]
            let burst = 1 + Int(random.next() % 20)
            let limiter = RateLimiter(name: "p", rate: .perSecond(perSecond), burst: burst, clock: clock.asAnyClock)
            var admitted: [Double] = []
            for _ in 0..<400 {
                if random.next() % 3 == 0 {
                    clock.advance(by: .microseconds(Int64(random.next() % 400_000)))
                }
                if (try? limiter.tryAcquire()) != nil { admitted.append(clock.now.offset.inSeconds) }
            }
            #expect(admitted.count > burst, "seed \(seed): the test admits past the burst")
            for first in admitted.indices {
                for last in first..<admitted.count {
                    let count = Double(last - first + 1)
                    let allowed = Double(burst) + perSecond * (admitted[last] - admitted[first])
                    if count > allowed + 1e-9 {
                        Issue.record("seed \(seed): \(Int(count)) admitted in [\(admitted[first]), \(admitted[last])], allowed \(allowed)")
                        return
                    }
                }
            }
        }
    }
}
