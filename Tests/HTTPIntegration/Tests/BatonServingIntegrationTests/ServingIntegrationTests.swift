import AsyncHTTPClient
import BatonHTTP
import BatonHummingbird
import BatonRuntime
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

/// An error of a chosen class, with a message that must never reach a response body.
struct ScriptedFailure: ClassifiedError {
    var errorClass: ErrorClass
    var retryAfter: Duration?
    var description: String { "internal detail: db-7 password rejected" }
}

/// What a downstream call does.
enum Behaviour: Sendable {
    case succeed
    case fail(ErrorClass, retryAfter: Duration?)
    /// Never answers; ends only when the attempt is cancelled (the deadline).
    case hang
}

/// The four services of serve-http, in process, with scripted behaviour and a call log.
final class Downstream: PaymentsService, ShippingService, RecommendationsService, OrdersService, Sendable {
    let ship = Mutex(Behaviour.succeed)
    let suggest = Mutex(Behaviour.succeed)
    private let log = Mutex<[String]>([])
    var calls: [String] { log.withLock { $0 } }

    private func perform(_ name: String, _ behaviour: Behaviour, context: CallContext) async throws {
        log.withLock { $0.append("\(name) \(context.correlationID)") }
        switch behaviour {
        case .succeed:
            return
        case .fail(let errorClass, let retryAfter):
            throw ScriptedFailure(errorClass: errorClass, retryAfter: retryAfter)
        case .hang:
            let (never, _) = AsyncStream<Void>.makeStream()
            for await _ in never {}
            throw CancellationError()
        }
    }

    func charge(_ input: PaymentsChargeInput, context: CallContext) async throws -> PaymentsChargeOutput {
        try await perform("charge", .succeed, context: context)
        return PaymentsChargeOutput(chargeId: "ch-\(input.orderId)")
    }

    func refund(_ input: PaymentsRefundInput, context: CallContext) async throws -> PaymentsRefundOutput {
        try await perform("refund", .succeed, context: context)
        return PaymentsRefundOutput()
    }

    func ship(_ input: ShippingShipInput, context: CallContext) async throws -> ShippingShipOutput {
        try await perform("ship", ship.withLock { $0 }, context: context)
        return ShippingShipOutput(trackingId: "tr-\(input.orderId)")
    }

    func suggest(_ input: RecommendationsSuggestInput, context: CallContext) async throws -> RecommendationsSuggestOutput {
        try await perform("suggest", suggest.withLock { $0 }, context: context)
        return RecommendationsSuggestOutput(text: "gift wrap")
    }

    func state(_ input: OrdersStateInput, context: CallContext) async throws -> OrdersStateOutput {
        try await perform("state", .succeed, context: context)
        return OrdersStateOutput(state: "shipped")
    }
}

/// A response as the client saw it.
struct Answer {
    var status: Int
    var headers: [String: String]
    var body: Data

    func header(_ name: String) -> String? { headers[name.lowercased()] }
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
}

/// The orchestrator's routes mounted on Hummingbird by BatonHummingbird, on 127.0.0.1 (a free
/// port), called with AsyncHTTPClient.
struct Served {
    let services: Downstream
    let port: Int

    static func run(_ body: @Sendable (Served) async throws -> Void) async throws {
        let downstream = Downstream()
        let orchestrator = OrdersOrchestrator(
            payments: downstream, shipping: downstream, recommendations: downstream, orders: downstream
        )
        let router = Router()
        router.addWorkflowRoutes(orchestrator.httpRoutes(maxBodyBytes: 4096))
        let (ports, port) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in port.yield(channel.localAddress?.port ?? 0) }
        )
        let running = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        let listening = await iterator.next() ?? 0
        defer { running.cancel() }
        try await body(Served(services: downstream, port: listening))
    }

    func send(_ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], body: String? = nil) async throws -> Answer {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        var fields: [String: String] = [:]
        for header in response.headers { fields[header.name.lowercased()] = header.value }
        return Answer(status: Int(response.status.code), headers: fields, body: Data(buffer: bytes))
    }
}

private let order = #"{"orderId": "o-1", "amount": 12.5, "gift_note": "for you"}"#

