import BatonRuntime
import Checkout
import CheckoutSimulation

/// Starts checkout runs at a steady rate for a while and records how each one ended.
///
/// The load is open-loop: a run starts on schedule whether or not earlier runs have finished, as
/// customers arrive regardless of how slow the shop is. (A closed loop — N workers, each starting
/// a run when its last one ends — slows down with the system under test and so hides the very
/// latency spikes a demo of timeouts and hedging should show.)
struct LoadGenerator {
    /// Runs started per second.
    var rate: Double
    /// How long to keep starting runs; runs still going at the end are waited for.
    var duration: Duration
    /// How many distinct carts the runs draw from (`cart-0` … `cart-N-1`).
    var carts: Int
    /// The share of runs that ask for gift wrapping.
    var giftWrapShare: Double

    /// Starts the runs, calling `orchestrator.checkout` for each, and returns once every run has
    /// ended.
    func run(_ orchestrator: CheckoutOrchestrator, recordingInto statistics: RunStatistics) async {
        let clock = ContinuousClock()
        let start = clock.now
        await withDiscardingTaskGroup { group in
            var started = 0
            while true {
                // Run number `started` is due at start + started / rate. When a sleep overslept, the
                // runs that fell due meanwhile start right away, one after the other.
                let due = start + .seconds(Double(started) / rate)
                if due >= start + duration { break }
                try? await clock.sleep(until: due)
                let request = makeRequest(number: started)
                statistics.recordStart()
                group.addTask {
                    let ending: RunEnding
                    do {
                        let result = try await orchestrator.checkout(request)
                        ending = .succeeded(result.report)
                    } catch let error as WorkflowError {
                        ending = .failed(error)
                    } catch let error as OverloadedError {
                        ending = .rejected(error)
                    } catch {
                        ending = .unexpected(error)
                    }
                    // Latency counts from when the run was due, not from when its task got to run, so
                    // a backlog in this process counts too, as it would for a real customer.
                    let end = clock.now
                    statistics.record(ending, latency: due.duration(to: end), endedAt: start.duration(to: end))
                }
                started += 1
            }
        }
    }

    /// The input of run number `number`: its own order, a cart from the pool, and gift wrapping
    /// for some.
    private func makeRequest(number: Int) -> CheckoutRequest {
        CheckoutRequest(
            cartId: "cart-\(Int.random(in: 0..<carts))",
            orderId: "order-\(number)",
            giftWrap: Double.random(in: 0..<1) < giftWrapShare
        )
    }
}
