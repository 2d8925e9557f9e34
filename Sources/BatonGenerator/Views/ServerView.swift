import BatonNaming
import BatonSpec

/// What `server.mustache` renders: the HTTP routes of the workflows the spec serves (spec-v1 §13),
/// as framework-neutral `BatonHTTP.HTTPWorkflowRoute`s on the orchestrator. A spec without
/// workflow bindings gets a file with no code.
struct ServerView {
    struct Route {
        /// The `BatonHTTP.HTTPWorkflowRoute.workflow(…) { … }` expression, at twelve spaces.
        var expression: String
    }

    var header: String
    var access: String
    var typeName: String
    var hasRoutes: Bool
    var routes: [Route]
    /// `- checkout: POST /v1/checkout` lines for the doc comment.
    var summary: [String]

    init(spec: ResolvedSpec, options: GeneratorOptions) throws {
        header = options.header(for: spec)
        access = options.accessModifier.rawValue
        let typeName = GeneratedNames.orchestrator(spec: spec.name)
        self.typeName = typeName
        let renderer = SwiftRenderer()
        let bound = spec.workflows.compactMap { workflow in workflow.http.map { (workflow, $0) } }
        routes = try bound.map { workflow, http in
            let fields = try Self.inputFields(workflow, spec: spec)
            let wireNames = Dictionary(fields.map { ($0.name, $0.wireName) }, uniquingKeysWith: { first, _ in first })
            // Placeholders by wire name: the route's path parameters are the input's JSON keys.
            let path = http.pathParts.map { part -> String in
                switch part {
                case .literal(let text): text
                case .field(let name): "{\(wireNames[name] ?? name)}"
                }
            }.joined()
            var arguments = [
                SwiftArgument(nil, .text(SwiftLiteral.string(workflow.name))),
                SwiftArgument("method", .text("." + http.method.rawValue.lowercased())),
                SwiftArgument("path", .text(SwiftLiteral.string(path))),
            ]
            if !http.method.hasBody {
                let placed = Set(http.pathFields + http.query)
                arguments.append(SwiftArgument("parameters", .array(fields.filter { placed.contains($0.name) }.map { field in
                    Self.parameter(field, spec: spec)
                })))
            }
            let classes = workflow.admission?.classes ?? []
            if !classes.isEmpty {
                arguments.append(SwiftArgument("admissionClasses", .array(classes.map { .text(SwiftLiteral.string($0.name)) })))
            }
            arguments.append(SwiftArgument("maxBodyBytes", .text("maxBodyBytes")))
            var callArguments = [
                SwiftArgument(nil, .text("input")),
                SwiftArgument("correlationID", .text("call.correlationID")),
            ]
            if let first = classes.first {
                let enumName = GeneratedNames.admissionClass(workflow.name)  // nested in the orchestrator
                callArguments.append(SwiftArgument("admissionClass", .infix(
                    .text("call.admissionClass.flatMap(\(enumName).init(rawValue:))"), "??", .text("." + SwiftIdentifier.escaped(first.name))
                )))
            }
            callArguments.append(SwiftArgument("timeout", .text("call.timeout")))
            let call = SwiftExpr.tryAwait(.call("self." + SwiftIdentifier.escaped(workflow.name), callArguments))
            let route = SwiftExpr.call(
                .text("BatonHTTP.HTTPWorkflowRoute.workflow"), arguments,
                trailing: SwiftClosure(
                    SwiftSignature(["input: \(SwiftType.name(workflow.input))", "call: BatonHTTP.HTTPWorkflowCall"]), [.expression(call)]
                )
            )
            return Route(expression: String(repeating: " ", count: 12) + renderer.render(route, indent: 12) + ",")
        }
        hasRoutes = !routes.isEmpty
        summary = bound.map { workflow, http in "`\(workflow.name)`: `\(http.method.rawValue) \(http.path)`" }
    }

    private static func inputFields(_ workflow: ResolvedWorkflow, spec: ResolvedSpec) throws -> [ResolvedField] {
        guard let record = workflow.input.namedCore.flatMap({ spec.type(named: $0) }) else {
            throw GeneratorError.invariant("the input of HTTP-bound workflow '\(workflow.name)' is not a record", at: workflow.location)
        }
        return record.fields
    }

    /// `BatonHTTP.HTTPInputParameter("cartId", .string)`: how a path or query value becomes the
    /// field's JSON value.
    private static func parameter(_ field: ResolvedField, spec: ResolvedSpec) -> SwiftExpr {
        var type = field.type.unwrapped
        var isArray = false
        if case .array(let element) = type {
            type = element.unwrapped
            isArray = true
        }
        let kind = switch type {
        case .int: "integer"
        case .double, .decimal: "number"
        case .bool: "boolean"
        default: "string"
        }
        var arguments = [SwiftArgument(nil, .text(SwiftLiteral.string(field.wireName))), SwiftArgument(nil, .text("." + kind))]
        if isArray { arguments.append(SwiftArgument("isArray", .text("true"))) }
        return .call("BatonHTTP.HTTPInputParameter", arguments)
    }
}
