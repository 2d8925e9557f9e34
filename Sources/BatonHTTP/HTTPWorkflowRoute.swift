public import BatonRuntime
import Foundation
public import HTTPTypes
import Tracing

/// One workflow served over HTTP (spec-v1 §13), independent of any server framework: a request
/// head and its body bytes in, a response head and body bytes out.
///
/// Generated `X.Server.swift` files build these from the spec's `http` bindings
/// (`orchestrator.httpRoutes()`); `BatonHummingbird` mounts them on a Hummingbird router in one
/// call, and any other framework can mount them in a few lines: match ``method`` and
/// ``pathTemplate`` (or call ``matchPath(_:)``), collect at most ``maxBodyBytes`` of the body,
/// and send what ``respond(to:pathParameters:body:)`` returns.
///
/// Every response carries `X-Correlation-ID`. 200 carries the JSON output with `Baton-Complete`
/// and, when a step is missing, `Baton-Missing`; errors are `application/problem+json`
/// (``HTTPProblem``): 400 for input that does not decode or a bad header, 413 beyond the body
/// limit, 429 with `Retry-After` when admission control refuses the call, 504 when the deadline
/// expired, 503 (with `Retry-After` when known) when a required step failed as `overloaded` or
/// `unavailable`, 502 for any other failed step.
public struct HTTPWorkflowRoute: Sendable {
    /// One piece of a route's path.
    public enum PathPart: Sendable, Hashable {
        /// Text matched as written.
        case literal(String)
        /// A placeholder: one path segment, the value of the input field with this wire name.
        case parameter(String)
    }

    /// The workflow's spec name.
    public let workflow: String
    /// The request method.
    public let method: HTTPRequest.Method
    /// The path template as the spec writes it (`/v1/orders/{orderId}`).
    public let pathTemplate: String
    /// The path template in pieces.
    public let pathParts: [PathPart]
    /// The largest request body accepted; a larger one is answered 413.
    public let maxBodyBytes: Int
    private let handler: @Sendable (Request) async -> HTTPWorkflowResponse

    /// What a handler gets: the request, already checked for size.
    struct Request: Sendable {
        var head: HTTPRequest
        var pathParameters: [String: String]
        var body: [UInt8]
    }

    init(workflow: String, method: HTTPRequest.Method, pathTemplate: String, pathParts: [PathPart], maxBodyBytes: Int,
         handler: @escaping @Sendable (Request) async -> HTTPWorkflowResponse) {
        self.workflow = workflow
        self.method = method
        self.pathTemplate = pathTemplate
        self.pathParts = pathParts
        self.maxBodyBytes = maxBodyBytes
        self.handler = handler
    }

    /// Answers one request.
    ///
    /// - Parameters:
    ///   - request: The request head (its method and path are not checked again).
    ///   - pathParameters: The placeholders' values by name, percent-decoded (a router's
    ///     parameters, or ``matchPath(_:)``'s result).
    ///   - body: The request body; more than ``maxBodyBytes`` is answered 413.
    public func respond(to request: HTTPRequest, pathParameters: [String: String] = [:], body: [UInt8]) async -> HTTPWorkflowResponse {
        guard body.count <= maxBodyBytes else {
            return HTTPWorkflowResponse.problem(
                .bodyTooLarge, detail: "the request body is larger than \(maxBodyBytes) bytes",
                correlationID: Self.correlationID(of: request) ?? Self.newCorrelationID()
            )
        }
        return await handler(Request(head: request, pathParameters: pathParameters, body: body))
    }

    /// The placeholders' values when `path` (without the query) matches this route, else nil.
    /// Segments are percent-decoded.
    public func matchPath(_ path: Substring) -> [String: String]? {
        var rest = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        var parameters: [String: String] = [:]
        for part in pathParts {
            switch part {
            case .literal(let text):
                guard rest.hasPrefix(text) else { return nil }
                rest = rest.dropFirst(text.count)
            case .parameter(let name):
                let segment = rest.prefix { $0 != "/" }
                guard !segment.isEmpty, let value = String(segment).removingPercentEncoding else { return nil }
                parameters[name] = value
                rest = rest.dropFirst(segment.count)
            }
        }
        return rest.isEmpty ? parameters : nil
    }

    /// The `X-Correlation-ID` of a request when it is usable (1–128 visible ASCII characters).
    static func correlationID(of request: HTTPRequest) -> String? {
        guard let value = request.headerFields[HTTPServiceClient.correlationID], (1...128).contains(value.utf8.count),
              value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        return value
    }

