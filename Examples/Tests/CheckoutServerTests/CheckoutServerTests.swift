import AsyncHTTPClient
import CheckoutSimulation
import Foundation
import Logging
import NIOCore
import PostgresNIO
import ServiceLifecycle
import Synchronization
import Testing

@testable import CheckoutServer

/// The log lines a test server wrote.
final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    func append(_ line: String) { lines.withLock { $0.append(line) } }
}

/// A flag one task sets and another reads.
final class Flag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}

/// Collects log messages (info and above) into ``LogLines``.
struct CapturingLogHandler: LogHandler {
    let sink: LogLines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        sink.append("\(event.message)")
    }
}

/// A checkout-server in process on a free port, and what a test needs to talk to it.
struct RunningServer {
    let app: CheckoutServerApp
    let group: ServiceGroup
    let port: Int
    let log: LogLines

    /// Starts the server, runs `body`, then shuts the server down gracefully and waits for it;
    /// returns the stopped server.
    @discardableResult
    static func with(
        faults: FaultPlan = FaultPlan(),
        postgresURL: String? = nil,
        _ body: (RunningServer) async throws -> Void
    ) async throws -> CheckoutServerApp {
        let log = LogLines()
        var configuration = CheckoutServerApp.Configuration()
        configuration.port = 0
        configuration.faults = faults
        configuration.logger = Logger(label: "checkout-server") { _ in CapturingLogHandler(sink: log) }
        configuration.postgresURL = postgresURL
        let app = try CheckoutServerApp(configuration: configuration)
        try await app.migrateDatabase()
        let group = app.makeServiceGroup(gracefulShutdownSignals: [])
        let running = Task { try await group.run() }
        let port = await app.listeningPort()
        do {
            try await body(RunningServer(app: app, group: group, port: port, log: log))
        } catch {
            await group.triggerGracefulShutdown()
            try? await running.value
            throw error
        }
        await group.triggerGracefulShutdown()
        try await running.value
        return app
    }

    /// `POST /v1/checkout` with `body` and the given headers.
    func checkout(_ body: String, headers: [(String, String)] = []) async throws -> (HTTPClientResponse, String) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/checkout")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (response, String(buffer: bytes))
    }

    /// `GET path`.
    func get(_ path: String) async throws -> (HTTPClientResponse, String) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"), timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (response, String(buffer: bytes))
    }
}

let checkoutBody = #"{"cartId":"cart-7","orderId":"order-7","giftWrap":false}"#

@Suite(.serialized, .timeLimit(.minutes(1)))
struct CheckoutServerTests {
    @Test func aCheckoutRunsOverHTTPAgainstTheLoopbackServicesAndEchoesTheCorrelationID() async throws {
        try await RunningServer.with { server in
            let (response, body) = try await server.checkout(checkoutBody, headers: [("X-Correlation-ID", "test-corr-1")])
            #expect(response.status == .ok, "\(body)")
            #expect(response.headers.first(name: "X-Correlation-ID") == "test-corr-1")
            #expect(response.headers.first(name: "Baton-Complete") != nil)
            let summary = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
            #expect(summary?["orderId"] as? String == "order-7")
            #expect(summary?["chargeId"] as? String == "charge-order-7", "the payments server's answer, over HTTP")

            // Every required step reached its downstream server; pricing at one of its endpoints.
            let services = server.app.services
            #expect(services.cart.snapshot.calls >= 1)
            #expect(services.inventory.snapshot.callsByOperation["reserve"] ?? 0 >= 1)
            #expect(services.payments.snapshot.callsByOperation["charge"] ?? 0 >= 1)
            let pricingEndpoints = Set(services.pricing.snapshot.callsByEndpoint.keys)
            #expect(!pricingEndpoints.isEmpty && pricingEndpoints.isSubset(of: ["pricing-eu", "pricing-us", "pricing-lite"]))

            // One log line for the request, with its correlation id.
            let lines = server.log.all.filter { $0.hasPrefix("POST /v1/checkout ") }
            #expect(lines.count == 1)
            #expect(lines.first?.hasPrefix("POST /v1/checkout 200 ") == true)
            #expect(lines.first?.hasSuffix(" correlation-id=test-corr-1") == true)
            #expect(server.log.all.contains { $0.hasPrefix("checkout-server listening on http://127.0.0.1:\(server.port) ") })
        }
    }

    @Test func aRequestWithoutACorrelationIDGetsOneAndBadJSONIsA400() async throws {
        try await RunningServer.with { server in
            let (response, _) = try await server.checkout("{")
            #expect(response.status == .badRequest)
            let generated = try #require(response.headers.first(name: "X-Correlation-ID"))
            #expect(server.log.all.contains { $0.hasPrefix("POST /v1/checkout 400 ") && $0.hasSuffix("correlation-id=\(generated)") })
        }
    }

