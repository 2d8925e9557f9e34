// Suite 9: what sharing state through PostgreSQL costs (BatonPostgres), on a loopback database.
//
// Needs BATON_BENCH_POSTGRES_URL (or BATON_TEST_POSTGRES_URL); `Benchmarks/run` starts a throwaway
// cluster with scripts/with-postgres. Without a URL the suite registers nothing.
//
// - A write step (idempotency key + compensation) with the in-memory store and journal, and with
//   the Postgres store and journal: the ratio is what a replica pays per write for surviving
//   crashes and deduplicating across replicas (claim + store of the outcome + the saga record
//   and its end: four statements).
// - The durable async queue: 1,000 queued calls delivered by 4 workers (FOR UPDATE SKIP LOCKED
//   claim + delete per call); calls/s = 1,000 / the time.
import BatonPostgres
import BatonRuntime
import Benchmark
import Foundation
import Logging
import Synchronization

struct Charge: Codable, Sendable {
    var id: String
}

struct RefundRequest: Codable, Sendable {
    var chargeID: String
}

struct MailRequest: Codable, Sendable {
    var orderID: String
}

let databaseURL = ProcessInfo.processInfo.environment["BATON_BENCH_POSTGRES_URL"] ?? ProcessInfo.processInfo.environment["BATON_TEST_POSTGRES_URL"]

/// A one-step write workflow: an idempotent charge with a refund as its compensation.
func writeWorkflow(store: any IdempotencyStore, journal: any SagaJournal) -> Workflow<String, String> {
    let refund = OperationHandler<RefundRequest>("payments.refund", policy: SingleAttempt()) { _, _ in }
    var builder = WorkflowBuilder<String>(workflow: "bench", deadline: .seconds(10), telemetry: .disabled, sagaJournal: journal)
    let charge: StepKey<Charge> = builder.step(
        "charge", service: "payments", policy: SingleAttempt(),
        idempotencyKey: { input, _ in input },
        idempotency: StepIdempotency(store: store, scope: "payments.charge", ttl: .seconds(3_600)),
        compensation: StepCompensation(refund) { _, output, _ in RefundRequest(chargeID: output.id) }
    ) { input, _, _ in Charge(id: "ch-\(input)") }
    return builder.build { _, values in values[charge].id }
}

/// The database, migrated once, with its client running for the whole process.
final class Database: Sendable {
    let replicas: PostgresReplicas
    private let clientTask: Task<Void, Never>

    init(url: String) throws {
        var configuration = PostgresReplicas.Configuration()
        configuration.tablePrefix = "bench_"
        replicas = try PostgresReplicas(url: url, configuration: configuration, logger: Logger(label: "bench"))
        let client = replicas.client
        clientTask = Task { await client.run() }
    }

    deinit {
        clientTask.cancel()
    }
}

var configuration: Benchmark.Configuration { Benchmark.Configuration(
    metrics: [.wallClock],
    timeUnits: .microseconds,
    warmupIterations: 20,
    scalingFactor: .one,
    maxDuration: .seconds(10),
    maxIterations: 2_000
) }

let benchmarks: @Sendable () -> Void = {
    guard let url = databaseURL, let database = try? Database(url: url) else { return }
    let counter = Counter()

    Benchmark("write step, in-memory store and journal", configuration: configuration) { benchmark in
        let workflow = writeWorkflow(store: InMemoryIdempotencyStore(), journal: InMemorySagaJournal())
        for _ in benchmark.scaledIterations {
            blackHole(try await workflow.run("order-\(counter.next())", correlationID: "c").output)
        }
    }

    Benchmark("write step, Postgres store and journal", configuration: configuration) { benchmark in
        try await database.replicas.migrate()
        let workflow = writeWorkflow(store: database.replicas.idempotencyStore, journal: database.replicas.sagaJournal)
        for _ in benchmark.scaledIterations {
            blackHole(try await workflow.run("order-\(counter.next())", correlationID: "c").output)
        }
    }

    Benchmark(
        "async queue, 4 workers: 1,000 calls delivered",
        configuration: .init(metrics: [.wallClock], timeUnits: .milliseconds, warmupIterations: 1, scalingFactor: .one, maxDuration: .seconds(30), maxIterations: 5)
    ) { benchmark in
        try await database.replicas.migrate()
        let queue = database.replicas.asyncCallQueue
        let mail = OperationHandler<MailRequest>("mail.send", policy: SingleAttempt()) { _, _ in }
        let delivery = PostgresAsyncCallDelivery(queue: queue, asyncCalls: CallRegistry([mail.entry]))
        let input = Array(try JSONEncoder().encode(MailRequest(orderID: "o")))
        for _ in benchmark.scaledIterations {
            benchmark.stopMeasurement()
            for index in 0..<1_000 {
                try await queue.enqueue(AsyncCall(workflow: "bench", step: "receipt", operation: "mail.send", correlationID: "c", idempotencyKey: "k\(index)", input: input))
            }
            benchmark.startMeasurement()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask { while try await delivery.deliverOne() {} }
                }
                try await group.waitForAll()
            }
        }
    }
}

final class Counter: Sendable {
    private let value = Mutex(0)
    func next() -> Int { value.withLock { $0 += 1; return $0 } }
}
