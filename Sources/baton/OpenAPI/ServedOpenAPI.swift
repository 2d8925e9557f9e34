import Foundation
import BatonSpec

/// The OpenAPI 3.1 document of the workflows a set of specs serves over HTTP (spec-v1 §13): one
/// operation per bound workflow (operationId = the workflow's name), the schemas of the types it
/// uses under the spec's type names, the request headers the routes honour, and every response
/// they send, problem details included.
struct ServedOpenAPI {
    var specs: [ResolvedSpec]

    /// The document; `nil` when no workflow is served.
    func document() -> JSONValue? {
        var paths: [(String, [(String, JSONValue)])] = []
        var schemaOrder: [String] = []
        var types: [String: ResolvedType] = [:]
        for spec in specs {
            for type in spec.types where types[type.name] == nil { types[type.name] = type }
        }
        func reach(_ type: TypeRef) {
            switch type {
            case .named(let name):
                guard !schemaOrder.contains(name), let resolved = types[name] else { return }
                schemaOrder.append(name)
                resolved.fields.forEach { reach($0.type) }
            case .array(let element), .dictionary(let element), .optional(let element):
                reach(element)
            default:
                return
            }
        }
        for spec in specs {
            for workflow in spec.workflows {
                guard let http = workflow.http else { continue }
                reach(workflow.input)
                reach(workflow.output)
                let path = openAPIPath(http, input: workflow.input, types: types)
                let operation = (http.method.rawValue.lowercased(), self.operation(workflow, http, types: types))
                if let index = paths.firstIndex(where: { $0.0 == path }) {
                    paths[index].1.append(operation)
                } else {
                    paths.append((path, [operation]))
                }
            }
        }
        guard !paths.isEmpty else { return nil }
        let title = specs.map(\.name).joined(separator: ", ")
        var info: [(String, JSONValue)] = [("title", .string(title)), ("version", .string("1.0.0"))]
        let descriptions = specs.compactMap { $0.description?.trimmingCharacters(in: .whitespacesAndNewlines) }
        if !descriptions.isEmpty { info.append(("description", .string(descriptions.joined(separator: "\n\n")))) }
        var schemas = schemaOrder.compactMap { name in types[name].map { (name, schema(of: $0)) } }
        schemas += [("BatonProblem", problemSchema), ("BatonProblemCompensation", compensationSchema)]
        return .object([
            ("openapi", .string("3.1.0")),
            ("info", .object(info)),
            ("paths", .object(paths.map { ($0.0, .object($0.1)) })),
            ("components", .object([
                ("schemas", .object(schemas)),
                ("headers", .object(responseHeaders)),
                ("responses", .object(problemResponses)),
            ])),
        ])
    }

    /// `/v1/orders/{orderId}` with placeholders under their wire names.
    private func openAPIPath(_ http: WorkflowHTTPBinding, input: TypeRef, types: [String: ResolvedType]) -> String {
        let fields = input.namedCore.flatMap { types[$0]?.fields } ?? []
        return http.pathParts.map { part in
            switch part {
            case .literal(let text): text
            case .field(let name): "{\(fields.first { $0.name == name }?.wireName ?? name)}"
            }
        }.joined()
    }

