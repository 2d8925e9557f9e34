import Synchronization

/// The default ``CacheStorage``: a bounded in-process map with W-TinyLFU admission and eviction.
///
/// Layout (after Caffeine's W-TinyLFU): a small LRU *window* (1% of `maxEntries`, at least one
/// entry) takes every new key; the rest is a segmented LRU *main* area, split into *probation*
/// and *protected* (80% of main) segments. When the window overflows, its least recently used
/// entry becomes a candidate for the main area: while main has room it goes to probation;
/// otherwise it is admitted only if a count-min frequency sketch estimates it more popular than
/// main's eviction victim (probation's least recently used entry), and the loser is dropped. A hit
/// in probation promotes the entry to protected. The result: a burst of one-off keys passes
/// through the window without flushing the frequently used keys in main.
///
/// With ``Eviction/lru`` the storage is a plain LRU of `maxEntries` (no admission), useful as a
/// baseline.
///
/// Every operation takes one lock; nothing suspends. Memory is bounded by `maxEntries` entries
/// plus a sketch of `4 × nextPowerOfTwo(maxEntries)` bytes. Entries are never dropped for their
/// age (stale fallback serves any age); evictions and refused admissions are counted in
/// ``statistics``.
package final class InMemoryCacheStorage<Key: Hashable & Sendable, Value: Sendable>: CacheStorage, Sendable {
    /// How the storage chooses what to keep.
    package enum Eviction: Sendable, Hashable {
        /// Window LRU + segmented LRU main area with TinyLFU admission (the default).
        case tinyLFU
        /// Least recently used, no admission policy.
        case lru
    }

    /// Counters of what the storage did.
    package struct Statistics: Sendable, Hashable {
        /// Entries held now.
        package var count: Int
        /// Entries dropped to make room (for a more popular candidate, or plain LRU eviction).
        package var evictions: Int
        /// New keys refused by admission (less popular than the entry they would have replaced).
        package var rejections: Int
        /// Times the frequency sketch halved its counters.
        package var sketchResets: Int
    }

    /// The bound on entries.
    package let maxEntries: Int
    /// How the storage chooses what to keep: ``Eviction/tinyLFU`` unless `init` was told otherwise.
    package let eviction: Eviction
    private let state: Lock<State>

    /// - Parameters:
    ///   - maxEntries: The bound on entries; at least 1.
    ///   - eviction: ``Eviction/tinyLFU`` (default) or ``Eviction/lru``.
    package init(maxEntries: Int, eviction: Eviction = .tinyLFU) {
        precondition(maxEntries >= 1, "maxEntries must be at least 1")
        self.maxEntries = maxEntries
        self.eviction = eviction
        self.state = Lock(State(maxEntries: maxEntries, eviction: eviction))
    }

    /// Entries held now.
    package var count: Int { state.withLock { $0.index.count } }

    /// What the storage did so far.
    package var statistics: Statistics {
        state.withLock {
            Statistics(count: $0.index.count, evictions: $0.evictions, rejections: $0.rejections, sketchResets: $0.sketch.resetCount)
        }
    }

    /// The keys held now, in no particular order.
    package var keys: [Key] { state.withLock { Array($0.index.keys) } }

    package func entry(for key: Key) async -> CacheEntry<Value>? {
        lookup(key)
    }

    package func peekEntry(for key: Key) async -> CacheEntry<Value>? {
        state.withLock { state in
            state.index[key].flatMap { state.nodes[$0]?.entry }
        }
    }

    package func store(_ entry: CacheEntry<Value>, for key: Key) async {
        insert(entry, for: key)
    }

    package func removeEntry(for key: Key) async {
        state.withLock { state in
            if let slot = state.index[key] { state.remove(slot) }
        }
    }

    package func removeEntries(where predicate: @Sendable (Key) -> Bool) async {
        state.withLock { state in
            var doomed: [Int] = []
            for (key, slot) in state.index where predicate(key) { doomed.append(slot) }
            for slot in doomed { state.remove(slot) }
        }
    }

    package func removeAll() async {
        state.withLock { state in
            state = State(maxEntries: maxEntries, eviction: eviction, keeping: state)
        }
    }

    package func estimatedFrequency(of key: Key) async -> Int {
        state.withLock { $0.sketch.frequency(ofHash: key.hashValue) }
    }

    /// Synchronous ``entry(for:)``: the entry, recording the access.
    package func lookup(_ key: Key) -> CacheEntry<Value>? {
        let hash = key.hashValue
        return state.withLock { state in
            state.sketch.increment(hash: hash)
            guard let slot = state.index[key] else { return nil }
            state.access(slot)
            return state.nodes[slot]?.entry
        }
    }

    /// Synchronous ``store(_:for:)``.
    package func insert(_ entry: CacheEntry<Value>, for key: Key) {
        let hash = key.hashValue
        state.withLock { state in
            if let slot = state.index[key] {
                state.nodes[slot]?.entry = entry
                state.access(slot)
            } else {
                state.insert(key, entry, hash: hash)
            }
        }
    }
}

