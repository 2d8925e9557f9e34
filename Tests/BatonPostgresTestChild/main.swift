// The child process of the BatonPostgres crash tests: runs one role against the database and is
// killed (SIGKILL) by the test at the moment it prints its marker. Not a product.
//
//   BatonPostgresTestChild saga <url> <prefix> <correlation id>   charge, print CHARGED, hang
//   BatonPostgresTestChild recover <url> <prefix>                 recover expired runs once, print count
//   BatonPostgresTestChild idempotent <url> <prefix> <key>        charge through the store, print the id
//   BatonPostgresTestChild deliver <url> <prefix>                 claim a call, print DELIVERING, hang
//   BatonPostgresTestChild measure <url> <prefix> <runs>          rough timings of the replicas' costs
//     (a debug build; Benchmarks/ suite 9 measures the same in release)
import BatonPostgres
import BatonRuntime
import Foundation
import Logging
import PostgresNIO

struct Charge: Codable, Sendable, Equatable {
    var id: String
}

struct RefundRequest: Codable, Sendable {
    var chargeID: String
}

struct MailRequest: Codable, Sendable {
    var orderID: String
}

/// Records a downstream call in the test's call log table.
func logCall(_ client: PostgresClient, prefix: String, kind: String, key: String) async throws {
    let process = "\(ProcessInfo.processInfo.processIdentifier)"
    try await client.query("INSERT INTO \(unescaped: prefix)test_calls (kind, key, process) VALUES (\(kind), \(key), \(process))")
}

func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

let arguments = CommandLine.arguments
guard arguments.count >= 4 else {
    FileHandle.standardError.write(Data("usage: BatonPostgresTestChild saga|recover|idempotent|deliver URL PREFIX [ARG]\n".utf8))
    exit(2)
}
let (mode, url, prefix) = (arguments[1], arguments[2], arguments[3])
var configuration = PostgresReplicas.Configuration()
configuration.tablePrefix = prefix
configuration.sagaLease = .seconds(1)
configuration.idempotencyLease = .seconds(5)
configuration.delivery.lease = .seconds(1)
let logger = Logger(label: "child")
let replicas = try PostgresReplicas(url: url, configuration: configuration, logger: logger)
let client = replicas.client

func runMode() async throws -> Int32 {
    switch mode {
    case "saga":
        let correlationID = arguments[4]
        let refund = OperationHandler<RefundRequest>("payments.refund", policy: SingleAttempt()) { request, context in
            try await logCall(client, prefix: prefix, kind: "refund", key: context.idempotencyKey ?? "")
        }
        var builder = WorkflowBuilder<String>(workflow: "crash", deadline: .seconds(600), sagaJournal: replicas.sagaJournal)
        let charge: StepKey<Charge> = builder.step(
            "charge",
            service: "payments",
            policy: SingleAttempt(),
            compensation: StepCompensation(refund) { _, output, _ in RefundRequest(chargeID: output.id) }
        ) { input, _, _ in
            try await logCall(client, prefix: prefix, kind: "charge", key: input)
            return Charge(id: "ch-\(input)")
        }
        builder.step("reserve", service: "inventory", dependsOn: [charge.id], policy: SingleAttempt()) { _, _, _ -> Int in
            say("CHARGED")
            try await Task.sleep(for: .seconds(3_600))
            return 0
        }
        let workflow = builder.build { _, values in values[charge].id }
        _ = try await workflow.run(correlationID, correlationID: correlationID)
        return 0
    case "recover":
        let refund = OperationHandler<RefundRequest>("payments.refund", policy: SingleAttempt()) { request, context in
            try await logCall(client, prefix: prefix, kind: "refund", key: context.idempotencyKey ?? "")
        }
        let recovery = PostgresSagaRecovery(journal: replicas.sagaJournal, compensations: CallRegistry([refund.entry]), logger: logger)
        say("RECOVERED \(await recovery.recoverOnce())")
        return 0
    case "idempotent":
        let key = arguments[4]
        let charge = try await replicas.idempotencyStore.execute(key: IdempotencyKey(scope: "payments.charge", value: key), ttl: .seconds(60)) {
            try await logCall(client, prefix: prefix, kind: "charge", key: key)
            try await Task.sleep(for: .milliseconds(500))
            return Charge(id: "ch-\(ProcessInfo.processInfo.processIdentifier)")
        }
        say("CHARGE \(charge.id)")
        return 0
    case "deliver":
        let mail = OperationHandler<MailRequest>("mail.send", policy: SingleAttempt()) { request, context in
            try await logCall(client, prefix: prefix, kind: "delivering", key: context.idempotencyKey ?? "")
            say("DELIVERING")
            try await Task.sleep(for: .seconds(3_600))
        }
        var delivery = PostgresAsyncCallDelivery.Configuration()
        delivery.lease = .seconds(1)
        delivery.deliveryTimeout = .seconds(3_600)
        let worker = PostgresAsyncCallDelivery(queue: replicas.asyncCallQueue, asyncCalls: CallRegistry([mail.entry]), configuration: delivery, logger: logger)
        _ = try await worker.deliverOne()
        return 0
    case "measure":
        try await replicas.migrate()
        let runs = Int(arguments[4]) ?? 300
        func writeWorkflow(_ store: any IdempotencyStore, _ journal: any SagaJournal) -> Workflow<String, String> {
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
        func time(_ label: String, _ body: (Int) async throws -> Void) async throws -> Duration {
            for index in 0..<20 { try await body(-1 - index) }  // warm-up
            let start = ContinuousClock.now
            for index in 0..<runs { try await body(index) }
            let elapsed = ContinuousClock.now - start
            say("\(label): \(elapsed / runs) per run")
            return elapsed / runs
        }
        let memory = writeWorkflow(InMemoryIdempotencyStore(), InMemorySagaJournal())
        let postgres = writeWorkflow(replicas.idempotencyStore, replicas.sagaJournal)
        let inMemory = try await time("write step, in-memory store and journal") { _ = try await memory.run("m\($0)") }
        let shared = try await time("write step, Postgres store and journal") { _ = try await postgres.run("p\($0)") }
        say("ratio Postgres / in-memory: \(Double(shared.components.attoseconds + shared.components.seconds * 1_000_000_000_000_000_000) / Double(inMemory.components.attoseconds + inMemory.components.seconds * 1_000_000_000_000_000_000))")
        let mail = OperationHandler<MailRequest>("mail.send", policy: SingleAttempt()) { _, _ in }
        let delivery = PostgresAsyncCallDelivery(queue: replicas.asyncCallQueue, asyncCalls: CallRegistry([mail.entry]))
        let input = Array(try JSONEncoder().encode(MailRequest(orderID: "o")))
        let calls = 1_000
        for index in 0..<calls {
            try await replicas.asyncCallQueue.enqueue(AsyncCall(workflow: "bench", step: "receipt", operation: "mail.send", correlationID: "c", idempotencyKey: "k\(index)", input: input))
        }
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask { while try await delivery.deliverOne() {} }
            }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        say("async queue, 4 workers: \(calls) calls in \(elapsed) = \(Int(Double(calls) / seconds)) calls/s (delivered \(delivery.counts.delivered))")
        return 0
    default:
        FileHandle.standardError.write(Data("unknown mode \(mode)\n".utf8))
        return 2
    }
}

let clientTask = Task { await client.run() }
let code = try await runMode()
clientTask.cancel()
exit(code)
