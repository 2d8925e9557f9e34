import BatonRuntime
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// A durable `AsyncCallQueue` in PostgreSQL: the transactional outbox pattern.
///
/// ``enqueue(_:)`` inserts the encoded call into the outbox table and returns once it is
/// committed; ``PostgresAsyncCallDelivery`` workers on any replica deliver it. Calls survive the
/// process that queued them and the one delivering them.
public final class PostgresAsyncCallQueue: AsyncCallQueue {
    let client: PostgresClient
    let schema: PostgresSchema
    let timeout: Duration
    let logger: Logger

    /// - Parameters:
    ///   - client: A running client.
    ///   - schema: The tables (``PostgresSchema/migrate(client:logger:)`` must have run).
    ///   - operationTimeout: How long the insert may take before it fails `unavailable` (the
    ///     step is then `dropped`).
    ///   - logger: Where queue problems are logged.
    public init(
        client: PostgresClient,
        schema: PostgresSchema,
        operationTimeout: Duration = .seconds(5),
        logger: Logger = Logger(label: "baton.postgres.queue")
    ) {
        self.client = client
        self.schema = schema
        self.timeout = operationTimeout
        self.logger = logger
    }

    /// Inserts the call into the outbox.
    public func enqueue(_ call: AsyncCall) async throws {
        let table = schema.asyncCalls
        let client = self.client
        let logger = self.logger
        let input = Data(call.input)
        try await database("async enqueue", timeout: timeout) {
            try await client.query(
                """
                INSERT INTO \(unescaped: table) (workflow, step, operation, correlation_id, idempotency_key, input)
                VALUES (\(call.workflow), \(call.step), \(call.operation), \(call.correlationID), \(call.idempotencyKey), \(input))
                """,
                logger: logger
            )
        }
    }

    /// Counts of the outbox's calls by state (`pending`, `dead`).
    public func counts() async throws -> [String: Int] {
        let table = schema.asyncCalls
        let client = self.client
        let logger = self.logger
        return try await database("async counts", timeout: timeout) {
            var counts: [String: Int] = [:]
            let rows = try await client.query("SELECT state, count(*)::bigint FROM \(unescaped: table) GROUP BY state", logger: logger)
            for try await (state, count) in rows.decode((String, Int64).self) { counts[state] = Int(count) }
            return counts
        }
    }
}

/// Delivers the calls of a ``PostgresAsyncCallQueue``: a swift-service-lifecycle `Service` with a
/// fixed number of workers (the bound on calls in flight in this replica).
///
/// Each worker claims the oldest due call with `FOR UPDATE SKIP LOCKED` (so workers and replicas
/// never take the same one), holding it for `lease`, and calls it by name through the
/// orchestrators' async-call `CallRegistry` with the recorded idempotency key and a
/// `deliveryTimeout` deadline. A delivered call is deleted; a failed one is retried after an
/// exponential backoff (`backoffBase` doubling up to `backoffMax`) until `maxAttempts`, then kept
/// in the `dead` state (with its last error) for an operator. A worker that dies mid-delivery
/// leaves its call to be taken again after the lease: delivery is at least once, which the
/// idempotency key makes safe downstream.
///
/// On graceful shutdown the workers stop taking calls and finish the ones in flight (drained);
/// calls still pending stay in the table for the other replicas or the next start.
public final class PostgresAsyncCallDelivery: Service {
    /// How the delivery works.
    public struct Configuration: Sendable {
        /// Workers, and so calls in flight at most (default 4).
        public var workers: Int = 4
        /// How long a claimed call is held before another worker may take it (default 30 s);
        /// longer than `deliveryTimeout`.
        public var lease: Duration = .seconds(30)
        /// The deadline of one delivery, retries of its policy included (default 20 s).
        public var deliveryTimeout: Duration = .seconds(20)
        /// Deliveries before a call is dead (default 8).
        public var maxAttempts: Int = 8
        /// The wait after the first failed delivery (default 1 s), doubled after each.
        public var backoffBase: Duration = .seconds(1)
        /// The longest wait between deliveries (default 5 min).
        public var backoffMax: Duration = .seconds(300)
        /// How long an idle worker waits before looking again (default 100 ms).
        public var idlePoll: Duration = .milliseconds(100)

        /// The defaults.
        public init() {}
    }

    private let queue: PostgresAsyncCallQueue
    private let calls: CallRegistry
    private let configuration: Configuration
    private let logger: Logger
    private let statistics = Lock((delivered: 0, failed: 0, dead: 0))

