import AsyncHTTPClient
import BatonHTTP
import BatonHummingbird
import BatonPostgres
import BatonRuntime
import CheckoutHTTP
import CheckoutSimulation
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime
import ServiceLifecycle
import Synchronization
import UnixSignals

/// checkout-server, wired: the orchestrator generated from the HTTP-bound checkout spec, serving
/// `POST /v1/checkout` and `GET /metrics` on Hummingbird, calling each downstream service through
/// its generated HTTP client (AsyncHTTPClient) at a Hummingbird server of its own on loopback.
/// With a PostgreSQL URL, the state replicas must share lives in that database (BatonPostgres):
/// idempotency, the saga journal (and recovery of other replicas' runs), the durable queue of the
/// receipt (`mode: async`) and cache invalidation. ``makeServiceGroup(gracefulShutdownSignals:)``
/// runs it all.
final class CheckoutServerApp: Sendable {
    /// What the command line sets.
    struct Configuration: Sendable {
        /// The address the checkout server listens on.
        var host = "127.0.0.1"
        /// Its port; 0 picks a free one.
        var port = 8080
        /// The injected faults (`--fail`, `--slow`).
        var faults = FaultPlan()
        /// Where the request log and the lifecycle messages go.
        var logger = Logger(label: "checkout-server")
        /// The PostgreSQL database replicas share (`--postgres`); nil keeps that state in memory.
        var postgresURL: String?
    }

    /// The host of the base URL of a service without endpoints, as derive-checkout-http-spec.py
    /// writes it.
    static func baseHost(of service: String) -> String { "\(service).checkout.invalid" }

    let configuration: Configuration
    /// The simulated services behind the downstream servers.
    let services: SimulatedCheckoutServices
    /// The generated orchestrator, calling the downstream servers over HTTP.
    let orchestrator: CheckoutOrchestrator
    /// Its metrics, served at `/metrics`.
    let prometheus: PrometheusMetrics
    /// Where each downstream server listens.
    let ports: LoopbackPorts
    /// The client the generated HTTP clients send with.
    let httpClient: HTTPClient
    /// The shared state on PostgreSQL, with `--postgres`.
    let replicas: PostgresReplicas?
    private let listening = Mutex<(port: Int?, waiting: [CheckedContinuation<Int, Never>])>((nil, []))

    init(configuration: Configuration) throws {
        self.configuration = configuration
        services = SimulatedCheckoutServices(faults: configuration.faults)
        // The one line that gives the workflow histogram a bucket at every SLO threshold.
        prometheus = PrometheusMetrics(durationHistogramBuckets: CheckoutOrchestrator.durationHistogramBuckets)

        // Up to maxConcurrent (200) runs at once, each with a call or two in flight per service:
        // AsyncHTTPClient's default of 8 connections per host would queue them.
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 512)
        httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        let transport = AsyncHTTPClientTransport(configuration: .init(client: httpClient, timeout: .seconds(10)))

        var batonLogger = configuration.logger
        batonLogger.logLevel = .warning
        var options = OrchestratorOptions(telemetry: Telemetry(logger: batonLogger, metricsFactory: prometheus.factory))
        replicas = try configuration.postgresURL.map { try PostgresReplicas(url: $0, logger: batonLogger) }
        if let replicas { options = replicas.options(options) }

