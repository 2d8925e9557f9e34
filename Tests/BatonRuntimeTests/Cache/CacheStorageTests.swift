import BatonRuntime
import Testing

/// Keys drawn from a Zipf (s = 1) distribution over `0..<count`, from a seeded source.
struct ZipfKeys {
    let cumulative: [Double]
    let random: RandomSource

    init(count: Int, seed: UInt64) {
        var weights: [Double] = []
        var total = 0.0
        for rank in 1...count {
            total += 1 / Double(rank)
            weights.append(total)
        }
        cumulative = weights.map { $0 / total }
        random = .seeded(seed)
    }

    func next() -> Int {
        let u = random.unitInterval()
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let mid = (low + high) / 2
            if cumulative[mid] < u { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

/// Replays `requests` against a storage as a read-through cache; returns the hit count.
func hits(_ storage: InMemoryCacheStorage<Int, Int>, _ requests: [Int]) -> Int {
    var hits = 0
    for key in requests {
        if storage.lookup(key) != nil {
            hits += 1
        } else {
            storage.insert(CacheEntry(value: key, storedAt: .zero), for: key)
        }
    }
    return hits
}

@Suite struct FrequencySketchTests {
    @Test func estimatesNeverUndercountAndSaturate() {
        var sketch = FrequencySketch(capacity: 512)
        var truth: [Int: Int] = [:]
        let random = RandomSource.seeded(11)
        // Fewer increments than the sample size: no aging yet.
        for _ in 0..<2_000 {
            let key = Int(random.next() % 300)
            sketch.increment(key)
            truth[key, default: 0] += 1
        }
        #expect(sketch.resetCount == 0)
        for (key, count) in truth {
            #expect(sketch.frequency(of: key) >= min(count, FrequencySketch.maximumCount))
            #expect(sketch.frequency(of: key) <= FrequencySketch.maximumCount)
        }
    }

    @Test func agingHalvesCountsAfterTheSampleSize() {
        var sketch = FrequencySketch(capacity: 16)
        for _ in 0..<10 { sketch.increment("hot") }
        #expect(sketch.frequency(of: "hot") == 10)
        var filler = 0
        while sketch.resetCount == 0 {
            sketch.increment(filler)
            filler += 1
        }
        #expect(filler <= sketch.sampleSize)
        #expect(sketch.frequency(of: "hot") <= 7)  // 10 (+ collisions, capped at 15) halved
        #expect(sketch.frequency(of: "hot") >= 5)
    }
}

@Suite struct InMemoryCacheStorageTests {
    @Test(arguments: [InMemoryCacheStorage<Int, Int>.Eviction.tinyLFU, .lru])
    func neverExceedsMaxEntries(eviction: InMemoryCacheStorage<Int, Int>.Eviction) async {
        let random = RandomSource.seeded(3)
        for maxEntries in [1, 2, 7, 100] {
            let storage = InMemoryCacheStorage<Int, Int>(maxEntries: maxEntries, eviction: eviction)
            for step in 0..<5_000 {
                let key = Int(random.next() % 400)
                switch random.next() % 10 {
                case 0: await storage.removeEntry(for: key)
                case 1 where step % 500 == 0: await storage.removeEntries { $0 % 3 == 0 }
                case 2, 3, 4: _ = await storage.entry(for: key)
                default: await storage.store(CacheEntry(value: key, storedAt: .zero), for: key)
                }
                #expect(storage.count <= maxEntries)
            }
            let keys = storage.keys
            #expect(Set(keys).count == keys.count)
            for key in keys { #expect(await storage.peekEntry(for: key)?.value == key) }
        }
    }

    @Test func hotKeysSurviveAScanOfOneOffKeys() {
        let tinyLFU = InMemoryCacheStorage<Int, Int>(maxEntries: 100)
        let lru = InMemoryCacheStorage<Int, Int>(maxEntries: 100, eviction: .lru)
        let hot = Array(0..<50)
        for _ in 0..<5 { for storage in [tinyLFU, lru] { _ = hits(storage, hot) } }
        let scan = Array(1_000..<11_000)
        for storage in [tinyLFU, lru] { _ = hits(storage, scan) }

        // The window (1% of the entries: one here) holds the most recent hot key; when the scan
        // pushes it out it competes with an equally popular main entry and loses. Every hot key
        // in the main area survives.
        #expect(hot.filter { tinyLFU.lookup($0) != nil }.count >= hot.count - 1)
        #expect(hot.allSatisfy { lru.lookup($0) == nil })
        #expect(tinyLFU.statistics.rejections > 9_000)
    }

    /// The TinyLFU property: on a skewed (Zipf) workload with one-off scans mixed in, admission
    /// by popularity hits at least as often as plain LRU of the same size, for several seeds.
    @Test(arguments: [UInt64(1), 2, 3, 42])
    func admissionBeatsLRUOnASkewedWorkload(seed: UInt64) {
        let zipf = ZipfKeys(count: 5_000, seed: seed)
        var requests: [Int] = []
        var oneOff = 1_000_000
        for index in 0..<60_000 {
            if index % 5_000 < 500 {
                requests.append(oneOff)  // a scan: 500 keys never seen again
                oneOff += 1
            } else {
                requests.append(zipf.next())
            }
        }
        let tinyLFU = InMemoryCacheStorage<Int, Int>(maxEntries: 200)
        let lru = InMemoryCacheStorage<Int, Int>(maxEntries: 200, eviction: .lru)
        let tinyLFUHits = hits(tinyLFU, requests)
        let lruHits = hits(lru, requests)
        print("cache hit rate, seed \(seed): TinyLFU \(tinyLFUHits * 100 / requests.count)%, LRU \(lruHits * 100 / requests.count)%")
        #expect(tinyLFUHits >= lruHits, "TinyLFU \(tinyLFUHits) vs LRU \(lruHits) hits of \(requests.count)")
        #expect(tinyLFU.count <= 200 && lru.count <= 200)
    }

    @Test func removeAllKeepsPopularityAndCounters() async {
        let storage = InMemoryCacheStorage<String, Int>(maxEntries: 10)
        for _ in 0..<5 { _ = await storage.entry(for: "a") }
        await storage.store(CacheEntry(value: 1, storedAt: .zero), for: "a")
        await storage.removeAll()
        #expect(storage.count == 0)
        #expect(await storage.estimatedFrequency(of: "a") >= 5)
        await storage.store(CacheEntry(value: 2, storedAt: .zero), for: "a")
        #expect(await storage.peekEntry(for: "a")?.value == 2)
    }
}
