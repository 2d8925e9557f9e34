import BatonRuntime
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// Everything several replicas share, from one PostgreSQL URL: the idempotency store, the saga
/// journal, the durable async queue and the cache invalidation bus, plus the services that run
/// them (the client, the invalidation listener, saga recovery, async delivery).
///
/// ```swift
/// let replicas = try PostgresReplicas(url: "postgres://baton@db:5432/baton")
/// try await PostgresReplicas.migrate(url: "postgres://baton@db:5432/baton")   // once; idempotent
/// let orchestrator = CheckoutOrchestrator(..., options: replicas.options(OrchestratorOptions()))
/// let group = ServiceGroup(
///     services: replicas.services(compensations: orchestrator.compensations, asyncCalls: orchestrator.asyncCalls) + [server],
///     gracefulShutdownSignals: [.sigterm, .sigint],
///     logger: logger
/// )
/// try await group.run()
/// ```
///
/// What stays per replica (breakers, limiters, caches) and why: the runtime guide's "Running
/// several replicas".
public final class PostgresReplicas: Sendable {
    /// Tables, leases, intervals and workers.
    public struct Configuration: Sendable {
        /// The prefix of every table and the channel (default `baton_`).
        public var tablePrefix = "baton_"
        /// How long an idempotency claim outlives its process (default 30 s).
        public var idempotencyLease: Duration = .seconds(30)
        /// How often a duplicate checks the running execution (default 20 ms).
        public var idempotencyPollInterval: Duration = .milliseconds(20)
        /// How long a run stays with its owner after its last record (default 60 s).
        public var sagaLease: Duration = .seconds(60)
        /// How often recovery looks for runs whose owner died (default 5 s).
        public var recoveryInterval: Duration = .seconds(5)
        /// The budget of each compensation run by recovery (default 30 s).
        public var compensationTimeout: Duration = .seconds(30)
        /// Workers, lease, retries and backoff of async delivery.
        public var delivery = PostgresAsyncCallDelivery.Configuration()
        /// How long one statement may take before the call fails `unavailable` (default 5 s).
        public var operationTimeout: Duration = .seconds(5)
        /// The client's connection pool size (default 20).
        public var maximumConnections = 20

        /// The defaults.
        public init() {}
    }

    /// The client every store uses (run by ``services(compensations:asyncCalls:)``).
    public let client: PostgresClient
    /// The tables.
    public let schema: PostgresSchema
    /// The shared idempotency store.
    public let idempotencyStore: PostgresIdempotencyStore
    /// The shared saga journal.
    public let sagaJournal: PostgresSagaJournal
    /// The durable async queue.
    public let asyncCallQueue: PostgresAsyncCallQueue
    /// The invalidation bus.
    public let invalidationBus: PostgresInvalidationBus
    /// The configuration.
    public let configuration: Configuration
    private let logger: Logger

    /// Connects (lazily) to the database at `url`.
    ///
    /// - Parameters:
    ///   - url: `postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require]`.
    ///   - configuration: Tables, leases, intervals, workers.
    ///   - logger: Where the stores and services log.
    /// - Throws: ``PostgresStoreError`` (`permanent`) for a malformed URL or table prefix.
    public convenience init(url: String, configuration: Configuration = Configuration(), logger: Logger = Logger(label: "baton.postgres")) throws {
        var clientConfiguration = try Self.clientConfiguration(url: url)
        clientConfiguration.options.maximumConnections = configuration.maximumConnections
        let client = PostgresClient(configuration: clientConfiguration, backgroundLogger: logger)
        try self.init(client: client, configuration: configuration, logger: logger)
    }

