// The child process of the BatonPostgres crash tests: runs one role against the database and is
// killed (SIGKILL) by the test at the moment it prints its marker. Not a product.
//
//   BatonPostgresTestChild saga <url> <prefix> <correlation id>   charge, print CHARGED, hang
//   BatonPostgresTestChild recover <url> <prefix>                 recover expired runs once, print count
//   BatonPostgresTestChild idempotent <url> <prefix> <key>        charge through the store, print the id
//   BatonPostgresTestChild deliver <url> <prefix>                 claim a call, print DELIVERING, hang
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
    default:
        FileHandle.standardError.write(Data("unknown mode \(mode)\n".utf8))
        return 2
    }
}

let clientTask = Task { await client.run() }
let code = try await runMode()
clientTask.cancel()
exit(code)
