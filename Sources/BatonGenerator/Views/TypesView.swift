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
        var initParameters: String
        /// `label: parameter` for every field, in order: what the initialiser hands to the box.
        var storageArguments: String
        /// `label: _field` for every field: what `init(from:)` hands to the initialiser.
        var decodedArguments: String
        /// Records holding dates (RFC 3339 on the wire) and boxed records get explicit Codable
        /// conformance.
        var customCoding: Bool
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
        var decodeExpression: String
        var encodeStatement: String
        /// The local that holds the decoded value in `init(from:)` (`_` + the spec name, which no
        /// spec name can be).
        var decodedLocal: String
        /// The box's initialiser arguments with this field replaced by `newValue` (the setter).
        var replacingArguments: String
    }

    struct CaseView {
        var identifier: String
    }

    var header: String
    var types: [TypeView]
    var needsDateCoding: Bool

    init(spec: ResolvedSpec, options: GeneratorOptions) {
        header = options.header(for: spec)
        let access = options.accessModifier.rawValue
        let boxed = RecordStorage.boxedRecords(in: spec)
        types = spec.types.map { type in
            let arguments = type.fields.map { field in
                "\(SwiftIdentifier.label(field.name)): \(SwiftIdentifier.parameter(field.name))"
            }
            let fields = type.fields.map { field in
                FieldView(
                    identifier: SwiftIdentifier.escaped(field.name),
                    parameter: SwiftIdentifier.parameter(field.name),
                    swiftType: SwiftType.name(field.type),
                    docComment: SwiftLiteral.docComment(field.description, indent: "    "),
                    access: access,
                    decodeExpression: DateCoding.decode(field),
                    encodeStatement: DateCoding.encode(field),
                    decodedLocal: "_\(field.name)",
                    replacingArguments: type.fields.map { other in
                        let value = other.name == field.name ? "newValue" : "_storage.\(SwiftIdentifier.escaped(other.name))"
                        return "\(SwiftIdentifier.label(other.name)): \(value)"
                    }.joined(separator: ", ")
                )
            }
            let parameters = type.fields.map { field in
                // One name serves as label and parameter, escaped as needed; only a field named
                // `self` gets a separate parameter name so it cannot shadow `self`.
                let parameter = SwiftIdentifier.parameter(field.name)
                let name = parameter == SwiftIdentifier.escaped(field.name) ? parameter : "\(SwiftIdentifier.label(field.name)) \(parameter)"
                let defaultValue = field.type.isOptional ? " = nil" : ""
                return "\(name): \(SwiftType.name(field.type))\(defaultValue)"
            }
            return TypeView(
                name: SwiftIdentifier.escaped(type.name),
                docComment: SwiftLiteral.docComment(type.description ?? Self.inlineDescription(type.origin)),
                access: access,
                isRecord: !type.isEnum,
                isEnum: type.isEnum,
                fields: fields,
                cases: type.cases.map { CaseView(identifier: SwiftIdentifier.escaped($0.name)) },
                initParameters: parameters.joined(separator: ", "),
                storageArguments: arguments.joined(separator: ", "),
                decodedArguments: type.fields.map { "\(SwiftIdentifier.label($0.name)): _\($0.name)" }.joined(separator: ", "),
                customCoding: boxed.contains(type.name) || type.fields.contains { SwiftType.containsDate($0.type) },
                isBoxed: boxed.contains(type.name)
            )
        }
        needsDateCoding = types.contains(where: \.customCoding)
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

/// Decoding and encoding statements for records that hold dates: the wire form replaces every
/// `date` with a string, and conversions map over arrays, dictionaries and optionals.
enum DateCoding {
    static func decode(_ field: ResolvedField) -> String {
        let key = "CodingKeys.\(SwiftIdentifier.escaped(field.name))"
        let method = field.type.isOptional ? "decodeIfPresent" : "decode"
        let wireType = field.type.isOptional ? field.type.unwrapped : field.type
        let raw = "container.\(method)(\(SwiftType.name(Self.wireType(wireType))).self, forKey: \(key))"
        guard SwiftType.containsDate(field.type) else { return "try \(raw)" }
        let path = "container.codingPath + [\(key)]"
        let converted = fromWire(wireType, value: "$0", codingPath: path)
        return field.type.isOptional
            ? "try \(raw).map { try \(converted) }"
            : "try \(fromWire(field.type, value: raw, codingPath: path))"
    }

    static func encode(_ field: ResolvedField) -> String {
        let key = "CodingKeys.\(SwiftIdentifier.escaped(field.name))"
        let value = "self.\(SwiftIdentifier.escaped(field.name))"
        if field.type.isOptional {
            let converted = toWire(field.type.unwrapped, value: "$0")
            let mapped = converted == "$0" ? value : "\(value).map { \(converted) }"
            return "try container.encodeIfPresent(\(mapped), forKey: \(key))"
        }
        return "try container.encode(\(toWire(field.type, value: value)), forKey: \(key))"
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

    private static func fromWire(_ type: TypeRef, value: String, codingPath: String) -> String {
        switch type {
        case .date: "BatonRFC3339.date(\(value), codingPath: \(codingPath))"
        case .array(let t) where SwiftType.containsDate(t): "\(value).map { try \(fromWire(t, value: "$0", codingPath: codingPath)) }"
        case .dictionary(let t) where SwiftType.containsDate(t): "\(value).mapValues { try \(fromWire(t, value: "$0", codingPath: codingPath)) }"
        case .optional(let t) where SwiftType.containsDate(t): "\(value).map { try \(fromWire(t, value: "$0", codingPath: codingPath)) }"
        default: value
        }
    }

    private static func toWire(_ type: TypeRef, value: String) -> String {
        switch type {
        case .date: "BatonRFC3339.string(\(value))"
        case .array(let t) where SwiftType.containsDate(t): "\(value).map { \(toWire(t, value: "$0")) }"
        case .dictionary(let t) where SwiftType.containsDate(t): "\(value).mapValues { \(toWire(t, value: "$0")) }"
        case .optional(let t) where SwiftType.containsDate(t): "\(value).map { \(toWire(t, value: "$0")) }"
        default: value
        }
    }
}
