import BatonSpec

/// Compares two versions of a spec (spec-v1 §15): the resolved models, so only meaning counts —
/// reordering, comments, formatting, a policy moved under `policies` and referenced by name, or
/// an inline type written long-form are no change. Everything is matched by name (workflows,
/// steps, services, operations, types, fields, enum cases); a rename is a removal plus an
/// addition.
///
/// Each change is reported once, where it is declared: a field's type change at the field of its
/// record (not at every workflow or operation that uses the record), a shorter timeout at the
/// level that writes it (a service's timeout once for the service, not once per step that inherits
/// it), a changed named retry policy at its entry under `policies`.
///
/// The input is the resolved model, after everything the loader resolves — OpenAPI imports
/// included once they exist — so a changed provider document shows up as changed types and
/// operations of the spec that imports it.
public enum SpecDiff {
    /// The changes from `old` to `new`, sorted by file position. A nil side is a spec that does not
    /// exist in that version: every workflow of the other side is added (or removed).
    public static func changes(from old: ResolvedSpec?, to new: ResolvedSpec?) -> [SpecChange] {
        var comparison = Comparison()
        switch (old, new) {
        case (nil, nil):
            break
        case (let old?, nil):
            for workflow in old.workflows {
                comparison.report(.workflowRemoved, path: "workflows.\(workflow.name)",
                                  "workflow '\(workflow.name)' removed (its spec is gone)",
                                  old: workflow.location, new: nil)
            }
        case (nil, let new?):
            for workflow in new.workflows {
                comparison.report(.workflowAdded, path: "workflows.\(workflow.name)",
                                  "workflow '\(workflow.name)' added (a new spec)", old: nil, new: workflow.location)
            }
        case (let old?, let new?):
            comparison.compare(Side(old), Side(new))
        }
        return comparison.changes.sorted()
    }
}

/// One version of the spec, indexed by name.
struct Side {
    let spec: ResolvedSpec
    let types: [String: ResolvedType]
    let services: [String: ResolvedService]
    let workflows: [String: ResolvedWorkflow]
    let usage: TypeUsage

    init(_ spec: ResolvedSpec) {
        self.spec = spec
        types = Dictionary(spec.types.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        services = Dictionary(spec.services.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        workflows = Dictionary(spec.workflows.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        usage = TypeUsage(spec, types: types)
    }

    var keys: KeyLocations { spec.keyLocations }
}

/// Collects the changes of one comparison, each once (by id and path).
struct Comparison {
    private(set) var changes: [SpecChange] = []
    private var seen: Set<String> = []

    /// Records a change located in NEW, or in OLD for removals (``ChangeID/isLocatedInOld``),
    /// falling back to the other side when the preferred one has no location.
    mutating func report(_ id: ChangeID, path: String, _ message: String, old: SourceLocation?, new: SourceLocation?) {
        guard let location = id.isLocatedInOld ? (old ?? new) : (new ?? old) else { return }
        guard seen.insert("\(id.rawValue) \(path)").inserted else { return }
        changes.append(SpecChange(id, path: path, message: message, location: location, newLocation: new))
    }

    mutating func compare(_ old: Side, _ new: Side) {
        compareTypes(old, new)
        compareServices(old, new)
        compareWorkflows(old, new)
    }
}

extension Duration {
    /// `250ms`, or "no timeout" for nil.
    static func text(_ duration: Duration?) -> String { duration?.specText ?? "none" }
}

/// `99.9%` for 0.999 (at most four decimals).
func percentText(_ fraction: Double) -> String {
    let percent = (fraction * 100 * 10_000).rounded() / 10_000
    var text = "\(percent)"
    if text.hasSuffix(".0") { text.removeLast(2) }
    return text + "%"
}
