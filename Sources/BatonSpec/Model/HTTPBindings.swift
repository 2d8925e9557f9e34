/// How a service is reached over HTTP (spec-v1 §11): its `http` mapping, resolved.
///
/// A service has a binding exactly when every one of its operations has one
/// (``ResolvedOperation/http``); a service whose operations are bound but that writes no `http`
/// key (it routes over `endpoints`) gets a binding with no base URL and no headers.
public struct HTTPServiceBinding: Sendable, Hashable {
    /// `http.baseURL` as written; used when the service has no `endpoints` (each endpoint's `url`
    /// is then a base URL). Nil when not written.
    public var baseURL: String?
    /// Static headers sent on every request, in spec order.
    public var headers: [HTTPStaticHeader]
    /// The service's `http` key, or the service's name when it writes none.
    public var location: SourceLocation

    public init(baseURL: String? = nil, headers: [HTTPStaticHeader] = [], location: SourceLocation) {
        self.baseURL = baseURL
        self.headers = headers
        self.location = location
    }
}

/// A header with a fixed value (`http.headers` of a service).
public struct HTTPStaticHeader: Sendable, Hashable {
    /// The header name as written (`X-Api-Version`).
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// The HTTP methods an operation may use.
public enum HTTPMethodName: String, Sendable, Hashable, CaseIterable {
    case get = "GET"
    case post = "POST"
    case put = "PUT"
    case patch = "PATCH"
    case delete = "DELETE"

    /// `GET` and `DELETE` carry their input in the path and the query string, never in a body.
    public var hasBody: Bool {
        switch self {
        case .get, .delete: false
        case .post, .put, .patch: true
        }
    }
}

/// One piece of an operation's path template.
public enum HTTPPathPart: Sendable, Hashable {
    /// Text sent as written (`/v1/carts/`).
    case literal(String)
    /// A `{field}` placeholder: the input field's value, percent-encoded as one path segment.
    case field(String)
}

/// An input field sent as a request header (`http.headers` of an operation).
public struct HTTPHeaderBinding: Sendable, Hashable {
    /// The header name as written (`If-Match`).
    public var name: String
    /// The input field whose value the header carries (omitted when an optional field is absent).
    public var field: String

    public init(name: String, field: String) {
        self.name = name
        self.field = field
    }
}

/// What an operation sends as its request body.
public enum HTTPBodyBinding: Sendable, Hashable {
    /// No body (`GET`, `DELETE`).
    case none
    /// The value of this one input field is the JSON body (`body: field`).
    case field(String)
    /// A JSON object of these input fields, under their wire names (spec-v1 §10), in input-field
    /// order; absent optionals are left out. Empty for a `POST`/`PUT`/`PATCH` whose fields all go
    /// elsewhere: the body is then `{}`.
    case fields([String])
}

/// How an operation is called over HTTP (an operation's `http` mapping, spec-v1 §11), with every
/// input field placed: the defaults are resolved, so code generation needs no rules of its own.
///
/// Every input field appears exactly once: in the path, the query, a header or the body.
public struct HTTPOperationBinding: Sendable, Hashable {
    public var method: HTTPMethodName
    /// The path template as written (`/v1/carts/{cartId}`), relative to the base URL.
    public var path: String
    /// The path template split into literal text and placeholders, in order.
    public var pathParts: [HTTPPathPart]
    /// Input fields sent as query parameters, in input-field order (names, not wire names: look
    /// up ``ResolvedField/wireName`` for the parameter name). Arrays repeat the parameter; absent
    /// optionals are left out.
    public var query: [String]
    /// Input fields sent as headers, in spec order.
    public var headers: [HTTPHeaderBinding]
    public var body: HTTPBodyBinding
    /// The operation's `http` key.
    public var location: SourceLocation

    public init(method: HTTPMethodName, path: String, pathParts: [HTTPPathPart], query: [String] = [],
                headers: [HTTPHeaderBinding] = [], body: HTTPBodyBinding = .none, location: SourceLocation) {
        self.method = method
        self.path = path
        self.pathParts = pathParts
        self.query = query
        self.headers = headers
        self.body = body
        self.location = location
    }

    /// The input fields named by path placeholders, in path order.
    public var pathFields: [String] {
        pathParts.compactMap { part in
            if case .field(let name) = part { return name }
            return nil
        }
    }
}

/// How a workflow is served over HTTP (a workflow's `http` mapping, spec-v1 §13).
///
/// `POST`/`PUT`/`PATCH` take the whole input from the JSON body. `GET`/`DELETE` take the
/// placeholders' fields from the path and every other input field from the query string.
public struct WorkflowHTTPBinding: Sendable, Hashable {
    public var method: HTTPMethodName
    /// The path template as written (`/v1/checkout`, `/v1/orders/{orderId}`).
    public var path: String
    /// The path template split into literal text and placeholders, in order.
    public var pathParts: [HTTPPathPart]
    /// For `GET`/`DELETE`: the input fields read from the query string, in input-field order
    /// (look up ``ResolvedField/wireName`` for the parameter name). Empty otherwise.
    public var query: [String]
    /// The workflow's `http` key.
    public var location: SourceLocation

    public init(method: HTTPMethodName, path: String, pathParts: [HTTPPathPart], query: [String] = [],
                location: SourceLocation) {
        self.method = method
        self.path = path
        self.pathParts = pathParts
        self.query = query
        self.location = location
    }

    /// The input fields named by path placeholders, in path order.
    public var pathFields: [String] {
        pathParts.compactMap { part in
            if case .field(let name) = part { return name }
            return nil
        }
    }

    /// The path with every placeholder written `{}`: two routes with the same shape match the
    /// same requests.
    public var routeShape: String {
        pathParts.map { part in
            switch part {
            case .literal(let text): text
            case .field: "{}"
            }
        }.joined()
    }
}
