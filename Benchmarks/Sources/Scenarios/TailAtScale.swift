// Suite 4: "The Tail at Scale" (Dean & Barroso, 2013): a backend with a 1% slow tail, without
// hedging, hedging after a fixed 10 ms, and hedging at the observed p95 — on the manual clock.
import BatonRuntime
import Synchronization

enum TailAtScale {
    /// 99%: 2 ms + exponential (mean 1.5 ms); 1%: 0.5-2 s (a GC pause, a busy disk, a queue).
    final class Backend: Sendable {
        let clock: AnyClock
        let random: SimRandom
        let calls = Atomic<Int>(0)

        init(clock: AnyClock, random: SimRandom) {
            self.clock = clock
            self.random = random
        }

        func call(_ context: CallContext) async throws -> Int {
            calls.add(1, ordering: .relaxed)
            let latency = random.unit() < 0.01
                ? random.uniform(.milliseconds(500), .milliseconds(2000))
                : .milliseconds(2) + random.exponential(mean: .microseconds(1500))
            try await clock.sleep(for: latency)
            return context.attempt
        }
    }

    struct Mode {
        var name: String
        var hedge: HedgePolicy.Delay?
    }

    static func run(_ report: Report, quick: Bool) async {
        let requests = quick ? 20_000 : 100_000
        let modes = [Mode(name: "no hedging", hedge: nil), Mode(name: "hedge after 10 ms", hedge: .fixed(.milliseconds(10))),
                     Mode(name: "hedge at p95", hedge: .percentile(0.95))]
        var baseline: Double?
        for mode in modes {
            let simulation = Simulation()
            let clock = simulation.anyClock
            let backend = Backend(clock: clock, random: SimRandom(seed: 42))
            let hedging = mode.hedge.map { delay in
                Hedging(HedgePolicy(delay: delay, maxAttempts: 2), service: "backend", estimator: LatencyEstimator(clock: clock))
            }
            // Hedges are not limited by a retry budget here (the point is the extra calls they cost).
            let pipeline = ResiliencePipeline(retry: RetryPolicy(maxAttempts: 1, budget: nil), hedging: hedging, clock: clock)
            let context = CallContext(workflow: "tail", step: "read", correlationID: "c")
            let latencies = await simulation.run {
                var latencies = Latencies()
                for _ in 0..<requests {
                    // The request parks on its call and, when a hedge is due, the hedge timer; a
                    // fired timer is replaced by the hedge's call.
                    let parked = hedging?.currentDelay() == nil ? 1 : 2
                    simulation.announce(parked)
                    let start = clock.now
                    _ = try! await pipeline.run(context, log: AttemptLog(), backend.call)
                    latencies.record(start.duration(to: clock.now))
                    simulation.announce(-parked)
                }
                return latencies
            }
            let extra = Double(backend.calls.load(ordering: .relaxed) - requests) / Double(requests)
            let p999 = latencies.percentile(0.999)
            let detail = "p50 \(format(latencies.percentile(0.5))) ms, p99 \(format(latencies.percentile(0.99))) ms, extra calls \(format(extra * 100))%"
            if let base = baseline {
                let reduction = base / p999
                report.add(Row(
                    suite: "4 tail at scale", name: "p99.9, \(mode.name)", value: p999, unit: "ms", ratio: p999 / base,
                    baseline: "no hedging", target: "p99.9 ÷ ≥ 10 for ≤ 5% extra calls", met: reduction >= 10 && extra <= 0.05,
                    detail: detail + ", p99.9 cut \(format(reduction))×"))
            } else {
                baseline = p999
                report.add(Row(suite: "4 tail at scale", name: "p99.9, \(mode.name)", value: p999, unit: "ms", detail: detail))
            }
        }
    }
}