// MARK: - State

extension InMemoryCacheStorage {
    enum Segment: Int {
        case window = 0
        case probation = 1
        case protected = 2
    }

    struct Node {
        var key: Key
        var hash: Int
        var entry: CacheEntry<Value>
        var previous: Int
        var next: Int
        var segment: Segment
    }

    /// An intrusive doubly linked list over `nodes`: head is most recently used.
    struct List {
        var head = -1
        var tail = -1
        var count = 0
    }

    struct State {
        let eviction: Eviction
        let windowMax: Int
        let mainMax: Int
        let protectedMax: Int
        var nodes: [Node?] = []
        var free: [Int] = []
        var index: [Key: Int] = [:]
        var lists = [List(), List(), List()]
        var sketch: FrequencySketch
        var evictions = 0
        var rejections = 0

        init(maxEntries: Int, eviction: Eviction) {
            self.eviction = eviction
            switch eviction {
            case .lru:
                windowMax = maxEntries
                mainMax = 0
                protectedMax = 0
                sketch = FrequencySketch(capacity: 1)
            case .tinyLFU:
                windowMax = Swift.max(1, maxEntries / 100)
                mainMax = maxEntries - windowMax
                protectedMax = mainMax * 8 / 10
                sketch = FrequencySketch(capacity: maxEntries)
            }
        }

        /// An empty state that keeps the counters (and the popularity estimates) of `old`.
        init(maxEntries: Int, eviction: Eviction, keeping old: State) {
            self.init(maxEntries: maxEntries, eviction: eviction)
            sketch = old.sketch
            evictions = old.evictions
            rejections = old.rejections
        }

        var mainCount: Int { lists[Segment.probation.rawValue].count + lists[Segment.protected.rawValue].count }

        mutating func access(_ slot: Int) {
            guard let segment = nodes[slot]?.segment else { return }
            switch segment {
            case .window, .protected:
                unlink(slot)
                pushFront(slot, segment)
            case .probation:
                unlink(slot)
                pushFront(slot, .protected)
                if lists[Segment.protected.rawValue].count > protectedMax {
                    let demoted = lists[Segment.protected.rawValue].tail
                    unlink(demoted)
                    pushFront(demoted, .probation)
                }
            }
        }

        mutating func insert(_ key: Key, _ entry: CacheEntry<Value>, hash: Int) {
            let node = Node(key: key, hash: hash, entry: entry, previous: -1, next: -1, segment: .window)
            let slot: Int
            if let reused = free.popLast() {
                nodes[reused] = node
                slot = reused
            } else {
                nodes.append(node)
                slot = nodes.count - 1
            }
            index[key] = slot
            pushFront(slot, .window)
            guard lists[Segment.window.rawValue].count > windowMax else { return }

            let candidate = lists[Segment.window.rawValue].tail
            guard eviction == .tinyLFU, mainMax > 0 else {
                remove(candidate)
                evictions += 1
                return
            }
            unlink(candidate)
            if mainCount < mainMax {
                pushFront(candidate, .probation)
                return
            }
            let probationTail = lists[Segment.probation.rawValue].tail
            let victim = probationTail >= 0 ? probationTail : lists[Segment.protected.rawValue].tail
            let candidateFrequency = sketch.frequency(ofHash: nodes[candidate]!.hash)
            let victimFrequency = sketch.frequency(ofHash: nodes[victim]!.hash)
            if candidateFrequency > victimFrequency {
                remove(victim)
                evictions += 1
                pushFront(candidate, .probation)
            } else {
                // The candidate is already unlinked; drop it.
                index[nodes[candidate]!.key] = nil
                nodes[candidate] = nil
                free.append(candidate)
                rejections += 1
            }
        }

        /// Unlinks and frees `slot`.
        mutating func remove(_ slot: Int) {
            guard let node = nodes[slot] else { return }
            unlink(slot)
            index[node.key] = nil
            nodes[slot] = nil
            free.append(slot)
        }

        private mutating func unlink(_ slot: Int) {
            guard let node = nodes[slot] else { return }
            let list = node.segment.rawValue
            if node.previous >= 0 { nodes[node.previous]!.next = node.next } else { lists[list].head = node.next }
            if node.next >= 0 { nodes[node.next]!.previous = node.previous } else { lists[list].tail = node.previous }
            lists[list].count -= 1
            nodes[slot]!.previous = -1
            nodes[slot]!.next = -1
        }

        private mutating func pushFront(_ slot: Int, _ segment: Segment) {
            let list = segment.rawValue
            let head = lists[list].head
            nodes[slot]!.segment = segment
            nodes[slot]!.previous = -1
            nodes[slot]!.next = head
            if head >= 0 { nodes[head]!.previous = slot } else { lists[list].tail = slot }
            lists[list].head = slot
            lists[list].count += 1
        }
    }
}
