// Suite 7: offered load at twice the capacity. A backend of 10 servers takes 10 ms per request
// (capacity 1,000/s) and queues the rest in FIFO order, finishing what it started even after the
// caller gave up (250 ms timeout) — so without protection the queue grows, every request times
// out and goodput collapses. With admission control and a bulkhead (as many calls in flight as
// servers, a short queue) the excess is refused at once — on the manual clock.
import BatonRuntime
import Synchronization

enum Overload {
    final class Backend: Sendable {
        let clock: AnyClock
        let service: Duration = .milliseconds(10)
        private let freeAt = Mutex<[BatonInstant]>(Array(repeating: .zero, count: 10))

        init(clock: AnyClock) { self.clock = clock }

        var capacityPerSecond: Double { 10 / (milliseconds(service) / 1000) }

        func call(_ context: CallContext) async throws -> Int {
            let now = clock.now
            let done = freeAt.withLock { freeAt in
                let server = freeAt.indices.min { freeAt[$0] < freeAt[$1] }!
                let finish = max(now, freeAt[server]).advanced(by: service)
                freeAt[server] = finish
                return finish
            }
            try await clock.sleep(until: done)
            return 1
        }
    }

    static func run(_ report: Report, quick: Bool) async {
        let duration: Duration = quick ? .seconds(5) : .seconds(20)
        for protected in [false, true] {
            let simulation = Simulation()
            let clock = simulation.anyClock
            let backend = Backend(clock: clock)
            let offered = 2 * backend.capacityPerSecond
            // At the edge: at most 20 runs in flight and 1,200/s (shed most of the excess at once);
            // at the call: as many in flight as there are servers, 10 more waiting.
            let admission = protected
                ? AdmissionController(name: "overload", rate: .perSecond(1.2 * backend.capacityPerSecond), burst: 50, maxConcurrent: 20, clock: clock)
                : nil
            let bulkhead = protected ? Bulkhead(name: "backend", maxConcurrent: 10, maxQueue: 10, clock: clock) : nil
            let pipeline = ResiliencePipeline(timeout: .milliseconds(250), bulkhead: bulkhead, clock: clock)
            let arrivals = SimRandom(seed: 9)
            let end = BatonInstant.zero.advanced(by: duration)
            let parked = Simulation.sleepersPerTimedCall
            struct Tally: Sendable {
                var latencies = Latencies()
                var succeeded = 0
                var timedOut = 0
                var rejected = 0
            }
            let tally = await simulation.run(initialAnnouncement: 1, elsewhere: { parked * (bulkhead?.queued ?? 0) }) {
                await withTaskGroup(of: (Duration?, Bool).self) { group in
                    // The arrival process: Poisson at twice the capacity.
                    var offeredCount = 0
                    while true {
                        try? await clock.sleep(for: arrivals.exponential(mean: .seconds(1) / offered))
                        if clock.now >= end { break }
                        offeredCount += 1
                        simulation.announce(parked)
                        group.addTask {
                            let start = clock.now
                            let context = CallContext(workflow: "overload", step: "call", correlationID: "c")
                            defer { simulation.announce(-parked) }
                            do {
                                if let admission {
                                    _ = try await admission.admit { try await pipeline.run(context, log: AttemptLog(), backend.call) }
                                } else {
                                    _ = try await pipeline.run(context, log: AttemptLog(), backend.call)
                                }
                                return (start.duration(to: clock.now), true)
                            } catch is OverloadedError {
                                return (nil, false)
                            } catch {
                                return (start.duration(to: clock.now), false)
                            }
                        }
                    }
                    simulation.announce(-1)
                    var tally = Tally()
                    for await (latency, ok) in group {
                        if let latency {
                            tally.latencies.record(latency)
                            if ok { tally.succeeded += 1 } else { tally.timedOut += 1 }
                        } else {
                            tally.rejected += 1
                        }
                    }
                    _ = offeredCount
                    return tally
                }
            }
            let seconds = milliseconds(duration) / 1000
            let goodput = Double(tally.succeeded) / seconds
            let share = goodput / backend.capacityPerSecond
            let p99 = tally.latencies.percentile(0.99)
            let name = protected ? "admission control + bulkhead" : "unprotected"
            report.add(Row(
                suite: "7 overload (2× capacity)", name: "goodput, \(name)", value: goodput, unit: "req/s",
                ratio: share, baseline: "capacity \(format(backend.capacityPerSecond))/s",
                target: protected ? "≥ 0.9 of capacity, bounded p99" : nil,
                met: protected ? share >= 0.9 && p99 < 250 : nil,
                detail: "p99 of admitted \(format(p99)) ms; \(tally.timedOut) timed out, \(tally.rejected) rejected"))
        }
    }
}