    static func newCorrelationID() -> String { UUID().uuidString.lowercased() }
}

/// A workflow route's answer: the response head (status and header fields) and the body bytes.
public struct HTTPWorkflowResponse: Sendable {
    /// Status and header fields.
    public var head: HTTPResponse
    /// The body: JSON output or problem details.
    public var body: [UInt8]

    /// A response.
    public init(head: HTTPResponse, body: [UInt8]) {
        self.head = head
        self.body = body
    }

    static let problemContentType = "application/problem+json"

    static func problem(_ kind: HTTPProblem.Kind, detail: String, correlationID: String,
                        retryAfter: Duration? = nil, failure: WorkflowError? = nil) -> HTTPWorkflowResponse {
        let problem = HTTPProblem(
            type: kind.rawValue, title: kind.title, status: kind.status.code, detail: detail, correlationId: correlationID,
            step: failure?.failedStep, errorClass: failure.map { "\($0.errorClass)" },
            compensations: failure.map { error in
                error.compensations.map { HTTPProblem.Compensation(step: $0.step, outcome: $0.succeeded ? "compensated" : "failed") }
            }
        )
        var head = HTTPResponse(status: kind.status)
        head.headerFields[.contentType] = problemContentType
        head.headerFields[HTTPServiceClient.correlationID] = correlationID
        if let retryAfter { head.headerFields[.retryAfter] = String(RetryAfter.wholeSeconds(retryAfter)) }
        let body = (try? BatonJSON.encoder.encode(problem)).map { [UInt8]($0) } ?? []
        return HTTPWorkflowResponse(head: head, body: body)
    }
}

/// What a workflow route passes to the orchestrator for one request.
public struct HTTPWorkflowCall: Sendable {
    /// `X-Correlation-ID`, or a new id when the request has none.
    public var correlationID: String
    /// `X-Caller-Class` (already checked against the workflow's classes); nil for the default.
    public var admissionClass: String?
    /// `X-Request-Timeout-Ms`: shortens the run's deadline; nil when absent.
    public var timeout: Duration?
}

/// How the input of a `GET`/`DELETE` route is read from the path and the query string.
public struct HTTPInputParameter: Sendable, Hashable {
    /// The JSON kind a parameter's text becomes before the input is decoded.
    public enum Kind: Sendable, Hashable {
        /// Text as it is: strings, uuids, dates, enums.
        case string
        /// A whole number.
        case integer
        /// A number (double or decimal).
        case number
        /// `true` or `false`.
        case boolean
    }

    /// The wire name (the placeholder's and the query parameter's name).
    public var name: String
    /// What the parameter's text becomes.
    public var kind: Kind
    /// A list: the query parameter may repeat.
    public var isArray: Bool

    /// A parameter.
    public init(_ name: String, _ kind: Kind, isArray: Bool = false) {
        self.name = name
        self.kind = kind
        self.isArray = isArray
    }
}

extension HTTPWorkflowRoute {
    /// The default request body limit: 1 MiB.
    public static let defaultMaxBodyBytes = 1 << 20