    @Test func metricsHaveABucketAtTheSLOThreshold() async throws {
        try await RunningServer.with { server in
            let (checkout, _) = try await server.checkout(checkoutBody)
            #expect(checkout.status == .ok)
            let (response, text) = try await server.get("/metrics")
            #expect(response.status == .ok)
            #expect(response.headers.first(name: "Content-Type")?.hasPrefix("text/plain") == true)
            // specs/checkout.baton.yaml: slo.latency.threshold 300ms.
            let buckets = text.split(separator: "\n").filter {
                $0.hasPrefix(#"baton_workflow_duration_seconds_bucket{workflow="checkout",outcome=""#) && $0.contains(#"le="0.3""#)
            }
            #expect(buckets.count == 4, "one series per outcome: complete, incomplete, failed, rejected")
            let counted = text.split(separator: "\n").filter {
                $0.hasPrefix(#"baton_workflow_duration_seconds_count{workflow="checkout","#) && !$0.hasSuffix(" 0")
            }
            #expect(counted.count == 1 && counted.first?.hasSuffix(" 1") == true, "the one run, under its outcome: \(counted)")
        }
    }

    @Test func gracefulShutdownFinishesTheRunInFlightAndDrainsTheAsyncQueue() async throws {
        // payments take 60ms longer: the run is still in flight when shutdown begins.
        let slow = try #require(SlowFlag(argument: "payments=60ms"))
        let finished = Flag()
        let app = try await RunningServer.with(faults: FaultPlan(slowdowns: [slow])) { server in
            let request = Task {
                defer { finished.set() }
                return try await server.checkout(checkoutBody, headers: [("X-Correlation-ID", "in-flight")])
            }
            // Wait (polling, bounded by the suite's time limit) until the run reaches payments.
            while server.app.services.payments.snapshot.calls == 0 {
                try await Task.sleep(for: .milliseconds(2))
            }
            #expect(!finished.isSet, "the run is still in flight")
            await server.group.triggerGracefulShutdown()

            let (response, body) = try await request.value
            #expect(response.status == .ok, "\(body)")
            #expect(response.headers.first(name: "X-Correlation-ID") == "in-flight")
        }
        // The whole group has stopped, and the receipt (mode: async) went out before the mail
        // server did: the orchestrator's queue drained before the downstream servers stopped.
        let mail = app.services.mail.snapshot
        #expect(mail.calls == 1)
        #expect(mail.abandoned == 0)
    }

    /// The database of `scripts/with-postgres` (CI's Examples step runs under it).
    static let postgresURL = ProcessInfo.processInfo.environment["BATON_TEST_POSTGRES_URL"]

    @Test(.enabled(if: postgresURL != nil, "set BATON_TEST_POSTGRES_URL (scripts/with-postgres) to run"))
    func withPostgresTheStateReplicasShareIsInTheDatabase() async throws {
        let orderId = "order-pg-\(UUID().uuidString)"
        let body = #"{"cartId":"cart-7","orderId":"\#(orderId)","giftWrap":true}"#
        // The mail server answers after 300ms: the receipt's row is still in the queue when the
        // run has answered.
        let slowMail = try #require(SlowFlag(argument: "mail=300ms"))
        let app = try await RunningServer.with(faults: FaultPlan(slowdowns: [slowMail]), postgresURL: Self.postgresURL) { server in
            let client = try #require(server.app.replicas).client
            func count(_ query: PostgresQuery) async throws -> Int {
                var total = 0
                for try await value in try await client.query(query).decode(Int.self) { total += value }
                return total
            }
            let (response, text) = try await server.checkout(body, headers: [("X-Correlation-ID", orderId)])
            #expect(response.status == .ok, "\(text)")

            // The receipt (mode: async) is in the durable queue, for a worker of any replica.
            #expect(try await count("SELECT count(*) FROM baton_async_calls WHERE correlation_id = \(orderId)") == 1)
            // payments.charge's outcome is stored under its idempotency key (the order id) for
            // every replica: a second request for the same order is answered from it.
            #expect(try await count("SELECT count(*) FROM baton_idempotency WHERE key = \(orderId) AND state = 'done'") >= 1)
            let (again, _) = try await server.checkout(body, headers: [("X-Correlation-ID", orderId + "-again")])
            #expect(again.status == .ok)
            #expect(server.app.services.payments.snapshot.callsByOperation["charge"] == 1)

            // Both receipts are delivered and their rows deleted (polled: the delete follows the
            // mail server's answer; bounded by the suite's time limit).
            while try await count("SELECT count(*) FROM baton_async_calls WHERE correlation_id LIKE \(orderId + "%")") > 0 {
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(server.app.services.mail.snapshot.calls == 2, "one receipt per run (sendReceipt has no idempotency key)")
            // Both runs ended: a finished run leaves nothing in the journal (a run left 'running'
            // would be compensated by recovery once its lease expired).
            #expect(try await count("SELECT count(*) FROM baton_saga_runs WHERE correlation_id LIKE \(orderId + "%")") == 0)
        }
        #expect(app.services.mail.snapshot.abandoned == 0)
    }
}
