// Suite 6: Linkerd's "Beyond Round Robin": 10 instances, one stalls (2 s responses) for 30 s of
// a 60 s run; callers time out after 1 s. Round robin vs least latency (P2C peak EWMA) vs least
// latency with outlier detection — on the manual clock.
import BatonRuntime
import Synchronization

enum LatencyAwareRouting {
    struct Backend: Sendable {
        let clock: AnyClock
        let random: SimRandom
        let stalled: String
        let stallStart: BatonInstant = .zero.advanced(by: .seconds(10))
        let stallEnd: BatonInstant = .zero.advanced(by: .seconds(40))

        func call(_ context: CallContext) async throws -> Int {
            let now = clock.now
            let latency: Duration = context.endpoint?.url == stalled && now >= stallStart && now < stallEnd
                ? .seconds(2)
                : .milliseconds(5) + random.exponential(mean: .milliseconds(5))
            try await clock.sleep(for: latency)
            return 1
        }
    }

    struct Mode {
        var name: String
        var strategy: RoutingStrategy
        var outliers: EndpointRouter.OutlierDetection?
    }

    static func run(_ report: Report, quick: Bool) async {
        let clients = 20
        let duration: Duration = .seconds(60)
        let modes = [
            Mode(name: "round robin", strategy: .roundRobin, outliers: nil),
            Mode(name: "least latency (P2C peak EWMA)", strategy: .leastLatency, outliers: nil),
            Mode(name: "least latency + outlier detection", strategy: .leastLatency,
                 outliers: EndpointRouter.OutlierDetection(consecutiveFailures: 5, ejectFor: .seconds(30))),
        ]
        var baseline: Double?
        for mode in modes {
            let simulation = Simulation()
            let clock = simulation.anyClock
            let endpoints = (0..<10).map { Endpoint(url: "http://instance-\($0)") }
            let router = EndpointRouter(
                service: "backend", endpoints: endpoints, strategy: mode.strategy, outlierDetection: mode.outliers,
                clock: clock, random: .seeded(3))
            let backend = Backend(clock: clock, random: SimRandom(seed: 11), stalled: endpoints[3].url)
            let pipeline = ResiliencePipeline(timeout: .seconds(1), router: router, clock: clock)
            let think = SimRandom(seed: 5)
            let end = BatonInstant.zero.advanced(by: duration)
            let (latencies, successes, requests) = await simulation.run(initialAnnouncement: clients) {
                await withTaskGroup(of: (Latencies, Int, Int).self) { group in
                    for client in 0..<clients {
                        group.addTask {
                            // Thinking: parked on one sleep; calling: the call and its timeout.
                            var latencies = Latencies()
                            var successes = 0
                            var requests = 0
                            let context = CallContext(workflow: "routing", step: "read", correlationID: "client-\(client)")
                            while true {
                                try? await clock.sleep(for: think.exponential(mean: .milliseconds(20)))
                                if clock.now >= end { break }
                                simulation.announce(Simulation.sleepersPerTimedCall - 1)
                                let start = clock.now
                                requests += 1
                                if (try? await pipeline.run(context, log: AttemptLog(), backend.call)) != nil { successes += 1 }
                                latencies.record(start.duration(to: clock.now))
                                simulation.announce(1 - Simulation.sleepersPerTimedCall)
                            }
                            simulation.announce(-1)
                            return (latencies, successes, requests)
                        }
                    }
                    var all = Latencies()
                    var successes = 0
                    var requests = 0
                    for await (part, s, r) in group {
                        all.merge(part)
                        successes += s
                        requests += r
                    }
                    return (all, successes, requests)
                }
            }
            let rate = Double(successes) / Double(requests)
            let p99 = latencies.percentile(0.99)
            let p999 = latencies.percentile(0.999)
            let detail = "success \(format(rate * 100))% of \(requests), p50 \(format(latencies.percentile(0.5))) ms, p99 \(format(p99)) ms"
            if baseline == nil { baseline = p999 }
            report.add(Row(suite: "6 latency-aware routing", name: "success rate, \(mode.name)", value: rate * 100, unit: "%"))
            report.add(Row(
                suite: "6 latency-aware routing", name: "p99.9, \(mode.name)", value: p999, unit: "ms",
                ratio: baseline.map { p999 / $0 }, baseline: "round robin", detail: detail))
        }
    }
}
