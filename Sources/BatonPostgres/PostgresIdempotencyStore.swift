import BatonRuntime
import Foundation
import Logging
import PostgresNIO

/// An outcome stored under a key could not be used.
public enum PostgresIdempotencyError: Error, ClassifiedError, CustomStringConvertible, Equatable {
    /// The stored result of `key` does not decode as the call's value (written by another
    /// version, or damaged). The call is not executed again: ``PostgresIdempotencyStore/forget(_:)``
    /// the key once it was checked.
    case corruptedResult(key: String, reason: String)
    /// The execution this call waited for, in another process, failed.
    case failedElsewhere(key: String, errorClass: ErrorClass, message: String)

    /// `corruptedResult` is permanent; `failedElsewhere` has the failure's class.
    public var errorClass: ErrorClass {
        switch self {
        case .corruptedResult: .permanent
        case .failedElsewhere(_, let errorClass, _): errorClass
        }
    }

    public var description: String {
        switch self {
        case .corruptedResult(let key, let reason): "the stored result of idempotency key \(key) does not decode: \(reason)"
        case .failedElsewhere(let key, let errorClass, let message): "the execution of idempotency key \(key) in another process failed (\(errorClass)): \(message)"
        }
    }
}

/// An `IdempotencyStore` shared by every replica through a PostgreSQL table.
///
/// - A call claims its key with `INSERT … ON CONFLICT`: among concurrent duplicates on any
///   replicas, one executes; the others poll the row (every `pollInterval`, bounded by their
///   `Deadline.current`) until it holds the outcome.
/// - A success is stored as bytes (JSON of the value) for the TTL and returned to duplicates; a
///   stored result that no longer decodes is ``PostgresIdempotencyError/corruptedResult(key:reason:)``.
/// - A failure is not remembered: the duplicates waiting for it get
///   ``PostgresIdempotencyError/failedElsewhere(key:errorClass:message:)``, a later duplicate
///   executes again. A call given up by its caller (cancelled, timed out) releases the key.
/// - A claim carries a lease (`lease`): when its process died, the next duplicate after the lease
///   takes the key over and executes, so a crash never blocks a key forever. The lease must be
///   longer than the longest execution.
/// - Values must be `Codable` (every generated output is) or `Void`; others are executed without
///   deduplication across processes.
/// - When the database is unreachable the call fails with ``PostgresStoreError`` (`unavailable`)
///   without executing: a write is never made without its key being held.
public final class PostgresIdempotencyStore: IdempotencyStore {
    private let client: PostgresClient
    private let schema: PostgresSchema
    private let lease: Duration
    private let pollInterval: Duration
    private let timeout: Duration
    private let logger: Logger
    private let owner = makeOwnerID()

    /// - Parameters:
    ///   - client: A running client.
    ///   - schema: The tables (``PostgresSchema/migrate(client:logger:)`` must have run).
    ///   - lease: How long a claim holds a key without its process (default 30 s).
    ///   - pollInterval: How often a duplicate checks the running execution (default 20 ms).
    ///   - operationTimeout: How long one statement may take before the call fails `unavailable`
    ///     (default 5 s).
    ///   - logger: Where store problems are logged.
    public init(
        client: PostgresClient,
        schema: PostgresSchema,
        lease: Duration = .seconds(30),
        pollInterval: Duration = .milliseconds(20),
        operationTimeout: Duration = .seconds(5),
        logger: Logger = Logger(label: "baton.postgres.idempotency")
    ) {
        self.client = client
        self.schema = schema
        self.lease = lease
        self.pollInterval = pollInterval
        self.timeout = operationTimeout
        self.logger = logger
    }

    private enum Claim {
        case lead
        case replay(Data)
        case failed(ErrorClass, String)
        case wait
    }

    /// Executes `operation` at most once per key among every replica while it runs and, after a
    /// success, for `ttl` (see `IdempotencyStore.execute(key:ttl:operation:)`).
    public func execute<T: Sendable>(
        key: IdempotencyKey,
        ttl: Duration,
        operation: () async throws -> T
    ) async throws -> T {
        guard T.self == Void.self || T.self is any Codable.Type else {
            logger.debug("idempotency: \(T.self) is not Codable; executing \(key) without deduplication")
            return try await operation()
        }
        var interval = pollInterval
        while true {
            try Task.checkCancellation()
            switch try await claim(key) {
            case .lead:
                return try await lead(key: key, ttl: ttl, operation)
            case .replay(let bytes):
                return try decode(T.self, bytes, key: key)
            case .failed(let errorClass, let message):
                throw PostgresIdempotencyError.failedElsewhere(key: key.description, errorClass: errorClass, message: message)
            case .wait:
                if let deadline = Deadline.current, deadline.hasExpired {
                    throw TimeoutError(limit: .zero)
                }
                try await Task.sleep(for: interval)
                interval = min(interval * 2, .milliseconds(250))
            }
        }
    }