    /// Uses `client` (which ``services(compensations:asyncCalls:)`` runs).
    public init(client: PostgresClient, configuration: Configuration = Configuration(), logger: Logger = Logger(label: "baton.postgres")) throws {
        let schema = try PostgresSchema(prefix: configuration.tablePrefix)
        self.client = client
        self.schema = schema
        self.configuration = configuration
        self.logger = logger
        idempotencyStore = PostgresIdempotencyStore(
            client: client, schema: schema, lease: configuration.idempotencyLease,
            pollInterval: configuration.idempotencyPollInterval, operationTimeout: configuration.operationTimeout, logger: logger
        )
        sagaJournal = PostgresSagaJournal(client: client, schema: schema, lease: configuration.sagaLease, operationTimeout: configuration.operationTimeout, logger: logger)
        asyncCallQueue = PostgresAsyncCallQueue(client: client, schema: schema, operationTimeout: configuration.operationTimeout, logger: logger)
        invalidationBus = PostgresInvalidationBus(client: client, schema: schema, operationTimeout: configuration.operationTimeout, logger: logger)
    }

    /// `base` with the four shared pieces: idempotency store, saga journal, async call queue and
    /// invalidation bus.
    public func options(_ base: OrchestratorOptions = OrchestratorOptions()) -> OrchestratorOptions {
        var options = base
        options.idempotencyStore = idempotencyStore
        options.sagaJournal = sagaJournal
        options.asyncCallQueue = asyncCallQueue
        options.invalidationBus = invalidationBus
        return options
    }

    /// The services to run in a `ServiceGroup`, in start order (shut down in reverse): the client,
    /// the invalidation listener, saga recovery and async delivery (which drains on shutdown).
    ///
    /// - Parameters:
    ///   - compensations: The orchestrators' compensations (`orchestrator.compensations`; merge
    ///     several with `CallRegistry.merging(_:)`).
    ///   - asyncCalls: The orchestrators' async calls (`orchestrator.asyncCalls`).
    public func services(compensations: CallRegistry, asyncCalls: CallRegistry) -> [any Service] {
        [
            client,
            invalidationBus,
            PostgresSagaRecovery(
                journal: sagaJournal, compensations: compensations, interval: configuration.recoveryInterval,
                compensationTimeout: configuration.compensationTimeout, idempotencyStore: idempotencyStore, logger: logger
            ),
            PostgresAsyncCallDelivery(queue: asyncCallQueue, asyncCalls: asyncCalls, configuration: configuration.delivery, logger: logger),
        ]
    }

    /// Creates the tables (idempotent) through ``client``, which must be running.
    public func migrate() async throws {
        try await schema.migrate(client: client, logger: logger)
    }

    /// Creates the tables at `url` (idempotent) with a client of its own: call it before the
    /// services run (at start-up or from a deployment step).
    public static func migrate(url: String, tablePrefix: String = "baton_", logger: Logger = Logger(label: "baton.postgres")) async throws {
        let schema = try PostgresSchema(prefix: tablePrefix)
        let client = PostgresClient(configuration: try clientConfiguration(url: url), backgroundLogger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await schema.migrate(client: client, logger: logger)
        }
    }

    /// A postgres-nio configuration from a `postgres://` URL.
    public static func clientConfiguration(url: String) throws -> PostgresClient.Configuration {
        func invalid(_ why: String) -> PostgresStoreError {
            PostgresStoreError(errorClass: .permanent, operation: "configuration", message: "invalid PostgreSQL URL: \(why)")
        }
        guard let components = URLComponents(string: url), let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw invalid("expected postgres://user@host:port/database")
        }
        guard let host = components.host, !host.isEmpty else { throw invalid("no host") }
        guard let user = components.user, !user.isEmpty else { throw invalid("no user") }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let mode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        let tls: PostgresClient.Configuration.TLS
        switch mode {
        case "disable": tls = .disable
        case "prefer", "allow": tls = .prefer(.makeClientConfiguration())
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        default: throw invalid("unknown sslmode '\(mode)'")
        }
        return PostgresClient.Configuration(
            host: host,
            port: components.port ?? 5432,
            username: user.removingPercentEncoding ?? user,
            password: components.password?.removingPercentEncoding,
            database: database.isEmpty ? nil : database,
            tls: tls
        )
    }
}
