import AsyncHTTPClient
import BatonHTTP
import BatonRuntime
import Foundation
import HTTPTypes
import Hummingbird
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime
import Synchronization
import Testing

/// What the server received: one entry per request.
struct Received: Sendable {
    var method: HTTPRequest.Method
    var path: String
    var query: String
    var headers: HTTPFields
    var body: String

    func header(_ name: String) -> String? { headers[HTTPField.Name(name)!] }
}

/// A Hummingbird server on 127.0.0.1 (a free port) whose routes the test scripts, recording every
/// request it receives.
final class TestServer: Sendable {
    typealias Handler = @Sendable (Received, Int) async throws -> Response

    private let received = Mutex<[Received]>([])
    var requests: [Received] { received.withLock { $0 } }

    /// Runs `body` with the server listening; `routes` answers each request (with how many
    /// requests came before it on the same path).
    static func run<T: Sendable>(
        _ routes: @escaping Handler,
        _ body: @Sendable (TestServer, Int) async throws -> T
    ) async throws -> T {
        let server = TestServer()
        let router = Router()
        let respond: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            let entry = Received(
                method: request.method, path: request.uri.path, query: request.uri.query ?? "",
                headers: request.headers, body: String(buffer: bytes)
            )
            let earlier = server.received.withLock { list in
                defer { list.append(entry) }
                return list.count { $0.path == entry.path }
            }
            return try await routes(entry, earlier)
        }
        for method in [HTTPRequest.Method.get, .post, .put, .delete] {
            router.on("**", method: method, use: respond)
        }
        let (ports, port) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in port.yield(channel.localAddress?.port ?? 0) }
        )
        let running = Task { try await app.runService(gracefulShutdownSignals: []) }
        defer { running.cancel() }
        var iterator = ports.makeAsyncIterator()
        let bound = try #require(await iterator.next())
        return try await body(server, bound)
    }
}

/// JSON with a status and headers.
func json(_ text: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
    var fields = headers
    fields[.contentType] = "application/json"
    return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
}

/// Points the spec's base URLs (`http://carts.test`, `http://payments.test`, the loyalty
/// document's `http://loyalty.test/api`) at the test server, keeping their paths; any other base
/// URL (the refused endpoint) is left alone. The middleware mechanism users have for the same job
/// (a staging host, a sidecar).
struct ToTestServer: ClientMiddleware {
    let port: Int

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard baseURL.host?.hasSuffix(".test") == true,
              var components = URLComponents(url: baseURL, resolvingAgainstBaseURL: false) else {
            return try await next(request, body, baseURL)
        }
        components.scheme = "http"
        components.host = "127.0.0.1"
        components.port = port
        return try await next(request, body, components.url!)
    }
}

let cartJSON = #"{"id":"c1","total_cents":1250,"tier":"SILVER","placed_at":"2024-05-01T12:00:00Z"}"#

func context(_ step: String = "cart") -> CallContext {
    CallContext(workflow: "checkout", step: step, correlationID: "corr-7")
}

@Suite(.serialized, .timeLimit(.minutes(1)))
struct HTTPClientIntegrationTests {
    let transport = AsyncHTTPClientTransport()

    func carts(_ port: Int) -> CartsHTTPClient {
        CartsHTTPClient(transport: transport, middlewares: [ToTestServer(port: port)])
    }

    func orchestrator(_ port: Int) -> ShopHTTPOrchestrator {
        ShopHTTPOrchestrator(
            carts: CartsHTTPClient(transport: transport, middlewares: [ToTestServer(port: port)]),
            payments: PaymentsHTTPClient(transport: transport, middlewares: [ToTestServer(port: port)]),
            loyalty: LoyaltyHTTPClient(transport: transport, middlewares: [ToTestServer(port: port)])
        )
    }

    @Test func aGetSendsPathQueryListsAndHeadersAndDecodesWireNames() async throws {
        try await TestServer.run({ _, _ in json(cartJSON) }) { server, port in
            let input = CartsGetCartInput(cartId: "c 1/2", expand: nil, tags: ["a b", "c"], tier: .silver)
            let cart = try await carts(port).getCart(input, context: context())
            #expect(cart == Cart(id: "c1", totalCents: 1250, tier: .silver, placedAt: Date(timeIntervalSince1970: 1_714_564_800)))
            let request = try #require(server.requests.first)
            #expect(request.method == .get)
            #expect(request.path == "/v1/carts/c%201%2F2")
            #expect(request.query == "tags=a%20b&tags=c&tier=SILVER", "a list repeats its name; an absent optional is left out")
            #expect(request.header("Accept") == "application/json")
            #expect(request.header("X-Api-Version") == "2")
            #expect(request.header("X-Correlation-ID") == "corr-7")
            #expect(request.header("User-Agent") == "baton/0.1.0")
            #expect(request.header("Content-Type") == nil)
        }
    }

