import BatonSpec

/// How much a change between two versions of a spec can hurt (spec-v1 §15).
public enum ChangeSeverity: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Still compiles, nothing behaves differently in a way that can hurt.
    case safe
    /// Still compiles, but behaviour changes in a way that can hurt (shorter deadlines, fewer
    /// retries, a step that may now fail the run, a case callers have not seen).
    case dangerous
    /// Code that uses the generated API, implements a generated protocol, or calls over the wire
    /// stops working.
    case breaking

    public static func < (lhs: ChangeSeverity, rhs: ChangeSeverity) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// The stable change ids of spec-v1 §15. Ids are the API CI depends on; messages may change.
public enum ChangeID: String, Sendable, Hashable, Codable, CaseIterable {
    case workflowRemoved = "workflow-removed"
    case workflowAdded = "workflow-added"
    case workflowInputFieldAdded = "workflow-input-field-added"
    case workflowInputFieldAddedOptional = "workflow-input-field-added-optional"
    case workflowInputFieldRemoved = "workflow-input-field-removed"
    case workflowOutputFieldRemoved = "workflow-output-field-removed"
    case workflowOutputFieldAdded = "workflow-output-field-added"
    case fieldTypeChanged = "field-type-changed"
    case fieldBecameOptional = "field-became-optional"
    case fieldBecameRequired = "field-became-required"
    case enumCaseRemoved = "enum-case-removed"
    case enumCaseAdded = "enum-case-added"
    case wireNameChanged = "wire-name-changed"
    case operationAdded = "operation-added"
    case operationRemoved = "operation-removed"
    case operationHTTPChanged = "operation-http-changed"
    case deadlineDecreased = "deadline-decreased"
    case timeoutDecreased = "timeout-decreased"
    case retriesDecreased = "retries-decreased"
    case stepBecameRequired = "step-became-required"
    case compensationRemoved = "compensation-removed"
    case fallbackRemoved = "fallback-removed"
    case idempotencyKeyRemoved = "idempotency-key-removed"
    case workflowHTTPChanged = "workflow-http-changed"
    case sloTightened = "slo-tightened"

    /// The stable id, e.g. `field-type-changed`.
    public var id: String { rawValue }

    /// The severity of spec-v1 §15's table.
    public var severity: ChangeSeverity {
        switch self {
        case .workflowAdded, .workflowInputFieldAddedOptional, .workflowOutputFieldAdded, .operationRemoved:
            .safe
        case .enumCaseAdded, .deadlineDecreased, .timeoutDecreased, .retriesDecreased, .stepBecameRequired,
             .compensationRemoved, .fallbackRemoved, .idempotencyKeyRemoved, .sloTightened:
            .dangerous
        case .workflowRemoved, .workflowInputFieldAdded, .workflowInputFieldRemoved, .workflowOutputFieldRemoved,
             .fieldTypeChanged, .fieldBecameOptional, .fieldBecameRequired, .enumCaseRemoved, .wireNameChanged,
             .operationAdded, .operationHTTPChanged, .workflowHTTPChanged:
            .breaking
        }
    }

    /// Whether the change is located in OLD: the ids of things that are gone (`…-removed`), which
    /// have no line in NEW. Every other change is located in NEW.
    public var isLocatedInOld: Bool { rawValue.hasSuffix("-removed") }

    /// One sentence for listings and docs.
    public var summary: String {
        switch self {
        case .workflowRemoved: "A workflow is gone: callers of its orchestrator method stop compiling."
        case .workflowAdded: "A new workflow: a new orchestrator method."
        case .workflowInputFieldAdded: "A workflow's input gains a required field: every caller must pass it."
        case .workflowInputFieldAddedOptional: "A workflow's input gains an optional field."
        case .workflowInputFieldRemoved: "A field of a workflow's input is gone: callers that set it stop compiling."
        case .workflowOutputFieldRemoved: "A field of a workflow's output is gone: callers that read it stop compiling."
        case .workflowOutputFieldAdded: "A workflow's output gains a field."
        case .fieldTypeChanged: "A field of a record used by a workflow or operation changes type (reported where it is declared)."
        case .fieldBecameOptional: "A field of an output becomes optional: readers must handle its absence."
        case .fieldBecameRequired: "A field of an input becomes required: every producer must set it."
        case .enumCaseRemoved: "An enum loses a case."
        case .enumCaseAdded: "An enum in an output gains a case that readers have not seen."
        case .wireNameChanged: "A field's or case's JSON name changes: the other side no longer understands it."
        case .operationAdded: "A service gains an operation: a new requirement of its generated protocol."
        case .operationRemoved: "A service loses an operation."
        case .operationHTTPChanged: "An operation's HTTP method or path changes."
        case .deadlineDecreased: "A workflow's deadline is shorter."
        case .timeoutDecreased: "A per-attempt timeout is shorter, or set where attempts were bounded only by the deadline."
        case .retriesDecreased: "Fewer attempts, or no retry."
        case .stepBecameRequired: "A step is no longer optional: its failure now fails the workflow."
        case .compensationRemoved: "A step no longer has a compensation."
        case .fallbackRemoved: "A step no longer has a fallback."
        case .idempotencyKeyRemoved: "An operation no longer declares an idempotency key."
        case .workflowHTTPChanged: "A workflow's HTTP route (method or path) changes."
        case .sloTightened: "A service level objective is stricter: a higher objective, a lower latency threshold, or a new objective."
        }
    }
}

/// One change between two versions of a spec.
public struct SpecChange: Sendable, Hashable {
    public var id: ChangeID
    /// The id's severity (spec-v1 §15).
    public var severity: ChangeSeverity { id.severity }
    /// What changed, as a dotted path of spec names: `workflows.checkout.output.total`,
    /// `types.Quote.total`, `services.pricing.operations.quote.timeout`.
    public var path: String
    /// A sentence that names the thing: `workflow 'checkout': output field 'total' changed type
    /// from decimal to double`.
    public var message: String
    /// Where the change is: in NEW, or in OLD for removals (``ChangeID/isLocatedInOld``).
    public var location: SourceLocation
    /// The nearest place in NEW for a change located in OLD (the workflow, step, record or
    /// service that is still there), for annotations on the new file; nil when nothing of it is
    /// left. Equal to `location` for a change located in NEW.
    public var newLocation: SourceLocation?

    public init(_ id: ChangeID, path: String, message: String, location: SourceLocation, newLocation: SourceLocation?) {
        self.id = id
        self.path = path
        self.message = message
        self.location = location
        self.newLocation = newLocation
    }
}

extension SpecChange: Comparable {
    /// By file position (file, line, column), then id and path: the order of spec-v1 §15's JSON.
    public static func < (a: SpecChange, b: SpecChange) -> Bool {
        if a.location != b.location { return a.location < b.location }
        if a.id != b.id { return a.id.rawValue < b.id.rawValue }
        return a.path < b.path
    }
}
