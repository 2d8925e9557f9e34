import ArgumentParser
import CheckoutSimulation
import Logging
import UnixSignals

/// `checkout-server`: serves the checkout workflow of specs/checkout.baton.yaml over HTTP, with
/// every downstream service a simulated one behind a real HTTP server on loopback.
@main
struct CheckoutServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkout-server",
        abstract: "Serves the checkout workflow of specs/checkout.baton.yaml at POST /v1/checkout, with Prometheus metrics at /metrics.",
        discussion: """
            Every service of the spec is simulated (the latencies of checkout-demo) behind an HTTP \
            server of its own on 127.0.0.1, called through the generated HTTP clients. TARGET is \
            a service (pricing), an operation (pricing.quote) or an endpoint (pricing-eu, \
            pricing-us, pricing-lite). SIGINT or SIGTERM shut it down gracefully: in-flight runs \
            finish, queued receipts (mode: async) are sent. With --postgres, idempotency, the saga \
            journal, the receipt queue and cache invalidation live in PostgreSQL, shared by every \
            replica started with the same URL (the tables are created when missing). \
            Examples/README.md has curl examples.
            """
    )

    @Option(help: "The port to listen on (0: any free port).")
    var port = 8080

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: ArgumentHelp("Share state with other replicas in this PostgreSQL database.", valueName: "URL"))
    var postgres: String?

    @OptionGroup var faultOptions: FaultOptions

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
    }

    func run() async throws {
        var logger = Logger(label: "checkout-server") { StreamLogHandler.standardOutput(label: $0) }
        logger.logLevel = .info
        let app = try CheckoutServerApp(
            configuration: .init(host: host, port: port, faults: faultOptions.plan, logger: logger, postgresURL: postgres))
        try faultOptions.checkTargets(services: app.services, endpoints: app.endpoints)
        try await app.migrateDatabase()
        try await app.makeServiceGroup(gracefulShutdownSignals: [.sigterm, .sigint]).run()
        logger.info("checkout-server stopped: in-flight runs finished, async queue drained")
    }
}