    /// A route whose input is read from the request: the JSON body (`POST`, `PUT`, `PATCH`;
    /// `parameters` empty) or the path and the query string (`GET`, `DELETE`).
    ///
    /// - Parameters:
    ///   - workflow: The workflow's spec name.
    ///   - method: The request method.
    ///   - pathTemplate: The path as the spec writes it, `{name}` for placeholders.
    ///   - parameters: For `GET`/`DELETE`: every input field, by wire name and kind.
    ///   - admissionClasses: The workflow's caller classes (an unknown `X-Caller-Class` is 400);
    ///     empty when it has none.
    ///   - maxBodyBytes: The largest request body accepted.
    ///   - instrument: Reads `traceparent`; nil for the one bootstrapped in `InstrumentationSystem`.
    ///   - run: Runs the workflow (the generated orchestrator's method).
    public static func workflow<Input: Decodable & Sendable, Output: Encodable & Sendable>(
        _ workflow: String,
        method: HTTPRequest.Method,
        path pathTemplate: String,
        parameters: [HTTPInputParameter] = [],
        admissionClasses: [String] = [],
        maxBodyBytes: Int = defaultMaxBodyBytes,
        instrument: (any Instrument)? = nil,
        run: @escaping @Sendable (Input, HTTPWorkflowCall) async throws -> WorkflowResult<Output>
    ) -> HTTPWorkflowRoute {
        let readsBody = parameters.isEmpty && method != .get && method != .delete
        return HTTPWorkflowRoute(
            workflow: workflow, method: method, pathTemplate: pathTemplate, pathParts: parsePathTemplate(pathTemplate),
            maxBodyBytes: maxBodyBytes
        ) { request in
            let correlationID = correlationID(of: request.head) ?? newCorrelationID()
            func badRequest(_ detail: String) -> HTTPWorkflowResponse {
                .problem(.badRequest, detail: detail, correlationID: correlationID)
            }
            if let given = request.head.headerFields[HTTPServiceClient.correlationID], correlationID != given {
                return badRequest("X-Correlation-ID must be 1 to 128 visible ASCII characters")
            }
            var timeout: Duration?
            if let text = request.head.headerFields[HTTPServiceClient.requestTimeout] {
                guard let milliseconds = Int64(text), milliseconds >= 0 else {
                    return badRequest("X-Request-Timeout-Ms must be a whole number of milliseconds, not '\(text.prefix(40))'")
                }
                timeout = .milliseconds(milliseconds)
            }
            var admissionClass: String?
            if let text = request.head.headerFields[callerClass] {
                guard admissionClasses.contains(text) else {
                    let known = admissionClasses.isEmpty ? "this workflow has no caller classes" : "use one of \(admissionClasses.joined(separator: ", "))"
                    return badRequest("unknown caller class '\(text.prefix(40))' in X-Caller-Class; \(known)")
                }
                admissionClass = text
            }
            let input: Input
            do {
                let json = readsBody ? Data(request.body) : try parameterObject(parameters, request)
                input = try BatonJSON.decoder.decode(Input.self, from: json)
            } catch let error as InputError {
                return badRequest(error.detail)
            } catch let error as DecodingError {
                return badRequest(describe(error))
            } catch {
                return badRequest("the request body is not JSON")
            }
            let call = HTTPWorkflowCall(correlationID: correlationID, admissionClass: admissionClass, timeout: timeout)
            var context = ServiceContext.current ?? .topLevel
            (instrument ?? InstrumentationSystem.instrument).extract(request.head.headerFields, into: &context, using: HTTPFieldsExtractor())
            do {
                let result = try await ServiceContext.$current.withValue(context) { try await run(input, call) }
                return success(result, correlationID: correlationID)
            } catch let error as OverloadedError {
                return .problem(.overloaded, detail: "workflow '\(workflow)' is at its admitted rate or concurrency; retry later",
                                correlationID: correlationID, retryAfter: error.retryAfter ?? .seconds(1))
            } catch let error as WorkflowError {
                return failure(error, workflow: workflow, correlationID: correlationID)
            } catch {
                return .problem(.stepFailed, detail: "workflow '\(workflow)' failed", correlationID: correlationID)
            }
        }
    }

    static let callerClass = HTTPField.Name("X-Caller-Class")!
    static let complete = HTTPField.Name("Baton-Complete")!
    static let missing = HTTPField.Name("Baton-Missing")!

    private static func success<Output: Encodable>(_ result: WorkflowResult<Output>, correlationID: String) -> HTTPWorkflowResponse {
        guard let body = try? BatonJSON.encoder.encode(result.output) else {
            return .problem(.stepFailed, detail: "the output could not be encoded as JSON", correlationID: correlationID)
        }
        var head = HTTPResponse(status: .ok)
        head.headerFields[.contentType] = "application/json"
        head.headerFields[HTTPServiceClient.correlationID] = correlationID
        head.headerFields[complete] = result.report.isComplete ? "true" : "false"
        if !result.report.isComplete {
            head.headerFields[missing] = result.report.missing.map(\.step).joined(separator: ",")
        }
        return HTTPWorkflowResponse(head: head, body: [UInt8](body))
    }

    private static func failure(_ error: WorkflowError, workflow: String, correlationID: String) -> HTTPWorkflowResponse {
        let step = error.failedStep
        switch error.errorClass {
        case .timeout:
            return .problem(.deadlineExpired, detail: "workflow '\(workflow)' ran out of time at step '\(step)'",
                            correlationID: correlationID, failure: error)
        case .overloaded, .unavailable:
            return .problem(.dependencyUnavailable, detail: "step '\(step)' of workflow '\(workflow)' failed: \(error.errorClass)",
                            correlationID: correlationID, retryAfter: error.retryAfter, failure: error)
        default:
            return .problem(.stepFailed, detail: "step '\(step)' of workflow '\(workflow)' failed: \(error.errorClass)",
                            correlationID: correlationID, failure: error)
        }
    }

