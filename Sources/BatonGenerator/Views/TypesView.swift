import BatonSpec

/// What `types.mustache` renders: every record and enum of a spec.
struct TypesView {
    struct TypeView {
        var name: String
        var docComment: String
        var access: String
        var isRecord: Bool
        var isEnum: Bool
        var fields: [FieldView]
        var cases: [CaseView]
        /// `public init(…) {`, at four spaces (a record's memberwise initialiser).
        var initDeclaration: String
        /// `init(…) {` of a boxed record's storage, at eight spaces.
        var storageInitDeclaration: String
        /// `_storage = _Storage(…)`: a boxed record's initialiser body, at eight spaces.
        var storageInitialisation: String
        /// `self.init(…)` from the decoded locals, at eight spaces.
        var decodedInitialisation: String
        /// Records holding dates (RFC 3339 on the wire) and boxed records get explicit Codable
        /// conformance.
        var customCoding: Bool
        /// A `CodingKeys` enum: for explicit Codable conformance, or for fields whose JSON names
        /// differ from their spec names (spec-v1 §10; synthesized coding uses it).
        var hasCodingKeys: Bool
        /// A record that contains itself through optionals (directly or through other records)
        /// cannot be stored inline: its fields live in an immutable box (see `RecordStorage`).
        var isBoxed: Bool
    }

    struct FieldView {
        var identifier: String
        /// The initialiser's parameter for the field (differs from `identifier` only for `self`).
        var parameter: String
        var swiftType: String
        var docComment: String
        var access: String
        /// `let _field = try container.decode(…)`, at eight spaces.
        var decodeStatement: String
        /// `try container.encode(…)`, at eight spaces.
        var encodeStatement: String
        /// A boxed record's setter (`set { _storage = _Storage(…) }`), at eight spaces.
        var setter: String
        /// The field's `CodingKeys` case: `placedAt`, or `placedAt = "placed_at"` when its JSON
        /// name differs (spec-v1 §10).
        var codingKey: String
    }

    struct CaseView {
        var identifier: String
        /// The case declaration: `inStock`, or `outOfStock = "OUT_OF_STOCK"` when its JSON value
        /// differs from its name (spec-v1 §10).
        var declaration: String
    }

    var header: String
    var types: [TypeView]
    var needsDateCoding: Bool

