import BatonRuntime
import BatonTesting
import MetricsTestKit
import Testing

/// A key made of several input fields, as generated code declares them.
struct QuoteKey: Hashable, Sendable {
    var quoteId: String
    var region: String
}

func makeCache<Key: Hashable & Sendable, Value: Sendable>(
    _ clock: ManualClock,
    ttl: Duration = .seconds(10),
    staleWhileRevalidate: Duration = .zero,
    staleIfError: Duration = .zero,
    maxEntries: Int = 100,
    refreshAhead: CachePolicy.RefreshAhead? = nil,
    maxBackgroundRefreshes: Int = 64,
    telemetry: Telemetry = .disabled,
    as: (Key, Value).Type = (Key, Value).self
) -> ResponseCache<Key, Value> {
    ResponseCache<Key, Value>(
        service: "pricing",
        operation: "quote",
        policy: CachePolicy(
            ttl: ttl,
            staleWhileRevalidate: staleWhileRevalidate,
            staleIfError: staleIfError,
            maxEntries: maxEntries,
            refreshAhead: refreshAhead,
            maxBackgroundRefreshes: maxBackgroundRefreshes
        ),
        clock: clock.asAnyClock,
        telemetry: telemetry
    )
}

/// A loader backed by a script: the call count and barriers come from `ScriptedCall`.
func loader<Value: Sendable>(_ script: ScriptedCall<Value>) -> @Sendable () async throws -> Value {
    { try await script.call(CallContext(workflow: "test", step: "quote", correlationID: "c")) }
}

@Suite struct ResponseCacheTests {
    @Test func missThenHitThenExpiry() async throws {
        let clock = ManualClock()
        let cache = makeCache(clock, as: (String, Int).self)
        let script = ScriptedCall<Int>(clock: clock, [.succeed(1), .succeed(2)])

        let first = try await cache.value(for: "a", load: loader(script))
        #expect(first.value == 1 && first.source == .loaded)

        clock.advance(by: .milliseconds(9_999))
        let second = try await cache.value(for: "a", load: loader(script))
        #expect(second.value == 1 && second.source == .fresh)
        #expect(script.callCount == 1)

        clock.advance(by: .milliseconds(1))  // age == ttl: expired
        let third = try await cache.value(for: "a", load: loader(script))
        #expect(third.value == 2 && third.source == .loaded)
        #expect(script.callCount == 2)

        let other = try await cache.value(for: "b", load: loader(script))
        #expect(other.source == .loaded)
        let stats = cache.statistics
        #expect(stats.hits == 1 && stats.misses == 3)
    }

    @Test func concurrentMissesOfOneKeyMakeOneCall() async throws {
        let clock = ManualClock()
        let cache = makeCache(clock, as: (String, Int).self)
        let script = ScriptedCall<Int>(clock: clock, returning: 42, after: .milliseconds(10))
        let load = loader(script)

        let results = try await withThrowingTaskGroup(of: CacheResponse<Int>.self) { group in
            for _ in 0..<1_000 {
                group.addTask { try await cache.value(for: "hot", load: load) }
            }
            try await script.waitForCalls(count: 1)
            try await clock.waitForSleepers(count: 1)
            clock.advance(by: .milliseconds(10))
            var results: [CacheResponse<Int>] = []
            for try await result in group { results.append(result) }
            return results
        }

        #expect(script.callCount == 1)
        #expect(results.count == 1_000)
        #expect(results.allSatisfy { $0.value == 42 })
        #expect(results.filter { $0.source == .loaded }.count == 1)
        let stats = cache.statistics
        #expect(stats.misses == 1)
        #expect(stats.coalesced + stats.hits == 999)
        #expect(cache.inFlightCount == 0)
    }

