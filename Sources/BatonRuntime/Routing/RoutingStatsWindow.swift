/// A service's calls and failures over a sliding window (the `errorRate` routing rules read), in
/// a fixed ring of buckets on the injected clock.
///
/// The window is cut into ``bucketCount`` buckets of `window / bucketCount`; a bucket is reused
/// (cleared) when time reaches it again, so memory is fixed and old calls fall out as time
/// passes. A value owned by the router's locked state.
struct RoutingStatsWindow: Sendable {
    static let bucketCount = 10

    private struct Bucket {
        var epoch: Int64 = .min
        var calls = 0
        var failures = 0
    }

    private let bucketWidth: Duration
    private var buckets: [Bucket]

    /// An empty window `window` long (positive).
    init(window: Duration) {
        self.bucketWidth = max(window / Self.bucketCount, .nanoseconds(1))
        self.buckets = Array(repeating: Bucket(), count: Self.bucketCount)
    }

    /// Counts one call at `now`, failed or not.
    mutating func count(failure: Bool, at now: BatonInstant) {
        let epoch = self.epoch(of: now)
        let index = Int(epoch.magnitude % UInt64(Self.bucketCount))
        if buckets[index].epoch != epoch { buckets[index] = Bucket(epoch: epoch) }
        buckets[index].calls += 1
        if failure { buckets[index].failures += 1 }
    }

    /// The calls and failures counted within the window ending at `now`.
    func totals(at now: BatonInstant) -> (calls: Int, failures: Int) {
        let epoch = self.epoch(of: now)
        var calls = 0
        var failures = 0
        for bucket in buckets where bucket.epoch > epoch - Int64(Self.bucketCount) && bucket.epoch <= epoch {
            calls += bucket.calls
            failures += bucket.failures
        }
        return (calls, failures)
    }

    private func epoch(of instant: BatonInstant) -> Int64 {
        Int64((instant.offset / bucketWidth).rounded(.down))
    }
}