/// Every row of spec-v1 §13's response table, over real loopback HTTP.
@Suite(.timeLimit(.minutes(2))) struct ServingIntegrationTests {
    @Test func aCompleteRunIs200WithTheOutputAndTheCallersCorrelationID() async throws {
        try await Served.run { served in
            let answer = try await served.send(.POST, "/v1/orders", headers: [("X-Correlation-ID", "corr-42")], body: order)
            #expect(answer.status == 200)
            #expect(answer.header("Content-Type") == "application/json")
            #expect(answer.header("X-Correlation-ID") == "corr-42")
            #expect(answer.header("Baton-Complete") == "true")
            #expect(answer.header("Baton-Missing") == nil)
            let output = try JSONDecoder().decode(OrderReceipt.self, from: answer.body)
            #expect(output == OrderReceipt(orderId: "o-1", chargeId: "ch-o-1", trackingId: "tr-o-1", suggestion: "gift wrap"))
            #expect(served.services.calls.allSatisfy { $0.hasSuffix(" corr-42") })
        }
    }

    @Test func aMissingOptionalStepIsNamedInBatonMissing() async throws {
        try await Served.run { served in
            served.services.suggest.withLock { $0 = .fail(.permanent, retryAfter: nil) }
            let answer = try await served.send(.POST, "/v1/orders", body: order)
            #expect(answer.status == 200)
            #expect(answer.header("Baton-Complete") == "false")
            #expect(answer.header("Baton-Missing") == "suggest")
            #expect(answer.json["suggestion"] == nil)
            let generated = try #require(answer.header("X-Correlation-ID"))
            #expect(!generated.isEmpty)
        }
    }

    @Test func inputThatDoesNotDecodeIs400() async throws {
        try await Served.run { served in
            let notJSON = try await served.send(.POST, "/v1/orders", headers: [("X-Correlation-ID", "c-1")], body: "{oops")
            #expect(notJSON.status == 400)
            #expect(notJSON.header("Content-Type") == "application/problem+json")
            #expect(notJSON.header("X-Correlation-ID") == "c-1")
            #expect(notJSON.json["correlationId"] as? String == "c-1")
            #expect(notJSON.json["status"] as? Int == 400)

            let missing = try await served.send(.POST, "/v1/orders", body: #"{"orderId": "o-1"}"#)
            #expect(missing.status == 400)
            #expect(missing.json["detail"] as? String == "missing field 'amount'")

            let illTyped = try await served.send(.POST, "/v1/orders", body: #"{"orderId": 7, "amount": 1}"#)
            #expect(illTyped.status == 400)
            #expect(illTyped.json["detail"] as? String == "field 'orderId' must be text")

            let badQuery = try await served.send(.GET, "/v1/orders/o-1?limit=ten")
            #expect(badQuery.status == 400)
            #expect(badQuery.json["detail"] as? String == "'limit' must be a whole number, not 'ten'")
            #expect(served.services.calls.isEmpty)
        }
    }

    @Test func anUnknownCallerClassIs400() async throws {
        try await Served.run { served in
            let answer = try await served.send(.POST, "/v1/orders", headers: [("X-Caller-Class", "vip")], body: order)
            #expect(answer.status == 400)
            #expect(answer.json["detail"] as? String == "unknown caller class 'vip' in X-Caller-Class; use one of interactive, batch")
        }
    }

    @Test func aBodyOverTheLimitIs413() async throws {
        try await Served.run { served in
            let big = #"{"orderId": "o-1", "amount": 1, "gift_note": ""# + String(repeating: "x", count: 5000) + #""}"#
            let answer = try await served.send(.POST, "/v1/orders", body: big)
            #expect(answer.status == 413)
            #expect(answer.header("Content-Type") == "application/problem+json")
            #expect(served.services.calls.isEmpty)
        }
    }

    @Test func aBurstOverTheCallerClassRateIs429WithRetryAfter() async throws {
        try await Served.run { served in
            var statuses: [Int] = []
            var last: Answer?
            for _ in 0..<3 {
                let answer = try await served.send(.POST, "/v1/orders", headers: [("X-Caller-Class", "batch")], body: order)
                statuses.append(answer.status)
                last = answer
            }
            #expect(statuses == [200, 200, 429])
            let refused = try #require(last)
            let retryAfter = try #require(refused.header("Retry-After").flatMap(Int.init))
            #expect(retryAfter >= 1)
            #expect(refused.json["type"] as? String == "urn:baton:problem:overloaded")
            // The default class has its own rate.
            #expect(try await served.send(.POST, "/v1/orders", body: order).status == 200)
        }
    }

    @Test func aShortRequestTimeoutIs504AndCompensates() async throws {
        try await Served.run { served in
            served.services.ship.withLock { $0 = .hang }
            let answer = try await served.send(.POST, "/v1/orders", headers: [("X-Request-Timeout-Ms", "200")], body: order)
            #expect(answer.status == 504)
            #expect(answer.json["step"] as? String == "ship")
            #expect(answer.json["errorClass"] as? String == "timeout")
            let compensations = answer.json["compensations"] as? [[String: String]]
            #expect(compensations == [["step": "charge", "outcome": "compensated"]])
            #expect(served.services.calls.contains { $0.hasPrefix("refund ") })
        }
    }

    @Test func anUnavailableStepIs503WithRetryAfterAndNoInternalText() async throws {
        try await Served.run { served in
            served.services.ship.withLock { $0 = .fail(.unavailable, retryAfter: .milliseconds(1500)) }
            let answer = try await served.send(.POST, "/v1/orders", body: order)
            #expect(answer.status == 503)
            #expect(answer.header("Retry-After") == "2")
            #expect(answer.json["errorClass"] as? String == "unavailable")
            #expect(!String(decoding: answer.body, as: UTF8.self).contains("db-7"))
        }
    }

    @Test func anyOtherFailedStepIs502() async throws {
        try await Served.run { served in
            served.services.ship.withLock { $0 = .fail(.permanent, retryAfter: nil) }
            let answer = try await served.send(.POST, "/v1/orders", headers: [("X-Correlation-ID", "c-502")], body: order)
            #expect(answer.status == 502)
            #expect(answer.header("Retry-After") == nil)
            let problem = try JSONDecoder().decode(HTTPProblem.self, from: answer.body)
            #expect(problem == HTTPProblem(
                type: "urn:baton:problem:step-failed", title: "A required step failed", status: 502,
                detail: "step 'ship' of workflow 'placeOrder' failed: permanent", correlationId: "c-502",
                step: "ship", errorClass: "permanent", compensations: [.init(step: "charge", outcome: "compensated")]
            ))
            #expect(!String(decoding: answer.body, as: UTF8.self).contains("db-7"))
        }
    }

    @Test func aGETRouteReadsThePathAndTheQueryString() async throws {
        try await Served.run { served in
            let answer = try await served.send(.GET, "/v1/orders/o%2F7?limit=3&verbose=true&priority=high&tags=a&tags=b+c")
            #expect(answer.status == 200)
            let status = try JSONDecoder().decode(OrderStatus.self, from: answer.body)
            #expect(status == OrderStatus(orderId: "o/7", state: "shipped", limit: 3, verbose: true, priority: .high, tags: ["a", "b c"]))
            #expect(try await served.send(.GET, "/v1/orders/o-1?priority=urgent").status == 400)
        }
    }
}
