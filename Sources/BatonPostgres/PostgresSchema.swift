import BatonRuntime
import Logging
import PostgresNIO

/// The tables of the Postgres-backed stores, with a configurable prefix, and the idempotent
/// migration that creates them.
///
/// Nothing creates tables on the hot path: call ``migrate(client:logger:)`` (or
/// ``PostgresReplicas/migrate()``) once at deployment or start-up, or apply `schema.sql` (the
/// same statements with the prefix `baton_`) with your migration tool. Running it again changes
/// nothing; concurrent runs are serialised by an advisory lock.
public struct PostgresSchema: Sendable, Hashable {
    /// The prefix of every table, index and the notification channel (default `baton_`).
    public let prefix: String

    /// - Parameter prefix: Lowercase letters, digits and `_`, starting with a letter or `_`, at
    ///   most 40 characters (identifiers are spliced into SQL, so they are validated here).
    public init(prefix: String = "baton_") throws {
        let allowed = prefix.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
        guard !prefix.isEmpty, prefix.count <= 40, allowed, let first = prefix.utf8.first, !(first >= 48 && first <= 57) else {
            throw PostgresStoreError(
                errorClass: .permanent,
                operation: "schema",
                message: "table prefix '\(prefix)' must be 1-40 lowercase letters, digits or '_', not starting with a digit"
            )
        }
        self.prefix = prefix
    }

    /// The idempotency table.
    public var idempotency: String { prefix + "idempotency" }
    /// The saga runs table.
    public var sagaRuns: String { prefix + "saga_runs" }
    /// The saga steps table.
    public var sagaSteps: String { prefix + "saga_steps" }
    /// The async call outbox table.
    public var asyncCalls: String { prefix + "async_calls" }
    /// The `LISTEN/NOTIFY` channel of cache invalidations.
    public var invalidationChannel: String { prefix + "invalidations" }

    /// The statements of the migration, in order (each idempotent).
    public var statements: [String] {
        [
            """
            CREATE TABLE IF NOT EXISTS \(idempotency) (
                scope text NOT NULL,
                key text NOT NULL,
                state text NOT NULL,
                owner text NOT NULL,
                lease_until timestamptz NOT NULL,
                result bytea,
                error text,
                expires_at timestamptz,
                PRIMARY KEY (scope, key)
            )
            """,
            """
            CREATE INDEX IF NOT EXISTS \(idempotency)_expires ON \(idempotency) (expires_at)
            """,
            """
            CREATE TABLE IF NOT EXISTS \(sagaRuns) (
                run_id text PRIMARY KEY,
                workflow text NOT NULL,
                correlation_id text NOT NULL,
                state text NOT NULL DEFAULT 'running',
                owner text NOT NULL,
                lease_until timestamptz NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                ended_at timestamptz
            )
            """,
            """
            CREATE INDEX IF NOT EXISTS \(sagaRuns)_lease ON \(sagaRuns) (lease_until) WHERE state = 'running'
            """,
            """
            CREATE TABLE IF NOT EXISTS \(sagaSteps) (
                run_id text NOT NULL,
                step text NOT NULL,
                sequence integer NOT NULL,
                operation text NOT NULL,
                idempotency_key text NOT NULL,
                input bytea NOT NULL,
                state text NOT NULL DEFAULT 'completed',
                claim_until timestamptz,
                attempts integer NOT NULL DEFAULT 0,
                PRIMARY KEY (run_id, step)
            )
            """,
            """
            CREATE TABLE IF NOT EXISTS \(asyncCalls) (
                id bigserial PRIMARY KEY,
                workflow text NOT NULL,
                step text NOT NULL,
                operation text NOT NULL,
                correlation_id text NOT NULL,
                idempotency_key text,
                input bytea NOT NULL,
                state text NOT NULL DEFAULT 'pending',
                attempts integer NOT NULL DEFAULT 0,
                available_at timestamptz NOT NULL DEFAULT clock_timestamp(),
                locked_until timestamptz,
                last_error text,
                created_at timestamptz NOT NULL DEFAULT clock_timestamp()
            )
            """,
            """
            CREATE INDEX IF NOT EXISTS \(asyncCalls)_ready ON \(asyncCalls) (available_at, id) WHERE state = 'pending'
            """,
        ]
    }

    /// The migration as one SQL script (what `schema.sql` holds for the prefix `baton_`).
    public var script: String {
        statements.map { $0 + ";\n" }.joined(separator: "\n")
    }

    /// Creates the tables and indexes that do not exist yet; changes nothing otherwise.
    ///
    /// - Parameters:
    ///   - client: A running client.
    ///   - logger: Where the statements are logged.
    public func migrate(client: PostgresClient, logger: Logger) async throws {
        let statements = self.statements
        let lockKey = Int64(truncatingIfNeeded: prefix.utf8.reduce(UInt64(1_469_598_103_934_665_603)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 })
        try await database("migration", timeout: .seconds(60)) {
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
                for statement in statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
            }
        }
    }
}
