import Foundation
import HTTPTypes

/// One operation's request as generated code describes it (spec-v1 §11): method, the path with
/// its placeholders filled in, query parameters, header fields and a JSON body. The
/// ``HTTPServiceClient`` adds the base URL and the headers every request carries.
public struct HTTPOperationRequest: Sendable {
    /// `service.operation`: the transport's operation id, and the name errors carry.
    public var operationID: String
    /// The binding's method (`GET`, `POST`, `PUT`, `PATCH`, `DELETE`).
    public var method: HTTPRequest.Method
    /// The path, its placeholders already percent-encoded (``HTTPPercentEncoding/pathSegment(_:)``).
    public var path: String
    /// Query parameters in order; a list repeats its name.
    public var queryItems: [(name: String, value: String)] = []
    /// Header fields bound to input fields.
    public var headerFields = HTTPFields()
    /// The JSON body, if any.
    public var body: Data?

    /// A request without query, headers or body.
    public init(operationID: String, method: HTTPRequest.Method, path: String) {
        self.operationID = operationID
        self.method = method
        self.path = path
    }

    /// Adds a query parameter; nothing when `value` is `nil` (an absent optional).
    public mutating func addQuery(_ name: String, _ value: (some HTTPParameterValue)?) {
        guard let value else { return }
        queryItems.append((name, value.httpParameterText))
    }

    /// Adds a list as one parameter per element, repeating the name; nothing when it is `nil`.
    public mutating func addQuery(_ name: String, _ values: [some HTTPParameterValue]?) {
        for value in values ?? [] { queryItems.append((name, value.httpParameterText)) }
    }

    /// Sets a header field from an input field; nothing when `value` is `nil`.
    public mutating func setHeader(_ name: String, _ value: (some HTTPParameterValue)?) {
        guard let value, let field = HTTPField.Name(name) else { return }
        headerFields[field] = value.httpParameterText
    }

    /// Sets the JSON body; none when `value` is `nil` (an absent optional body field).
    public mutating func setJSONBody(_ value: (some Encodable)?) throws {
        guard let value else { return }
        do {
            body = try BatonJSON.encoder.encode(value)
        } catch {
            throw HTTPRequestError(operation: operationID, reason: "the body does not encode: \(error)")
        }
    }

    /// The request target: the path, then the percent-encoded query.
    var pathAndQuery: String {
        guard !queryItems.isEmpty else { return path }
        let query = queryItems.map { HTTPPercentEncoding.queryComponent($0.name) + "=" + HTTPPercentEncoding.queryComponent($0.value) }
        return path + "?" + query.joined(separator: "&")
    }
}
