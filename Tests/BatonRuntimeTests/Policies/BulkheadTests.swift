import BatonRuntime
import BatonTesting
import Testing

@Suite(.timeLimit(.minutes(1))) struct BulkheadTests {
    /// Starts a call that holds a slot of `bulkhead` until `until` on `clock`.
    static func hold(_ bulkhead: Bulkhead, _ clock: ManualClock, until: BatonInstant, served: Recorder<String>? = nil, name: String = "") -> Task<Void, any Error> {
        Task {
            try await bulkhead.run {
                served?.append(name)
                try await clock.sleep(until: until)
            }
        }
    }

    @Test func queuesBeyondMaxConcurrentAndRejectsBeyondTheQueue() async throws {
        let clock = ManualClock()
        let bulkhead = Bulkhead(name: "inventory", maxConcurrent: 2, maxQueue: 1, clock: clock.asAnyClock)
        let served = Recorder<String>()
        let a = Self.hold(bulkhead, clock, until: .ms(10), served: served, name: "a")
        let b = Self.hold(bulkhead, clock, until: .ms(20), served: served, name: "b")
        try await clock.waitForSleepers(count: 2)
        let c = Self.hold(bulkhead, clock, until: .ms(50), served: served, name: "c")
        try await yieldUntil("c to queue in the bulkhead") { bulkhead.queued == 1 }
        await #expect(throws: OverloadedError(reason: .bulkheadFull, name: "inventory")) {
            try await bulkhead.run { Issue.record("must not run") }
        }
        #expect(bulkhead.inFlight == 2)
        clock.advance(by: .milliseconds(10))  // a finishes, c takes its slot
        try await a.value
        try await clock.waitForSleepers(count: 2)
        #expect(served.all == ["a", "b", "c"])
        #expect(bulkhead.inFlight == 2 && bulkhead.queued == 0)
        clock.advance(by: .milliseconds(40))
        try await b.value
        try await c.value
        #expect(bulkhead.inFlight == 0)
    }

    @Test func waitersAreServedFirstComeFirstServed() async throws {
        let clock = ManualClock()
        let bulkhead = Bulkhead(name: "x", maxConcurrent: 1, maxQueue: 3, clock: clock.asAnyClock)
        let served = Recorder<String>()
        let first = Self.hold(bulkhead, clock, until: .ms(10), served: served, name: "first")
        try await clock.waitForSleepers(count: 1)
        var waiters: [Task<Void, any Error>] = []
        for (index, name) in ["w1", "w2", "w3"].enumerated() {
            waiters.append(Self.hold(bulkhead, clock, until: .ms(10), served: served, name: name))
            try await yieldUntil("\(name) to queue in the bulkhead (\(index + 1) queued)") { bulkhead.queued == index + 1 }
        }
        clock.advance(by: .milliseconds(10))
        try await first.value
        for waiter in waiters { try await waiter.value }
        #expect(served.all == ["first", "w1", "w2", "w3"])
        #expect(bulkhead.inFlight == 0)
    }

    @Test func queueTimeoutRejectsAsOverloaded() async throws {
        let clock = ManualClock()
        let bulkhead = Bulkhead(name: "x", maxConcurrent: 1, maxQueue: 1, queueTimeout: .milliseconds(20), clock: clock.asAnyClock)
        let holder = Self.hold(bulkhead, clock, until: .ms(100))
        try await clock.waitForSleepers(count: 1)
        let waiter = Task { try await bulkhead.run { Issue.record("must not run") } }
        try await clock.waitForSleepers(count: 2)  // the holder and the queue timer
        #expect(clock.nextDeadline == .ms(20))
        clock.advance(by: .milliseconds(20))
        await #expect(throws: OverloadedError(reason: .queueTimeout, name: "x")) { try await waiter.value }
        #expect(bulkhead.queued == 0)
        clock.advance(by: .milliseconds(80))
        try await holder.value
        #expect(bulkhead.inFlight == 0, "the timed-out waiter holds nothing")
    }

    @Test func theRunDeadlineBoundsTheQueueWait() async throws {
        let clock = ManualClock()
        let any = clock.asAnyClock
        let bulkhead = Bulkhead(name: "x", maxConcurrent: 1, maxQueue: 1, queueTimeout: .seconds(1), clock: any)
        let holder = Self.hold(bulkhead, clock, until: .ms(100))
        try await clock.waitForSleepers(count: 1)
        let waiter = Task {
            try await Deadline.$current.withValue(.after(.milliseconds(30), clock: any)) {
                try await bulkhead.run { Issue.record("must not run") }
            }
        }
        try await clock.waitForSleepers(count: 2)
        #expect(clock.nextDeadline == .ms(30))
        clock.advance(by: .milliseconds(30))
        await #expect(throws: TimeoutError(limit: .milliseconds(30))) { try await waiter.value }
        clock.advance(by: .milliseconds(70))
        try await holder.value
        #expect(bulkhead.inFlight == 0 && bulkhead.queued == 0)
    }

    @Test func cancellationWhileQueuedLeavesTheQueue() async throws {
        let clock = ManualClock()
        let bulkhead = Bulkhead(name: "x", maxConcurrent: 1, maxQueue: 2, clock: clock.asAnyClock)
        let served = Recorder<String>()
        let holder = Self.hold(bulkhead, clock, until: .ms(10), served: served, name: "holder")
        try await clock.waitForSleepers(count: 1)
        let cancelled = Self.hold(bulkhead, clock, until: .ms(10), served: served, name: "cancelled")
        try await yieldUntil("'cancelled' to queue in the bulkhead") { bulkhead.queued == 1 }
        let next = Self.hold(bulkhead, clock, until: .ms(10), served: served, name: "next")
        try await yieldUntil("'next' to queue behind 'cancelled'") { bulkhead.queued == 2 }
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        #expect(bulkhead.queued == 1)
        clock.advance(by: .milliseconds(10))
        try await holder.value
        try await next.value
        #expect(served.all == ["holder", "next"])
        #expect(bulkhead.inFlight == 0)
    }

    @Test func cancellationWithAQueueTimeoutLeavesTheQueueToo() async throws {
        let clock = ManualClock()
        let bulkhead = Bulkhead(name: "x", maxConcurrent: 1, maxQueue: 1, queueTimeout: .seconds(1), clock: clock.asAnyClock)
        let holder = Self.hold(bulkhead, clock, until: .ms(10))
        try await clock.waitForSleepers(count: 1)
        let waiter = Task { try await bulkhead.run { Issue.record("must not run") } }
        try await clock.waitForSleepers(count: 2)
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(bulkhead.queued == 0)
        #expect(clock.sleeperCount == 1, "the queue timer was cancelled too")
        clock.advance(by: .milliseconds(10))
        try await holder.value
        #expect(bulkhead.inFlight == 0)
    }

    @Test func permitsAreReleasedOnError() async throws {
        let bulkhead = Bulkhead(name: "x", maxConcurrent: 1, clock: ManualClock().asAnyClock)
        for _ in 0..<3 {
            await #expect(throws: ScriptedError(.transient)) {
                try await bulkhead.run { throw ScriptedError(.transient) }
            }
        }
        #expect(bulkhead.inFlight == 0)
        #expect(try await bulkhead.run { 5 } == 5)
    }

    @Test func manyConcurrentCallersNeverExceedTheLimit() async throws {
        let bulkhead = Bulkhead(name: "x", maxConcurrent: 3, maxQueue: 1_000, clock: ManualClock().asAnyClock)
        final class Peak: Sendable {
            let running = Recorder<Int>()
        }
        let peak = Peak()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<200 {
                group.addTask {
                    try await bulkhead.run {
                        peak.running.append(bulkhead.inFlight)
                        await Task.yield()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(peak.running.all.allSatisfy { $0 <= 3 })
        #expect(bulkhead.inFlight == 0 && bulkhead.queued == 0)
    }
}
