import BatonNaming
import OpenAPIKit

/// The operation a service lists under `operations`, as the spec selects it (spec-v1 §12).
struct OpenAPIOperationSelection {
    /// The Baton name (the key under `operations`).
    var key: String
    var keyLocation: SourceLocation
    /// `operationId: …` when written.
    var operationId: YAMLScalar?
    /// `route: "METHOD /path"` when written.
    var route: YAMLScalar?
}

/// One document operation turned into what a Baton operation needs.
struct ImportedOperation {
    var input: TypeRef
    var output: TypeRef
    var http: HTTPOperationBinding
    var description: String?
    /// `GET /pets/{petId}` as the document writes it, for messages.
    var route: String
}

/// Imports operations of one OpenAPI document and the schemas they reach (spec-v1 §12).
///
/// One importer serves every service of a spec that names the document, so a schema two services
/// reach becomes one type. Types are created in the order operations reach them; problems are
/// `unsupported-openapi` at the document's line and column (and `unknown-operation` /
/// `duplicate-name` where the spec or the document says so).
final class OpenAPIImporter {
    let loaded: OpenAPIKit.OpenAPI.Document
    let locator: OpenAPILocator
    /// The document's path as diagnostics show it.
    let path: String
    private(set) var diagnostics: [Diagnostic] = []
    /// Types created, in order.
    private(set) var types: [ResolvedType] = []
    private var typeIndex: [String: Int] = [:]
    /// Component schema name → the Baton type it became (named, or inlined for aliases).
    private var components: [String: TypeRef] = [:]
    /// Components being converted (a reference back to one of them is a named type already).
    private var inProgress: Set<String> = []
    /// Unsupported constructs reported once per place.
    private var reported: Set<SourceLocation> = []

    init(document: LoadedOpenAPIDocument) {
        loaded = document.document
        locator = document.locator
        path = document.path
    }

    /// The diagnostics so far, handed over once (an importer serves several services).
    func takeDiagnostics() -> [Diagnostic] {
        defer { diagnostics = [] }
        return diagnostics
    }

    private func report(_ rule: Rule, _ message: String, at location: SourceLocation, suggestion: String? = nil) {
        diagnostics.append(Diagnostic(rule, message, at: location, suggestion: suggestion))
    }

    private func unsupported(_ what: String, at pointer: [String], for owner: String) {
        let location = locator.location(pointer)
        guard reported.insert(location).inserted else { return }
        report(.unsupportedOpenAPI, "\(what) at \(OpenAPILocator.pointerText(pointer)) (needed by \(owner)) is not supported", at: location)
    }

    // MARK: - Finding operations

    struct DocumentOperation {
        var path: String
        var method: OpenAPIKit.OpenAPI.HttpMethod
        var operation: OpenAPIKit.OpenAPI.Operation
        var pathItem: OpenAPIKit.OpenAPI.PathItem
        /// `/paths/<path>/<method>`.
        var pointer: [String]
        var route: String { "\(method.rawValue) \(path)" }
    }

    /// Every operation of the document, in document order, with the path key as written.
    lazy var documentOperations: [DocumentOperation] = {
        var out: [DocumentOperation] = []
        let writtenPaths = locator.node(["paths"])?.mapping?.keys ?? []
        for written in writtenPaths {
            let key = OpenAPIKit.OpenAPI.Path(rawValue: written)
            guard let either = loaded.paths[key], let item = try? loaded.components.lookup(either) else { continue }
            for endpoint in item.endpoints {
                let methodKey = endpoint.method.rawValue.lowercased()
                out.append(DocumentOperation(path: written, method: endpoint.method, operation: endpoint.operation,
                                             pathItem: item, pointer: ["paths", written, methodKey]))
            }
        }
        return out
    }()

