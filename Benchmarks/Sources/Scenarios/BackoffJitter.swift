// Suite 5: "Exponential Backoff And Jitter" (Brooker): 100 clients contend for one resource
// with optimistic concurrency; each needs one successful write. Total calls and the time until
// the last client is done, per jitter mode, with the retry budget on and off — on the manual clock.
import BatonRuntime
import Synchronization

enum BackoffJitter {
    /// A write takes `window`; it fails when another write overlaps it (both fail).
    final class Resource: Sendable {
        let clock: AnyClock
        let window: Duration = .milliseconds(1)
        private let starts = Mutex<[BatonInstant]>([])
        let calls = Atomic<Int>(0)

        init(clock: AnyClock) { self.clock = clock }

        func write(_ context: CallContext) async throws -> Bool {
            calls.add(1, ordering: .relaxed)
            let start = clock.now
            starts.withLock { $0.append(start) }
            try await clock.sleep(for: window)
            let window = self.window
            let overlapping = starts.withLock { starts in
                // Forget writes that can no longer overlap anything.
                starts.removeAll { $0.duration(to: start) >= window }
                return starts.filter { abs(milliseconds($0.duration(to: start))) < milliseconds(window) }.count
            }
            if overlapping > 1 { throw SimulatedFailure() }
            return true
        }
    }

    static func run(_ report: Report, quick: Bool) async {
        let clients = 100
        var baseline: Double?
        var rows: [(String, Double, Double, Int)] = []
        for budgetOn in [false, true] {
            for jitter in [Jitter.none, .equal, .full, .decorrelated] {
                let simulation = Simulation()
                let clock = simulation.anyClock
                let resource = Resource(clock: clock)
                let retry = RetryPolicy(
                    maxAttempts: 50, backoff: Backoff(initial: .milliseconds(2), max: .seconds(2), multiplier: 2, jitter: jitter),
                    retryOn: [.transient], budget: budgetOn ? RetryBudget.Configuration() : nil)
                let pipeline = ResiliencePipeline(
                    retry: retry, retryBudget: budgetOn ? RetryBudget(clock: clock) : nil, clock: clock,
                    random: .seeded(42))
                let outcome = await simulation.run(initialAnnouncement: clients) {
                    await withTaskGroup(of: (Bool, BatonInstant).self) { group in
                        for client in 0..<clients {
                            group.addTask {
                                // Every client is always parked on exactly one sleep: its write or its backoff.
                                let context = CallContext(workflow: "jitter", step: "write", correlationID: "client-\(client)")
                                let ok = (try? await pipeline.run(context, log: AttemptLog(), resource.write)) ?? false
                                let finished = clock.now
                                simulation.announce(-1)
                                return (ok, finished)
                            }
                        }
                        var succeeded = 0
                        var last = BatonInstant.zero
                        for await (ok, finished) in group {
                            if ok { succeeded += 1 }
                            last = max(last, finished)
                        }
                        return (succeeded, last)
                    }
                }
                let calls = Double(resource.calls.load(ordering: .relaxed))
                let completion = milliseconds(outcome.1.offset)
                rows.append(("\(jitter.rawValue) jitter, budget \(budgetOn ? "on" : "off")", calls, completion, outcome.0))
                if !budgetOn && jitter == .full { baseline = calls }
            }
        }
        for (name, calls, completion, succeeded) in rows {
            report.add(Row(
                suite: "5 backoff and jitter", name: name, value: calls, unit: "calls",
                ratio: baseline.map { calls / $0 }, baseline: "full jitter, budget off",
                detail: "\(succeeded)/\(clients) clients succeeded, last done at \(format(completion)) ms"))
        }
    }
}
