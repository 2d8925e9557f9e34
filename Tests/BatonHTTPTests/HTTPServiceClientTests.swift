import BatonHTTP
import BatonRuntime
import BatonTesting
import Foundation
import HTTPTypes
import InMemoryTracing
import OpenAPIRuntime
import Testing

/// A transport that records what it is asked to send and answers from a script.
final class RecordingTransport: ClientTransport, Sendable {
    struct Sent: Sendable {
        var request: HTTPRequest
        var body: Data?
        var baseURL: URL
        var operationID: String
    }

    typealias Answer = @Sendable (HTTPRequest) async throws -> (HTTPResponse, HTTPBody?)

    private let sent = Lock<[Sent]>([])
    private let answer: Answer

    init(_ answer: @escaping Answer) { self.answer = answer }

    /// Answers every request with `status`, `headers` and `body`.
    convenience init(status: Int = 200, headers: HTTPFields = [:], body: String = "{}") {
        self.init { _ in (HTTPResponse(status: .init(code: status), headerFields: headers), HTTPBody(body)) }
    }

    var requests: [Sent] { sent.withLock { $0 } }

    func send(_ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String) async throws -> (HTTPResponse, HTTPBody?) {
        var bytes: Data?
        if let body { bytes = try await Data(collecting: body, upTo: 1 << 20) }
        sent.withLock { $0.append(Sent(request: request, body: bytes, baseURL: baseURL, operationID: operationID)) }
        return try await answer(request)
    }
}

struct Cart: Codable, Equatable, Sendable {
    var id: String
    var total: Int
}

struct Nothing: Codable, Equatable, Sendable {}

enum Tier: String, Codable, HTTPParameterValue {
    case gold = "GOLD"
    case silver
}

func context(
    endpoint: String? = nil,
    idempotencyKey: String? = nil,
    deadline: Deadline? = nil
) -> CallContext {
    var context = CallContext(workflow: "checkout", step: "cart", deadline: deadline, correlationID: "corr-1", idempotencyKey: idempotencyKey)
    context.endpoint = endpoint.map { Endpoint(url: $0) }
    return context
}

@Suite struct HTTPServiceClientTests {
    func client(_ transport: RecordingTransport, baseURL: String? = "http://pricing:8080", headers: [(name: String, value: String)] = []) -> HTTPServiceClient {
        HTTPServiceClient(service: "pricing", baseURL: baseURL, headers: headers, transport: transport)
    }

    @Test func aGetPutsPlaceholdersInThePathAndTheRestInTheQuery() async throws {
        let transport = RecordingTransport(body: #"{"id":"c/1","total":7}"#)
        var request = HTTPOperationRequest(operationID: "pricing.getCart", method: .get, path: "/v1/carts/\(HTTPPercentEncoding.pathSegment("c/1 ü"))")
        request.addQuery("expand", true)
        request.addQuery("missing", Int?.none)
        request.addQuery("tag", ["a b", "c&d"])
        request.addQuery("tier", Tier.gold)
        let cart: Cart = try await client(transport).send(request, context: context())
        #expect(cart == Cart(id: "c/1", total: 7))
        let sent = try #require(transport.requests.first)
        #expect(sent.request.method == .get)
        #expect(sent.request.path == "/v1/carts/c%2F1%20%C3%BC?expand=true&tag=a%20b&tag=c%26d&tier=GOLD")
        #expect(sent.baseURL.absoluteString == "http://pricing:8080")
        #expect(sent.operationID == "pricing.getCart")
        #expect(sent.body == nil)
        #expect(sent.request.headerFields[.contentType] == nil, "no body, no Content-Type")
    }

    @Test func everyRequestCarriesTheHeadersOfTheRun() async throws {
        let transport = RecordingTransport()
        let clock = ManualClock()
        var request = HTTPOperationRequest(operationID: "pricing.quote", method: .post, path: "/v1/quotes")
        var body = HTTPJSONObject()
        body.add("cart_id", "c1")
        body.add("coupon", String?.none)
        body.add("placed_at", Date(timeIntervalSince1970: 1_700_000_000))
        try request.setJSONBody(body)
        request.setHeader("X-Tenant", "acme")
        var attempt = context(idempotencyKey: "key-1", deadline: .after(.seconds(2), clock: clock.asAnyClock))
        attempt.attemptDeadline = .after(.milliseconds(150.7), clock: clock.asAnyClock)
        let _: Nothing = try await client(transport, headers: [("X-Api-Version", "2"), ("Accept", "application/vnd.pricing+json")])
            .send(request, context: attempt)
        let sent = try #require(transport.requests.first)
        let fields = sent.request.headerFields
        #expect(fields[.accept] == "application/vnd.pricing+json", "a static header may replace Accept")
        #expect(fields[.contentType] == "application/json")
        #expect(fields[.userAgent] == "baton/0.1.0")
        #expect(fields[HTTPField.Name("X-Correlation-ID")!] == "corr-1")
        #expect(fields[HTTPField.Name("Idempotency-Key")!] == "key-1")
        #expect(fields[HTTPField.Name("X-Request-Timeout-Ms")!] == "150", "what is left of the attempt, whole milliseconds")
        #expect(fields[HTTPField.Name("X-Api-Version")!] == "2")
        #expect(fields[HTTPField.Name("X-Tenant")!] == "acme")
        let json = try #require(sent.body.map { String(decoding: $0, as: UTF8.self) })
        #expect(json.contains(#""cart_id":"c1""#))
        #expect(json.contains(#""placed_at":"2023-11-14T22:13:20.000Z""#))
        #expect(!json.contains("coupon"), "an absent optional is left out")
    }

    @Test func theTimeoutHeaderIsAtLeastOneMillisecondAndFollowsTheRunWithoutAnAttemptDeadline() async throws {
        let transport = RecordingTransport()
        let clock = ManualClock()
        let request = HTTPOperationRequest(operationID: "pricing.ping", method: .get, path: "/ping")
        let _: Nothing = try await client(transport).send(request, context: context(deadline: .after(.microseconds(10), clock: clock.asAnyClock)))
        let _: Nothing = try await client(transport).send(request, context: context())
        #expect(transport.requests[0].request.headerFields[HTTPField.Name("X-Request-Timeout-Ms")!] == "1")
        #expect(transport.requests[1].request.headerFields[HTTPField.Name("X-Request-Timeout-Ms")!] == nil)
        #expect(transport.requests[1].request.headerFields[HTTPField.Name("Idempotency-Key")!] == nil)
    }

    @Test func theRoutedEndpointIsTheBaseURL() async throws {
        let transport = RecordingTransport()
        let request = HTTPOperationRequest(operationID: "pricing.ping", method: .get, path: "/ping")
        let _: Nothing = try await client(transport).send(request, context: context(endpoint: "http://pricing-eu:8080/base"))
        #expect(transport.requests[0].baseURL.absoluteString == "http://pricing-eu:8080/base")
        await #expect(throws: HTTPRequestError.self) {
            let _: Nothing = try await client(transport, baseURL: nil).send(request, context: context())
        }
    }