    /// The operation a selection names, or nil after `unknown-operation` at the spec's line.
    func find(_ selection: OpenAPIOperationSelection, service: String) -> DocumentOperation? {
        let ops = documentOperations
        let ids = ops.compactMap(\.operation.operationId)
        if let written = selection.operationId {
            if let op = ops.first(where: { $0.operation.operationId == written.value }) { return op }
            let hint = Suggest.didYouMean(written.value, in: ids)
            report(.unknownOperation, "the OpenAPI document \(path) has no operation with operationId '\(written.value)'"
                   + (hint.map { "; \($0)" } ?? ""), at: written.location, suggestion: hint)
            return nil
        }
        if let written = selection.route {
            let parts = written.value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            if parts.count == 2 {
                let method = parts[0].uppercased(), route = String(parts[1]).trimmingCharacters(in: .whitespaces)
                if let op = ops.first(where: { $0.method.rawValue == method && $0.path == route }) { return op }
            }
            let routes = ops.map(\.route)
            let hint = Suggest.didYouMean(written.value, in: routes)
            report(.unknownOperation, "the OpenAPI document \(path) has no operation '\(written.value)' "
                   + "(write 'route' as METHOD /path, the path as the document writes it)"
                   + (hint.map { "; \($0)" } ?? ""), at: written.location, suggestion: hint)
            return nil
        }
        if let op = ops.first(where: { $0.operation.operationId == selection.key }) { return op }
        if let op = ops.first(where: { $0.operation.operationId.map(OpenAPINames.lowerCamel) == selection.key }) { return op }
        let candidates = ids.map(OpenAPINames.lowerCamel)
        let hint = Suggest.didYouMean(selection.key, in: candidates)
        report(.unknownOperation,
               "operation '\(service).\(selection.key)' matches no operationId of the OpenAPI document \(path) "
               + "(exactly or in lowerCamelCase); name it with 'operationId' or 'route'" + (hint.map { "; \($0)" } ?? ""),
               at: selection.keyLocation, suggestion: hint)
        return nil
    }

    // MARK: - Operations