    /// Claims `key`, or reads its state.
    private func claim(_ key: IdempotencyKey) async throws -> Claim {
        let table = schema.idempotency
        let owner = self.owner
        let leaseSeconds = seconds(lease)
        let client = self.client
        let logger = self.logger
        return try await database("idempotency claim", timeout: timeout) {
            // One statement: a new key, a key whose owner's lease ran out, a failed or expired
            // outcome are claimed; a running or remembered one is read.
            let rows = try await client.query(
                """
                WITH claimed AS (
                    INSERT INTO \(unescaped: table) AS t (scope, key, state, owner, lease_until)
                    VALUES (\(key.scope), \(key.value), 'running', \(owner), clock_timestamp() + \(leaseSeconds) * interval '1 second')
                    ON CONFLICT (scope, key) DO UPDATE
                        SET state = 'running', owner = EXCLUDED.owner, lease_until = EXCLUDED.lease_until,
                            result = NULL, error = NULL, expires_at = NULL
                        WHERE (t.state = 'running' AND t.lease_until < clock_timestamp())
                           OR (t.state = 'failed')
                           OR (t.state = 'done' AND t.expires_at <= clock_timestamp())
                    RETURNING 'lead'::text AS state, NULL::bytea AS result, NULL::text AS error
                )
                SELECT state, result, error FROM claimed
                UNION ALL
                SELECT state, result, error FROM \(unescaped: table)
                WHERE scope = \(key.scope) AND key = \(key.value) AND NOT EXISTS (SELECT 1 FROM claimed)
                """,
                logger: logger
            )
            for try await (state, result, error) in rows.decode((String, Data?, String?).self) {
                switch state {
                case "lead": return .lead
                case "done": return .replay(result ?? Data())
                case "failed":
                    let parts = (error ?? "unknown:").split(separator: ":", maxSplits: 1).map(String.init)
                    return .failed(ErrorClass(rawValue: parts.first ?? "") ?? .unknown, parts.count > 1 ? parts[1] : "")
                default: return .wait
                }
            }
            // The row went away between the two reads (a release): claim again.
            return .wait
        }
    }

    private func lead<T: Sendable>(key: IdempotencyKey, ttl: Duration, _ operation: () async throws -> T) async throws -> T {
        let value: T
        do {
            value = try await operation()
        } catch {
            let gaveUp = Task.isCancelled || [.cancelled, .timeout].contains(ErrorClass.classify(error))
            await release(key, failure: gaveUp ? nil : (ErrorClass.classify(error), "\(error)"))
            throw error
        }
        let bytes: Data
        if T.self == Void.self {
            bytes = Data()
        } else if let encodable = value as? any Encodable {
            bytes = (try? JSONEncoder().encode(encodable)) ?? Data()
        } else {
            bytes = Data()
        }
        try await store(key, bytes: bytes, ttl: ttl)
        return value
    }

    private func store(_ key: IdempotencyKey, bytes: Data, ttl: Duration) async throws {
        let table = schema.idempotency
        let owner = self.owner
        let client = self.client
        let logger = self.logger
        let ttlSeconds = seconds(ttl)
        do {
            try await database("idempotency store", timeout: timeout) {
                if ttl > .zero {
                    try await client.query(
                        """
                        UPDATE \(unescaped: table) SET state = 'done', result = \(bytes),
                            expires_at = clock_timestamp() + \(ttlSeconds) * interval '1 second'
                        WHERE scope = \(key.scope) AND key = \(key.value) AND owner = \(owner)
                        """,
                        logger: logger
                    )
                } else {
                    try await client.query(
                        "DELETE FROM \(unescaped: table) WHERE scope = \(key.scope) AND key = \(key.value) AND owner = \(owner)",
                        logger: logger
                    )
                }
            }
        } catch {
            // The call succeeded; only its memory is lost (the claim ends with its lease).
            logger.warning("idempotency: could not store the outcome of \(key): \(error)")
        }
    }

    /// Ends a claim without a result: a failure is shown to the waiting duplicates, a call given
    /// up releases the key.
    private func release(_ key: IdempotencyKey, failure: (ErrorClass, String)?) async {
        let table = schema.idempotency
        let owner = self.owner
        let client = self.client
        let logger = self.logger
        do {
            try await database("idempotency release", timeout: timeout) {
                if let (errorClass, message) = failure {
                    let text = "\(errorClass.rawValue):\(message.prefix(1_000))"
                    try await client.query(
                        """
                        UPDATE \(unescaped: table) SET state = 'failed', error = \(text)
                        WHERE scope = \(key.scope) AND key = \(key.value) AND owner = \(owner)
                        """,
                        logger: logger
                    )
                } else {
                    try await client.query(
                        "DELETE FROM \(unescaped: table) WHERE scope = \(key.scope) AND key = \(key.value) AND owner = \(owner)",
                        logger: logger
                    )
                }
            }
        } catch {
            logger.warning("idempotency: could not release \(key) (it is taken over after its lease): \(error)")
        }
    }

    private func decode<T>(_ type: T.Type, _ bytes: Data, key: IdempotencyKey) throws -> T {
        if T.self == Void.self { return () as! T }
        guard let decodable = T.self as? any Decodable.Type else {
            throw PostgresIdempotencyError.corruptedResult(key: key.description, reason: "\(T.self) is not Decodable")
        }
        do {
            return try JSONDecoder().decode(decodable, from: bytes) as! T
        } catch {
            throw PostgresIdempotencyError.corruptedResult(key: key.description, reason: "\(error)")
        }
    }

    /// Drops the remembered outcome of `key` (not a running execution).
    public func forget(_ key: IdempotencyKey) async {
        let table = schema.idempotency
        let client = self.client
        let logger = self.logger
        do {
            try await database("idempotency forget", timeout: timeout) {
                try await client.query(
                    "DELETE FROM \(unescaped: table) WHERE scope = \(key.scope) AND key = \(key.value) AND state <> 'running'",
                    logger: logger
                )
            }
        } catch {
            logger.warning("idempotency: could not forget \(key): \(error)")
        }
    }

    /// Deletes outcomes whose TTL ended; returns how many. Run it now and then (the recovery
    /// service of ``PostgresReplicas`` does).
    @discardableResult
    public func purgeExpired() async throws -> Int {
        let table = schema.idempotency
        let client = self.client
        let logger = self.logger
        return try await database("idempotency purge", timeout: timeout) {
            try await count(client.query(
                "DELETE FROM \(unescaped: table) WHERE state = 'done' AND expires_at <= clock_timestamp() RETURNING 1",
                logger: logger
            ))
        }
    }
}
