import BatonRuntime
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// The journal lost a run to recovery: its lease expired while it was still running.
public struct PostgresSagaTakenOver: Error, ClassifiedError, CustomStringConvertible {
    /// The run.
    public var runID: String
    /// Transient: the run fails and compensates what recovery has not.
    public var errorClass: ErrorClass { .transient }
    public var description: String { "saga run \(runID) was taken over by recovery (its lease expired while it ran)" }
}

/// A `SagaJournal` in PostgreSQL: the completed compensable steps of every run,
/// with what their compensations need, so that ``PostgresSagaRecovery`` on any replica can
/// compensate the runs of a replica that died.
///
/// Each run row carries its owner (this journal instance) and a lease, renewed by every record;
/// recovery takes over only runs whose lease expired, and every compensation is claimed in one
/// statement, so a step is compensated at most once even when the owner was only slow. A slow
/// owner whose run was taken over cannot record more steps or finish it: the run fails
/// (``PostgresSagaTakenOver``) and compensates the rest itself. The lease must be longer than a
/// run with its compensations (deadline + compensation timeouts).
public final class PostgresSagaJournal: SagaJournal {
    let client: PostgresClient
    let schema: PostgresSchema
    let lease: Duration
    let timeout: Duration
    let logger: Logger
    /// This process's identity as a run owner.
    public let owner: String

    /// - Parameters:
    ///   - client: A running client.
    ///   - schema: The tables (``PostgresSchema/migrate(client:logger:)`` must have run).
    ///   - lease: How long a run stays with its owner after its last record (default 60 s).
    ///   - operationTimeout: How long one statement may take before it fails `unavailable`.
    ///   - logger: Where journal problems are logged.
    public init(
        client: PostgresClient,
        schema: PostgresSchema,
        lease: Duration = .seconds(60),
        operationTimeout: Duration = .seconds(5),
        logger: Logger = Logger(label: "baton.postgres.saga")
    ) {
        self.client = client
        self.schema = schema
        self.lease = lease
        self.timeout = operationTimeout
        self.logger = logger
        self.owner = makeOwnerID()
    }

    /// Records the step and renews the run's lease, in one statement; fails with
    /// ``PostgresSagaTakenOver`` when recovery owns the run.
    public func record(_ step: SagaStepRecord) async throws {
        let runs = schema.sagaRuns
        let steps = schema.sagaSteps
        let owner = self.owner
        let leaseSeconds = seconds(lease)
        let client = self.client
        let logger = self.logger
        let input = Data(step.input)
        let inserted = try await database("saga record", timeout: timeout) {
            try await count(client.query(
                """
                WITH run AS (
                    INSERT INTO \(unescaped: runs) AS r (run_id, workflow, correlation_id, owner, lease_until)
                    VALUES (\(step.runID), \(step.workflow), \(step.correlationID), \(owner), clock_timestamp() + \(leaseSeconds) * interval '1 second')
                    ON CONFLICT (run_id) DO UPDATE SET lease_until = EXCLUDED.lease_until
                        WHERE r.owner = EXCLUDED.owner AND r.state = 'running'
                    RETURNING run_id
                )
                INSERT INTO \(unescaped: steps) (run_id, step, sequence, operation, idempotency_key, input)
                SELECT run_id, \(step.step), \(step.sequence), \(step.operation), \(step.idempotencyKey), \(input) FROM run
                ON CONFLICT (run_id, step) DO NOTHING
                RETURNING 1
                """,
                logger: logger
            ))
        }
        if inserted == 0 { throw PostgresSagaTakenOver(runID: step.runID) }
    }

    /// Claims the compensation of `step` (a completed step, or one whose claimer's lease ran out).
    public func claimCompensation(runID: String, step: String) async throws -> Bool {
        try await claim(runID: runID, step: step)
    }

    func claim(runID: String, step: String) async throws -> Bool {
        let steps = schema.sagaSteps
        let leaseSeconds = seconds(lease)
        let client = self.client
        let logger = self.logger
        return try await database("saga claim", timeout: timeout) {
            try await count(client.query(
                """
                UPDATE \(unescaped: steps) SET state = 'compensating', attempts = attempts + 1,
                    claim_until = clock_timestamp() + \(leaseSeconds) * interval '1 second'
                WHERE run_id = \(runID) AND step = \(step)
                  AND (state = 'completed' OR (state = 'compensating' AND claim_until < clock_timestamp()))
                RETURNING 1
                """,
                logger: logger
            )) == 1
        }
    }