    /// Imports one operation: its input record, output type and HTTP binding.
    func importOperation(_ op: DocumentOperation, service: String, name: String) -> ImportedOperation? {
        let owner = "\(service).\(name)"
        let opLocation = locator.location(op.pointer)
        var method: HTTPMethodName?
        switch op.method {
        case .get: method = .get
        case .post: method = .post
        case .put: method = .put
        case .patch: method = .patch
        case .delete: method = .delete
        default:
            unsupported("the HTTP method \(op.method.rawValue)", at: op.pointer, for: owner)
        }

        // Parameters: the path item's, overridden by the operation's of the same name and place.
        var parameters: [(parameter: OpenAPIKit.OpenAPI.Parameter, pointer: [String])] = []
        func collect(_ list: OpenAPIKit.OpenAPI.Parameter.Array, at base: [String]) {
            for (i, either) in list.enumerated() {
                let pointer = base + ["parameters", String(i)]
                guard let p = try? loaded.components.lookup(either) else {
                    unsupported("a parameter reference that does not resolve", at: pointer, for: owner)
                    continue
                }
                let parameterPointer = either.reference.flatMap { componentPointer($0.jsonReference.absoluteString) } ?? pointer
                parameters.removeAll { $0.parameter.name == p.name && $0.parameter.location == p.location }
                parameters.append((p, parameterPointer))
            }
        }
        collect(op.pathItem.parameters, at: Array(op.pointer.dropLast()))
        collect(op.operation.parameters, at: op.pointer)

        let inputName = GeneratedNames.operationInput(service: service, operation: name)
        var fields: [ResolvedField] = []
        var names: [String: String] = [:]
        var pathFields: [String: String] = [:]
        var query: [String] = []
        var headers: [HTTPHeaderBinding] = []
        func addField(_ field: ResolvedField, wire: String, pointer: [String]) -> Bool {
            if let first = names[field.name] {
                report(.duplicateName, "the input of '\(owner)' gets two fields named '\(field.name)', from '\(first)' and '\(wire)'",
                       at: locator.location(pointer))
                return false
            }
            names[field.name] = wire
            fields.append(field)
            return true
        }
        /// A parameter or body that cannot be imported (reported) stays a field of the error type,
        /// so the spec's uses of it do not cascade into `unknown-field`.
        func keepUnsupported(_ name: String, wire: String, pointer: [String]) {
            guard names[name] == nil else { return }
            names[name] = wire
            fields.append(ResolvedField(name: name, type: TypeRef.error.optional, description: nil,
                                        location: locator.location(pointer), wireName: wire))
        }
        for (p, pointer) in parameters {
            let lower = p.name.lowercased()
            switch p.location {
            case .cookie:
                continue  // authentication and sessions belong in transport middleware
            case .header where lower == "authorization" || Checker.reservedHTTPHeaders.contains(lower):
                continue  // set by middleware, or by Baton itself (§11)
            case .querystring:
                unsupported("a 'querystring' parameter", at: pointer, for: owner)
                keepUnsupported(OpenAPINames.lowerCamel(p.name), wire: p.name, pointer: pointer)
                continue
            default:
                break
            }
            guard case .a(let schemaContext) = p.schemaOrContent else {
                unsupported("parameter '\(p.name)' described by 'content' instead of 'schema'", at: pointer, for: owner)
                keepUnsupported(OpenAPINames.lowerCamel(p.name), wire: p.name, pointer: pointer)
                continue
            }
            let schemaPointer = pointer + ["schema"]
            guard var type = typeRef(schemaContext.schema, at: schemaPointer, name: inputName + OpenAPINames.upperCamel(p.name), owner: owner)
            else {
                keepUnsupported(OpenAPINames.lowerCamel(p.name), wire: p.name, pointer: pointer)
                continue
            }
            let fieldName = OpenAPINames.lowerCamel(p.name)
            let required = p.location == .path || p.required
            if !required { type = type.optional }
            let field = ResolvedField(name: fieldName, type: type, description: p.description,
                                      location: locator.location(pointer), wireName: p.name)
            switch p.location {
            case .path:
                if !isPathScalar(type) {
                    unsupported("path parameter '\(p.name)' of type '\(type)' (a path carries string, int, uuid or enum values)",
                                at: schemaPointer, for: owner)
                    keepUnsupported(fieldName, wire: p.name, pointer: pointer)
                    continue
                }
                if addField(field, wire: p.name, pointer: pointer) { pathFields[p.name] = fieldName }
            case .query:
                if !isQueryValue(type) {
                    unsupported("query parameter '\(p.name)' of type '\(type)' (a query carries scalars and lists of scalars)",
                                at: schemaPointer, for: owner)
                    keepUnsupported(fieldName, wire: p.name, pointer: pointer)
                    continue
                }
                if case .array = type.unwrapped, schemaContext.explode == false {
                    unsupported("query parameter '\(p.name)' with 'explode: false' (lists repeat the parameter)",
                                at: pointer, for: owner)
                    keepUnsupported(fieldName, wire: p.name, pointer: pointer)
                    continue
                }
                if addField(field, wire: p.name, pointer: pointer) { query.append(fieldName) }
            case .header:
                if !isScalar(type.unwrapped) {
                    unsupported("header parameter '\(p.name)' of type '\(type)' (a header carries one scalar)",
                                at: schemaPointer, for: owner)
                    keepUnsupported(fieldName, wire: p.name, pointer: pointer)
                    continue
                }
                if addField(field, wire: p.name, pointer: pointer) { headers.append(HTTPHeaderBinding(name: p.name, field: fieldName)) }
            default:
                break
            }
        }

        // The request body: JSON only.
        var body = HTTPBodyBinding.none
        if let requestEither = op.operation.requestBody {
            let basePointer = op.pointer + ["requestBody"]
            let requestPointer = requestEither.reference.flatMap { componentPointer($0.jsonReference.absoluteString) } ?? basePointer
            if let request = try? loaded.components.lookup(requestEither) {
                if let (contentType, content) = jsonContent(request.content) {
                    let schemaPointer = requestPointer + ["content", contentType, "schema"]
                    if let schema = content.schema {
                        if var type = typeRef(schema, at: schemaPointer,
                                              name: OpenAPINames.upperCamel(service) + OpenAPINames.upperCamel(name) + "Body", owner: owner) {
                            if !request.required { type = type.optional }
                            let field = ResolvedField(name: "body", type: type, description: request.description,
                                                      location: locator.location(requestPointer), wireName: "body")
                            if addField(field, wire: "the request body", pointer: requestPointer) { body = .field("body") }
                        } else {
                            keepUnsupported("body", wire: "the request body", pointer: requestPointer)
                        }
                    } else {
                        unsupported("a JSON request body without a schema", at: requestPointer + ["content", contentType], for: owner)
                        keepUnsupported("body", wire: "the request body", pointer: requestPointer)
                    }
                } else if !request.content.isEmpty {
                    let types = request.content.keys.map(\.rawValue).joined(separator: ", ")
                    unsupported("a request body that is not JSON (\(types))", at: requestPointer + ["content"], for: owner)
                    keepUnsupported("body", wire: "the request body", pointer: requestPointer)
                }
            } else {
                unsupported("a request body reference that does not resolve", at: basePointer, for: owner)
                keepUnsupported("body", wire: "the request body", pointer: basePointer)
            }
        }

        // The output: the lowest 2xx status with JSON content.
        let outputName = GeneratedNames.operationOutput(service: service, operation: name)
        var output: TypeRef?
        var nonJSON: [String]?
        let successes = op.operation.responses.filter { status, _ in status.isSuccess }.sorted { a, b in
            OpenAPINames.statusOrder(a.key) < OpenAPINames.statusOrder(b.key)
        }
        for (status, either) in successes {
            let basePointer = op.pointer + ["responses", status.rawValue]
            let responsePointer = either.reference.flatMap { componentPointer($0.jsonReference.absoluteString) } ?? basePointer
            guard let response = try? loaded.components.lookup(either) else {
                unsupported("a response reference that does not resolve", at: basePointer, for: owner)
                output = .error
                break
            }
            if let (contentType, content) = jsonContent(response.content) {
                let schemaPointer = responsePointer + ["content", contentType, "schema"]
                if let schema = content.schema {
                    output = typeRef(schema, at: schemaPointer, name: outputName, owner: owner) ?? .error
                } else {
                    unsupported("a JSON response without a schema", at: responsePointer + ["content", contentType], for: owner)
                    output = .error
                }
                break
            }
            if !response.content.isEmpty, nonJSON == nil {
                nonJSON = response.content.keys.map(\.rawValue)
                unsupported("a response body that is not JSON (\(nonJSON!.joined(separator: ", ")))",
                            at: responsePointer + ["content"], for: owner)
            }
        }
        if output == nil {
            if nonJSON != nil {
                output = .error
            } else {
                addType(ResolvedType(name: outputName, description: nil, kind: .record([]),
                                     origin: .operationOutput(service: service, operation: name), location: opLocation),
                        pointer: op.pointer)
                output = .named(outputName)
            }
        }

        // Path template: document placeholders become input field names.
        var pathParts: [HTTPPathPart] = []
        var literal = ""
        var rest = Substring(op.path)
        while let open = rest.firstIndex(of: "{") {
            literal += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            let placeholder = String(rest[rest.index(after: open)..<close])
            if let field = pathFields[placeholder] {
                if !literal.isEmpty { pathParts.append(.literal(literal)) }
                literal = ""
                pathParts.append(.field(field))
            } else if !parameters.contains(where: { $0.parameter.name == placeholder && $0.parameter.location == .path }) {
                unsupported("path placeholder '{\(placeholder)}' without a path parameter", at: ["paths", op.path], for: owner)
            }
            rest = rest[rest.index(after: close)...]
        }
        literal += rest
        if !literal.isEmpty { pathParts.append(.literal(literal)) }

        addType(ResolvedType(name: inputName, description: nil, kind: .record(fields),
                             origin: .operationInput(service: service, operation: name), location: opLocation),
                pointer: op.pointer)
        guard let method else { return nil }
        let description = op.operation.description ?? op.operation.summary
        let http = HTTPOperationBinding(method: method, path: op.path, pathParts: pathParts, query: query,
                                        headers: headers, body: body, location: opLocation)
        return ImportedOperation(input: .named(inputName), output: output ?? .error, http: http,
                                 description: description, route: op.route)
    }