    @Test func coalescedFailureIsSharedAndNotCached() async throws {
        let clock = ManualClock()
        let cache = makeCache(clock, as: (String, Int).self)
        let script = ScriptedCall<Int>(clock: clock, [.fail(ScriptedError(.unavailable), after: .milliseconds(10)), .succeed(7)])
        let load = loader(script)

        let failures = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<10 {
                group.addTask { (try? await cache.value(for: "k", load: load)) == nil }
            }
            try await script.waitForCalls(count: 1)
            try await clock.waitForSleepers(count: 1)
            clock.advance(by: .milliseconds(10))
            var failures = 0
            for try await failed in group where failed { failures += 1 }
            return failures
        }
        #expect(script.callCount == 1)
        #expect(failures == 10)
        let next = try await cache.value(for: "k", load: load)
        #expect(next.value == 7 && next.source == .loaded)
    }

    @Test func staleWhileRevalidateServesStaleWithExactlyOneRefresh() async throws {
        let clock = ManualClock()
        let cache = makeCache(clock, staleWhileRevalidate: .seconds(60), as: (String, Int).self)
        let script = ScriptedCall<Int>(clock: clock, [.succeed(1), .succeed(2, after: .seconds(5))])
        let load = loader(script)
        _ = try await cache.value(for: "a", load: load)

        clock.advance(by: .seconds(15))  // past ttl, within ttl + swr
        let results = try await withThrowingTaskGroup(of: CacheResponse<Int>.self) { group in
            for _ in 0..<200 {
                group.addTask { try await cache.value(for: "a", load: load) }
            }
            var results: [CacheResponse<Int>] = []
            for try await result in group { results.append(result) }
            return results
        }
        #expect(results.allSatisfy { $0.value == 1 && $0.source == .stale })
        try await script.waitForCalls(count: 2)
        #expect(script.callCount == 2)  // the initial load + exactly one refresh
        #expect(cache.statistics.refreshesStarted == 1)
        #expect(cache.backgroundRefreshCount == 1)

        try await clock.waitForSleepers(count: 1)
        clock.advance(by: .seconds(5))
        await cache.waitForRefreshes()
        #expect(cache.backgroundRefreshCount == 0)
        #expect(cache.statistics.refreshesSucceeded == 1)

        let refreshed = try await cache.value(for: "a", load: load)
        #expect(refreshed.value == 2 && refreshed.source == .fresh)
        #expect(script.callCount == 2)
    }

    @Test func missPastTheStaleWindowJoinsTheRunningRefresh() async throws {
        let clock = ManualClock()
        let cache = makeCache(clock, staleWhileRevalidate: .seconds(10), as: (String, Int).self)
        let script = ScriptedCall<Int>(clock: clock, [.succeed(1), .succeed(2, after: .seconds(30))])
        let load = loader(script)
        _ = try await cache.value(for: "a", load: load)
        clock.advance(by: .seconds(15))
        #expect(try await cache.value(for: "a", load: load).source == .stale)
        try await script.waitForCalls(count: 2)
        try await clock.waitForSleepers(count: 1)
        clock.advance(by: .seconds(10))  // age 25s: past ttl + swr while the refresh still runs

        // With a deadline, a request waiting on a refresh (whose deadline it cannot know) sleeps
        // until its own: that sleeper is the barrier saying it joined.
        let late = Task {
            try await Deadline.$current.withValue(Deadline(ms(1_000_000), clock: clock.asAnyClock)) {
                try await cache.value(for: "a", load: load)
            }
        }
        try await clock.waitForSleepers(count: 2)
        clock.advance(by: .seconds(20))
        let response = try await late.value
        #expect(response.value == 2 && response.source == .coalesced)
        #expect(script.callCount == 2)
    }

    @Test func staleIfErrorServesStaleWithinItsWindowOnly() async throws {
        let clock = ManualClock()
        let cache = makeCache(clock, staleIfError: .seconds(60), as: (String, Int).self)
        let script = ScriptedCall<Int>(clock: clock, [.succeed(1), .fail(ScriptedError(.unavailable))])
        let load = loader(script)
        _ = try await cache.value(for: "a", load: load)

        clock.advance(by: .seconds(30))  // ttl 10s + 20s: within staleIfError
        let stale = try await cache.value(for: "a", load: load)
        #expect(stale.value == 1 && stale.source == .staleIfError)
        #expect((stale.error as? ScriptedError)?.errorClass == .unavailable)

        clock.advance(by: .seconds(40))  // 70s past ttl: beyond
        await #expect(throws: ScriptedError.self) { try await cache.value(for: "a", load: load) }
        let stats = cache.statistics
        #expect(stats.staleIfError == 1 && stats.errors == 1)
        // Any age still serves the fallback.
        #expect(await cache.serveStale(for: "a") == 1)
        #expect(await cache.serveStale(for: "missing") == nil)
    }

    @Test func refreshAheadRefreshesHotKeysOnlyNearExpiry() async throws {
        let clock = ManualClock()
        let cache = makeCache(clock, refreshAhead: CachePolicy.RefreshAhead(window: 0.2, minimumFrequency: 3), as: (String, Int).self)
        let hot = ScriptedCall<Int>(clock: clock, [.succeed(1), .succeed(2)])
        let cold = ScriptedCall<Int>(clock: clock, [.succeed(10), .succeed(20)])
        for _ in 0..<5 { _ = try await cache.value(for: "hot", load: loader(hot)) }
        _ = try await cache.value(for: "cold", load: loader(cold))

        clock.advance(by: .seconds(7))  // before the last 20% of ttl: no refresh
        _ = try await cache.value(for: "hot", load: loader(hot))
        #expect(cache.statistics.refreshesStarted == 0)

        clock.advance(by: .seconds(2))  // t = 9s: in the window
        let hit = try await cache.value(for: "hot", load: loader(hot))
        #expect(hit.value == 1 && hit.source == .fresh)
        let coldHit = try await cache.value(for: "cold", load: loader(cold))
        #expect(coldHit.source == .fresh)
        await cache.waitForRefreshes()
        #expect(cache.statistics.refreshAheads == 1)
        #expect(hot.callCount == 2 && cold.callCount == 1)

        clock.advance(by: .seconds(2))  // t = 11s: the original entry would have expired
        let refreshed = try await cache.value(for: "hot", load: loader(hot))
        #expect(refreshed.value == 2 && refreshed.source == .fresh)
        let expired = try await cache.value(for: "cold", load: loader(cold))
        #expect(expired.value == 20 && expired.source == .loaded)
    }

    @Test func prewarmFillsTheCacheWithoutCountingRequests() async throws {
        let clock = ManualClock()
        let cache = makeCache(clock, as: (String, Int).self)
        await cache.prewarm(key: "x", value: 99)
        let script = ScriptedCall<Int>(clock: clock, returning: -1)
        #expect(try await cache.value(for: "x", load: loader(script)).value == 99)
        #expect(script.callCount == 0)

        let failures = await cache.prewarm(keys: (0..<20).map { "k\($0)" } + ["x"], maxConcurrent: 3) { key in
            if key == "k13" { throw ScriptedError(.unavailable) }
            return key.count
        }
        #expect(failures == 1)
        for index in 0..<20 where index != 13 {
            let response = try await cache.value(for: "k\(index)", load: loader(script))
            #expect(response.source == .fresh)
            #expect(response.value == "k\(index)".count)
        }
        #expect(try await cache.value(for: "x", load: loader(script)).value == 99)  // fresh: not reloaded
        #expect(script.callCount == 0)
        #expect(cache.statistics.misses == 0)
    }

    @Test func invalidationDropsMatchingEntries() async throws {
        let clock = ManualClock()
        let cache = makeCache(clock, as: (QuoteKey, String).self)
        let keys = [
            QuoteKey(quoteId: "q1", region: "eu"), QuoteKey(quoteId: "q1", region: "us"),
            QuoteKey(quoteId: "q2", region: "eu"), QuoteKey(quoteId: "q3", region: "us"),
        ]
        for key in keys { await cache.prewarm(key: key, value: "\(key.quoteId)-\(key.region)") }

        // A write whose input shares the field `quoteId` with the key.
        let written = "q1"
        await cache.invalidate { $0.quoteId == written }
        let script = ScriptedCall<String>(clock: clock, returning: "new")
        #expect(try await cache.value(for: keys[0], load: loader(script)).source == .loaded)
        #expect(try await cache.value(for: keys[1], load: loader(script)).source == .loaded)
        #expect(try await cache.value(for: keys[2], load: loader(script)).source == .fresh)

        await cache.invalidate(key: keys[2])
        #expect(try await cache.value(for: keys[2], load: loader(script)).source == .loaded)
        #expect(try await cache.value(for: keys[3], load: loader(script)).source == .fresh)

        await cache.invalidateAll()
        #expect(await cache.serveStale(for: keys[3]) == nil)
        #expect(cache.statistics.invalidations == 3)
    }

    @Test func aLoadInvalidatedWhileRunningIsNotStored() async throws {
        let clock = ManualClock()
        let cache = makeCache(clock, as: (String, Int).self)
        let script = ScriptedCall<Int>(clock: clock, [.succeed(1, after: .milliseconds(10)), .succeed(2)])
        let load = loader(script)
        let first = Task { try await cache.value(for: "a", load: load) }
        try await script.waitForCalls(count: 1)
        await cache.invalidate(key: "a")  // the write lands while the read is in flight
        // A request after the invalidation must not join the outdated load.
        let second = try await cache.value(for: "a", load: load)
        #expect(second.value == 2 && second.source == .loaded)
        try await clock.waitForSleepers(count: 1)
        clock.advance(by: .milliseconds(10))
        #expect(try await first.value.value == 1)  // its caller still gets its answer …
        let third = try await cache.value(for: "a", load: load)
        #expect(third.value == 2 && third.source == .fresh)  // … but it did not overwrite the newer entry
    }

    @Test func shutdownCancelsAndAwaitsBackgroundRefreshes() async throws {
        let clock = ManualClock()
        let cache = makeCache(clock, staleWhileRevalidate: .seconds(60), as: (String, Int).self)
        let script = ScriptedCall<Int>(clock: clock, [.succeed(1), .succeed(1), .hang])
        let load = loader(script)
        _ = try await cache.value(for: "a", load: load)
        _ = try await cache.value(for: "b", load: load)
        clock.advance(by: .seconds(15))
        #expect(try await cache.value(for: "a", load: load).source == .stale)
        #expect(try await cache.value(for: "b", load: load).source == .stale)
        try await script.waitForCalls(count: 4)
        #expect(cache.backgroundRefreshCount == 2)

        await cache.shutdown()
        #expect(cache.backgroundRefreshCount == 0)
        #expect(cache.inFlightCount == 0)
        #expect(clock.sleeperCount == 0)  // the hanging calls were cancelled, not left asleep
        #expect(cache.statistics.refreshesSucceeded == 0)

        // Still serves; refreshes are no longer started (and counted as dropped).
        #expect(try await cache.value(for: "a", load: load).source == .stale)
        #expect(cache.statistics.refreshesDropped == 1)
        #expect(cache.backgroundRefreshCount == 0)
    }

    @Test func backgroundRefreshesAreBounded() async throws {
        let clock = ManualClock()
        let cache = makeCache(clock, staleWhileRevalidate: .seconds(60), maxBackgroundRefreshes: 2, as: (Int, Int).self)
        let script = ScriptedCall<Int>(clock: clock, [.succeed(0), .succeed(0), .succeed(0), .succeed(0), .hang])
        for key in 0..<4 { _ = try await cache.value(for: key, load: loader(script)) }
        clock.advance(by: .seconds(15))
        for key in 0..<4 { #expect(try await cache.value(for: key, load: loader(script)).source == .stale) }
        #expect(cache.backgroundRefreshCount == 2)
        #expect(cache.statistics.refreshesDropped == 2)
        await cache.shutdown()
    }

    @Test func aWaiterGivesUpAtItsOwnEarlierDeadline() async throws {
        let clock = ManualClock()
        let cache = makeCache(clock, as: (String, Int).self)
        let script = ScriptedCall<Int>(clock: clock, returning: 5, after: .seconds(1))
        let load = loader(script)
        let leader = Task {
            try await Deadline.$current.withValue(Deadline(ms(2_000), clock: clock.asAnyClock)) {
                try await cache.value(for: "a", load: load)
            }
        }
        try await script.waitForCalls(count: 1)
        let follower = Task {
            try await Deadline.$current.withValue(Deadline(ms(100), clock: clock.asAnyClock)) {
                try await cache.value(for: "a", load: load)
            }
        }
        try await clock.waitForSleepers(count: 2)  // the leader's call and the follower's deadline
        clock.advance(by: .milliseconds(100))
        await #expect(throws: TimeoutError.self) { try await follower.value }
        clock.advance(by: .milliseconds(900))
        #expect(try await leader.value.source == .loaded)
        #expect(script.callCount == 1)
    }

    @Test func aCancelledLeaderHandsTheLoadToAWaiter() async throws {
        let clock = ManualClock()
        let cache = makeCache(clock, as: (String, Int).self)
        let script = ScriptedCall<Int>(clock: clock, [.succeed(1, after: .milliseconds(10)), .succeed(2)])
        let load = loader(script)
        let leader = Task { try await cache.value(for: "a", load: load) }
        try await script.waitForCalls(count: 1)
        let follower = Task {
            try await Deadline.$current.withValue(Deadline(ms(60_000), clock: clock.asAnyClock)) {
                try await cache.value(for: "a", load: load)
            }
        }
        try await clock.waitForSleepers(count: 2)  // the leader's call and the follower's timer
        leader.cancel()
        await #expect(throws: CancellationError.self) { try await leader.value }
        let response = try await follower.value
        #expect(response.value == 2 && response.source == .loaded)
        #expect(script.callCount == 2)
        #expect(cache.statistics.errors == 1)
    }

    @Test func requestMetricsAreMadeOnceAndCountEachRequest() async throws {
        let metrics = TestMetrics()
        let telemetry = Telemetry(metricsFactory: metrics)
        let clock = ManualClock()
        let cache = makeCache(clock, staleWhileRevalidate: .seconds(60), telemetry: telemetry, as: (String, Int).self)
        let made = metrics.counters(label: "baton_cache_requests_total").count
        #expect(made == 7)
        let script = ScriptedCall<Int>(clock: clock, returning: 1)
        _ = try await cache.value(for: "a", load: loader(script))
        _ = try await cache.value(for: "a", load: loader(script))
        _ = try await cache.value(for: "a", load: loader(script))
        clock.advance(by: .seconds(11))
        _ = try await cache.value(for: "a", load: loader(script))
        await cache.waitForRefreshes()
        #expect(metrics.counters(label: "baton_cache_requests_total").count == made)
        func total(_ result: String) -> Int64 {
            metrics.counterTotal(
                label: "baton_cache_requests_total",
                dimensions: [("service", "pricing"), ("operation", "quote"), ("result", result)]
            )
        }
        #expect(total("miss") == 1)
        #expect(total("hit") == 2)
        #expect(total("stale") == 1)
    }
}
