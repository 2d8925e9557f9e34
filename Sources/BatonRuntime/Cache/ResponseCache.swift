import Logging
import Metrics
import Synchronization

/// Where a value served by ``ResponseCache`` came from.
package enum CacheSource: String, Sendable, Hashable {
    /// A fresh entry (younger than `ttl`).
    case fresh
    /// A stale entry within `staleWhileRevalidate`, served while a background refresh runs.
    case stale
    /// A stale entry within `staleIfError`, served because the call failed.
    case staleIfError
    /// This request called the operation (a miss).
    case loaded
    /// Another request's load of the same key (a miss that joined it: single flight).
    case coalesced

    /// The step outcome freshness of a value from this source; `nil` for ``loaded`` (the step
    /// made the call itself: `succeeded`).
    package var freshness: StepOutcome.CacheFreshness? {
        switch self {
        case .fresh, .coalesced: .fresh
        case .stale, .staleIfError: .stale
        case .loaded: nil
        }
    }
}

/// A value served by ``ResponseCache``, and how.
package struct CacheResponse<Value: Sendable>: Sendable {
    /// The response: the cached value, or the one the operation just returned.
    package var value: Value
    /// Where `value` came from; ``CacheSource/freshness`` turns it into the step's outcome.
    package var source: CacheSource
    /// For ``CacheSource/staleIfError``: the failure the stale value stands in for.
    package var error: (any Error)?

    /// Creates a response (the cache makes them; tests and custom ``CallPolicy`` code may too).
    ///
    /// - Parameters:
    ///   - value: The value served.
    ///   - source: Where it came from.
    ///   - error: For ``CacheSource/staleIfError``, the failure the stale value stands in for;
    ///     `nil` otherwise.
    package init(value: Value, source: CacheSource, error: (any Error)? = nil) {
        self.value = value
        self.source = source
        self.error = error
    }
}

/// Counters of what a ``ResponseCache`` did (the same events as `baton_cache_requests_total`,
/// plus background work).
package struct CacheStatistics: Sendable, Hashable {
    /// Served fresh: the entry was younger than `ttl` (refresh-ahead may have started a refresh).
    package var hits = 0
    /// Served stale within `staleWhileRevalidate`.
    package var staleHits = 0
    /// Requests that called the operation themselves (no usable entry, no load of the key to
    /// join).
    package var misses = 0
    /// Misses that joined another request's load.
    package var coalesced = 0
    /// Served stale within `staleIfError` after a failed call.
    package var staleIfError = 0
    /// Requests that failed (the call failed and no stale value was allowed).
    package var errors = 0
    /// Stale values handed out by ``ResponseCache/serveStale(for:)`` (`fallback: { stale: true }`).
    package var staleFallbacks = 0
    /// Background refreshes started (stale-while-revalidate and refresh-ahead).
    package var refreshesStarted = 0
    /// Of which refresh-ahead.
    package var refreshAheads = 0
    /// Background refreshes whose call returned a value (stored unless the key was invalidated
    /// meanwhile).
    package var refreshesSucceeded = 0
    /// Background refreshes whose call threw or was cancelled (by ``ResponseCache/shutdown()``);
    /// the stale entry stays. The 1st, 2nd, 4th, 8th… failures are logged as warnings.
    package var refreshesFailed = 0
    /// Refreshes not started because ``CachePolicy/maxBackgroundRefreshes`` were running or the
    /// cache was shut down.
    package var refreshesDropped = 0
    /// Invalidation calls.
    package var invalidations = 0

    /// All counters at zero.
    package init() {}
}