    @Test(arguments: [
        (408, ErrorClass.timeout), (504, .timeout), (429, .overloaded), (503, .unavailable), (502, .unavailable),
        (500, .transient), (501, .transient), (599, .transient), (400, .permanent), (404, .permanent), (409, .permanent),
        (451, .permanent), (304, .permanent),
    ])
    func statusesAreClassified(status: Int, expected: ErrorClass) async throws {
        let transport = RecordingTransport(status: status, body: "nope")
        let request = HTTPOperationRequest(operationID: "pricing.ping", method: .get, path: "/ping")
        let error = try await #require(throws: HTTPStatusError.self) {
            let _: Nothing = try await client(transport).send(request, context: context())
        }
        #expect(error.errorClass == expected)
        #expect(ErrorClassifier.standard.classify(error).errorClass == expected)
        #expect(error.status.code == status)
        #expect(error.body == Data("nope".utf8))
        #expect(error.retryAfter == nil)
    }

    @Test func retryAfterInSecondsAndAsAnHTTPDate() async throws {
        let request = HTTPOperationRequest(operationID: "pricing.ping", method: .get, path: "/ping")
        func failure(_ status: Int, _ fields: HTTPFields) async throws -> HTTPStatusError {
            let transport = RecordingTransport(status: status, headers: fields, body: "")
            return try await #require(throws: HTTPStatusError.self) {
                let _: Nothing = try await HTTPServiceClient(
                    service: "pricing", baseURL: "http://pricing:8080", transport: transport,
                    now: { Date(timeIntervalSince1970: 784_111_767) }  // Sun, 06 Nov 1994 08:49:27 GMT
                ).send(request, context: context())
            }
        }
        let seconds = try await failure(503, [.retryAfter: "3"])
        #expect(seconds.errorClass == .overloaded, "503 with Retry-After is overloaded")
        #expect(seconds.retryAfter == .seconds(3))
        #expect(ErrorClassifier.standard.classify(seconds).retryAfter == .seconds(3))
        // An HTTP-date, measured from the response's Date when there is one, else the local clock.
        let dated = try await failure(429, [.retryAfter: "Sun, 06 Nov 1994 08:49:37 GMT", .date: "Sun, 06 Nov 1994 08:49:32 GMT"])
        #expect(dated.retryAfter == .seconds(5))
        let local = try await failure(429, [.retryAfter: "Sun, 06 Nov 1994 08:49:37 GMT"])
        #expect(local.retryAfter == .seconds(10))
        let past = try await failure(429, [.retryAfter: "Sun, 06 Nov 1994 08:00:00 GMT"])
        #expect(past.retryAfter == .zero)
        let garbage = try await failure(503, [.retryAfter: "soon"])
        #expect(garbage.retryAfter == nil && garbage.errorClass == .unavailable)
    }

    @Test func theObsoleteHTTPDateFormatsAreAccepted() {
        let expected = Date(timeIntervalSince1970: 784_111_777)
        #expect(RetryAfter.httpDate("Sun, 06 Nov 1994 08:49:37 GMT") == expected)
        #expect(RetryAfter.httpDate("Sunday, 06-Nov-94 08:49:37 GMT") == expected)
        #expect(RetryAfter.httpDate("Sun Nov  6 08:49:37 1994") == expected)
        #expect(RetryAfter.httpDate("yesterday") == nil)
        #expect(RetryAfter.parse(" 120 ", reference: expected) == .seconds(120))
        #expect(RetryAfter.parse("-1", reference: expected) == nil)
    }

    @Test func anErrorKeepsAtMost64KiBOfTheBody() async throws {
        let transport = RecordingTransport(status: 500, body: String(repeating: "x", count: 200_000))
        let request = HTTPOperationRequest(operationID: "pricing.ping", method: .get, path: "/ping")
        let error = try await #require(throws: HTTPStatusError.self) {
            let _: Nothing = try await client(transport).send(request, context: context())
        }
        #expect(error.body.count == 64 * 1024)
    }

    @Test func noResponseIsUnavailableAndCancellationStaysCancellation() async throws {
        struct Refused: Error {}
        let refused = RecordingTransport { _ in throw Refused() }
        let request = HTTPOperationRequest(operationID: "pricing.ping", method: .get, path: "/ping")
        let error = try await #require(throws: HTTPTransportError.self) {
            let _: Nothing = try await client(refused).send(request, context: context(endpoint: "http://127.0.0.1:1"))
        }
        #expect(error.errorClass == .unavailable)
        #expect(error.baseURL == "http://127.0.0.1:1")

        let hanging = RecordingTransport { _ in
            try await Task.sleep(for: .seconds(3600))
            throw Refused()
        }
        let call = Task {
            let _: Nothing = try await client(hanging).send(request, context: context())
        }
        call.cancel()
        await #expect(throws: CancellationError.self) { try await call.value }
    }

    @Test func anEmptyBodyIsAnEmptyOutputAndABodyThatDoesNotDecodeIsPermanent() async throws {
        let request = HTTPOperationRequest(operationID: "pricing.ping", method: .get, path: "/ping")
        let empty: Nothing = try await client(RecordingTransport(status: 204, body: "")).send(request, context: context())
        #expect(empty == Nothing())
        let error = try await #require(throws: HTTPResponseDecodingError.self) {
            let _: Cart = try await client(RecordingTransport(body: #"{"id":"c1"}"#)).send(request, context: context())
        }
        #expect(error.errorClass == .permanent)
        #expect(ErrorClassifier.standard.classify(error).errorClass == .permanent)
    }

    @Test func aBodyBeyondTheLimitFailsTheCall() async throws {
        let transport = RecordingTransport(body: "[" + String(repeating: "1,", count: 1000) + "1]")
        let request = HTTPOperationRequest(operationID: "pricing.ping", method: .get, path: "/ping")
        let limited = HTTPServiceClient(
            service: "pricing", baseURL: "http://pricing:8080", transport: transport, limits: .init(responseBodyBytes: 100)
        )
        let error = try await #require(throws: HTTPResponseDecodingError.self) {
            let _: [Int] = try await limited.send(request, context: context())
        }
        #expect(error.reason.contains("larger than 100 bytes"))
    }

    @Test func middlewaresRunAroundTheTransportFirstOutermost() async throws {
        struct Tag: ClientMiddleware {
            let name: String
            func intercept(
                _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
                next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
            ) async throws -> (HTTPResponse, HTTPBody?) {
                var request = request
                let seen = request.headerFields[HTTPField.Name("X-Order")!].map { $0 + "," } ?? ""
                request.headerFields[HTTPField.Name("X-Order")!] = seen + name
                return try await next(request, body, baseURL)
            }
        }
        let transport = RecordingTransport()
        let client = HTTPServiceClient(
            service: "pricing", baseURL: "http://pricing:8080", transport: transport, middlewares: [Tag(name: "auth"), Tag(name: "log")]
        )
        let _: Nothing = try await client.send(HTTPOperationRequest(operationID: "pricing.ping", method: .get, path: "/ping"), context: context())
        #expect(transport.requests[0].request.headerFields[HTTPField.Name("X-Order")!] == "auth,log")
    }

    @Test func theTraceContextIsInjectedWithinASpan() async throws {
        let tracer = InMemoryTracer()
        let transport = RecordingTransport()
        let client = HTTPServiceClient(service: "pricing", baseURL: "http://pricing:8080", transport: transport, instrument: tracer)
        let request = HTTPOperationRequest(operationID: "pricing.ping", method: .get, path: "/ping")
        try await tracer.withSpan("baton.attempt") { _ in
            let _: Nothing = try await client.send(request, context: context())
        }
        let _: Nothing = try await client.send(request, context: context())
        let traced = transport.requests[0].request.headerFields.map(\.name.canonicalName)
        let untraced = transport.requests[1].request.headerFields.map(\.name.canonicalName)
        #expect(traced.count > untraced.count, "the span's context is written into the request")
    }
}
