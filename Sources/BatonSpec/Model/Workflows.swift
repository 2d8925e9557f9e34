/// The checked, resolved spec: what the generator consumes. No YAML types; every default filled
/// and every reference resolved.
public struct ResolvedSpec: Sendable, Hashable {
    /// `name`, UpperCamelCase; the orchestrator is `<name>Orchestrator`.
    public var name: String
    public var description: String?
    /// The spec file's last path component (for generated headers).
    public var sourceFileName: String
    /// The path as the user gave it.
    public var sourcePath: String
    /// Declared types in spec order, followed by inline types in order of appearance.
    public var types: [ResolvedType]
    public var services: [ResolvedService]
    public var workflows: [ResolvedWorkflow]
    /// The OpenAPI documents the spec's services import (spec-v1 §12), as diagnostics show their
    /// paths (the spec's folder joined with the written path), in the order first named.
    public var openAPIDocuments: [String] = []
    /// Where each key of the spec file was written, for tools that point at a setting as written
    /// (`baton diff`).
    public var keyLocations = KeyLocations()

    public func type(named name: String) -> ResolvedType? { types.first { $0.name == name } }
    public func service(named name: String) -> ResolvedService? { services.first { $0.name == name } }
    public func workflow(named name: String) -> ResolvedWorkflow? { workflows.first { $0.name == name } }
    public func operation(_ ref: OperationRef) -> ResolvedOperation? {
        service(named: ref.service)?.operation(ref.operation)
    }
}

public enum StepMode: String, Sendable, Hashable, CaseIterable {
    /// Awaited (the default).
    case await
    /// Queued, not awaited; its output cannot be referenced.
    case async
}

/// Admission control on incoming calls of a workflow.
public struct Admission: Sendable, Hashable {
    public struct Limit: Sendable, Hashable {
        public var rate: Rate
        /// Defaults to one second of `rate`.
        public var burst: Int
    }

    public struct Class: Sendable, Hashable {
        public var name: String
        public var limit: Limit
    }

    public var maxConcurrent: Int?
    /// Single-class form (`rate`, `burst`).
    public var limit: Limit?
    /// Per-class form; the first is the default class.
    public var classes: [Class]
}

/// An orchestrated operation.
public struct ResolvedWorkflow: Sendable, Hashable {
    public var name: String
    public var description: String?
    public var input: TypeRef
    public var output: TypeRef
    public var deadline: Duration
    public var admission: Admission?
    /// In spec order.
    public var steps: [ResolvedStep]
    /// Builds `output`.
    public var result: TypedExpression
    public var graph: WorkflowGraph
    /// Budget analysis for `deadline-budget`, `retry-budget`, `baton explain` and `baton graph`.
    public var budget: BudgetAnalysis
    public var location: SourceLocation
    /// Service level objectives (`slo`, spec-v1 §14); nil when the workflow declares none.
    public var slo: ServiceLevelObjectives? = nil
    /// How the workflow is served over HTTP (`http`, spec-v1 §13); nil when it is not.
    public var http: WorkflowHTTPBinding? = nil

    public func step(_ name: String) -> ResolvedStep? { steps.first { $0.name == name } }
}

/// A step of a workflow.
public struct ResolvedStep: Sendable, Hashable {
    public var name: String
    public var call: OperationRef
    /// The operation's input record, built by `with`.
    public var inputType: TypeRef
    /// The operation's output type.
    public var outputType: TypeRef
    /// A record construction of `inputType`.
    public var with: TypedExpression
    /// Explicit ordering dependencies.
    public var after: [String]
    public var optional: Bool
    public var mode: StepMode
    public var when: StepCondition?
    public var fallback: Fallback?
    public var compensate: Compensation?
    /// Effective settings: step over operation over service, `none` applied.
    public var policies: PolicySet
    /// Every step this one waits for (`with`, `when`, fallback `with`, `after`), in spec order.
    public var dependencies: [String]
    /// Whether references to this step's value are optional (optional, `when` or async steps).
    public var valueIsOptional: Bool { optional || when != nil || mode == .async }
    public var location: SourceLocation
}