    init(spec: ResolvedSpec, options: GeneratorOptions) {
        header = options.header(for: spec)
        let access = options.accessModifier.rawValue
        let boxed = RecordStorage.boxedRecords(in: spec)
        let renderer = SwiftRenderer()
        types = spec.types.map { type in
            let arguments = type.fields.map { SwiftArgument(SwiftIdentifier.label($0.name), .text(SwiftIdentifier.parameter($0.name))) }
            let fields = type.fields.map { field in
                let replaced = type.fields.map { other in
                    SwiftArgument(SwiftIdentifier.label(other.name), .text(other.name == field.name ? "newValue" : "_storage.\(SwiftIdentifier.escaped(other.name))"))
                }
                let assignment = SwiftStatement.assignment(.text("_storage"), .call("_Storage", replaced))
                let oneLine = "set { " + renderer.render(assignment, indent: 0) + " }"
                return FieldView(
                    identifier: SwiftIdentifier.escaped(field.name),
                    parameter: SwiftIdentifier.parameter(field.name),
                    swiftType: SwiftType.name(field.type),
                    docComment: SwiftLiteral.docComment(field.description, indent: "    "),
                    access: access,
                    decodeStatement: renderer.render(.let("_\(field.name)", nil, DateCoding.decode(field)), indent: 8),
                    encodeStatement: renderer.render(DateCoding.encode(field), indent: 8),
                    setter: 8 + oneLine.count <= renderer.width && !oneLine.contains("\n")
                        ? SwiftRenderer.pad(8) + oneLine
                        : SwiftRenderer.pad(8) + "set {\n" + renderer.render(assignment, indent: 12) + "\n" + SwiftRenderer.pad(8) + "}",
                    codingKey: Self.declaration(SwiftIdentifier.escaped(field.name), rawValue: field.hasCustomWireName ? field.wireName : nil)
                )
            }
            let parameters = SwiftSignature(type.fields.map { field in
                // One name serves as label and parameter, escaped as needed; only a field named
                // `self` gets a separate parameter name so it cannot shadow `self`.
                let parameter = SwiftIdentifier.parameter(field.name)
                let name = parameter == SwiftIdentifier.escaped(field.name) ? parameter : "\(SwiftIdentifier.label(field.name)) \(parameter)"
                let defaultValue = field.type.isOptional ? " = nil" : ""
                return "\(name): \(SwiftType.name(field.type))\(defaultValue)"
            })
            let decoded = type.fields.map { SwiftArgument(SwiftIdentifier.label($0.name), .text("_\($0.name)")) }
            let customCoding = boxed.contains(type.name) || type.fields.contains { SwiftType.containsDate($0.type) }
            return TypeView(
                name: SwiftIdentifier.escaped(type.name),
                docComment: SwiftLiteral.docComment(type.description ?? Self.inlineDescription(type.origin)),
                access: access,
                isRecord: !type.isEnum,
                isEnum: type.isEnum,
                fields: fields,
                cases: type.cases.map { c in
                    let identifier = SwiftIdentifier.escaped(c.name)
                    return CaseView(identifier: identifier,
                                    declaration: Self.declaration(identifier, rawValue: c.hasCustomWireName ? c.wireName : nil))
                },
                initDeclaration: renderer.declaration("\(access) init", parameters, tail: " {", indent: 4),
                storageInitDeclaration: renderer.declaration("init", parameters, tail: " {", indent: 8),
                storageInitialisation: renderer.render(.assignment(.text("_storage"), .call("_Storage", arguments)), indent: 8),
                decodedInitialisation: renderer.render(.expression(.call("self.init", decoded)), indent: 8),
                customCoding: customCoding,
                hasCodingKeys: customCoding || type.fields.contains(where: \.hasCustomWireName),
                isBoxed: boxed.contains(type.name)
            )
        }
        needsDateCoding = types.contains(where: \.customCoding)
    }

    /// `name`, or `name = "raw"` for an enum case whose raw value differs from its name.
    private static func declaration(_ identifier: String, rawValue: String?) -> String {
        rawValue.map { "\(identifier) = \(SwiftLiteral.string($0))" } ?? identifier
    }

    /// Inline types say where they come from, so readers can find them in the spec.
    private static func inlineDescription(_ origin: ResolvedType.Origin) -> String? {
        switch origin {
        case .declared: nil
        case .operationInput(let service, let operation): "The input of `\(service).\(operation)`."
        case .operationOutput(let service, let operation): "The output of `\(service).\(operation)`."
        case .workflowInput(let workflow): "The input of the `\(workflow)` workflow."
        case .workflowOutput(let workflow): "The output of the `\(workflow)` workflow."
        }
    }
}

/// Which records need indirect storage.
///
/// A struct cannot contain itself inline: `Location { within: Location? }` has infinite size.
/// Arrays and dictionaries already store their elements out of line, so only paths through
/// plain and optional record fields count. Every record on such a cycle is boxed (not just one
/// per cycle): the choice then does not depend on declaration order, and a reader sees why.
enum RecordStorage {
    static func boxedRecords(in spec: ResolvedSpec) -> Set<String> {
        var inline: [String: [String]] = [:]
        for type in spec.types where !type.isEnum {
            inline[type.name] = type.fields.compactMap { field in
                guard case .named(let name) = field.type.unwrapped, spec.type(named: name)?.isEnum == false else { return nil }
                return name
            }
        }
        return Set(inline.keys.filter { start in
            var seen: Set<String> = []
            var stack = inline[start] ?? []
            while let next = stack.popLast() {
                if next == start { return true }
                if seen.insert(next).inserted { stack += inline[next] ?? [] }
            }
            return false
        })
    }
}

