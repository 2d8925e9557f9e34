import BatonRuntime
import Foundation
import HTTPTypes
public import OpenAPIRuntime
import Tracing

/// Sends the requests of one HTTP-bound service (spec-v1 §11) through a swift-openapi-runtime
/// `ClientTransport` and its middlewares, and turns responses into outputs or classified errors.
///
/// Generated `<Service>HTTPClient`s make one; the transport is the user's choice
/// (`AsyncHTTPClientTransport`, `URLSessionTransport`), and so are the middlewares (auth, logging):
///
/// ```swift
/// let pricing = PricingHTTPClient(transport: AsyncHTTPClientTransport(), middlewares: [BearerAuth()])
/// ```
///
/// Every request carries `Accept: application/json`, `Content-Type: application/json` with a
/// body, `User-Agent`, `X-Correlation-ID`, `Idempotency-Key` when the context has a key,
/// `X-Request-Timeout-Ms` (what is left of the attempt) when it has a deadline, and `traceparent`
/// when a tracer is bootstrapped. The base URL is the attempt's routed endpoint, else the
/// service's `http.baseURL`.
public struct HTTPServiceClient: Sendable {
    /// How much of a response is read.
    public struct Limits: Sendable {
        /// The largest 2xx body read; a larger one fails the call (`permanent`). Default 16 MiB.
        public var responseBodyBytes: Int
        /// How much of a failed response's body an error keeps (spec-v1 §11: 64 KiB).
        public var errorBodyBytes: Int

        /// Limits of `responseBodyBytes` (default 16 MiB) and `errorBodyBytes` (default 64 KiB).
        public init(responseBodyBytes: Int = 16 << 20, errorBodyBytes: Int = 64 << 10) {
            self.responseBodyBytes = responseBodyBytes
            self.errorBodyBytes = errorBodyBytes
        }
    }

    /// `baton/<version>`, the `User-Agent` of every request.
    public static let userAgent = "baton/0.1.0"

    private let service: String
    private let baseURL: String?
    private let staticHeaders: HTTPFields
    private let transport: any ClientTransport
    private let middlewares: [any ClientMiddleware]
    private let limits: Limits
    private let now: @Sendable () -> Date
    private let instrument: (any Instrument)?

    /// A client of `service`.
    ///
    /// - Parameters:
    ///   - service: The service's spec name (in error messages and operation ids).
    ///   - baseURL: `http.baseURL`: used when an attempt has no routed endpoint.
    ///   - headers: `http.headers`: static header fields of every request, in order.
    ///   - transport: Sends the requests.
    ///   - middlewares: Run around the transport, first one outermost.
    ///   - limits: How much of a response is read.
    ///   - now: The wall clock, for a `Retry-After` date when the response has no `Date`.
    ///   - instrument: Writes the trace context into requests; `nil` (default) for the one
    ///     bootstrapped in `InstrumentationSystem` when the request is made.
    public init(
        service: String,
        baseURL: String?,
        headers: [(name: String, value: String)] = [],
        transport: any ClientTransport,
        middlewares: [any ClientMiddleware] = [],
        limits: Limits = Limits(),
        now: @escaping @Sendable () -> Date = { Date() },
        instrument: (any Instrument)? = nil
    ) {
        self.service = service
        self.baseURL = baseURL
        var fields = HTTPFields()
        for header in headers {
            if let name = HTTPField.Name(header.name) { fields.append(HTTPField(name: name, value: header.value)) }
        }
        self.staticHeaders = fields
        self.transport = transport
        self.middlewares = middlewares
        self.limits = limits
        self.now = now
        self.instrument = instrument
    }