    static func parsePathTemplate(_ template: String) -> [PathPart] {
        var parts: [PathPart] = []
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            if open > rest.startIndex { parts.append(.literal(String(rest[..<open]))) }
            parts.append(.parameter(String(rest[rest.index(after: open)..<close])))
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty { parts.append(.literal(String(rest))) }
        return parts
    }
}

/// A path or query value that is not what the input field takes.
struct InputError: Error {
    var detail: String
}

/// The input of a `GET`/`DELETE` route as a JSON object: placeholders from the path, every other
/// parameter from the query string, each converted to its JSON kind.
private func parameterObject(_ parameters: [HTTPInputParameter], _ request: HTTPWorkflowRoute.Request) throws -> Data {
    var query: [String: [String]] = [:]
    if let path = request.head.path, let mark = path.firstIndex(of: "?") {
        for pair in path[path.index(after: mark)...].split(separator: "&") {
            let nameAndValue = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decodeQueryComponent(nameAndValue[0]) else {
                throw InputError(detail: "the query string is not valid percent-encoded text")
            }
            let value = nameAndValue.count > 1 ? decodeQueryComponent(nameAndValue[1]) : ""
            guard let value else { throw InputError(detail: "the query parameter '\(name)' is not valid percent-encoded text") }
            query[name, default: []].append(value)
        }
    }
    var object: [String: Any] = [:]
    for parameter in parameters {
        let texts = request.pathParameters[parameter.name].map { [$0] } ?? query[parameter.name] ?? []
        if texts.isEmpty { continue }
        let values = try texts.map { try jsonValue($0, parameter) }
        if parameter.isArray {
            object[parameter.name] = values
        } else if values.count > 1 {
            throw InputError(detail: "the query parameter '\(parameter.name)' is given \(values.count) times but takes one value")
        } else {
            object[parameter.name] = values[0]
        }
    }
    return try JSONSerialization.data(withJSONObject: object)
}

private func decodeQueryComponent(_ text: Substring) -> String? {
    text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
}

private func jsonValue(_ text: String, _ parameter: HTTPInputParameter) throws -> Any {
    switch parameter.kind {
    case .string:
        return text
    case .integer:
        guard let value = Int(text) else { throw InputError(detail: "'\(parameter.name)' must be a whole number, not '\(text.prefix(40))'") }
        return value
    case .number:
        guard let value = Double(text), value.isFinite else {
            throw InputError(detail: "'\(parameter.name)' must be a number, not '\(text.prefix(40))'")
        }
        return value
    case .boolean:
        switch text {
        case "true": return true
        case "false": return false
        default: throw InputError(detail: "'\(parameter.name)' must be true or false, not '\(text.prefix(40))'")
        }
    }
}

/// What is wrong with the input, in the caller's terms (field paths by wire name), without the
/// decoder's internal wording.
private func describe(_ error: DecodingError) -> String {
    func path(_ codingPath: [any CodingKey]) -> String {
        codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop { $0 == "." }.description
    }
    switch error {
    case .keyNotFound(let key, let context):
        let parent = path(context.codingPath)
        return "missing field '\(parent.isEmpty ? key.stringValue : parent + "." + key.stringValue)'"
    case .valueNotFound(_, let context):
        return "field '\(path(context.codingPath))' must not be null"
    case .typeMismatch(let type, let context):
        let at = path(context.codingPath)
        return at.isEmpty ? "the input must be a JSON object" : "field '\(at)' must be \(jsonKind(type))"
    case .dataCorrupted(let context):
        let at = path(context.codingPath)
        return at.isEmpty ? "the request body is not valid JSON" : "field '\(at)' has a value it cannot take"
    @unknown default:
        return "the input does not decode"
    }
}

private func jsonKind(_ type: Any.Type) -> String {
    switch type {
    case is String.Type: "text"
    case is Bool.Type: "true or false"
    case is Int.Type, is Int64.Type, is Int32.Type: "a whole number"
    case is Double.Type, is Float.Type, is Decimal.Type: "a number"
    case is [Any].Type: "a list"
    default: "an object"
    }
}

/// Reads trace context (`traceparent`, `tracestate`) from request header fields.
struct HTTPFieldsExtractor: Extractor {
    func extract(key: String, from carrier: HTTPFields) -> String? {
        HTTPField.Name(key).flatMap { carrier[$0] }
    }
}