    /// Marks the compensation `compensated` or `failed`.
    public func compensationEnded(runID: String, step: String, succeeded: Bool) async throws {
        let steps = schema.sagaSteps
        let state = succeeded ? "compensated" : "failed"
        let client = self.client
        let logger = self.logger
        try await database("saga compensation end", timeout: timeout) {
            try await client.query(
                "UPDATE \(unescaped: steps) SET state = \(state), claim_until = NULL WHERE run_id = \(runID) AND step = \(step)",
                logger: logger
            )
        }
    }

    /// Deletes a finished run; marks a compensated one. Fails with ``PostgresSagaTakenOver`` when
    /// the run is no longer this journal's.
    public func finish(runID: String, outcome: SagaRunOutcome) async throws {
        try await finish(runID: runID, outcome: outcome, owner: owner)
    }

    func finish(runID: String, outcome: SagaRunOutcome, owner: String) async throws {
        let runs = schema.sagaRuns
        let steps = schema.sagaSteps
        let client = self.client
        let logger = self.logger
        let ended = try await database("saga finish", timeout: timeout) {
            switch outcome {
            case .finished:
                // A run that succeeded leaves nothing to compensate: its rows go.
                return try await count(client.query(
                    """
                    WITH run AS (
                        DELETE FROM \(unescaped: runs) WHERE run_id = \(runID) AND owner = \(owner) AND state = 'running' RETURNING run_id
                    ), gone AS (
                        DELETE FROM \(unescaped: steps) WHERE run_id IN (SELECT run_id FROM run)
                    )
                    SELECT 1 FROM run
                    """,
                    logger: logger
                ))
            case .compensated:
                return try await count(client.query(
                    """
                    UPDATE \(unescaped: runs) SET state = 'compensated', ended_at = clock_timestamp()
                    WHERE run_id = \(runID) AND owner = \(owner) AND state = 'running'
                    RETURNING 1
                    """,
                    logger: logger
                ))
            }
        }
        if ended == 0 { throw PostgresSagaTakenOver(runID: runID) }
    }

    /// A run taken over by recovery, with the steps still to compensate (latest first).
    struct TakenRun: Sendable {
        var runID: String
        var workflow: String
        var correlationID: String
        var steps: [(step: String, operation: String, idempotencyKey: String, input: [UInt8])]
    }

    /// Takes over up to `limit` runs whose owner's lease expired.
    func takeOverExpired(limit: Int, owner: String) async throws -> [TakenRun] {
        let runs = schema.sagaRuns
        let steps = schema.sagaSteps
        let leaseSeconds = seconds(lease)
        let client = self.client
        let logger = self.logger
        return try await database("saga take-over", timeout: timeout) {
            var taken: [TakenRun] = []
            let rows = try await client.query(
                """
                UPDATE \(unescaped: runs) SET owner = \(owner), lease_until = clock_timestamp() + \(leaseSeconds) * interval '1 second'
                WHERE run_id IN (
                    SELECT run_id FROM \(unescaped: runs)
                    WHERE state = 'running' AND lease_until < clock_timestamp()
                    ORDER BY lease_until LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED
                )
                RETURNING run_id, workflow, correlation_id
                """,
                logger: logger
            )
            for try await (runID, workflow, correlationID) in rows.decode((String, String, String).self) {
                taken.append(TakenRun(runID: runID, workflow: workflow, correlationID: correlationID, steps: []))
            }
            for index in taken.indices {
                let stepRows = try await client.query(
                    """
                    SELECT step, operation, idempotency_key, input FROM \(unescaped: steps)
                    WHERE run_id = \(taken[index].runID) AND state IN ('completed', 'compensating')
                    ORDER BY sequence DESC
                    """,
                    logger: logger
                )
                for try await (step, operation, key, input) in stepRows.decode((String, String, String, Data).self) {
                    taken[index].steps.append((step, operation, key, Array(input)))
                }
            }
            return taken
        }
    }
}

