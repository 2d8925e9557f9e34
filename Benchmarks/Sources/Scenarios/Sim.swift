import BatonRuntime
import BatonTesting
import Foundation
import Histogram
import Synchronization

/// Drives a simulation on a ``ManualClock``: moves time to the next sleeper's deadline whenever
/// every task of the simulation is parked on the clock.
///
/// "Parked" is known exactly, without yield heuristics: every simulated task announces, before
/// it starts and whenever its shape changes, how many clock sleepers it will be parked on
/// (a client thinking: 1; a request with an attempt timeout: the call's sleep plus the timeout's
/// watcher), and withdraws the announcement only once those sleepers are gone. A task that is
/// runnable therefore always holds more announced than registered sleepers, and the clock moves
/// only when the two counts are equal.
final class Simulation: Sendable {
    let clock = ManualClock()
    private let announced = Atomic<Int>(0)

    var anyClock: AnyClock { clock.asAnyClock }
    var now: BatonInstant { clock.now }

    /// Clock sleepers per in-flight call made under an attempt timeout: the call's own sleep plus
    /// what `withAttemptTimeout` parks beside it.
    static let sleepersPerTimedCall = 2

    func announce(_ count: Int) {
        announced.add(count, ordering: .sequentiallyConsistent)
    }

    private func isQuiescent(_ elsewhere: () -> Int) -> Bool {
        let before = announced.load(ordering: .sequentiallyConsistent)
        let sleepers = clock.sleeperCount + elsewhere()
        let after = announced.load(ordering: .sequentiallyConsistent)
        return before == sleepers && after == sleepers
    }

    /// Runs `body` (which announces its own sleepers, see above) to completion in virtual time.
    /// `elsewhere` counts the announced sleepers parked off the clock (e.g. 2 per call waiting in
    /// a bulkhead's queue, which will park on the call and its timeout once admitted).
    func run<T: Sendable>(
        initialAnnouncement: Int = 0,
        elsewhere: @escaping @Sendable () -> Int = { 0 },
        _ body: @escaping @Sendable () async -> T
    ) async -> T {
        announce(initialAnnouncement)
        let completion = Completion<T>()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                let value = await body()
                completion.value.withLock { $0 = value }
                completion.done.store(true, ordering: .sequentiallyConsistent)
            }
            while !completion.done.load(ordering: .sequentiallyConsistent) {
                if isQuiescent(elsewhere), clock.advanceToNextDeadline() { continue }
                await Task.yield()
            }
        }
        return completion.value.withLock { $0! }
    }
}

private final class Completion<T: Sendable>: Sendable {
    let done = Atomic<Bool>(false)
    let value = Mutex<T?>(nil)
}

/// A seeded generator for the simulations' own randomness (latencies, arrivals).
struct SimRandom: Sendable {
    private let source: RandomSource

    init(seed: UInt64) { source = .seeded(seed) }

    func unit() -> Double { source.unitInterval() }

    /// Exponentially distributed with the given mean.
    func exponential(mean: Duration) -> Duration {
        let u = max(unit(), 1e-12)
        return mean * (-log(u))
    }

    func uniform(_ lower: Duration, _ upper: Duration) -> Duration {
        source.duration(between: lower, and: upper)
    }
}

/// Latencies, in an HDR histogram of microseconds (3 significant digits, up to 10 minutes).
struct Latencies: Sendable {
    private var histogram = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)

    mutating func record(_ duration: Duration) {
        let micros = max(0, milliseconds(duration) * 1000)
        _ = histogram.record(UInt64(min(micros, 600_000_000)))
    }

    var count: Int { Int(histogram.totalCount) }

    mutating func merge(_ other: Latencies) { histogram.add(other.histogram) }

    /// The `quantile` (0...1) in milliseconds.
    func percentile(_ quantile: Double) -> Double {
        guard histogram.totalCount > 0 else { return .nan }
        return Double(histogram.valueAtPercentile(quantile * 100)) / 1000
    }
}

/// An error the simulated backends throw; transient, so retries apply.
struct SimulatedFailure: ClassifiedError {
    var errorClass: ErrorClass { .transient }
    var retryAfter: Duration? { nil }
}