/// The response cache of one read operation (spec-v1 §4 `cache`), keyed by the declared input
/// fields.
///
/// Built once per orchestrator per cached operation and shared by every workflow that calls the
/// operation, which read it through a ``StepCache``. A request is served:
/// - **fresh** when the entry is younger than `ttl`; a hit on a hot key in the last part of its
///   fresh life (``CachePolicy/RefreshAhead``) also starts one background refresh;
/// - **stale** within `staleWhileRevalidate` past `ttl`, while exactly one background refresh
///   runs for the key;
/// - otherwise by calling `load` — single flight: concurrent misses of a key share one call, and a
///   miss during a background refresh joins it. When the call fails and the entry is within
///   `staleIfError` past `ttl`, the stale value is served instead.
///
/// Writes drop entries with ``invalidate(key:)``, ``invalidate(where:)`` and
/// ``invalidateAll()`` (spec-v1 §5 `invalidates`); a load in progress for an invalidated key
/// does not store its (possibly outdated) value. A step's `fallback: { stale: true }` is served an
/// entry of any age.
///
/// Background refreshes run in tracked tasks, at most ``CachePolicy/maxBackgroundRefreshes`` at
/// a time; ``shutdown()`` cancels and awaits them. All ages are measured on the injected clock.
/// Each request is counted once in `baton_cache_requests_total` (labels `service`, `operation`,
/// `result` = `hit`, `stale`, `miss`, `coalesced`, `stale_if_error`, `error`,
/// `stale_fallback`), whose counters are made here, once.
///
/// ```swift
/// struct QuoteKey: Hashable, Sendable { var items: [String] }
/// let quotes = ResponseCache<QuoteKey, Quote>(
///     service: "pricing", operation: "quote",
///     policy: CachePolicy(ttl: .seconds(10), staleWhileRevalidate: .seconds(60)),
///     clock: clock, telemetry: telemetry
/// )
/// // In the workflow: `cache: StepCache(quotes) { _, values in QuoteKey(items: values[cart].skus) }`.
/// ```
public final class ResponseCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// The service of the cached operation (a metric label).
    public let service: String
    /// The cached operation (a metric label).
    public let operation: String
    /// The ttl, stale windows, bound and refresh-ahead settings the cache was built with.
    public let policy: CachePolicy
    /// Where entries are kept.
    public let storage: any CacheStorage<Key, Value>
    private let clock: AnyClock
    private let logger: Logger
    private let metrics: CacheRequestCounters
    private let state = Lock(State())

    private enum FlightRole {
        case lead(CacheFlight<Value>)
        case join(CacheFlight<Value>)
    }

    private struct State {
        var flights: [Key: CacheFlight<Value>] = [:]
        var refreshes: [UInt64: Task<Void, Never>] = [:]
        var nextID: UInt64 = 0
        var accepting = true
        var statistics = CacheStatistics()
    }

    /// - Parameters:
    ///   - service: The service of the operation (metric label `service`).
    ///   - operation: The operation (metric label `operation`).
    ///   - policy: ttl, stale windows, bound, refresh-ahead.
    ///   - storage: Where entries live; `nil` for the in-memory storage, bounded by
    ///     ``CachePolicy/maxEntries`` with W-TinyLFU admission and eviction.
    ///   - clock: Every age is measured on it.
    ///   - telemetry: Metrics (`baton_cache_requests_total`) and logs (failed refreshes).
    public init(
        service: String,
        operation: String,
        policy: CachePolicy,
        storage: (any CacheStorage<Key, Value>)? = nil,
        clock: AnyClock = .continuous,
        telemetry: Telemetry = Telemetry()
    ) {
        self.service = service
        self.operation = operation
        self.policy = policy
        self.storage = storage ?? InMemoryCacheStorage<Key, Value>(maxEntries: policy.maxEntries)
        self.clock = clock
        self.logger = telemetry.logger
        self.metrics = CacheRequestCounters(service: service, operation: operation, telemetry: telemetry)
    }

    /// What the cache did so far.
    package var statistics: CacheStatistics { state.withLock { $0.statistics } }

    /// Background refreshes running now.
    package var backgroundRefreshCount: Int { state.withLock { $0.refreshes.count } }

    /// Loads in progress (foreground and background), one per key.
    package var inFlightCount: Int { state.withLock { $0.flights.count } }

    // MARK: Reads

    /// The value for `key`: from the cache when fresh (or stale within the policy's windows),
    /// otherwise by `load`, shared with concurrent requests for the key.
    ///
    /// - Parameters:
    ///   - key: The request's key fields.
    ///   - load: Called in this task on a miss when no other request is loading the key. Runs
    ///     under the caller's cancellation and deadline.
    ///   - refresh: Called in a background task to refresh a stale or hot entry; it must bound its
    ///     own time (it has no caller) and must not depend on the caller's task-locals.
    /// - Throws: `load`'s error (or the error of the load this request joined) when no stale value
    ///   may stand in; `CancellationError` when the caller was cancelled while waiting; a
    ///   ``TimeoutError`` when the run's ``Deadline/current`` passed while waiting for another
    ///   request's load.
    package func value(
        for key: Key,
        load: () async throws -> Value,
        refresh: @escaping @Sendable () async throws -> Value
    ) async throws -> CacheResponse<Value> {
        let now = clock.now
        var fallbackEntry: CacheEntry<Value>?
        if let entry = await storage.entry(for: key) {
            let age = entry.age(at: now)
            if age < policy.ttl {
                if let refreshAge = policy.refreshAheadAge, age >= refreshAge, let refreshAhead = policy.refreshAhead,
                    await storage.estimatedFrequency(of: key) >= refreshAhead.minimumFrequency
                {
                    startRefresh(key, refresh, ahead: true)
                }
                count(.hit)
                return CacheResponse(value: entry.value, source: .fresh)
            }
            if age < policy.ttl + policy.staleWhileRevalidate {
                startRefresh(key, refresh, ahead: false)
                count(.stale)
                return CacheResponse(value: entry.value, source: .stale)
            }
            fallbackEntry = entry
        }
        do {
            let response = try await loadOnce(key, load)
            count(response.source == .loaded ? .miss : response.source == .coalesced ? .coalesced : .hit)
            return response
        } catch {
            if let entry = fallbackEntry, !(error is CancellationError), !Task.isCancelled,
                entry.age(at: clock.now) < policy.ttl + policy.staleIfError
            {
                count(.staleIfError)
                return CacheResponse(value: entry.value, source: .staleIfError, error: error)
            }
            count(.error)
            throw error
        }
    }

    /// ``value(for:load:refresh:)`` with one closure for both the caller's load and background
    /// refreshes (fine when `load` captures nothing tied to the caller's task).
    package func value(
        for key: Key,
        load: @escaping @Sendable () async throws -> Value
    ) async throws -> CacheResponse<Value> {
        try await value(for: key, load: load, refresh: load)
    }

    /// The entry of `key` whatever its age, for `fallback: { stale: true }` (spec-v1 §6.1); `nil`
    /// when there is none. Counted as `stale_fallback` when found.
    package func serveStale(for key: Key) async -> Value? {
        guard let entry = await storage.peekEntry(for: key) else { return nil }
        count(.staleFallback)
        return entry.value
    }

    // MARK: Prewarm

    /// Stores `value` for `key` as freshly loaded now (e.g. at startup, from a snapshot).
    public func prewarm(key: Key, value: Value) async {
        await storage.store(CacheEntry(value: value, storedAt: clock.now), for: key)
    }

    /// Loads every key of `keys` (at most `maxConcurrent` at a time) and stores the values. Keys
    /// already fresh are skipped; a load joins one already in progress for its key. Not counted
    /// as requests.
    ///
    /// - Returns: How many keys could not be loaded (their errors are logged at debug level).
    @discardableResult
    public func prewarm(
        keys: some Sequence<Key>,
        maxConcurrent: Int = 4,
        load: @escaping @Sendable (Key) async throws -> Value
    ) async -> Int {
        precondition(maxConcurrent >= 1, "maxConcurrent must be at least 1")
        return await withTaskGroup(of: Bool.self) { group in
            var failures = 0
            var running = 0
            for key in keys {
                if running == maxConcurrent, let succeeded = await group.next() {
                    running -= 1
                    if !succeeded { failures += 1 }
                }
                running += 1
                group.addTask {
                    if let entry = await self.storage.peekEntry(for: key), entry.age(at: self.clock.now) < self.policy.ttl {
                        return true
                    }
                    do {
                        _ = try await self.loadOnce(key) { try await load(key) }
                        return true
                    } catch {
                        self.logger.debug("cache prewarm failed for \(self.service).\(self.operation): \(error)")
                        return false
                    }
                }
            }
            for await succeeded in group where !succeeded { failures += 1 }
            return failures
        }
    }

    // MARK: Invalidation

    /// Drops the entry of `key`; a load of it in progress will not store its value.
    public func invalidate(key: Key) async {
        let flight = state.withLock { state -> CacheFlight<Value>? in
            state.statistics.invalidations += 1
            return state.flights.removeValue(forKey: key)
        }
        flight?.invalidate()
        await storage.removeEntry(for: key)
    }

    /// Drops every entry whose key satisfies `predicate` — what `invalidates` on a write does
    /// (spec-v1 §5): `invalidate { $0.quoteId == written.quoteId }`.
    public func invalidate(where predicate: @escaping @Sendable (Key) -> Bool) async {
        let flights = state.withLock { state -> [CacheFlight<Value>] in
            state.statistics.invalidations += 1
            var dropped: [CacheFlight<Value>] = []
            for (key, flight) in state.flights where predicate(key) {
                dropped.append(flight)
                state.flights[key] = nil
            }
            return dropped
        }
        for flight in flights { flight.invalidate() }
        await storage.removeEntries(where: predicate)
    }

    /// Drops every entry (a write sharing no key field with the cached operation).
    public func invalidateAll() async {
        let flights = state.withLock { state -> [CacheFlight<Value>] in
            state.statistics.invalidations += 1
            defer { state.flights.removeAll() }
            return Array(state.flights.values)
        }
        for flight in flights { flight.invalidate() }
        await storage.removeAll()
    }

    // MARK: Shutdown

    /// Waits for the background refreshes running now to end (without cancelling them); refreshes
    /// started meanwhile are not awaited. A barrier for tests and orderly handovers.
    public func waitForRefreshes() async {
        let tasks = state.withLock { Array($0.refreshes.values) }
        for task in tasks { await task.value }
    }

    /// Stops starting background refreshes, cancels the running ones and waits for them to end.
    /// Requests are still served afterwards (loads run in the callers' tasks).
    public func shutdown() async {
        let tasks = state.withLock { state -> [Task<Void, Never>] in
            state.accepting = false
            return Array(state.refreshes.values)
        }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }

    // MARK: Internals

    /// Loads `key` once for all concurrent requests: leads a new flight (calling `load`) or joins
    /// the one in progress.
    private func loadOnce(_ key: Key, _ load: () async throws -> Value) async throws -> CacheResponse<Value> {
        while true {
            let deadline = Deadline.current
            let role = state.withLock { state -> FlightRole in
                if let flight = state.flights[key] { return .join(flight) }
                state.nextID += 1
                let flight = CacheFlight<Value>(id: state.nextID, leaderDeadline: deadline?.instant)
                state.flights[key] = flight
                return .lead(flight)
            }
            switch role {
            case .join(let flight):
                switch try await wait(for: flight, deadline: deadline) {
                case .value(let value): return CacheResponse(value: value, source: .coalesced)
                case .failure(let error): throw error
                case .abandoned: continue
                }
            case .lead(let flight):
                // A flight that ended between our read of the storage and taking the lock stored
                // its value first: use it rather than calling again.
                if let entry = await storage.peekEntry(for: key), entry.age(at: clock.now) < policy.ttl {
                    finish(flight, key, .value(entry.value))
                    return CacheResponse(value: entry.value, source: .fresh)
                }
                do {
                    let value = try await load()
                    await store(value, key, flight)
                    finish(flight, key, .value(value))
                    return CacheResponse(value: value, source: .loaded)
                } catch {
                    let cancelled = error is CancellationError || Task.isCancelled
                    finish(flight, key, cancelled ? .abandoned : .failure(error))
                    throw error
                }
            }
        }
    }

    /// Waits for another request's load, bounded by the caller's deadline when it is earlier than
    /// the leader's (or the leader's is unknown), and by the caller's cancellation.
    private func wait(for flight: CacheFlight<Value>, deadline: Deadline?) async throws -> FlightResult<Value> {
        let result: FlightResult<Value>?
        if let deadline, flight.leaderDeadline.map({ deadline.instant < $0 }) ?? true {
            result = try await withDeadline(deadline.instant, clock: deadline.clock, limit: deadline.remaining) {
                await flight.wait()
            }
        } else {
            result = await flight.wait()
        }
        guard let result else { throw CancellationError() }
        return result
    }

    /// Stores a loaded value unless its key was invalidated while it loaded.
    private func store(_ value: Value, _ key: Key, _ flight: CacheFlight<Value>) async {
        guard !flight.isInvalidated else { return }
        await storage.store(CacheEntry(value: value, storedAt: clock.now), for: key)
        // An invalidation that raced with the store wins: the value may predate the write.
        if flight.isInvalidated { await storage.removeEntry(for: key) }
    }

    /// Removes the flight from the map (if it is still the key's) and wakes its waiters.
    private func finish(_ flight: CacheFlight<Value>, _ key: Key, _ result: FlightResult<Value>) {
        state.withLock { state in
            if state.flights[key] === flight { state.flights[key] = nil }
        }
        flight.complete(result)
    }

    /// Starts one background refresh of `key` unless one (or a load) is in progress for it.
    private func startRefresh(_ key: Key, _ refresh: @escaping @Sendable () async throws -> Value, ahead: Bool) {
        state.withLock { state in
            guard state.flights[key] == nil else { return }
            guard state.accepting, state.refreshes.count < policy.maxBackgroundRefreshes else {
                state.statistics.refreshesDropped += 1
                return
            }
            state.nextID += 1
            let flight = CacheFlight<Value>(id: state.nextID, leaderDeadline: nil)
            state.flights[key] = flight
            state.statistics.refreshesStarted += 1
            if ahead { state.statistics.refreshAheads += 1 }
            // Detached: the refresh outlives the request and must not inherit its deadline,
            // trace context or cancellation. It removes itself from `refreshes` when done; the
            // removal waits for this lock, so it always finds the entry inserted below. It keeps
            // the request's executor preference (none in production).
            state.refreshes[flight.id] = Task.detached(executorPreference: inheritedTaskExecutor()) {
                await self.runRefresh(key, flight, refresh)
            }
        }
    }

    private func runRefresh(_ key: Key, _ flight: CacheFlight<Value>, _ refresh: @Sendable () async throws -> Value) async {
        do {
            let value = try await refresh()
            await store(value, key, flight)
            finish(flight, key, .value(value))
            state.withLock { $0.statistics.refreshesSucceeded += 1 }
        } catch {
            let cancelled = error is CancellationError || Task.isCancelled
            finish(flight, key, cancelled ? .abandoned : .failure(error))
            let failures = state.withLock { state in
                state.statistics.refreshesFailed += 1
                return state.statistics.refreshesFailed
            }
            // Powers of two: the first failures are all visible, a flood is summarised.
            if failures & (failures - 1) == 0 {
                logger.warning(
                    "cache refresh failed: \(error)",
                    metadata: [
                        "baton.cache": .string("\(service).\(operation)"),
                        "baton.refresh_failures_total": .stringConvertible(failures),
                    ]
                )
            }
        }
        _ = state.withLock { $0.refreshes.removeValue(forKey: flight.id) }
    }

    private func count(_ result: CacheRequestResult) {
        state.withLock { state in
            switch result {
            case .hit: state.statistics.hits += 1
            case .stale: state.statistics.staleHits += 1
            case .miss: state.statistics.misses += 1
            case .coalesced: state.statistics.coalesced += 1
            case .staleIfError: state.statistics.staleIfError += 1
            case .error: state.statistics.errors += 1
            case .staleFallback: state.statistics.staleFallbacks += 1
            }
        }
        metrics.increment(result)
    }
}

