import Synchronization

/// A service's recent latency distribution: a streaming percentile estimator with fixed memory.
///
/// Samples go into a log-bucketed histogram (32 sub-buckets per power of two of microseconds,
/// from 1 µs to about 38 hours; longer samples count as the top bucket). A percentile is reported
/// as the upper end of its bucket, as HdrHistogram does: never below the true value, at most
/// 3.2 % (or 1 µs) above it — so a hedge delay errs towards fewer hedges, but only slightly (a
/// coarser histogram delays p95 hedges enough to push p99 past twice the median). Time is cut
/// into two half-windows on the injected clock:
/// queries see the samples of the current and the previous half-window, so the estimate follows
/// the last ``window`` to 1.5 × ``window`` of traffic and old behaviour falls out as time passes.
/// Memory is two arrays of 1,088 counters, whatever the traffic.
///
/// One estimator per service is shared by its hedging delay (`p95`…) and by its routing rules
/// (`p50`/`p90`/`p99`). Recording and querying take a short lock and never allocate; a query
/// walks at most 576 counters.
public final class LatencyEstimator: Sendable {
    /// Summary of the current distribution.
    public struct Snapshot: Sendable, Hashable, CustomStringConvertible {
        /// Samples in the window.
        public var count: Int
        /// The median latency (upper end of its bucket); `nil` when the window holds no sample.
        public var p50: Duration?
        /// The 90th percentile; `nil` when the window holds no sample.
        public var p90: Duration?
        /// The 95th percentile; `nil` when the window holds no sample.
        public var p95: Duration?
        /// The 99th percentile; `nil` when the window holds no sample.
        public var p99: Duration?

        /// Creates a snapshot (``LatencyEstimator/snapshot`` makes them; tests may build expected
        /// ones).
        public init(count: Int, p50: Duration?, p90: Duration?, p95: Duration?, p99: Duration?) {
            self.count = count
            self.p50 = p50
            self.p90 = p90
            self.p95 = p95
            self.p99 = p99
        }

        public var description: String {
            func text(_ value: Duration?) -> String { value.map { "\($0)" } ?? "-" }
            return "n=\(count) p50=\(text(p50)) p90=\(text(p90)) p95=\(text(p95)) p99=\(text(p99))"
        }
    }

    static let subBucketBits = 5
    static let subBuckets = 1 << subBucketBits  // 32
    static let maxExponent = 37  // 2^37 µs ≈ 38 h
    static let bucketCount = subBuckets + (maxExponent - subBucketBits + 1) * subBuckets  // 1,088

    private struct State {
        var current: [UInt32]
        var previous: [UInt32]
        var currentCount = 0
        var previousCount = 0
        /// One past the highest occupied bucket of each half-window: scans and clears stop there,
        /// so a quantile costs what the samples span, not the whole 38-hour range.
        var currentTop = 0
        var previousTop = 0
        var epoch: Int64 = .min
    }

    /// How far back samples count (at least this, at most 1.5 × this).
    public let window: Duration
    private let half: Duration
    private let clock: AnyClock
    private let state: Lock<State>

    /// An empty estimator.
    ///
    /// - Parameters:
    ///   - window: how far back samples count; default 30 s.
    ///   - clock: decides which half-window a sample falls in.
    public init(window: Duration = .seconds(30), clock: AnyClock = .continuous) {
        precondition(window > .zero, "the latency window must be positive")
        self.window = window
        self.half = max(window / 2, .nanoseconds(1))
        self.clock = clock
        self.state = Lock(State(
            current: Array(repeating: 0, count: Self.bucketCount),
            previous: Array(repeating: 0, count: Self.bucketCount)))
    }

    /// Adds one observed latency.
    public func record(_ latency: Duration) {
        let bucket = Self.bucket(for: latency)
        let epoch = currentEpoch()
        state.withLock { state in
            Self.rotate(&state, to: epoch)
            if state.current[bucket] < .max {
                state.current[bucket] += 1
                state.currentCount += 1
                state.currentTop = max(state.currentTop, bucket + 1)
            }
        }
    }

    /// Samples in the window.
    public var count: Int {
        let epoch = currentEpoch()
        return state.withLock { state in
            Self.rotate(&state, to: epoch)
            return state.currentCount + state.previousCount
        }
    }