    /// - Parameters:
    ///   - queue: The outbox.
    ///   - asyncCalls: The calls by name (`orchestrator.asyncCalls`, merged for several).
    ///   - configuration: Workers, lease, retries.
    ///   - logger: Where deliveries are logged.
    public init(
        queue: PostgresAsyncCallQueue,
        asyncCalls: CallRegistry,
        configuration: Configuration = Configuration(),
        logger: Logger = Logger(label: "baton.postgres.delivery")
    ) {
        precondition(configuration.workers >= 1, "at least one worker")
        self.queue = queue
        self.calls = asyncCalls
        self.configuration = configuration
        self.logger = logger
    }

    /// Calls delivered, failed deliveries (retried later), and calls that went dead, by this
    /// service.
    public var counts: (delivered: Int, failed: Int, dead: Int) { statistics.withLock { $0 } }

    /// Runs the workers until graceful shutdown (then drains) or cancellation.
    public func run() async throws {
        let stopping = Flag()
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<configuration.workers {
                    group.addTask { await self.work(stopping: stopping) }
                }
            }
        } onGracefulShutdown: {
            stopping.set()
        }
    }

    private func work(stopping: Flag) async {
        while !Task.isCancelled, !stopping.isSet {
            let delivered: Bool
            do {
                delivered = try await deliverOne()
            } catch {
                logger.warning("async delivery: the outbox is unreachable: \(error)")
                delivered = false
            }
            if !delivered {
                guard await pause(configuration.idlePoll) else { return }
            }
        }
    }

    /// Claims and delivers one due call; `false` when none was due. (What each worker does in a
    /// loop; tests call it directly.)
    @discardableResult
    public func deliverOne() async throws -> Bool {
        let table = queue.schema.asyncCalls
        let client = queue.client
        let logger = self.logger
        let leaseSeconds = seconds(configuration.lease)
        typealias Claimed = (id: Int64, workflow: String, step: String, operation: String, correlationID: String, key: String?, input: Data, attempts: Int32)
        let claimed: Claimed? = try await database("async claim", timeout: queue.timeout) {
            let rows = try await client.query(
                """
                UPDATE \(unescaped: table) SET attempts = attempts + 1,
                    locked_until = clock_timestamp() + \(leaseSeconds) * interval '1 second'
                WHERE id = (
                    SELECT id FROM \(unescaped: table)
                    WHERE state = 'pending' AND available_at <= clock_timestamp()
                      AND (locked_until IS NULL OR locked_until < clock_timestamp())
                    ORDER BY available_at, id LIMIT 1
                    FOR UPDATE SKIP LOCKED
                )
                RETURNING id, workflow, step, operation, correlation_id, idempotency_key, input, attempts
                """,
                logger: logger
            )
            for try await row in rows.decode((Int64, String, String, String, String, String?, Data, Int32).self) {
                return row
            }
            return nil
        }
        guard let call = claimed else { return false }
        let context = CallContext(
            workflow: call.workflow,
            step: call.step,
            deadline: Deadline.after(configuration.deliveryTimeout, clock: .continuous),
            correlationID: call.correlationID,
            idempotencyKey: call.key
        )
        do {
            try await calls.call(call.operation, input: Array(call.input), context: context)
            try await database("async delivered", timeout: queue.timeout) {
                try await client.query("DELETE FROM \(unescaped: table) WHERE id = \(call.id)", logger: logger)
            }
            statistics.withLock { $0.delivered += 1 }
        } catch let error as PostgresStoreError where error.operation == "async delivered" {
            // Delivered, but not marked: it is delivered again after the lease (at least once).
            logger.warning("async delivery: could not mark call \(call.id) delivered: \(error)")
            statistics.withLock { $0.delivered += 1 }
        } catch {
            let attempts = Int(call.attempts)
            let dead = attempts >= configuration.maxAttempts || (error as? CallRegistryError) != nil
            let exponent = min(attempts - 1, 30)
            let backoff = min(configuration.backoffBase * (1 << exponent), configuration.backoffMax)
            let message = String("\(error)".prefix(1_000))
            statistics.withLock {
                if dead { $0.dead += 1 } else { $0.failed += 1 }
            }
            logger.log(
                level: dead ? .error : .warning,
                "async delivery failed (attempt \(attempts))\(dead ? "; the call is dead" : ""): \(error)",
                metadata: ["baton.workflow": .string(call.workflow), "baton.step": .string(call.step), "baton.correlation_id": .string(call.correlationID)]
            )
            let backoffSeconds = seconds(backoff)
            try await database("async failed", timeout: queue.timeout) {
                try await client.query(
                    """
                    UPDATE \(unescaped: table) SET state = \(dead ? "dead" : "pending"), locked_until = NULL, last_error = \(message),
                        available_at = clock_timestamp() + \(backoffSeconds) * interval '1 second'
                    WHERE id = \(call.id)
                    """,
                    logger: logger
                )
            }
        }
        return true
    }
}