    private func operation(_ workflow: ResolvedWorkflow, _ http: WorkflowHTTPBinding, types: [String: ResolvedType]) -> JSONValue {
        var entries: [(String, JSONValue)] = [("operationId", .string(workflow.name))]
        if let description = workflow.description { entries.append(("description", .string(description))) }
        var parameters: [JSONValue] = [
            header("X-Correlation-ID", "Identifies the run in every downstream call and log line; generated when absent.",
                   .object([("type", .string("string")), ("minLength", .int(1)), ("maxLength", .int(128))])),
            header("X-Request-Timeout-Ms", "The caller's budget in milliseconds: it shortens the workflow's deadline, never lengthens it.",
                   .object([("type", .string("integer")), ("format", .string("int64")), ("minimum", .int(0))])),
            header("traceparent", "W3C trace context: the run's spans join the caller's trace.", .object([("type", .string("string"))])),
        ]
        if let classes = workflow.admission?.classes, let first = classes.first {
            parameters.append(header("X-Caller-Class", "The admission class; each has its own rate. Absent: '\(first.name)'.",
                                     .object([("type", .string("string")), ("enum", .array(classes.map { .string($0.name) }))])))
        }
        let fields = workflow.input.namedCore.flatMap { types[$0]?.fields } ?? []
        for field in fields where http.pathFields.contains(field.name) {
            parameters.append(.object([("name", .string(field.wireName)), ("in", .string("path")), ("required", .bool(true)),
                                       ("schema", schema(of: field.type.unwrapped))]))
        }
        for field in fields where http.query.contains(field.name) {
            var parameter: [(String, JSONValue)] = [("name", .string(field.wireName)), ("in", .string("query"))]
            if !field.type.isOptional { parameter.append(("required", .bool(true))) }
            parameter.append(("schema", schema(of: field.type.unwrapped)))
            if case .array = field.type.unwrapped { parameter += [("style", .string("form")), ("explode", .bool(true))] }
            parameters.append(.object(parameter))
        }
        entries.append(("parameters", .array(parameters)))
        if http.method.hasBody {
            entries.append(("requestBody", .object([
                ("required", .bool(true)),
                ("content", .object([("application/json", .object([("schema", schema(of: workflow.input))]))])),
            ])))
        }
        let ok: JSONValue = .object([
            ("description", .string("The output. Baton-Complete says whether every step produced its value; Baton-Missing names those that did not.")),
            ("headers", .object([
                ("X-Correlation-ID", ref("headers", "X-Correlation-ID")),
                ("Baton-Complete", .object([
                    ("description", .string("true when every step produced its value, false for a partial result.")),
                    ("required", .bool(true)),
                    ("schema", .object([("type", .string("string")), ("enum", .array([.string("true"), .string("false")]))])),
                ])),
                ("Baton-Missing", .object([
                    ("description", .string("When Baton-Complete is false: the missing steps, comma-separated.")),
                    ("schema", .object([("type", .string("string"))])),
                ])),
            ])),
            ("content", .object([("application/json", .object([("schema", schema(of: workflow.output))]))])),
        ])
        var responses: [(String, JSONValue)] = [("200", ok)]
        for (status, _, _) in Self.problems {
            responses.append((status, ref("responses", "Problem\(status)")))
        }
        entries.append(("responses", .object(responses)))
        return .object(entries)
    }

    private func header(_ name: String, _ description: String, _ schema: JSONValue) -> JSONValue {
        .object([("name", .string(name)), ("in", .string("header")), ("description", .string(description)), ("schema", schema)])
    }

    private func ref(_ section: String, _ name: String) -> JSONValue {
        .object([("$ref", .string("#/components/\(section)/\(name)"))])
    }

    private func schema(of type: TypeRef) -> JSONValue {
        switch type {
        case .string: .object([("type", .string("string"))])
        case .int: .object([("type", .string("integer")), ("format", .string("int64"))])
        case .double: .object([("type", .string("number")), ("format", .string("double"))])
        case .decimal: .object([("type", .string("number"))])
        case .bool: .object([("type", .string("boolean"))])
        case .date: .object([("type", .string("string")), ("format", .string("date-time"))])
        case .uuid: .object([("type", .string("string")), ("format", .string("uuid"))])
        case .named(let name): ref("schemas", name)
        case .array(let element): .object([("type", .string("array")), ("items", schema(of: element))])
        case .dictionary(let value): .object([("type", .string("object")), ("additionalProperties", schema(of: value))])
        // An absent optional is left out of the JSON (not sent as null).
        case .optional(let wrapped): schema(of: wrapped)
        }
    }