    /// The `quantile` (0...1, e.g. 0.95 for p95) of the window's samples, or `nil` when the window
    /// holds fewer than `minimumSamples` (at least 1).
    public func percentile(_ quantile: Double, minimumSamples: Int = 1) -> Duration? {
        let epoch = currentEpoch()
        return state.withLock { state in
            Self.rotate(&state, to: epoch)
            return Self.quantile(quantile, in: state, minimumSamples: minimumSamples)
        }
    }

    /// p50, p90, p95 and p99 of the window, read under one lock.
    public var snapshot: Snapshot {
        let epoch = currentEpoch()
        return state.withLock { state in
            Self.rotate(&state, to: epoch)
            return Snapshot(
                count: state.currentCount + state.previousCount,
                p50: Self.quantile(0.5, in: state, minimumSamples: 1),
                p90: Self.quantile(0.9, in: state, minimumSamples: 1),
                p95: Self.quantile(0.95, in: state, minimumSamples: 1),
                p99: Self.quantile(0.99, in: state, minimumSamples: 1))
        }
    }

    /// Forgets every sample.
    public func reset() {
        state.withLock { state in
            for index in 0..<Self.bucketCount {
                state.current[index] = 0
                state.previous[index] = 0
            }
            state.currentCount = 0
            state.previousCount = 0
            state.currentTop = 0
            state.previousTop = 0
        }
    }

    // MARK: - Buckets

    private func currentEpoch() -> Int64 {
        Int64((clock.now.offset / half).rounded(.down))
    }

    private static func rotate(_ state: inout State, to epoch: Int64) {
        guard epoch != state.epoch else { return }
        if epoch == state.epoch &+ 1 {
            swap(&state.current, &state.previous)
            swap(&state.currentTop, &state.previousTop)
            state.previousCount = state.currentCount
        } else {
            for index in 0..<state.previousTop { state.previous[index] = 0 }
            state.previousCount = 0
            state.previousTop = 0
        }
        // `current` now holds the oldest half-window's samples (or nothing): clear what it used.
        for index in 0..<state.currentTop { state.current[index] = 0 }
        state.currentCount = 0
        state.currentTop = 0
        state.epoch = epoch
    }

    static func bucket(for latency: Duration) -> Int {
        let (seconds, attoseconds) = latency.components
        guard seconds >= 0 else { return 0 }
        let micros = seconds >= 1 << 40 ? UInt64.max : UInt64(seconds) * 1_000_000 + UInt64(attoseconds / 1_000_000_000_000)
        if micros < UInt64(subBuckets) { return Int(micros) }
        let exponent = 63 - micros.leadingZeroBitCount
        guard exponent <= maxExponent else { return bucketCount - 1 }
        let sub = Int((micros >> UInt64(exponent - subBucketBits)) & UInt64(subBuckets - 1))
        return subBuckets + (exponent - subBucketBits) * subBuckets + sub
    }

    /// The (exclusive) upper end of `bucket`'s range.
    static func value(ofBucket bucket: Int) -> Duration {
        if bucket < subBuckets { return .microseconds(bucket + 1) }
        let exponent = (bucket - subBuckets) / subBuckets + subBucketBits
        let sub = (bucket - subBuckets) % subBuckets
        let width = Int64(1) << Int64(exponent - subBucketBits)
        let lower = Int64(subBuckets + sub) << Int64(exponent - subBucketBits)
        return .microseconds(lower + width)
    }

    private static func quantile(_ quantile: Double, in state: State, minimumSamples: Int) -> Duration? {
        let total = state.currentCount + state.previousCount
        guard total >= max(minimumSamples, 1) else { return nil }
        let q = min(max(quantile, 0), 1)
        // The smallest value with at least `rank` samples at or below it.
        let rank = max(1, Int((q * Double(total)).rounded(.up)))
        let top = max(state.currentTop, state.previousTop)
        if rank * 2 <= total {
            var seen = 0
            for index in 0..<top {
                seen += Int(state.current[index]) + Int(state.previous[index])
                if seen >= rank { return value(ofBucket: index) }
            }
        } else {
            // High quantiles: walk down from the top, where few samples are.
            let above = total - rank  // samples allowed strictly above the answer
            var seen = 0
            var index = top - 1
            while index >= 0 {
                defer { index -= 1 }
                seen += Int(state.current[index]) + Int(state.previous[index])
                if seen > above { return value(ofBucket: index) }
            }
        }
        return value(ofBucket: bucketCount - 1)
    }
}
