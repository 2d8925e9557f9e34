import BatonRuntime
import Foundation
import HTTPTypes

/// A response with a status other than 2xx, classified as spec-v1 §11 says: 408 and 504
/// `timeout`; 429 `overloaded`; 503 `overloaded` with a `Retry-After`, else `unavailable`; 502
/// `unavailable`; other 5xx `transient`; other statuses `permanent`. `Retry-After` (seconds or
/// an HTTP-date) becomes ``retryAfter``, which retries and circuit breakers honour.
public struct HTTPStatusError: ClassifiedError, CustomStringConvertible {
    /// The operation, `service.operation`.
    public var operation: String
    /// The response's status.
    public var status: HTTPResponse.Status
    /// The response's header fields.
    public var headerFields: HTTPFields
    /// The start of the response body: at most ``HTTPServiceClient/Limits/errorBodyBytes``.
    public var body: Data
    public var errorClass: ErrorClass
    public var retryAfter: Duration?

    /// A failed response; `retryAfter` is what its `Retry-After` field says.
    public init(operation: String, status: HTTPResponse.Status, headerFields: HTTPFields, body: Data, retryAfter: Duration?) {
        self.operation = operation
        self.status = status
        self.headerFields = headerFields
        self.body = body
        self.retryAfter = retryAfter
        self.errorClass = Self.errorClass(of: status.code, hasRetryAfter: retryAfter != nil)
    }

    /// The class of a non-2xx status (spec-v1 §11).
    public static func errorClass(of status: Int, hasRetryAfter: Bool) -> ErrorClass {
        switch status {
        case 408, 504: .timeout
        case 429: .overloaded
        case 503: hasRetryAfter ? .overloaded : .unavailable
        case 502: .unavailable
        case 500...599: .transient
        default: .permanent
        }
    }

    public var description: String {
        var text = "\(operation): HTTP \(status.code) \(status.reasonPhrase) (\(errorClass)"
        if let retryAfter { text += ", retry after \(retryAfter)" }
        return text + ")"
    }
}

/// The request never got a response: the connection was refused or reset, the name did not
/// resolve, the transport failed. Always `unavailable` (spec-v1 §11), so the next attempt goes
/// to another endpoint and the endpoint's breaker counts it.
public struct HTTPTransportError: ClassifiedError, CustomStringConvertible {
    /// The operation, `service.operation`.
    public var operation: String
    /// The base URL the request went to.
    public var baseURL: String
    /// What the transport (or a middleware) threw.
    public var underlying: any Error
    public var errorClass: ErrorClass { .unavailable }

    public var description: String { "\(operation): no response from \(baseURL): \(underlying)" }
}

/// A 2xx response whose body is not the operation's output: `permanent`, since the same bytes
/// will not decode next time.
public struct HTTPResponseDecodingError: ClassifiedError, CustomStringConvertible {
    /// The operation, `service.operation`.
    public var operation: String
    /// The response's status.
    public var status: HTTPResponse.Status
    /// The start of the body, at most ``HTTPServiceClient/Limits/errorBodyBytes``.
    public var body: Data
    /// Why it did not decode (`DecodingError`), or that it was larger than the limit.
    public var reason: String
    public var errorClass: ErrorClass { .permanent }

    public var description: String { "\(operation): HTTP \(status.code) response body is not the output: \(reason)" }
}

/// The request could not be made: no base URL (neither a routed endpoint nor `http.baseURL`), or
/// an input that does not encode. `permanent`.
public struct HTTPRequestError: ClassifiedError, CustomStringConvertible {
    /// The operation, `service.operation`.
    public var operation: String
    /// What is wrong.
    public var reason: String
    public var errorClass: ErrorClass { .permanent }

    public var description: String { "\(operation): cannot make the request: \(reason)" }
}
