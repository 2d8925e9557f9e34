import BatonSpec

/// Where a spec's named types are used: which directions they travel in (a workflow's or an
/// operation's input or output, directly or nested in another record), and who takes or returns
/// them directly. Decides which change ids apply to a field and how messages name it.
struct TypeUsage {
    struct Roles: OptionSet, Hashable {
        let rawValue: UInt8
        /// Reachable from a workflow's input: callers of the orchestrator build it.
        static let workflowInput = Roles(rawValue: 1)
        /// Reachable from a workflow's output: callers read it.
        static let workflowOutput = Roles(rawValue: 2)
        /// Reachable from an operation's input: implementations of the service protocol read it.
        static let operationInput = Roles(rawValue: 4)
        /// Reachable from an operation's output: implementations build it.
        static let operationOutput = Roles(rawValue: 8)

        static let input: Roles = [.workflowInput, .operationInput]
        static let output: Roles = [.workflowOutput, .operationOutput]
    }

    /// A workflow or operation that takes or returns a type itself (not nested).
    enum DirectUse: Hashable {
        case workflowInput(String)
        case workflowOutput(String)
        case operationInput(OperationRef)
        case operationOutput(OperationRef)
    }

    private(set) var roles: [String: Roles] = [:]
    private(set) var directUses: [String: [DirectUse]] = [:]

    init(_ spec: ResolvedSpec, types: [String: ResolvedType]) {
        var roots: [(TypeRef, Roles, DirectUse)] = []
        for workflow in spec.workflows {
            roots.append((workflow.input, .workflowInput, .workflowInput(workflow.name)))
            roots.append((workflow.output, .workflowOutput, .workflowOutput(workflow.name)))
        }
        for service in spec.services {
            for operation in service.operations {
                roots.append((operation.input, .operationInput, .operationInput(operation.ref)))
                roots.append((operation.output, .operationOutput, .operationOutput(operation.ref)))
            }
        }
        for (type, _, use) in roots {
            if let name = type.namedCore { directUses[name, default: []].append(use) }
        }
        for role in [Roles.workflowInput, .workflowOutput, .operationInput, .operationOutput] {
            var pending = roots.filter { $0.1 == role }.compactMap(\.0.namedCore)
            var seen = Set<String>()
            while let name = pending.popLast() {
                guard seen.insert(name).inserted else { continue }
                roles[name, default: []].insert(role)
                for field in types[name]?.fields ?? [] {
                    if let nested = field.type.namedCore, !seen.contains(nested) { pending.append(nested) }
                }
            }
        }
    }

    func roles(of name: String) -> Roles { roles[name] ?? [] }

    func directUses(of name: String) -> [DirectUse] { directUses[name] ?? [] }
}