    /// Sends `request` for the attempt described by `context` and decodes a 2xx body as `Output`
    /// (an empty body as `{}`, so an output without fields accepts it).
    ///
    /// - Throws: ``HTTPStatusError`` for any other status, ``HTTPTransportError`` when no
    ///   response came, ``HTTPResponseDecodingError`` for a body that is not the output,
    ///   ``HTTPRequestError`` when there is no base URL, `CancellationError` when the attempt was
    ///   cancelled (its timeout or the run's deadline).
    public func send<Output: Decodable>(_ request: HTTPOperationRequest, context: CallContext, as output: Output.Type = Output.self) async throws -> Output {
        guard let base = context.endpoint?.url ?? baseURL, let url = URL(string: base) else {
            throw HTTPRequestError(operation: request.operationID, reason: "no base URL: the attempt has no endpoint and the service no http.baseURL")
        }
        let head = HTTPRequest(method: request.method, scheme: nil, authority: nil, path: request.pathAndQuery, headerFields: headerFields(for: request, context: context))
        let body = request.body.map { HTTPBody($0) }

        let response: HTTPResponse
        let responseBody: HTTPBody?
        do {
            (response, responseBody) = try await chain(operationID: request.operationID)(head, body, url)
        } catch {
            if Task.isCancelled || error is CancellationError { throw CancellationError() }
            throw HTTPTransportError(operation: request.operationID, baseURL: base, underlying: error)
        }

        guard response.status.kind == .successful else {
            let excerpt = try await prefix(of: responseBody, upTo: limits.errorBodyBytes)
            let retryAfter = response.headerFields[.retryAfter].flatMap { value in
                RetryAfter.parse(value, reference: response.headerFields[.date].flatMap(RetryAfter.httpDate) ?? now())
            }
            throw HTTPStatusError(operation: request.operationID, status: response.status, headerFields: response.headerFields, body: excerpt, retryAfter: retryAfter)
        }
        let bytes = try await collect(responseBody, status: response.status, operation: request.operationID)
        do {
            return try BatonJSON.decoder.decode(Output.self, from: bytes.isEmpty ? Data("{}".utf8) : bytes)
        } catch {
            throw HTTPResponseDecodingError(
                operation: request.operationID, status: response.status, body: bytes.prefix(limits.errorBodyBytes), reason: "\(error)"
            )
        }
    }

    /// The header fields of §11, in a fixed order; the service's static headers may replace
    /// `Accept` and `User-Agent`, nothing replaces the run's correlation id, key and deadline.
    private func headerFields(for request: HTTPOperationRequest, context: CallContext) -> HTTPFields {
        var fields = HTTPFields()
        fields[.accept] = "application/json"
        if request.body != nil { fields[.contentType] = "application/json" }
        fields[.userAgent] = Self.userAgent
        for field in staticHeaders { fields[field.name] = field.value }
        for field in request.headerFields { fields[field.name] = field.value }
        fields[Self.correlationID] = context.correlationID
        if let key = context.idempotencyKey { fields[Self.idempotencyKey] = key }
        if let deadline = context.attemptDeadline ?? context.deadline {
            let left = deadline.remaining.components  // one clock reading for both parts
            fields[Self.requestTimeout] = String(max(1, left.seconds * 1_000 + left.attoseconds / 1_000_000_000_000_000))
        }
        if let serviceContext = ServiceContext.current {
            (instrument ?? InstrumentationSystem.instrument).inject(serviceContext, into: &fields, using: HTTPFieldsInjector())
        }
        return fields
    }

    /// The middlewares around the transport, first one outermost (as swift-openapi-runtime
    /// composes them).
    private func chain(operationID: String) -> @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?) {
        let transport = transport
        var next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?) = { request, body, url in
            try await transport.send(request, body: body, baseURL: url, operationID: operationID)
        }
        for middleware in middlewares.reversed() {
            let inner = next
            next = { request, body, url in
                try await middleware.intercept(request, body: body, baseURL: url, operationID: operationID, next: inner)
            }
        }
        return next
    }

    /// The whole body, or a decoding error past ``Limits/responseBodyBytes``.
    private func collect(_ body: HTTPBody?, status: HTTPResponse.Status, operation: String) async throws -> Data {
        var data = Data()
        guard let body else { return data }
        for try await chunk in body {
            guard data.count + chunk.count <= limits.responseBodyBytes else {
                throw HTTPResponseDecodingError(
                    operation: operation, status: status, body: data.prefix(limits.errorBodyBytes),
                    reason: "the body is larger than \(limits.responseBodyBytes) bytes"
                )
            }
            data.append(contentsOf: chunk)
        }
        return data
    }

    /// At most `limit` bytes of the body; the rest is not read. A body that fails midway keeps
    /// what arrived (the status already says what happened).
    private func prefix(of body: HTTPBody?, upTo limit: Int) async throws -> Data {
        var data = Data()
        guard let body else { return data }
        do {
            for try await chunk in body {
                data.append(contentsOf: chunk.prefix(limit - data.count))
                if data.count >= limit { break }
            }
        } catch {
            if Task.isCancelled { throw CancellationError() }
        }
        return data
    }

    static let correlationID = HTTPField.Name("X-Correlation-ID")!
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let requestTimeout = HTTPField.Name("X-Request-Timeout-Ms")!
}

/// Writes trace context (`traceparent`, `tracestate`) into request header fields.
struct HTTPFieldsInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout HTTPFields) {
        if let name = HTTPField.Name(key) { carrier[name] = value }
    }
}
