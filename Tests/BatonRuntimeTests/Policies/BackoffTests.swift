import BatonRuntime
import Testing

@Suite(.timeLimit(.minutes(1))) struct BackoffTests {
    @Test func baseGrowsExponentiallyUpToTheCap() {
        let backoff = Backoff(initial: .milliseconds(25), max: .seconds(1), multiplier: 2, jitter: .none)
        let bases = (1...8).map { backoff.base(forRetry: $0) }
        #expect(bases == [25, 50, 100, 200, 400, 800, 1000, 1000].map { Duration.milliseconds($0) })
        #expect(Backoff(initial: .milliseconds(25), jitter: .none).base(forRetry: 10_000) == .seconds(1), "no overflow")
    }

    @Test func specDefaults() {
        let backoff = Backoff()
        #expect(backoff.initial == .milliseconds(25))
        #expect(backoff.max == .seconds(1))
        #expect(backoff.multiplier == 2)
        #expect(backoff.jitter == .full)
        let retry = RetryPolicy()
        #expect(retry.maxAttempts == 3)
        #expect(retry.retryOn == [.timeout, .unavailable, .overloaded, .transient])
        #expect(retry.budget == RetryBudget.Configuration(ratio: 0.2, minPerSecond: 10))
    }

    /// Property: for many seeds and random configurations, every jitter mode stays within the
    /// bounds of its AWS definition, and never exceeds `max`.
    @Test(arguments: Jitter.allCases)
    func delaysStayWithinTheirBounds(jitter: Jitter) {
        for seed in UInt64(0)..<300 {
            let random = RandomSource.seeded(seed)
            let initial = Duration.microseconds(Int64(1 + random.next() % 100_000))
            let max = initial + Duration.microseconds(Int64(random.next() % 2_000_000))
            let multiplier = 1 + random.unitInterval() * 3
            let backoff = Backoff(initial: initial, max: max, multiplier: multiplier, jitter: jitter)
            var previous: Duration?
            var previousBase = Duration.zero
            for retry in 1...10 {
                let base = backoff.base(forRetry: retry)
                #expect(base <= max && base >= previousBase, "base is monotone and capped")
                previousBase = base
                let delay = backoff.delay(forRetry: retry, previous: previous, random: random)
                let bounds: ClosedRange<Duration>
                switch jitter {
                case .none: bounds = base...base
                case .full: bounds = .zero...base
                case .equal: bounds = (base / 2)...base
                case .decorrelated:
                    let floor = Swift.min(initial, max)
                    bounds = floor...Swift.max(floor, Swift.min(max, (previous ?? initial) * 3))
                }
                #expect(bounds.contains(delay), "seed \(seed) retry \(retry): \(delay) not in \(bounds)")
                #expect(delay <= max)
                previous = delay
            }
        }
    }

    @Test func jitterActuallyVaries() {
        let backoff = Backoff(initial: .milliseconds(100), max: .seconds(1), jitter: .full)
        let random = RandomSource.seeded(42)
        let delays = Set((0..<50).map { _ in backoff.delay(forRetry: 3, previous: nil, random: random) })
        #expect(delays.count > 40)
    }

    @Test func sameSeedSameDelays() {
        let backoff = Backoff(jitter: .decorrelated)
        func run(_ seed: UInt64) -> [Duration] {
            let random = RandomSource.seeded(seed)
            var previous: Duration?
            return (1...6).map { retry in
                let delay = backoff.delay(forRetry: retry, previous: previous, random: random)
                previous = delay
                return delay
            }
        }
        #expect(run(9) == run(9))
        #expect(run(9) != run(10))
    }
}
