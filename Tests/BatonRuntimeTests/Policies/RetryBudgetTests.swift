import BatonRuntime
import BatonTesting
import Testing

@Suite(.timeLimit(.minutes(1))) struct RetryBudgetTests {
    @Test func floorAllowsRetriesWithoutTraffic() {
        let clock = ManualClock()
        // 1/s over a 10 s window: 10 retries, then none until the window moves on.
        let budget = RetryBudget(ratio: 0.2, minPerSecond: 1, window: .seconds(10), clock: clock.asAnyClock)
        #expect((0..<10).allSatisfy { _ in budget.tryWithdraw() })
        #expect(!budget.tryWithdraw())
        #expect(budget.snapshot == RetryBudget.Snapshot(calls: 0, withdrawals: 10, available: 0))
        clock.advance(by: .seconds(10))
        #expect(budget.tryWithdraw(), "the old withdrawals fell out of the window")
    }

    @Test func ratioOfCalls() {
        let clock = ManualClock()
        let budget = RetryBudget(ratio: 0.2, minPerSecond: 0, clock: clock.asAnyClock)
        #expect(!budget.tryWithdraw())
        for _ in 0..<50 { budget.recordCall() }
        #expect((0..<10).allSatisfy { _ in budget.tryWithdraw() })
        #expect(!budget.tryWithdraw())
        budget.recordCall()
        #expect(!budget.tryWithdraw(), "51 calls earn 10.2 retries")
        for _ in 0..<4 { budget.recordCall() }
        #expect(budget.tryWithdraw(), "55 calls earn 11")
    }

    @Test func disabledFloorAndRatioAllowsNothing() {
        let budget = RetryBudget(ratio: 0, minPerSecond: 0, clock: ManualClock().asAnyClock)
        budget.recordCall()
        #expect(!budget.tryWithdraw())
    }

    @Test func oldCallsExpire() {
        let clock = ManualClock()
        let budget = RetryBudget(ratio: 1, minPerSecond: 0, window: .seconds(10), clock: clock.asAnyClock)
        for _ in 0..<5 { budget.recordCall() }
        clock.advance(by: .seconds(5))
        for _ in 0..<5 { budget.recordCall() }
        clock.advance(by: .seconds(6))
        // The first five calls (t=0) are out of the window, the second five (t=5s) still in.
        #expect(budget.snapshot.calls == 5)
        #expect((0..<5).allSatisfy { _ in budget.tryWithdraw() })
        #expect(!budget.tryWithdraw())
    }

    @Test func concurrentCallersNeverOverdraw() async {
        let clock = ManualClock()
        let budget = RetryBudget(ratio: 0.2, minPerSecond: 1, window: .seconds(10), clock: clock.asAnyClock)
        let granted = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var granted = 0
                    for _ in 0..<500 {
                        budget.recordCall()
                        if budget.tryWithdraw() { granted += 1 }
                    }
                    return granted
                }
            }
            return await group.reduce(0, +)
        }
        // 4000 calls earn 800 retries, plus 10 from the floor.
        #expect(granted <= 810)
        #expect(granted >= 700)
        #expect(budget.snapshot.withdrawals == granted)
    }

    /// Property: over random traffic, the granted withdrawals never exceed
    /// `ratio × calls + minPerSecond × (elapsed + window)` overall, and at each grant the window
    /// holds at most `ratio × calls + minPerSecond × window` withdrawals. (Later, calls can fall
    /// out of the window before the retries they paid for: the bound holds at grant time.)
    @Test func neverGrantsMoreThanRatioOfCallsPlusFloor() {
        for seed in UInt64(0)..<60 {
            let random = RandomSource.seeded(seed)
            let clock = ManualClock()
            let ratio = [0.0, 0.1, 0.2, 0.5][Int(random.next() % 4)]
            let floor = [0.0, 1, 10][Int(random.next() % 3)]
            let window = Duration.seconds(Int64(1 + random.next() % 10))
            let budget = RetryBudget(ratio: ratio, minPerSecond: floor, window: window, clock: clock.asAnyClock)
            var calls = 0
            var granted = 0
            for _ in 0..<2_000 {
                switch random.next() % 10 {
                case 0..<4:
                    budget.recordCall()
                    calls += 1
                case 4..<9:
                    guard budget.tryWithdraw() else { continue }
                    granted += 1
                    // At the moment of a grant, the window holds no more than it may.
                    let snapshot = budget.snapshot
                    #expect(Double(snapshot.withdrawals) <= ratio * Double(snapshot.calls) + floor * window.inSeconds + 1e-9)
                default:
                    clock.advance(by: .milliseconds(Int64(random.next() % 1_500)))
                }
            }
            let elapsed = clock.now.offset.inSeconds
            #expect(Double(granted) <= ratio * Double(calls) + floor * (elapsed + window.inSeconds) + 1e-9,
                    "seed \(seed): \(granted) granted for \(calls) calls over \(elapsed)s")
        }
    }
}

extension Duration {
    /// The duration in seconds (for bounds in property tests).
    var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