    @Test func everyStatusClassOverTheWire() async throws {
        let statuses: [Int: ErrorClass] = [
            408: .timeout, 504: .timeout, 429: .overloaded, 503: .unavailable, 502: .unavailable,
            500: .transient, 404: .permanent, 422: .permanent,
        ]
        try await TestServer.run({ request, _ in
            let code = Int(request.path.split(separator: "/").last!)!
            return json(#"{"error":"nope"}"#, status: .init(code: code))
        }) { server, port in
            for (status, expected) in statuses.sorted(by: { $0.key < $1.key }) {
                let error = try await #require(throws: HTTPStatusError.self) {
                    try await carts(port).removeCart(CartsRemoveCartInput(cartId: "\(status)"), context: context())
                }
                #expect(error.status.code == status)
                #expect(error.errorClass == expected, "\(status)")
                #expect(String(decoding: error.body, as: UTF8.self) == #"{"error":"nope"}"#)
            }
        }
    }

    @Test func retryAfterInSecondsAndAsAnHTTPDate() async throws {
        try await TestServer.run({ request, _ in
            if request.path.hasSuffix("seconds") {
                return json("{}", status: .serviceUnavailable, headers: [.retryAfter: "7"])
            }
            // The server sets `Date` itself: the HTTP-date is 10 s after it.
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
            return json("{}", status: .tooManyRequests, headers: [.retryAfter: formatter.string(from: Date().addingTimeInterval(10))])
        }) { _, port in
            let seconds = try await #require(throws: HTTPStatusError.self) {
                try await carts(port).removeCart(CartsRemoveCartInput(cartId: "seconds"), context: context())
            }
            #expect(seconds.errorClass == .overloaded)
            #expect(seconds.retryAfter == .seconds(7))
            let dated = try await #require(throws: HTTPStatusError.self) {
                try await carts(port).removeCart(CartsRemoveCartInput(cartId: "date"), context: context())
            }
            #expect(dated.errorClass == .overloaded)
            let wait = try #require(dated.retryAfter)
            #expect(wait > .seconds(8) && wait <= .seconds(10), "\(wait): measured from the response's Date (whole seconds)")
        }
    }

    @Test func aBodyThatDoesNotDecodeIsPermanentAndNotRetried() async throws {
        try await TestServer.run({ _, _ in json(#"{"id":1}"#) }) { server, port in
            let error = try await #require(throws: WorkflowError.self) {
                try await orchestrator(port).checkout(CheckoutInput(cartId: "c1", orderId: "o1"))
            }
            #expect(error.failedStep == "cart")
            #expect(error.errorClass == .permanent)
            #expect(server.requests.count == 1, "a permanent failure is not retried")
        }
    }

    @Test func aRefusedEndpointIsUnavailableAndTheRetryReachesTheOther() async throws {
        try await TestServer.run({ request, _ in
            switch request.path {
            case "/v1/charges": json(#"{"chargeId":"ch-1"}"#)
            case "/v1/carts/c1/note": json(cartJSON)
            default: json(cartJSON)
            }
        }) { server, port in
            let shop = orchestrator(port)
            // Round robin over [127.0.0.1:1 (refused), payments.test]: one of two runs starts on
            // the refused endpoint.
            var attempts: [Int] = []
            for order in ["o1", "o2"] {
                let result = try await shop.checkout(CheckoutInput(cartId: "c1", orderId: order))
                #expect(result.output == CheckoutOutput(chargeId: "ch-1", total: 1250))
                attempts.append(result.report[step: "charge"]?.attempts ?? 0)
            }
            #expect(attempts.sorted() == [1, 2], "the run that met the refused endpoint retried on the other")
            let charges = server.requests.filter { $0.path == "/v1/charges" }
            #expect(charges.count == 2, "only the reachable endpoint received charges")
            #expect(charges.allSatisfy { $0.header("Idempotency-Key") != nil })
            #expect(charges[0].body.contains(#""amount_cents":1250"#) && charges[0].body.contains(#""placed_at":"2024-05-01T12:00:00"#))
        }
    }

    @Test func aSlowResponseIsCutByTheAttemptTimeoutAndTheServerKnowsItsBudget() async throws {
        try await TestServer.run({ _, _ in
            try await Task.sleep(for: .seconds(2))
            return json(cartJSON)
        }) { server, port in
            let error = try await #require(throws: WorkflowError.self) {
                try await orchestrator(port).checkout(CheckoutInput(cartId: "c1", orderId: "o1"))
            }
            #expect(error.failedStep == "cart")
            #expect(error.errorClass == .timeout)
            let budgets = server.requests.compactMap { $0.header("X-Request-Timeout-Ms").flatMap(Int.init) }
            #expect(budgets.count == 3, "three attempts, each told its budget")
            #expect(budgets.allSatisfy { (1...300).contains($0) }, "\(budgets): at most the 300ms attempt timeout")
        }
    }

    @Test func retriesAndCompensationsCarryIdempotencyKeys() async throws {
        try await TestServer.run({ request, earlier in
            switch request.path {
            case "/v1/carts/c1/note":
                // The first annotation fails transiently, the retry for good: the charge is refunded.
                return earlier == 0 ? json("{}", status: .internalServerError) : json(#"{"error":"conflict"}"#, status: .conflict)
            case "/v1/charges": return json(#"{"chargeId":"ch-9"}"#)
            case "/v1/charges/ch-9/refund": return json(#"{"refunded":true}"#)
            default: return json(cartJSON)
            }
        }) { server, port in
            let error = try await #require(throws: WorkflowError.self) {
                try await orchestrator(port).checkout(CheckoutInput(cartId: "c1", orderId: "order-5"), correlationID: "corr-9")
            }
            #expect(error.failedStep == "annotate")
            #expect(error.compensations.map(\.step) == ["charge"])
            let notes = server.requests.filter { $0.path == "/v1/carts/c1/note" }
            #expect(notes.count == 2)
            #expect(notes.allSatisfy { $0.header("Idempotency-Key") == "order-5" }, "a retry repeats the key")
            #expect(notes.allSatisfy { $0.header("If-Match") == "order-5" && $0.body == #"{"text":"charged"}"# })
            let refund = try #require(server.requests.first { $0.path == "/v1/charges/ch-9/refund" })
            #expect(refund.method == .post)
            #expect(refund.header("Idempotency-Key") != nil, "a compensation carries a key")
            #expect(refund.header("X-Correlation-ID") == "corr-9")
        }
    }

    // MARK: - A service imported from an OpenAPI document (spec-v1 §12)

    @Test func anOpenAPIDescribedServiceSendsWhatItsDocumentSays() async throws {
        let balanceJSON = #"{"member_id":"m 1","points":150,"tier_level":"GOLD","expires_at":null}"#
        try await TestServer.run({ _, _ in json(balanceJSON, status: .created) }) { server, port in
            let loyalty = LoyaltyHTTPClient(transport: transport, middlewares: [ToTestServer(port: port)])
            let input = LoyaltyAwardInput(memberId: "m 1", xChannel: "web", dryRun: true, body: Award(points: 50, reason: .birthday))
            let balance = try await loyalty.award(input, context: context("award"))
            // Wire names of the document decode into Swift names; `null` into an absent optional.
            #expect(balance == Balance(memberId: "m 1", points: 150, tierLevel: .gold, expiresAt: nil))
            let request = try #require(server.requests.first)
            #expect(request.method == .post)
            #expect(request.path == "/api/members/m%201/points", "the server URL's path, then the document's path")
            #expect(request.query == "dry_run=true")
            #expect(request.header("X-Channel") == "web")
            #expect(request.header("Authorization") == nil, "authentication is the transport middleware's job")
            #expect(request.header("Content-Type") == "application/json")
            #expect(request.header("Accept") == "application/json")
            #expect(request.header("X-Correlation-ID") == "corr-7")
            // The body is the document's JSON (key order is the encoder's).
            let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: Any])
            #expect(body.count == 2 && body["points"] as? Int == 50 && body["reason"] as? String == "BIRTHDAY")
        }
    }

    @Test func anOpenAPIDescribedServiceHasTheStatusClassesRetriesAndKeysOfAnHTTPOne() async throws {
        try await TestServer.run({ request, earlier in
            switch request.path {
            case "/api/members/m1/points":
                // A transient failure, then the award: the retry repeats the idempotency key.
                earlier == 0 ? json("{}", status: .internalServerError)
                    : json(#"{"member_id":"m1","points":50,"tier_level":"SILVER"}"#, status: .created)
            case "/api/members/m1/balance":
                json(#"{"member_id":"m1","points":75,"tier_level":"SILVER"}"#)
            default:
                json(#"{"error":"nope"}"#, status: .init(code: Int(request.path.split(separator: "/")[2])!))
            }
        }) { server, port in
            let result = try await orchestrator(port).reward(RewardInput(memberId: "m1"), correlationID: "corr-3")
            #expect(result.output == RewardOutput(points: 75))
            #expect(result.report[step: "award"]?.attempts == 2)
            let awards = server.requests.filter { $0.path == "/api/members/m1/points" }
            #expect(awards.count == 2)
            #expect(awards.allSatisfy { $0.header("Idempotency-Key") == "m1" && $0.header("X-Correlation-ID") == "corr-3" })
            #expect(awards.allSatisfy { $0.header("X-Request-Timeout-Ms").flatMap(Int.init).map { (1...300).contains($0) } == true })
            let balance = try #require(server.requests.first { $0.path == "/api/members/m1/balance" })
            #expect(balance.method == .get && balance.body.isEmpty)

            // The same classification as a bound service: statuses become error classes.
            let loyalty = LoyaltyHTTPClient(transport: transport, middlewares: [ToTestServer(port: port)])
            for (status, expected) in [(409, ErrorClass.permanent), (429, .overloaded), (502, .unavailable), (504, .timeout)] {
                let error = try await #require(throws: HTTPStatusError.self) {
                    try await loyalty.balance(LoyaltyBalanceInput(memberId: "\(status)"), context: context("balance"))
                }
                #expect(error.status.code == status)
                #expect(error.errorClass == expected, "\(status)")
            }
        }
    }
}