        let ports = LoopbackPorts()
        self.ports = ports
        let middlewares: [any ClientMiddleware] = [LoopbackMiddleware(ports: ports)]
        orchestrator = CheckoutOrchestrator(
            cart: CartHTTPClient(transport: transport, middlewares: middlewares),
            pricing: PricingHTTPClient(transport: transport, middlewares: middlewares),
            inventory: InventoryHTTPClient(transport: transport, middlewares: middlewares),
            payments: PaymentsHTTPClient(transport: transport, middlewares: middlewares),
            mail: MailHTTPClient(transport: transport, middlewares: middlewares),
            wrapping: WrappingHTTPClient(transport: transport, middlewares: middlewares),
            options: options
        )
        ports.expect(downstreamServers().map(\.host))
    }

    /// One server per simulated service, or per endpoint of a routed service (pricing).
    func downstreamServers() -> [DownstreamServer] {
        let routed = Dictionary(
            uniqueKeysWithValues: orchestrator.routingSnapshots.values.map { ($0.service, $0.endpoints.map(\.endpoint)) })
        return DownstreamServer.all(services: services, endpoints: routed, baseHost: Self.baseHost)
    }

    /// The endpoints of the routed services (pricing's three).
    var endpoints: [Endpoint] {
        orchestrator.routingSnapshots.values.sorted(by: { $0.service < $1.service }).flatMap { $0.endpoints.map(\.endpoint) }
    }

    /// Creates BatonPostgres's tables when they are missing (with `--postgres`; idempotent).
    func migrateDatabase() async throws {
        guard let url = configuration.postgresURL, let replicas else { return }
        try await PostgresReplicas.migrate(url: url, tablePrefix: replicas.configuration.tablePrefix)
    }

    /// The port the checkout server listens on, once it does.
    func listeningPort() async -> Int {
        await withCheckedContinuation { continuation in
            let port: Int? = listening.withLock { state in
                if let port = state.port { return port }
                state.waiting.append(continuation)
                return nil
            }
            if let port { continuation.resume(returning: port) }
        }
    }

    private func listens(on port: Int) {
        let waiting = listening.withLock { state in
            state.port = port
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume(returning: port) }
    }

    /// The checkout server's routes: the workflow routes of the generated orchestrator, `/metrics`,
    /// and one log line per request.
    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: RequestLogMiddleware(logger: configuration.logger))
        router.addWorkflowRoutes(orchestrator.httpRoutes())
        let prometheus = self.prometheus
        router.get("/metrics") { _, _ -> Response in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: prometheus.exposition()))
            )
        }
        return router
    }

    /// Every part as a service of one group, in start order; a graceful shutdown (on one of
    /// `gracefulShutdownSignals`, or ``ServiceGroup/triggerGracefulShutdown()``) stops them in
    /// reverse: the checkout server drains its in-flight requests, the orchestrator its async
    /// queue, then (with `--postgres`) the durable queue's delivery drains and saga recovery and
    /// the database client stop, then the HTTP client and the downstream servers.
    func makeServiceGroup(gracefulShutdownSignals: [UnixSignal]) -> ServiceGroup {
        // Hummingbird's own start-up lines are noise here: 9 servers each say they started.
        var quiet = configuration.logger
        quiet.logLevel = .warning

        var services: [any Service] = []
        for server in downstreamServers() {
            let host = server.host
            let ports = self.ports
            services.append(
                Application(
                    router: server.router,
                    configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                    onServerRunning: { channel in ports.register(host: host, port: channel.localAddress?.port ?? 0) },
                    logger: quiet
                ))
        }
        services.append(HTTPClientService(client: httpClient))
        if let replicas {
            // After the HTTP client: delivering the queued receipts and recovering abandoned runs'
            // compensations are calls to the downstream servers.
            services += replicas.services(compensations: orchestrator.compensations, asyncCalls: orchestrator.asyncCalls)
        }
        services.append(OrchestratorService(orchestrator: orchestrator))

        let logger = configuration.logger
        let host = configuration.host
        services.append(
            Application(
                router: makeRouter(),
                configuration: .init(address: .hostname(host, port: configuration.port)),
                onServerRunning: { [self] channel in
                    let port = channel.localAddress?.port ?? 0
                    logger.info("checkout-server listening on http://\(host):\(port) (POST /v1/checkout, GET /metrics)")
                    listens(on: port)
                },
                logger: quiet
            ))
        var group = ServiceGroupConfiguration(
            services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
            gracefulShutdownSignals: gracefulShutdownSignals,
            logger: quiet
        )
        // Runs end by their deadline (800ms) and receipts are short calls: a drain that takes
        // longer than this is stuck, and the group cancels what is left.
        group.maximumGracefulShutdownDuration = .seconds(30)
        return ServiceGroup(configuration: group)
    }
}