/// Decoding and encoding of a field in explicit `Codable` conformances: the wire form replaces
/// every `date` with an RFC 3339 string, and conversions map over arrays, dictionaries and
/// optionals.
enum DateCoding {
    static func decode(_ field: ResolvedField) -> SwiftExpr {
        let key = SwiftExpr.text("CodingKeys.\(SwiftIdentifier.escaped(field.name))")
        let wireType = field.type.isOptional ? field.type.unwrapped : field.type
        let raw = SwiftExpr.call(field.type.isOptional ? "container.decodeIfPresent" : "container.decode", [
            .value(.text("\(SwiftType.name(Self.wireType(wireType))).self")),
            SwiftArgument("forKey", key),
        ])
        guard SwiftType.containsDate(field.type) else { return .prefix("try ", raw) }
        let path = SwiftExpr.infix(.text("container.codingPath"), "+", .array([key]))
        guard field.type.isOptional else { return .prefix("try ", fromWire(field.type, value: raw, codingPath: path)) }
        return .prefix("try ", mapping(raw, "map", .prefix("try ", fromWire(wireType, value: .text("$0"), codingPath: path))))
    }

    static func encode(_ field: ResolvedField) -> SwiftStatement {
        let key = SwiftExpr.text("CodingKeys.\(SwiftIdentifier.escaped(field.name))")
        let value = SwiftExpr.text("self.\(SwiftIdentifier.escaped(field.name))")
        if field.type.isOptional {
            let mapped = SwiftType.containsDate(field.type.unwrapped) ? mapping(value, "map", toWire(field.type.unwrapped, value: .text("$0"))) : value
            return .expression(.prefix("try ", .call("container.encodeIfPresent", [.value(mapped), SwiftArgument("forKey", key)])))
        }
        return .expression(.prefix("try ", .call("container.encode", [.value(toWire(field.type, value: value)), SwiftArgument("forKey", key)])))
    }

    /// The type as it travels: dates as strings.
    static func wireType(_ type: TypeRef) -> TypeRef {
        switch type {
        case .date: .string
        case .array(let t): .array(wireType(t))
        case .dictionary(let t): .dictionary(wireType(t))
        case .optional(let t): .optional(wireType(t))
        default: type
        }
    }

    /// `value.map { body }`.
    private static func mapping(_ value: SwiftExpr, _ method: String, _ body: SwiftExpr) -> SwiftExpr {
        .call(.member(value, method), [], trailing: SwiftClosure(nil, [.expression(body)]))
    }

    private static func fromWire(_ type: TypeRef, value: SwiftExpr, codingPath: SwiftExpr) -> SwiftExpr {
        let element = SwiftExpr.text("$0")
        switch type {
        case .date: return .call("BatonRFC3339.date", [.value(value), SwiftArgument("codingPath", codingPath)])
        case .array(let t) where SwiftType.containsDate(t): return mapping(value, "map", .prefix("try ", fromWire(t, value: element, codingPath: codingPath)))
        case .dictionary(let t) where SwiftType.containsDate(t): return mapping(value, "mapValues", .prefix("try ", fromWire(t, value: element, codingPath: codingPath)))
        case .optional(let t) where SwiftType.containsDate(t): return mapping(value, "map", .prefix("try ", fromWire(t, value: element, codingPath: codingPath)))
        default: return value
        }
    }

    private static func toWire(_ type: TypeRef, value: SwiftExpr) -> SwiftExpr {
        let element = SwiftExpr.text("$0")
        switch type {
        case .date: return .call("BatonRFC3339.string", [.value(value)])
        case .array(let t) where SwiftType.containsDate(t): return mapping(value, "map", toWire(t, value: element))
        case .dictionary(let t) where SwiftType.containsDate(t): return mapping(value, "mapValues", toWire(t, value: element))
        case .optional(let t) where SwiftType.containsDate(t): return mapping(value, "map", toWire(t, value: element))
        default: return value
        }
    }
}