/// `when`: `$ref`, `!$ref`, `$ref == literal`, `$ref != literal`. An absent optional value is false.
public struct StepCondition: Sendable, Hashable {
    public enum Test: Sendable, Hashable {
        case isTrue
        case isFalse
        case equals(LiteralValue)
        case notEquals(LiteralValue)
    }

    public var reference: ValueReference
    public var test: Test
}

public enum Fallback: Sendable, Hashable {
    /// A literal of the step's output type.
    case value(TypedExpression)
    /// Another operation with the same output type.
    case call(OperationRef, with: TypedExpression, policies: PolicySet)
    /// Serve the stale cache entry of the step's operation, of any age.
    case stale
}

/// What undoes a completed step when a later required step fails.
public struct Compensation: Sendable, Hashable {
    public var call: OperationRef
    public var with: TypedExpression
    /// The compensating operation's effective settings.
    public var policies: PolicySet
}

/// A typed expression (spec-v1 §6.1).
public indirect enum TypedExpression: Sendable, Hashable {
    /// `$input.a.b`, `$step.x`, `$x.items[].sku`.
    case reference(ValueReference)
    case literal(LiteralValue, type: TypeRef)
    /// `null`, filling an optional.
    case null(type: TypeRef)
    /// A YAML mapping building a record, fields in the record's order (absent optionals omitted).
    case record(typeName: String, fields: [FieldValue])
    case array([TypedExpression], type: TypeRef)
    case dictionary([DictionaryEntry], type: TypeRef)

    /// The expression's own type (a reference's may be narrower than its target, e.g. `T` for `T?`).
    public var type: TypeRef {
        switch self {
        case .reference(let r): r.type
        case .literal(_, let t), .null(let t), .array(_, let t), .dictionary(_, let t): t
        case .record(let n, _): .named(n)
        }
    }

    /// The step names this expression reads.
    public var referencedSteps: [String] {
        switch self {
        case .reference(let r):
            if case .step(let s) = r.root { return [s] }
            return []
        case .literal, .null: return []
        case .record(_, let fields): return fields.flatMap(\.value.referencedSteps)
        case .array(let items, _): return items.flatMap(\.referencedSteps)
        case .dictionary(let entries, _): return entries.flatMap(\.value.referencedSteps)
        }
    }
}

public struct FieldValue: Sendable, Hashable {
    public var name: String
    /// The field's declared type (the value's own type may be `T` where this is `T?`).
    public var fieldType: TypeRef
    public var value: TypedExpression
}

public struct DictionaryEntry: Sendable, Hashable {
    public var key: String
    public var value: TypedExpression
}

/// A literal scalar, already validated against its target type.
public enum LiteralValue: Sendable, Hashable {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    /// Decimal text exactly as written (`12.50`), to avoid binary rounding.
    case decimal(String)
    /// RFC 3339 text.
    case date(String)
    /// Canonical UUID text.
    case uuid(String)
    case enumCase(String)
}

/// `$input…` or `$step…` with a path; each element records the type it produces, so generated
/// code knows where optional chaining and mapping are needed.
public struct ValueReference: Sendable, Hashable, CustomStringConvertible {
    public enum Root: Sendable, Hashable {
        case input
        case step(String)
    }

    public enum Element: Sendable, Hashable {
        case field(String)
        /// `[]`: the rest of the path applies to each element of a list.
        case each
    }

    public var root: Root
    /// The root value's type (optional for steps whose value may be missing).
    public var rootType: TypeRef
    public var path: [Element]
    /// Type after each element of `path`.
    public var elementTypes: [TypeRef]
    /// The resulting type.
    public var type: TypeRef
    public var location: SourceLocation

    public var description: String {
        var s: String
        switch root {
        case .input: s = "$input"
        case .step(let n): s = "$\(n)"
        }
        for e in path {
            switch e {
            case .field(let f): s += ".\(f)"
            case .each: s += "[]"
            }
        }
        return s
    }
}
