/// A resolved type reference (spec-v1 §3).
public indirect enum TypeRef: Sendable, Hashable, CustomStringConvertible {
    case string, int, double, bool, decimal, date, uuid
    /// A record or enum declared under `types` or generated for an inline input/output.
    case named(String)
    case array(TypeRef)
    /// `[string: T]`; keys are always strings.
    case dictionary(TypeRef)
    case optional(TypeRef)

    /// The spec notation: `string`, `[CartItem]?`, `[string: int]`.
    public var description: String {
        switch self {
        case .string: "string"
        case .int: "int"
        case .double: "double"
        case .bool: "bool"
        case .decimal: "decimal"
        case .date: "date"
        case .uuid: "uuid"
        case .named(let n): n
        case .array(let t): "[\(t)]"
        case .dictionary(let t): "[string: \(t)]"
        case .optional(let t): "\(t)?"
        }
    }

    public var isOptional: Bool {
        if case .optional = self { return true }
        return false
    }

    /// The type without one level of optionality.
    public var unwrapped: TypeRef {
        if case .optional(let t) = self { return t }
        return self
    }

    /// `T?` (never `T??`).
    public var optional: TypeRef { isOptional ? self : .optional(self) }

    /// The named type this reference mentions at its core, if any (`[Item]?` -> `Item`).
    public var namedCore: String? {
        switch self {
        case .named(let n): n
        case .array(let t), .dictionary(let t), .optional(let t): t.namedCore
        default: nil
        }
    }

    /// The built-in scalar types by spec name.
    public static let builtins: [String: TypeRef] = [
        "string": .string, "int": .int, "double": .double, "bool": .bool,
        "decimal": .decimal, "date": .date, "uuid": .uuid,
    ]
}

/// A named type of the spec: declared under `types`, or generated for an inline input/output.
public struct ResolvedType: Sendable, Hashable {
    /// Where a type came from. Inline types get generated names (`PricingQuoteInput`, `CheckoutOutput`).
    public enum Origin: Sendable, Hashable {
        case declared
        case operationInput(service: String, operation: String)
        case operationOutput(service: String, operation: String)
        case workflowInput(workflow: String)
        case workflowOutput(workflow: String)

        public var isInline: Bool { self != .declared }
    }

    public enum Kind: Sendable, Hashable {
        case record([ResolvedField])
        case enumeration([ResolvedEnumCase])
    }

    public var name: String
    public var description: String?
    public var kind: Kind
    public var origin: Origin
    public var location: SourceLocation
    /// The OpenAPI schema this type was imported from (spec-v1 §12); nil for the spec's own types.
    public var openAPISource: OpenAPISchemaSource? = nil

    public var isInline: Bool { origin.isInline }

    /// The record's fields in spec order (empty for enums).
    public var fields: [ResolvedField] {
        if case .record(let f) = kind { return f }
        return []
    }

    /// The enum's cases in spec order (empty for records).
    public var cases: [ResolvedEnumCase] {
        if case .enumeration(let c) = kind { return c }
        return []
    }

    public var isEnum: Bool {
        if case .enumeration = kind { return true }
        return false
    }

    public func field(_ name: String) -> ResolvedField? { fields.first { $0.name == name } }
}

/// One field of a record.
public struct ResolvedField: Sendable, Hashable {
    public var name: String
    public var type: TypeRef
    public var description: String?
    public var location: SourceLocation
    /// The field's JSON name (`json`, spec-v1 §10); the spec name when none is given.
    public var wireName: String

    init(name: String, type: TypeRef, description: String?, location: SourceLocation, wireName: String? = nil) {
        self.name = name
        self.type = type
        self.description = description
        self.location = location
        self.wireName = wireName ?? name
    }

    /// Whether the JSON name differs from the spec name.
    public var hasCustomWireName: Bool { wireName != name }
}

/// One case of an enum.
public struct ResolvedEnumCase: Sendable, Hashable {
    public var name: String
    public var location: SourceLocation
    /// The case's JSON value (`json`, spec-v1 §10); the spec name when none is given.
    public var wireName: String

    init(name: String, location: SourceLocation, wireName: String? = nil) {
        self.name = name
        self.location = location
        self.wireName = wireName ?? name
    }

    /// Whether the JSON value differs from the spec name.
    public var hasCustomWireName: Bool { wireName != name }
}
