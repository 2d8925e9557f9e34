import BatonRuntime
import BatonTesting
import Testing

/// The figure for hedging: a service whose calls take 8–12 ms, except 1 % that take
/// 200 ms. Hedging at p95 (with the service's own estimator) brings p99 within twice the median
/// (measured: 1.2×) and p99.9 from 200 ms to about 23 ms, for about 1.3 % extra calls. Sequential calls on the manual clock; every step of the
/// clock waits on a sleeper barrier.
@Suite(.timeLimit(.minutes(1))) struct HedgingFiguresTests {
    static func percentile(_ sorted: [Duration], _ quantile: Double) -> Duration {
        sorted[min(sorted.count - 1, Int((quantile * Double(sorted.count)).rounded(.up)) - 1)]
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    @Test func hedgingAtP95TamesAOnePercentSlowTail() async throws {
        let random = RandomSource.seeded(2024)
        // Odd microseconds: never equal to a bucket boundary (the hedge delay), so the order of
        // the attempt's end and the timer is never a tie.
        let latencies: [Duration] = (0..<10_000).map { _ in
            random.next() % 100 == 0 ? .microseconds(200_001) : .microseconds(8_001 + 2 * Int64(random.next() % 2_000))
        }
        let clock = ManualClock()
        let hedging = Hedging(HedgePolicy(delay: .percentile(0.95)), service: "pricing", estimator: LatencyEstimator(clock: clock.asAnyClock), telemetry: .disabled)
        let pipeline = ResiliencePipeline(hedging: hedging, clock: clock.asAnyClock)
        let downstream = EndpointDownstream(clock: clock) { _, index in .succeed(index, after: latencies[index]) }
        let context = CallContext(workflow: "w", step: "s", correlationID: "c")

        let warmUp = 200
        let measured = 3_000
        var next = 0  // the index of the next attempt
        var callLatencies: [Duration] = []
        var unhedged: [Duration] = []
        for call in 0..<(warmUp + measured) {
            let delay = hedging.currentDelay()
            let first = latencies[next]
            let start = clock.now
            let task = Task { try await pipeline.run(context, log: AttemptLog(), downstream.call) }
            if let delay, first > delay {
                try await clock.waitForSleepers(count: 2)  // the attempt and the timer
                clock.advance(by: delay)
                try await clock.waitForSleepers(count: 2)  // the attempt and the hedge
                let hedge = latencies[next + 1]
                clock.advance(to: start.advanced(by: min(first, delay + hedge)))
                next += 2
            } else {
                try await clock.waitForSleepers(count: delay == nil ? 1 : 2)
                clock.advance(by: first)
                next += 1
            }
            _ = try await task.value
            if call >= warmUp {
                callLatencies.append(start.duration(to: clock.now))
                unhedged.append(first)
            }
        }
        callLatencies.sort()
        unhedged.sort()
        let median = Self.milliseconds(Self.percentile(callLatencies, 0.5))
        let p99 = Self.milliseconds(Self.percentile(callLatencies, 0.99))
        let p999 = Self.milliseconds(Self.percentile(callLatencies, 0.999))
        let unhedgedP999 = Self.milliseconds(Self.percentile(unhedged, 0.999))
        let extra = Double(hedging.hedgesSent) / Double(warmUp + measured)
        print("""
            hedge at p95, 1% of calls 200 ms, \(measured) calls: median \(median) ms, p99 \(p99) ms (\(p99 / median)× median), \
            p99.9 \(p999) ms (unhedged p99.9 \(unhedgedP999) ms); hedges \(hedging.hedgesSent) (\(extra * 100)% extra calls), \
            won \(hedging.hedgesWon)
            """)
        #expect(p99 <= 2 * median, "the issue's figure: p99 within twice the median")
        #expect(p999 < unhedgedP999 / 4)
        #expect(extra <= 0.05)
        #expect(clock.sleeperCount == 0)
    }
}
