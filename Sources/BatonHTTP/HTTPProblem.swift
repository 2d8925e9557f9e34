public import HTTPTypes

/// An error response body in the RFC 9457 shape (`application/problem+json`), as workflow routes
/// send it (spec-v1 §13): `type`, `title`, `status`, `detail`, the run's `correlationId`, and for
/// a failed run the failed `step`, its `errorClass` and the outcome of every compensation.
///
/// Nothing internal is in it: a failed run names the step and the error class, never the
/// underlying error's text.
public struct HTTPProblem: Codable, Sendable, Hashable {
    /// One compensation of a failed run.
    public struct Compensation: Codable, Sendable, Hashable {
        /// The step whose effect was undone (or not).
        public var step: String
        /// `compensated` or `failed`.
        public var outcome: String

        /// A compensation entry.
        public init(step: String, outcome: String) {
            self.step = step
            self.outcome = outcome
        }
    }

    /// A URI naming the kind of problem (`urn:baton:problem:…`).
    public var type: String
    /// A short summary of the kind of problem.
    public var title: String
    /// The HTTP status code.
    public var status: Int
    /// What went wrong with this request.
    public var detail: String
    /// The run's correlation id (also in the `X-Correlation-ID` header).
    public var correlationId: String
    /// The required step that failed the run, for failed runs.
    public var step: String?
    /// The failed step's error class (`timeout`, `unavailable`, …), for failed runs.
    public var errorClass: String?
    /// Every compensation the failed run made, in the order they ran.
    public var compensations: [Compensation]?

    /// A problem body.
    public init(
        type: String, title: String, status: Int, detail: String, correlationId: String,
        step: String? = nil, errorClass: String? = nil, compensations: [Compensation]? = nil
    ) {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
        self.correlationId = correlationId
        self.step = step
        self.errorClass = errorClass
        self.compensations = compensations
    }

    /// The problem kinds workflow routes answer with, by `type`.
    public enum Kind: String, Sendable, CaseIterable {
        /// 400: the input does not decode, or a header is invalid.
        case badRequest = "urn:baton:problem:bad-request"
        /// 413: the body is larger than the route accepts.
        case bodyTooLarge = "urn:baton:problem:body-too-large"
        /// 429: admission control refused the call.
        case overloaded = "urn:baton:problem:overloaded"
        /// 504: the deadline expired.
        case deadlineExpired = "urn:baton:problem:deadline-expired"
        /// 503: a required step failed as `overloaded` or `unavailable`.
        case dependencyUnavailable = "urn:baton:problem:dependency-unavailable"
        /// 502: any other required step failed.
        case stepFailed = "urn:baton:problem:step-failed"

        /// The status a problem of this kind is sent with.
        public var status: HTTPResponse.Status {
            switch self {
            case .badRequest: .badRequest
            case .bodyTooLarge: .contentTooLarge
            case .overloaded: .tooManyRequests
            case .deadlineExpired: .gatewayTimeout
            case .dependencyUnavailable: .serviceUnavailable
            case .stepFailed: .badGateway
            }
        }

        /// The problem's `title`.
        public var title: String {
            switch self {
            case .badRequest: "The request is not a valid input"
            case .bodyTooLarge: "The request body is too large"
            case .overloaded: "Too many requests"
            case .deadlineExpired: "The deadline expired"
            case .dependencyUnavailable: "A dependency is unavailable"
            case .stepFailed: "A required step failed"
            }
        }
    }
}
