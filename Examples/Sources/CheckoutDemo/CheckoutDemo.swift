import ArgumentParser
import BatonRuntime
import Checkout
import CheckoutSimulation
import Foundation
import Logging
import Metrics

/// `checkout-demo`: runs the orchestrator generated from specs/checkout.baton.yaml under load,
/// against simulated services, and reports what its policies did.
@main
struct CheckoutDemo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkout-demo",
        abstract: "Runs the checkout workflow of specs/checkout.baton.yaml under load against simulated services.",
        discussion: """
            Every service of the spec is simulated in process, with realistic latencies and no \
            failures unless you inject some. TARGET is a service (pricing), an operation \
            (pricing.quote) or an endpoint (pricing-eu, pricing-us, pricing-lite).

            Examples (Examples/README.md explains what each one shows):
              checkout-demo --fail payments=5%        retries absorb the failures
              checkout-demo --fail payments=30%       the circuit breaker opens
              checkout-demo --slow inventory=300ms    timeouts; sagas refund the charges
              checkout-demo --slow pricing=150ms@4%   a slow tail that hedging hides
              checkout-demo --fail pricing=10%        routing sheds to the lite endpoint
            """
    )

    @Option(help: "How long to send load (e.g. 5s, 1500ms).")
    var duration = DurationValue(.seconds(5))

    @Option(help: "Checkout runs started per second, whether or not earlier runs have finished.")
    var rate: Double = 200

    @OptionGroup var faultOptions: FaultOptions

    @Option(help: "How many distinct carts the runs draw from; fewer carts mean more cache hits.")
    var carts = 10_000

    @Option(help: "The share of checkouts with gift wrapping (one more step, one more compensation).")
    var giftWrap = Percentage(fraction: 0.1)

    @Option(help: ArgumentHelp(
        "At the end, write the orchestrator's metrics in Prometheus's text format (what GET /metrics would serve) to PATH.",
        valueName: "PATH"))
    var metricsFile: String?

    func validate() throws {
        guard duration.duration > .zero else { throw ValidationError("--duration must be longer than zero") }
        guard rate > 0, rate <= 100_000 else { throw ValidationError("--rate must be between 0 and 100000 runs per second") }
        guard carts > 0 else { throw ValidationError("--carts must be at least 1") }
    }

    func run() async throws {
        let faults = faultOptions.plan
        let services = SimulatedCheckoutServices(faults: faults)
        let console = Console()
        let start = ContinuousClock.now
        let metrics = DemoMetrics(start: start)
        // The same metrics in Prometheus's format, with a histogram bucket at every SLO threshold.
        let prometheus = PrometheusMetrics()

        // Telemetry goes to the demo's own backends; everything else keeps its production default
        // (the real clock, system randomness, the standard error classifier).
        let telemetry = Telemetry(
            logger: Logger(label: "baton") { _ in EventLogHandler(console: console, start: start) },
            metricsFactory: MultiplexMetricsHandler(factories: [metrics, prometheus.factory])
        )
        let orchestrator = services.makeOrchestrator(options: OrchestratorOptions(telemetry: telemetry))

        let endpoints = orchestrator.routingSnapshots.values.sorted(by: { $0.service < $1.service })
            .flatMap { $0.endpoints.map(\.endpoint) }
        try faultOptions.checkTargets(services: services, endpoints: endpoints)

        let load = LoadGenerator(
            rate: rate, duration: duration.duration, carts: carts, giftWrapShare: giftWrap.fraction)
        let statistics = RunStatistics()
        console.line(Summary.header(load: load, faults: faults))

        // The progress line, redrawn until the load is done.
        let progress = Task {
            let interval: Duration = console.isTerminal ? .milliseconds(200) : .seconds(1)
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                let elapsed = start.duration(to: .now)
                console.progress(Summary.progressLine(statistics.progress(at: elapsed), elapsed: elapsed, of: load.duration))
            }
        }
        await load.run(orchestrator, recordingInto: statistics)
        progress.cancel()
        _ = await progress.value
        let elapsed = start.duration(to: .now)
        console.progress(Summary.progressLine(statistics.progress(at: elapsed), elapsed: elapsed, of: load.duration))
        console.endProgress()

        // Let the background receipts (`mode: async`) finish before reading the counters. At high
        // rates the queue holds many: the mail service works through them four at a time.
        console.line("Waiting for the queued receipts (mode: async) to be sent…")
        await orchestrator.shutdown()

        let summary = Summary(
            runs: statistics.snapshot,
            metrics: metrics,
            services: services.all,
            routing: orchestrator.routingSnapshots
        )
        print(summary.render())
        if let metricsFile {
            try prometheus.exposition().write(toFile: metricsFile, atomically: true, encoding: .utf8)
        }

        // The generated orchestrator throws only `WorkflowError` and `OverloadedError`; anything
        // else is a bug worth a non-zero exit status (CI runs this demo).
        if let error = statistics.snapshot.firstUnexpectedError {
            throw DemoError.unexpected(error)
        }
    }

    /// A failure of the demo itself.
    enum DemoError: Error, CustomStringConvertible {
        case unexpected(String)

        var description: String {
            switch self {
            case .unexpected(let error): "a run ended with an error the orchestrator should not throw: \(error)"
            }
        }
    }
}
