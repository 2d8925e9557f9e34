import BatonNaming
import BatonSpec

/// A spec that cannot be lowered: the checker lets through nothing that gets here, so this is an
/// invariant of the model that did not hold.
public struct LoweringError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var location: SourceLocation?

    public init(_ message: String, at location: SourceLocation?) {
        self.message = message
        self.location = location
    }

    public var description: String { message }
}

/// The whole spec lowered to runtime objects: every pipeline and shared component (in the order
/// generated code declares them), the pipelines each step, fallback and compensation runs
/// under, the response caches and each workflow's admission control.
public struct SpecLowering: Sendable {
    /// The pipelines of one step.
    public struct StepPolicies: Sendable, Hashable {
        /// The step's own call.
        public var call: Int
        /// A `fallback: { call }` (awaited steps only).
        public var fallback: Int?
        /// The compensation (awaited steps only).
        public var compensation: Int?
    }

    /// A workflow's steps in the order generated code declares them (topological, spec order
    /// among equals), with their pipelines.
    public struct WorkflowPolicies: Sendable {
        public var workflow: String
        public var steps: [(step: ResolvedStep, policies: StepPolicies)]
    }

    public private(set) var policies = PolicyLowering()
    public private(set) var workflows: [WorkflowPolicies] = []
    public let caches: [LoweredCache]

    /// Lowers every workflow of `spec`, in spec order.
    public init(spec: ResolvedSpec) throws(LoweringError) {
        caches = try LoweredCache.caches(of: spec)
        for workflow in spec.workflows {
            var steps: [(ResolvedStep, StepPolicies)] = []
            for name in workflow.graph.topologicalOrder {
                guard let step = workflow.step(name) else { throw LoweringError("the graph names an unknown step '\(name)'", at: workflow.location) }
                steps.append((step, lower(step, of: workflow, in: spec)))
            }
            workflows.append(WorkflowPolicies(workflow: workflow.name, steps: steps))
        }
    }

    /// The lowered steps of `workflow`.
    public func workflow(_ name: String) -> WorkflowPolicies? { workflows.first { $0.workflow == name } }

    /// The pipelines of `step` in `workflow`.
    public func step(_ step: String, of workflow: String) -> StepPolicies? {
        self.workflow(workflow)?.steps.first { $0.step.name == step }?.policies
    }

    /// The pipeline with number `index`.
    public func pipeline(_ index: Int) -> PolicyLowering.Pipeline { policies.pipelines[index] }

    private mutating func lower(_ step: ResolvedStep, of workflow: ResolvedWorkflow, in spec: ResolvedSpec) -> StepPolicies {
        let call = policies.pipeline(
            service: step.call.service, in: spec, policies: step.policies, access: Self.access(step.call, in: spec),
            preferredName: Self.pipelineName(for: step.call, policies: step.policies, in: spec, fallback: workflow.name + GeneratedNames.upperCamel(step.name))
        )
        var lowered = StepPolicies(call: call)
        guard step.mode == .await else { return lowered }
        if case .call(let target, _, let targetPolicies) = step.fallback {
            lowered.fallback = policies.pipeline(
                service: target.service, in: spec, policies: targetPolicies, access: Self.access(target, in: spec),
                preferredName: Self.pipelineName(
                    for: target, policies: targetPolicies, in: spec, fallback: workflow.name + GeneratedNames.upperCamel(step.name) + "Fallback")
            )
        }
        if let compensation = step.compensate {
            lowered.compensation = policies.pipeline(
                service: compensation.call.service, in: spec, policies: compensation.policies, access: Self.access(compensation.call, in: spec),
                preferredName: Self.pipelineName(
                    for: compensation.call, policies: compensation.policies, in: spec,
                    fallback: workflow.name + GeneratedNames.upperCamel(step.name) + "Compensation")
            )
        }
        return lowered
    }

    /// The operation's access (`read` when unknown).
    public static func access(_ call: OperationRef, in spec: ResolvedSpec) -> Access {
        spec.operation(call)?.access ?? .read
    }

    /// Names a pipeline after the narrowest spec element whose settings it has: the service, the
    /// operation, or else (a step-level override) `fallback`.
    static func pipelineName(for call: OperationRef, policies: PolicySet, in spec: ResolvedSpec, fallback: String) -> String {
        func comparable(_ set: PolicySet?) -> PolicySet? {
            guard var set else { return nil }
            set.cache = nil
            set.hedge = nil
            return set
        }
        let effective = comparable(policies)
        if comparable(spec.service(named: call.service)?.policies) == effective { return call.service }
        if comparable(spec.operation(call)?.policies) == effective {
            return call.service + GeneratedNames.upperCamel(call.operation)
        }
        return fallback
    }
}

/// The response cache of a cached read operation: one per operation, shared by every workflow.
public struct LoweredCache: Sendable, Hashable {
    /// One field of the cache key: an input field path.
    public struct KeyField: Sendable, Hashable {
        /// `aB` for the path `a.b`.
        public var name: String
        public var path: [String]
        /// For each part of `path`, whether the value it is read from is optional.
        public var optionalBefore: [Bool]
        /// Optional when any part of the path is.
        public var type: TypeRef
    }

    public var operation: OperationRef
    public var output: TypeRef
    public var keyFields: [KeyField]
    public var policy: CachePolicy

    /// The caches of `spec`'s cached read operations, in spec order.
    public static func caches(of spec: ResolvedSpec) throws(LoweringError) -> [LoweredCache] {
        var caches: [LoweredCache] = []
        for service in spec.services {
            for operation in service.operations where operation.access == .read {
                guard let policy = operation.cache else { continue }
                var fields: [KeyField] = []
                for path in policy.key {
                    fields.append(try keyField(path, in: operation.input, spec: spec, location: operation.location))
                }
                caches.append(LoweredCache(operation: operation.ref, output: operation.output, keyFields: fields, policy: policy))
            }
        }
        return caches
    }

    /// `a.b` of the input type: its type (optional if any part is) and a field name `aB`.
    private static func keyField(_ path: String, in input: TypeRef, spec: ResolvedSpec, location: SourceLocation) throws(LoweringError) -> KeyField {
        let parts = path.split(separator: ".").map(String.init)
        var type = input
        var optional = false
        var optionalBefore: [Bool] = []
        for part in parts {
            optionalBefore.append(type.isOptional)
            optional = optional || type.isOptional
            guard let field = type.unwrapped.namedCore.flatMap({ spec.type(named: $0) })?.field(part) else {
                throw LoweringError("cache key '\(path)': no field '\(part)' in \(type)", at: location)
            }
            type = field.type
        }
        let name = parts.enumerated().map { $0.offset == 0 ? $0.element : GeneratedNames.upperCamel($0.element) }.joined()
        return KeyField(name: name, path: parts, optionalBefore: optionalBefore, type: optional ? type.optional : type)
    }
}

/// A workflow's admission control (spec-v1 §6 `admission`): its caller classes, the single-class
/// form being one class named `default`.
public struct LoweredAdmission: Sendable, Hashable {
    public struct CallerClass: Sendable, Hashable {
        public var name: String
        public var rate: Rate
        public var burst: Int
    }

    public var maxConcurrent: Int?
    public var classes: [CallerClass]

    public init?(_ workflow: ResolvedWorkflow) {
        guard let admission = workflow.admission else { return nil }
        maxConcurrent = admission.maxConcurrent
        classes = admission.limit.map { [CallerClass(name: "default", rate: $0.rate, burst: $0.burst)] }
            ?? admission.classes.map { CallerClass(name: $0.name, rate: $0.limit.rate, burst: $0.limit.burst) }
    }
}
