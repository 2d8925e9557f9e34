/// A cached value and when it was stored, on the cache's clock.
public struct CacheEntry<Value: Sendable>: Sendable {
    /// The cached response.
    public var value: Value
    /// When the value was stored (loaded or prewarmed), on the ``ResponseCache``'s clock.
    public var storedAt: BatonInstant

    /// Creates an entry of `value` stored at `storedAt`, an instant on the cache's clock (use
    /// `clock.now` of the clock the ``ResponseCache`` was given).
    public init(value: Value, storedAt: BatonInstant) {
        self.value = value
        self.storedAt = storedAt
    }

    /// How long ago the value was stored, as of `now`.
    public func age(at now: BatonInstant) -> Duration {
        storedAt.duration(to: now)
    }
}

/// Where a ``ResponseCache`` keeps its entries.
///
/// The cache decides freshness (ttl, stale windows), coalesces loads and runs refreshes; the
/// storage only keeps entries, bounds them and chooses what to evict. The default is in memory
/// (W-TinyLFU, bounded by ``CachePolicy/maxEntries``); a shared store (Redis, memcached…) can be
/// plugged in by conforming to this protocol. Requirements are `async` so a remote store fits;
/// the in-memory one never suspends.
///
/// Rules for implementations:
/// - Bounded: never keep more entries than the store's limit; count what is evicted or refused.
/// - Expired entries are *not* removed because of their age: `fallback: { stale: true }` serves
///   a stale entry of any age (spec-v1 §6.1). They leave by eviction or invalidation.
/// - Failures of a remote store are the store's business: report a failed read as a miss
///   (`nil`), a failed write or removal as done, and count them. The cache then simply calls the
///   operation.
/// - A shared store whose entries cross processes must translate ``CacheEntry/storedAt`` (an
///   instant on this process's clock) to and from wall-clock time.
public protocol CacheStorage<Key, Value>: Sendable {
    /// The cache key: the values of the input fields that form the key (spec-v1 §4 `cache.key`,
    /// all input fields by default); generated code makes a small `…CacheKey` struct per cached
    /// operation.
    associatedtype Key: Hashable & Sendable
    /// The cached response: the operation's output.
    associatedtype Value: Sendable

    /// The entry for `key`, if any, recording the access (for recency and popularity).
    func entry(for key: Key) async -> CacheEntry<Value>?

    /// The entry for `key`, if any, without recording an access.
    func peekEntry(for key: Key) async -> CacheEntry<Value>?

    /// Stores `entry` under `key`, replacing any previous one. The store may refuse a new key (a
    /// bounded store admitting only keys more popular than what it would evict).
    func store(_ entry: CacheEntry<Value>, for key: Key) async

    /// Removes the entry of `key`, if any.
    func removeEntry(for key: Key) async

    /// Removes every entry whose key satisfies `predicate`.
    func removeEntries(where predicate: @Sendable (Key) -> Bool) async

    /// Removes every entry.
    func removeAll() async

    /// How often `key` was requested recently (0 when the store does not track it). Refresh-ahead
    /// only refreshes keys at least ``CachePolicy/RefreshAhead/minimumFrequency`` popular.
    func estimatedFrequency(of key: Key) async -> Int
}

extension CacheStorage {
    /// Returns 0: a storage that does not track popularity treats every key as cold, so
    /// refresh-ahead never fires for it (unless its `minimumFrequency` is 0).
    public func estimatedFrequency(of key: Key) async -> Int { 0 }
}
