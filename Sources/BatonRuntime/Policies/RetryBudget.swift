import Synchronization

/// Caps the retries (and hedges) of one service to a share of its recent calls plus a small floor,
/// so retries cannot multiply the load on a dependency that is already failing (spec-v1 §4
/// `retry.budget`).
///
/// This is Finagle's retry budget (Envoy's is the concurrency-based sibling): over a sliding
/// ``Configuration/window``, at most
///
///     ratio × calls + minPerSecond × window-seconds
///
/// extra attempts are allowed, where `calls` counts first attempts (``recordCall()``) and every
/// extra attempt is a withdrawal (``tryWithdraw()``). The floor lets a quiet service still retry
/// the occasional failure; the ratio bounds an outage to `1 + ratio` times the normal load.
///
/// The window is a ring of ten buckets on the injected clock: memory is fixed, and old calls and
/// retries fall out a tenth of a window at a time. One budget is shared by every operation of a
/// service and by its hedges; it is thread-safe and never suspends.
public final class RetryBudget: Sendable {
    /// The budget's parameters.
    public struct Configuration: Sendable, Hashable {
        /// Share of recent calls that may be retried, 0...1. Default 0.2 (20 %).
        public var ratio: Double
        /// Retries per second allowed regardless of traffic. Default 10.
        public var minPerSecond: Double
        /// How far back calls and retries count. Default 10 s (Finagle's default).
        public var window: Duration

        /// Creates budget parameters; the defaults are spec-v1's `{ ratio: 20%, minPerSecond: 10 }`
        /// over Finagle's 10 s window.
        ///
        /// - Parameters:
        ///   - ratio: Share of recent calls that may be retried (0.2 is 20%); not negative.
        ///   - minPerSecond: Retries per second allowed regardless of traffic; not negative.
        ///   - window: How far back calls and retries count; positive.
        public init(ratio: Double = 0.2, minPerSecond: Double = 10, window: Duration = .seconds(10)) {
            precondition(ratio >= 0 && minPerSecond >= 0, "retry budget parameters must not be negative")
            precondition(window > .zero, "the retry budget window must be positive")
            self.ratio = ratio
            self.minPerSecond = minPerSecond
            self.window = window
        }
    }

    /// What the budget has seen in its current window.
    public struct Snapshot: Sendable, Hashable {
        /// First attempts recorded in the window.
        public var calls: Int
        /// Withdrawals (retries and hedges) granted in the window.
        public var withdrawals: Int
        /// Withdrawals that would still be granted now.
        public var available: Int

        /// Creates a snapshot (``RetryBudget/snapshot`` makes them; tests may build expected ones).
        public init(calls: Int, withdrawals: Int, available: Int) {
            self.calls = calls
            self.withdrawals = withdrawals
            self.available = available
        }
    }

    private struct Bucket {
        var epoch: Int64 = .min
        var calls: Int = 0
        var withdrawals: Int = 0
    }

    private struct State {
        var buckets: [Bucket]
    }

    static let bucketCount = 10

    /// The budget's parameters.
    public let configuration: Configuration
    private let clock: AnyClock
    private let bucketWidth: Duration
    private let floor: Double
    private let state: Lock<State>

    /// A budget with `configuration`, measuring time on `clock`.
    public init(_ configuration: Configuration = Configuration(), clock: AnyClock = .continuous) {
        self.configuration = configuration
        self.clock = clock
        self.bucketWidth = Swift.max(configuration.window / Self.bucketCount, .nanoseconds(1))
        self.floor = configuration.minPerSecond * configuration.window.seconds
        self.state = Lock(State(buckets: Array(repeating: Bucket(), count: Self.bucketCount)))
    }

    /// A budget allowing `ratio` of recent calls plus `minPerSecond`, measured on `clock`.
    ///
    /// - Parameters:
    ///   - ratio: Share of recent calls that may be retried (0.2 is 20%). Default 0.2.
    ///   - minPerSecond: Retries per second allowed regardless of traffic. Default 10.
    ///   - window: How far back calls and retries count. Default 10 s.
    ///   - clock: The window slides on it.
    public convenience init(ratio: Double = 0.2, minPerSecond: Double = 10, window: Duration = .seconds(10), clock: AnyClock = .continuous) {
        self.init(Configuration(ratio: ratio, minPerSecond: minPerSecond, window: window), clock: clock)
    }

    /// Counts a call's first attempt; each one earns `ratio` of a retry.
    public func recordCall() {
        let epoch = currentEpoch()
        state.withLock { state in
            let index = Self.bucketIndex(for: epoch, in: &state)
            state.buckets[index].calls += 1
        }
    }

    /// Takes one retry (or hedge) from the budget; `false` when the budget is spent, in which case
    /// the caller must not make the extra attempt.
    public func tryWithdraw() -> Bool {
        let epoch = currentEpoch()
        return state.withLock { state in
            let (calls, withdrawals) = Self.totals(at: epoch, in: state)
            guard Double(withdrawals + 1) <= configuration.ratio * Double(calls) + floor else { return false }
            let index = Self.bucketIndex(for: epoch, in: &state)
            state.buckets[index].withdrawals += 1
            return true
        }
    }

    /// The calls and withdrawals in the current window.
    public var snapshot: Snapshot {
        let epoch = currentEpoch()
        return state.withLock { state in
            let (calls, withdrawals) = Self.totals(at: epoch, in: state)
            let allowed = Int((configuration.ratio * Double(calls) + floor).rounded(.down))
            return Snapshot(calls: calls, withdrawals: withdrawals, available: Swift.max(0, allowed - withdrawals))
        }
    }

    private func currentEpoch() -> Int64 {
        // Integer division of durations: the index of the bucket-width slice we are in.
        let offset = clock.now.offset
        return Int64((offset / bucketWidth).rounded(.down))
    }

    /// The index of `epoch`'s bucket, emptied first if it still holds an older slice.
    private static func bucketIndex(for epoch: Int64, in state: inout State) -> Int {
        let index = Int(epoch.magnitude % UInt64(bucketCount))
        if state.buckets[index].epoch != epoch {
            state.buckets[index] = Bucket(epoch: epoch)
        }
        return index
    }

    private static func totals(at epoch: Int64, in state: State) -> (calls: Int, withdrawals: Int) {
        var calls = 0
        var withdrawals = 0
        for bucket in state.buckets where bucket.epoch > epoch - Int64(bucketCount) && bucket.epoch <= epoch {
            calls += bucket.calls
            withdrawals += bucket.withdrawals
        }
        return (calls, withdrawals)
    }
}
