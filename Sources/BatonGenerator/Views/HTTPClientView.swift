import BatonNaming
import BatonSpec

/// What `http.mustache` renders: a client per HTTP-bound service (spec-v1 §11), implementing the
/// service's protocol by building each operation's request from its input and sending it through
/// `BatonHTTP.HTTPServiceClient`. A spec without bindings gets a file with no code.
struct HTTPClientView {
    struct Client {
        var name: String
        var protocolName: String
        var service: String
        var access: String
        /// `client = BatonHTTP.HTTPServiceClient(…)`, at eight spaces.
        var clientInitialisation: String
        var operations: [Operation]
    }

    struct Operation {
        /// `func quote(_ input: …, context: …) async throws -> Quote {`, at four spaces.
        var declaration: String
        /// The request's statements and the send, at eight spaces.
        var body: String
    }

    struct ParameterEnum {
        var name: String
    }

    var header: String
    var access: String
    var hasClients: Bool
    var clients: [Client]
    /// Enums that stand in a path, query or header: they get `HTTPParameterValue` (their wire
    /// names).
    var parameterEnums: [ParameterEnum]

    init(spec: ResolvedSpec, options: GeneratorOptions) throws {
        header = options.header(for: spec)
        access = options.accessModifier.rawValue
        let renderer = SwiftRenderer()
        var enums: [String] = []
        clients = try spec.services.compactMap { service -> Client? in
            guard let binding = service.http else { return nil }
            let headers = SwiftExpr.array(binding.headers.map {
                .tuple([.text("name: " + SwiftLiteral.string($0.name)), .text("value: " + SwiftLiteral.string($0.value))])
            })
            var arguments = [
                SwiftArgument("service", .text(SwiftLiteral.string(service.name))),
                SwiftArgument("baseURL", .text(binding.baseURL.map(SwiftLiteral.string) ?? "nil")),
            ]
            if !binding.headers.isEmpty { arguments.append(SwiftArgument("headers", headers)) }
            arguments += [SwiftArgument("transport", .text("transport")), SwiftArgument("middlewares", .text("middlewares"))]
            let initialisation = SwiftStatement.assignment(.text("client"), .call("BatonHTTP.HTTPServiceClient", arguments))
            return Client(
                name: GeneratedNames.httpClient(service.name),
                protocolName: GeneratedNames.serviceProtocol(service.name),
                service: service.name,
                access: options.accessModifier.rawValue,
                clientInitialisation: renderer.render(initialisation, indent: 8),
                operations: try service.operations.map { operation in
                    guard let http = operation.http else {
                        throw GeneratorError.invariant("operation '\(operation.ref)' of an HTTP-bound service has no binding", at: operation.location)
                    }
                    let lowering = RequestLowering(spec: spec, operation: operation, binding: http)
                    enums += lowering.parameterEnums
                    return Operation(
                        declaration: String(ServicesView.requirement(operation, modifiers: options.accessModifier.rawValue + " ",
                                                                     tail: " {", indent: 4).dropFirst(4)),
                        body: renderer.render(try lowering.statements(), indent: 8)
                    )
                }
            )
        }
        hasClients = !clients.isEmpty
        var seen: Set<String> = []
        parameterEnums = enums.filter { seen.insert($0).inserted }.sorted().map { ParameterEnum(name: SwiftIdentifier.escaped($0)) }
    }
}

/// Lowers one operation's binding to the statements that build and send its request.
private struct RequestLowering {
    let spec: ResolvedSpec
    let operation: ResolvedOperation
    let binding: HTTPOperationBinding

    /// The input record's fields by spec name (an input that is no record has none).
    private var fields: [String: ResolvedField] {
        guard let record = operation.input.namedCore.flatMap({ spec.type(named: $0) }) else { return [:] }
        return Dictionary(record.fields.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Enums that stand in the path, query or headers.
    var parameterEnums: [String] {
        let placed = binding.pathFields + binding.query + binding.headers.map(\.field)
        return placed.compactMap { name in
            guard let type = fields[name]?.type, let core = type.namedCore, spec.type(named: core)?.isEnum == true else { return nil }
            return core
        }
    }

    func statements() throws -> [SwiftStatement] {
        let fields = self.fields
        func field(_ name: String) throws -> ResolvedField {
            guard let field = fields[name] else {
                throw GeneratorError.invariant("the HTTP binding of '\(operation.ref)' names '\(name)', which is no input field", at: binding.location)
            }
            return field
        }
        func value(_ name: String) -> SwiftExpr { .text("input." + SwiftIdentifier.escaped(name)) }

        var path: SwiftExpr?
        for part in binding.pathParts {
            let piece: SwiftExpr = switch part {
            case .literal(let text): .text(SwiftLiteral.string(text))
            case .field(let name): .call("BatonHTTP.HTTPPercentEncoding.pathSegment", [.value(value(try field(name).name))])
            }
            path = path.map { .infix($0, "+", piece) } ?? piece
        }
        var statements: [SwiftStatement] = [
            .declaration(keyword: "var", name: "request", type: nil, value: .call("BatonHTTP.HTTPOperationRequest", [
                SwiftArgument("operationID", .text(SwiftLiteral.string(operation.ref.description))),
                SwiftArgument("method", .text("." + binding.method.rawValue.lowercased())),
                SwiftArgument("path", path ?? .text(SwiftLiteral.string(binding.path))),
            ])),
        ]
        for name in binding.query {
            let field = try field(name)
            statements.append(.expression(.call("request.addQuery", [.value(.text(SwiftLiteral.string(field.wireName))), .value(value(field.name))])))
        }
        for header in binding.headers {
            let field = try field(header.field)
            statements.append(.expression(.call("request.setHeader", [.value(.text(SwiftLiteral.string(header.name))), .value(value(field.name))])))
        }
        switch binding.body {
        case .none:
            break
        case .field(let name):
            statements.append(.expression(.prefix("try ", .call("request.setJSONBody", [.value(value(try field(name).name))]))))
        case .fields(let names) where !names.isEmpty && Set(names) == Set(fields.keys):
            // Every input field is in the body: the input's own coding (wire names) is the body.
            statements.append(.expression(.prefix("try ", .call("request.setJSONBody", [.value(.text("input"))]))))
        case .fields(let names) where names.isEmpty:
            // A body method whose fields all go elsewhere sends `{}`.
            statements.append(.expression(.prefix("try ", .call("request.setJSONBody", [.value(.call("BatonHTTP.HTTPJSONObject"))]))))
        case .fields(let names):
            statements.append(.declaration(keyword: "var", name: "body", type: nil, value: .call("BatonHTTP.HTTPJSONObject")))
            for name in names {
                let field = try field(name)
                statements.append(.expression(.call("body.add", [.value(.text(SwiftLiteral.string(field.wireName))), .value(value(field.name))])))
            }
            statements.append(.expression(.prefix("try ", .call("request.setJSONBody", [.value(.text("body"))]))))
        }
        if statements.count == 1, case .declaration(_, let name, let type, let value) = statements[0] {
            statements[0] = .declaration(keyword: "let", name: name, type: type, value: value)  // never mutated
        }
        statements.append(.return(.tryAwait(.call("client.send", [.value(.text("request")), SwiftArgument("context", .text("context"))]))))
        return statements
    }
}