    /// The first content of `map` that is JSON (`application/json`, `application/*+json`).
    private func jsonContent(_ map: OpenAPIKit.OpenAPI.Content.Map) -> (String, OpenAPIKit.OpenAPI.Content)? {
        for (type, either) in map {
            let t = type.typeAndSubtype.lowercased()
            guard t == "application/json" || (t.hasPrefix("application/") && t.hasSuffix("+json")) else { continue }
            guard let content = try? loaded.components.lookup(either) else { continue }
            return (writtenKey(type.rawValue), content)
        }
        return nil
    }

    /// The content-type key as the document wrote it (OpenAPIKit normalises parameters).
    private func writtenKey(_ key: String) -> String { key }

    /// `#/components/schemas/Pet` → `["components", "schemas", "Pet"]`.
    private func componentPointer(_ reference: String) -> [String]? {
        guard reference.hasPrefix("#/") else { return nil }
        return reference.dropFirst(2).split(separator: "/", omittingEmptySubsequences: false).map {
            String($0).replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    // MARK: - Schemas

    /// The Baton type of `schema`; nil (after `unsupported-openapi`) when it has none. Inline
    /// records and enums are named `name`.
    func typeRef(_ either: Either<OpenAPIKit.OpenAPI.Reference<JSONSchema>, JSONSchema>, at pointer: [String],
                 name: String, owner: String) -> TypeRef? {
        switch either {
        case .a(let ref):
            return reference(ref.jsonReference.absoluteString, nullable: false, at: pointer, owner: owner)
        case .b(let schema):
            return typeRef(schema, at: pointer, name: name, owner: owner)
        }
    }

    func typeRef(_ schema: JSONSchema, at pointer: [String], name: String, owner: String) -> TypeRef? {
        let t = nonOptionalTypeRef(schema, at: pointer, name: name, owner: owner)
        return schema.nullable ? t?.optional : t
    }

    private func nonOptionalTypeRef(_ schema: JSONSchema, at pointer: [String], name: String, owner: String) -> TypeRef? {
        switch schema.value {
        case .reference(let ref, _):
            return reference(ref.absoluteString, nullable: false, at: pointer, owner: owner)?.unwrapped
        case .boolean:
            return .bool
        case .integer(let core, _):
            if core.allowedValues != nil {
                unsupported("an integer enum (only string enums become Baton enums)", at: pointer, for: owner)
                return nil
            }
            return .int
        case .number(let core, _):
            if core.allowedValues != nil {
                unsupported("a number enum (only string enums become Baton enums)", at: pointer, for: owner)
                return nil
            }
            return core.format.rawValue == "decimal" ? .decimal : .double
        case .string(let core, _):
            if let values = core.allowedValues {
                return enumeration(values, at: pointer, name: name, description: core.description, owner: owner)
            }
            switch core.format.rawValue {
            case "date-time": return .date
            case "uuid": return .uuid
            default: return .string
            }
        case .array(_, let array):
            guard let items = array.items else {
                unsupported("an array without 'items'", at: pointer, for: owner)
                return nil
            }
            return typeRef(items, at: pointer + ["items"], name: name + "Item", owner: owner).map { .array($0) }
        case .object(let core, let object):
            if object.properties.isEmpty {
                if case .b(let valueSchema) = object.additionalProperties {
                    return typeRef(valueSchema, at: pointer + ["additionalProperties"], name: name + "Value", owner: owner)
                        .map { .dictionary($0) }
                }
                unsupported("an object without properties (an untyped JSON object)", at: pointer, for: owner)
                return nil
            }
            return record(object, required: Set(object.requiredProperties), at: pointer, name: name,
                          description: core.description, owner: owner)
        case .all(let members, let core):
            return allOf(members, at: pointer, name: name, description: core.description, owner: owner)
        case .one(let members, _), .any(let members, _):
            // `oneOf`/`anyOf` of one schema and `null` is how 3.1 documents write "optional".
            let keyword = if case .one = schema.value { "oneOf" } else { "anyOf" }
            let nonNull = members.enumerated().filter { if case .null = $0.element.value { false } else { true } }
            if nonNull.count == 1, members.count > 1 {
                return typeRef(nonNull[0].element, at: pointer + [keyword, String(nonNull[0].offset)], name: name, owner: owner)?.optional
            }
            unsupported("'\(keyword)' (a choice between schemas has no Baton type)", at: pointer, for: owner)
            return nil
        case .not:
            unsupported("'not'", at: pointer, for: owner)
            return nil
        case .null:
            unsupported("a schema that is only 'null'", at: pointer, for: owner)
            return nil
        case .fragment:
            unsupported("a schema without a type (untyped)", at: pointer, for: owner)
            return nil
        }
    }

    /// A `$ref`: component schemas become named types (or the type they alias).
    private func reference(_ ref: String, nullable: Bool, at pointer: [String], owner: String) -> TypeRef? {
        let prefix = "#/components/schemas/"
        guard ref.hasPrefix(prefix) else {
            unsupported("the reference '\(ref)' (only references to #/components/schemas are supported)", at: pointer, for: owner)
            return nil
        }
        let component = String(ref.dropFirst(prefix.count))
            .replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        return importComponent(component, at: pointer, owner: owner).map { nullable ? $0.optional : $0 }
    }

    /// A component schema as a Baton type: a record or enum named after it in UpperCamelCase,
    /// or, for aliases of scalars, lists and maps, the type it aliases.
    private func importComponent(_ component: String, at referencePointer: [String], owner: String) -> TypeRef? {
        if let done = components[component] { return done }
        let typeName = OpenAPINames.upperCamel(component)
        if inProgress.contains(component) { return .named(typeName) }
        guard let key = OpenAPIKit.OpenAPI.ComponentKey(rawValue: component), let schema = loaded.components.schemas[key] else {
            unsupported("the reference '#/components/schemas/\(component)', which names no schema", at: referencePointer, for: owner)
            return nil
        }
        inProgress.insert(component)
        defer { inProgress.remove(component) }
        let pointer = ["components", "schemas", component]
        guard let t = typeRef(schema, at: pointer, name: typeName, owner: owner) else {
            components[component] = .error
            return nil
        }
        components[component] = t
        return t
    }

    private func enumeration(_ values: [AnyCodable], at pointer: [String], name: String, description: String?, owner: String) -> TypeRef? {
        var cases: [ResolvedEnumCase] = []
        var seen: [String: String] = [:]
        let valuesPointer = pointer + ["enum"]
        for (i, value) in values.enumerated() {
            if value == nil { continue }  // `null` among the values: nullability, not a case
            guard let text = value.value as? String else {
                unsupported("an enum value that is not a string", at: valuesPointer + [String(i)], for: owner)
                return nil
            }
            let caseName = OpenAPINames.lowerCamel(text.isEmpty ? "empty" : text)
            let location = locator.valueLocation(valuesPointer + [String(i)])
            if let first = seen[caseName] {
                report(.duplicateName, "enum values '\(first)' and '\(text)' of \(OpenAPILocator.pointerText(pointer)) "
                       + "both become the case '\(caseName)'", at: location)
                continue
            }
            seen[caseName] = text
            cases.append(ResolvedEnumCase(name: caseName, location: location, wireName: text))
        }
        guard !cases.isEmpty else {
            unsupported("an enum without string values", at: pointer, for: owner)
            return nil
        }
        addType(ResolvedType(name: name, description: description, kind: .enumeration(cases), origin: .declared,
                             location: locator.location(pointer)), pointer: pointer)
        return .named(name)
    }

    private func record(_ object: JSONSchema.ObjectContext, required: Set<String>, at pointer: [String], name: String,
                        description: String?, owner: String) -> TypeRef? {
        guard let fields = fields(object, required: required, at: pointer, typeName: name, owner: owner) else { return nil }
        addType(ResolvedType(name: name, description: description, kind: .record(fields), origin: .declared,
                             location: locator.location(pointer)), pointer: pointer)
        return .named(name)
    }

    private func fields(_ object: JSONSchema.ObjectContext, required: Set<String>, at pointer: [String], typeName: String,
                        owner: String) -> [ResolvedField]? {
        var fields: [ResolvedField] = []
        var names: [String: String] = [:]
        var failed = false
        for (property, schema) in object.properties {
            let propertyPointer = pointer + ["properties", property]
            let fieldName = OpenAPINames.lowerCamel(property)
            guard var type = typeRef(schema, at: propertyPointer, name: typeName + OpenAPINames.upperCamel(property), owner: owner) else {
                failed = true
                continue
            }
            if !required.contains(property) { type = type.optional }
            if let first = names[fieldName] {
                report(.duplicateName, "properties '\(first)' and '\(property)' of \(OpenAPILocator.pointerText(pointer)) "
                       + "both become the field '\(fieldName)'", at: locator.location(propertyPointer))
                continue
            }
            names[fieldName] = property
            fields.append(ResolvedField(name: fieldName, type: type, description: schema.description,
                                        location: locator.location(propertyPointer), wireName: property))
        }
        return failed ? nil : fields
    }

    /// `allOf` of objects (inline or referenced) → one record with every member's properties.
    private func allOf(_ members: [JSONSchema], at pointer: [String], name: String, description: String?, owner: String) -> TypeRef? {
        // `allOf: [$ref]` (often used to add a description next to a reference) is the reference.
        if members.count == 1, case .reference(let ref, _) = members[0].value {
            return reference(ref.absoluteString, nullable: false, at: pointer + ["allOf", "0"], owner: owner)
        }
        var merged: [ResolvedField] = []
        var failed = false
        func add(_ schema: JSONSchema, at memberPointer: [String], depth: Int) {
            guard depth < 32 else { failed = true; return }
            switch schema.value {
            case .reference(let ref, _):
                let prefix = "#/components/schemas/"
                guard ref.absoluteString.hasPrefix(prefix),
                      let key = OpenAPIKit.OpenAPI.ComponentKey(rawValue: String(ref.absoluteString.dropFirst(prefix.count))),
                      let target = loaded.components.schemas[key] else {
                    unsupported("the reference '\(ref.absoluteString)' in 'allOf'", at: memberPointer, for: owner)
                    failed = true
                    return
                }
                add(target, at: ["components", "schemas", key.rawValue], depth: depth + 1)
            case .object(_, let object):
                guard let f = fields(object, required: Set(object.requiredProperties), at: memberPointer, typeName: name, owner: owner) else {
                    failed = true
                    return
                }
                for field in f {
                    merged.removeAll { $0.name == field.name }
                    merged.append(field)
                }
            case .all(let inner, _):
                for (i, m) in inner.enumerated() { add(m, at: memberPointer + ["allOf", String(i)], depth: depth + 1) }
            case .fragment:
                break  // a fragment that only adds a description or `required` to the merge
            default:
                unsupported("an 'allOf' member that is not an object", at: memberPointer, for: owner)
                failed = true
            }
        }
        for (i, m) in members.enumerated() { add(m, at: pointer + ["allOf", String(i)], depth: 0) }
        guard !failed else { return nil }
        addType(ResolvedType(name: name, description: description, kind: .record(merged), origin: .declared,
                             location: locator.location(pointer)), pointer: pointer)
        return .named(name)
    }

    private func addType(_ type: ResolvedType, pointer: [String]) {
        var type = type
        type.openAPISource = OpenAPISchemaSource(document: path, pointer: OpenAPILocator.pointerText(pointer))
        if let existing = typeIndex[type.name] {
            let other = types[existing]
            if other.openAPISource == type.openAPISource { return }
            report(.duplicateName,
                   "\(OpenAPILocator.pointerText(pointer)) becomes the type '\(type.name)', which "
                   + "\(other.openAPISource?.pointer ?? "another schema") of the same document already is",
                   at: type.location)
            return
        }
        typeIndex[type.name] = types.count
        types.append(type)
    }

    // MARK: - What HTTP can carry (spec-v1 §11)

    private func isEnum(_ t: TypeRef) -> Bool {
        if case .named(let n) = t, let i = typeIndex[n] { return types[i].isEnum }
        return false
    }

    private func isScalar(_ t: TypeRef) -> Bool {
        switch t {
        case .string, .int, .double, .bool, .decimal, .date, .uuid: true
        case .named: isEnum(t) || t.isErrorType
        default: false
        }
    }

    private func isPathScalar(_ t: TypeRef) -> Bool {
        switch t {
        case .string, .int, .uuid: true
        case .named: isEnum(t) || t.isErrorType
        default: false
        }
    }

    private func isQueryValue(_ t: TypeRef) -> Bool {
        let core = t.unwrapped
        if case .array(let element) = core { return isScalar(element) }
        return isScalar(core)
    }

    /// The first server URL, its variables replaced by their defaults; nil when the document
    /// has none or it is not an absolute http(s) URL.
    var serverURL: (url: String?, problem: String?) {
        guard let server = loaded.servers.first else { return (nil, "the document lists no 'servers'") }
        var url = server.urlTemplate.rawValue
        for (name, variable) in server.variables {
            url = url.replacingOccurrences(of: "{\(name)}", with: variable.default)
        }
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
            return (nil, "the document's first server URL '\(url)' is not an absolute http:// or https:// URL")
        }
        return (url, nil)
    }
}

/// Where an imported type comes from: the document and the JSON pointer of its schema.
public struct OpenAPISchemaSource: Sendable, Hashable {
    /// The document's path as diagnostics show it.
    public var document: String
    /// `#/components/schemas/Pet`, or the inline schema's place.
    public var pointer: String