/// The `result` label values of `baton_cache_requests_total`.
enum CacheRequestResult: Int, CaseIterable {
    case hit, stale, miss, coalesced, staleIfError, error, staleFallback

    var label: String {
        switch self {
        case .hit: "hit"
        case .stale: "stale"
        case .miss: "miss"
        case .coalesced: "coalesced"
        case .staleIfError: "stale_if_error"
        case .error: "error"
        case .staleFallback: "stale_fallback"
        }
    }
}

/// The `baton_cache_requests_total` counters of one cache, made once.
struct CacheRequestCounters: Sendable {
    /// Indexed by `CacheRequestResult.rawValue`; empty when metrics are off.
    private let counters: [Counter]

    init(service: String, operation: String, telemetry: Telemetry) {
        guard telemetry.metricsEnabled else {
            counters = []
            return
        }
        counters = CacheRequestResult.allCases.map { result in
            Counter(
                label: TelemetryNames.cacheRequests,
                dimensions: [
                    (TelemetryNames.serviceLabel, service),
                    ("operation", operation),
                    ("result", result.label),
                ],
                factory: telemetry.metricsFactory
            )
        }
    }

    @inline(__always)
    func increment(_ result: CacheRequestResult) {
        guard !counters.isEmpty else { return }
        counters[result.rawValue].increment()
    }
}
