/// A count-min sketch that estimates how often keys were seen recently, in fixed memory.
///
/// This is the popularity estimate behind TinyLFU admission (Einziger, Friedman, Manes,
/// "TinyLFU: A Highly Efficient Cache Admission Policy"): ``InMemoryCacheStorage`` admits a new
/// key only when it is estimated to be more popular than the entry it would evict, so a scan of
/// one-off keys cannot flush the hot ones.
///
/// - Four rows of 4-bit-range counters (stored as bytes, saturating at 15), `width` a power of two
///   at least the cache's capacity: memory is `4 × width` bytes whatever the number of keys seen.
/// - The estimate of a key is the minimum of its four counters: it never under-counts (until
///   aging), and over-counts only by collisions.
/// - Aging: after `sampleSize` (10 × width) increments every counter is halved, so popularity
///   reflects recent traffic and keys that were hot long ago fade.
///
/// A value type without locking: its owner serialises access (the storage holds it under its
/// mutex).
package struct FrequencySketch: Sendable {
    /// The largest value a counter reaches.
    package static let maximumCount = 15

    private var table: [UInt8]
    /// Counters per row (a power of two).
    package let width: Int
    private let mask: UInt64
    /// Increments after which every counter is halved.
    package let sampleSize: Int
    private var additions = 0
    /// How many times the counters were halved so far.
    package private(set) var resetCount = 0

    /// A sketch sized for a cache of `capacity` entries.
    package init(capacity: Int) {
        let wanted = Swift.max(capacity, 16)
        var width = 1
        while width < wanted { width <<= 1 }
        self.width = width
        self.mask = UInt64(width - 1)
        self.sampleSize = 10 * width
        self.table = Array(repeating: 0, count: 4 * width)
    }

    /// The estimated number of recent occurrences of the key whose hash is `hash` (0…15).
    package func frequency(ofHash hash: Int) -> Int {
        var minimum = UInt8.max
        for row in 0..<4 {
            minimum = Swift.min(minimum, table[slot(hash, row: row)])
        }
        return Int(minimum)
    }

    /// The estimated number of recent occurrences of `key`.
    package func frequency<Key: Hashable>(of key: Key) -> Int {
        frequency(ofHash: key.hashValue)
    }

    /// Records one occurrence of the key whose hash is `hash`; halves every counter once
    /// ``sampleSize`` occurrences were recorded since the last halving.
    package mutating func increment(hash: Int) {
        var added = false
        for row in 0..<4 {
            let index = slot(hash, row: row)
            if table[index] < UInt8(Self.maximumCount) {
                table[index] += 1
                added = true
            }
        }
        guard added else { return }
        additions += 1
        if additions >= sampleSize { age() }
    }

    /// Records one occurrence of `key`.
    package mutating func increment<Key: Hashable>(_ key: Key) {
        increment(hash: key.hashValue)
    }

    /// Halves every counter (and the count of additions), forgetting old popularity.
    package mutating func age() {
        for index in table.indices { table[index] >>= 1 }
        additions /= 2
        resetCount += 1
    }

    /// The counter of `hash` in `row`: an independent-looking index per row from one hash.
    @inline(__always)
    private func slot(_ hash: Int, row: Int) -> Int {
        // SplitMix64 finaliser over the hash and a per-row seed.
        var z = UInt64(bitPattern: Int64(hash)) &+ Self.seeds[row]
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return row &* width &+ Int(z & mask)
    }

    private static let seeds: [UInt64] = [
        0x9E37_79B9_7F4A_7C15, 0xC2B2_AE3D_27D4_EB4F, 0x1656_67B1_9E37_79F9, 0x27D4_EB2F_1656_67C5,
    ]
}