    public init(document: String, pointer: String) {
        self.document = document
        self.pointer = pointer
    }

    /// `schema #/components/schemas/Pet of contracts/petstore.yaml`; for an operation's input
    /// record, `operation #/paths/~1pets/get of contracts/petstore.yaml`.
    public var description: String {
        let isOperation = pointer.hasPrefix("#/paths/") && pointer.split(separator: "/").count == 3
        return "\(isOperation ? "operation" : "schema") \(pointer) of \(document)"
    }
}

/// Names of the document turned into Baton names.
enum OpenAPINames {
    /// The words of `text`: runs of letters and digits; a lower-to-upper change starts a word.
    private static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        for c in text.unicodeScalars {
            if ScalarSyntax.isAlnum(c) {
                current.unicodeScalars.append(c)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// `get-stations` → `getStations`, `created_at` → `createdAt`, `X-Request-ID` → `xRequestID`.
    static func lowerCamel(_ text: String) -> String {
        let w = words(text)
        guard let first = w.first else { return "value" }
        var out = first == first.uppercased() ? first.lowercased() : (first.prefix(1).lowercased() + first.dropFirst())
        for word in w.dropFirst() { out += word.prefix(1).uppercased() + word.dropFirst() }
        if let c = out.unicodeScalars.first, !(c.properties.isLowercase && c.isASCII) { out = "value" + out.prefix(1).uppercased() + out.dropFirst() }
        return out
    }

    /// `pet-kind` → `PetKind`, `chat.completion` → `ChatCompletion`.
    static func upperCamel(_ text: String) -> String {
        let w = words(text)
        guard !w.isEmpty else { return "Value" }
        var out = w.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        if let c = out.unicodeScalars.first, !(c.properties.isUppercase && c.isASCII) { out = "Value" + out }
        return out
    }

    /// Sorts `200` < `201` < … < `2XX`.
    static func statusOrder(_ status: OpenAPIKit.OpenAPI.Response.StatusCode) -> Int {
        switch status.value {
        case .status(let code): code
        case .range: 1_000
        case .default: 2_000
        }
    }
}