/// Compensates the runs of replicas that died: a swift-service-lifecycle `Service` to run on every
/// replica (any number may run; each run is taken over by one).
///
/// Every `interval` it takes over runs whose owner's lease expired (`FOR UPDATE SKIP LOCKED`) and
/// calls their remaining compensations by name through the orchestrators' compensation
/// `CallRegistry`, latest step first, each claimed first (so at most once) and run
/// under its operation's policy (with its retries) and a fresh `compensationTimeout`, with the
/// idempotency key the run would have used. A compensation that fails for good is marked
/// `failed` and logged at error level. On graceful shutdown it finishes the run in hand and
/// returns.
public final class PostgresSagaRecovery: Service {
    private let journal: PostgresSagaJournal
    private let compensations: CallRegistry
    private let interval: Duration
    private let compensationTimeout: Duration
    private let batch: Int
    private let logger: Logger
    private let idempotencyStore: PostgresIdempotencyStore?

    /// - Parameters:
    ///   - journal: The journal the runs are in.
    ///   - compensations: The compensations by name (`orchestrator.compensations`, merged for
    ///     several orchestrators).
    ///   - interval: How often expired runs are looked for (default 5 s).
    ///   - compensationTimeout: The budget of each compensation (default 30 s).
    ///   - batch: Runs taken over at once (default 16).
    ///   - idempotencyStore: When given, its expired outcomes are purged on each pass.
    ///   - logger: Where recoveries are logged.
    public init(
        journal: PostgresSagaJournal,
        compensations: CallRegistry,
        interval: Duration = .seconds(5),
        compensationTimeout: Duration = .seconds(30),
        batch: Int = 16,
        idempotencyStore: PostgresIdempotencyStore? = nil,
        logger: Logger = Logger(label: "baton.postgres.recovery")
    ) {
        self.journal = journal
        self.compensations = compensations
        self.interval = interval
        self.compensationTimeout = compensationTimeout
        self.batch = batch
        self.idempotencyStore = idempotencyStore
        self.logger = logger
    }

    /// Recovers until graceful shutdown or cancellation.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                _ = await self.recoverOnce()
                guard await pause(self.interval) else { break }
            }
        }
    }

    /// Takes over and compensates the expired runs once; returns how many runs it recovered.
    /// (What ``run()`` does every interval; tests call it directly.)
    @discardableResult
    public func recoverOnce() async -> Int {
        let owner = journal.owner
        let runs: [PostgresSagaJournal.TakenRun]
        do {
            runs = try await journal.takeOverExpired(limit: batch, owner: owner)
        } catch {
            logger.warning("saga recovery: could not look for expired runs: \(error)")
            return 0
        }
        for run in runs {
            await recover(run, owner: owner)
        }
        if let idempotencyStore {
            _ = try? await idempotencyStore.purgeExpired()
        }
        return runs.count
    }

    private func recover(_ run: PostgresSagaJournal.TakenRun, owner: String) async {
        logger.warning(
            "saga recovery: compensating run of a replica that died",
            metadata: ["baton.workflow": .string(run.workflow), "baton.correlation_id": .string(run.correlationID), "baton.steps": .stringConvertible(run.steps.count)]
        )
        for step in run.steps {
            do {
                guard try await journal.claim(runID: run.runID, step: step.step) else { continue }
            } catch {
                logger.warning("saga recovery: could not claim \(run.workflow).\(step.step): \(error); the run is retried after its lease")
                return
            }
            let context = CallContext(
                workflow: run.workflow,
                step: step.step,
                deadline: Deadline.after(compensationTimeout, clock: .continuous),
                correlationID: run.correlationID,
                idempotencyKey: step.idempotencyKey
            )
            var succeeded = true
            do {
                try await compensations.call(step.operation, input: step.input, context: context)
                logger.info("saga recovery: compensated", metadata: ["baton.workflow": .string(run.workflow), "baton.step": .string(step.step)])
            } catch {
                succeeded = false
                logger.error(
                    "saga recovery: compensation failed; the step's effect may remain: \(error)",
                    metadata: ["baton.workflow": .string(run.workflow), "baton.step": .string(step.step), "baton.correlation_id": .string(run.correlationID)]
                )
            }
            do {
                try await journal.compensationEnded(runID: run.runID, step: step.step, succeeded: succeeded)
            } catch {
                logger.warning("saga recovery: could not record the end of \(run.workflow).\(step.step): \(error)")
            }
        }
        do {
            try await journal.finish(runID: run.runID, outcome: .compensated, owner: owner)
        } catch {
            logger.warning("saga recovery: could not finish run \(run.runID): \(error)")
        }
    }
}