    private func schema(of type: ResolvedType) -> JSONValue {
        var entries: [(String, JSONValue)] = []
        if let description = type.description { entries.append(("description", .string(description))) }
        switch type.kind {
        case .enumeration(let cases):
            entries += [("type", .string("string")), ("enum", .array(cases.map { .string($0.wireName) }))]
        case .record(let fields):
            entries.append(("type", .string("object")))
            entries.append(("properties", .object(fields.map { field in
                var property = schema(of: field.type)
                if let description = field.description, case .object(let members) = property, members.first?.0 != "$ref" {
                    property = .object([("description", .string(description))] + members)
                }
                return (field.wireName, property)
            })))
            let required = fields.filter { !$0.type.isOptional }.map { JSONValue.string($0.wireName) }
            if !required.isEmpty { entries.append(("required", .array(required))) }
        }
        return .object(entries)
    }

    /// The error responses of §13, by status: description and whether `Retry-After` is sent.
    static let problems: [(String, String, Bool)] = [
        ("400", "The input does not decode (body, path or query), or a header is invalid (X-Caller-Class, X-Request-Timeout-Ms, X-Correlation-ID).", false),
        ("413", "The request body is larger than the route accepts.", false),
        ("429", "Admission control refused the call: retry after Retry-After seconds.", true),
        ("502", "A required step failed; the completed steps were compensated.", false),
        ("503", "A required step failed as overloaded or unavailable (an open circuit breaker too); Retry-After when known.", true),
        ("504", "The deadline (the workflow's, or the caller's X-Request-Timeout-Ms) expired.", false),
    ]

    private var problemResponses: [(String, JSONValue)] {
        Self.problems.map { status, description, retryAfter in
            var headers: [(String, JSONValue)] = [("X-Correlation-ID", ref("headers", "X-Correlation-ID"))]
            if retryAfter { headers.append(("Retry-After", ref("headers", "Retry-After"))) }
            return ("Problem\(status)", .object([
                ("description", .string(description)),
                ("headers", .object(headers)),
                ("content", .object([("application/problem+json", .object([("schema", ref("schemas", "BatonProblem"))]))])),
            ]))
        }
    }

    private var responseHeaders: [(String, JSONValue)] {
        [
            ("X-Correlation-ID", .object([
                ("description", .string("The run's correlation id: the caller's, or a new one.")),
                ("required", .bool(true)),
                ("schema", .object([("type", .string("string"))])),
            ])),
            ("Retry-After", .object([
                ("description", .string("Whole seconds to wait before retrying (at least 1).")),
                ("schema", .object([("type", .string("integer")), ("minimum", .int(1))])),
            ])),
        ]
    }

    /// RFC 9457 problem details with Baton's members.
    private var problemSchema: JSONValue {
        let string: JSONValue = .object([("type", .string("string"))])
        return .object([
            ("description", .string("RFC 9457 problem details. A failed run names its failed step, the step's error class and every compensation.")),
            ("type", .string("object")),
            ("properties", .object([
                ("type", string), ("title", string), ("status", .object([("type", .string("integer"))])), ("detail", string),
                ("correlationId", string), ("step", string),
                ("errorClass", .object([("type", .string("string")), ("enum", .array(
                    ["timeout", "unavailable", "overloaded", "transient", "permanent", "cancelled", "unknown"].map { .string($0) }
                ))])),
                ("compensations", .object([("type", .string("array")), ("items", ref("schemas", "BatonProblemCompensation"))])),
            ])),
            ("required", .array(["type", "title", "status", "detail", "correlationId"].map { .string($0) })),
        ])
    }

    private var compensationSchema: JSONValue {
        .object([
            ("type", .string("object")),
            ("properties", .object([
                ("step", .object([("type", .string("string"))])),
                ("outcome", .object([("type", .string("string")), ("enum", .array([.string("compensated"), .string("failed")]))])),
            ])),
            ("required", .array([.string("step"), .string("outcome")])),
        ])
    }
}
