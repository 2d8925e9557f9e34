import BatonSpec

/// What `orchestrator.mustache` renders: `<Name>Orchestrator` with one method per workflow.
struct OrchestratorView {
    struct ServiceParameter {
        /// As an argument label (keywords unescaped).
        var label: String
        /// As a declaration or value.
        var identifier: String
        /// The `init` parameter: the spec name as label, and an internal name that shadows none of
        /// the initialiser's own names (a service may be called `self`, `caches`, `services`…).
        var parameter: String
        var parameterName: String
        var protocolName: String
    }

    struct WorkflowView {
        var methodName: String
        var storedName: String
        var makeName: String
        var docComment: String
        var inputType: String
        var outputType: String
        /// `builder.step(…)` declarations, in topological order.
        var steps: [String]
        var builderDeclaration: String
        var resultExpression: String
        var admission: String?
        /// The typed caller classes, when admission control declares `classes`.
        var admissionClasses: AdmissionClassesView?
        // Stored, not computed: the template engine reads views by reflection, which sees only
        // stored properties (a computed `hasAdmission` was always false).
        var hasAdmission: Bool
    }

    /// `public enum CheckoutAdmissionClass: String` with one case per admission class.
    struct AdmissionClassesView {
        struct Case {
            var identifier: String
        }

        var enumName: String
        var workflowName: String
        var cases: [Case]
        var defaultCase: String
    }

    struct CacheView {
        struct Field {
            var identifier: String
            var swiftType: String
        }

        var member: String
        var keyType: String
        var valueType: String
        var construction: String
        var fields: [Field]
        var operation: String
    }

    var header: String
    var access: String
    var typeName: String
    var docComment: String
    var services: [ServiceParameter]
    var policyDeclarations: [String]
    var policyNames: [String]
    /// `"pricing": pricingRouter` entries.
    var routerEntries: String
    var hasRouters: Bool
    var servicesArguments: String
    var workflows: [WorkflowView]
    var hasAsyncSteps: Bool
    var caches: [CacheView]
    /// Stored for the template engine, which sees only stored properties.
    var hasCaches: Bool

    /// Names the orchestrator's `init` declares or uses besides its service parameters (`options`
    /// is a reserved service name). A trailing `_` cannot occur in a spec name, so it cannot clash.
    static let initLocals: Set<String> = ["self", "services", "asyncSteps", "policies", "caches", "options"]

    init(spec: ResolvedSpec, options: GeneratorOptions) {
        header = options.header(for: spec)
        access = options.accessModifier.rawValue
        typeName = Naming.orchestrator(spec.name)
        docComment = SwiftLiteral.docComment(spec.description ?? "Runs the workflows of the \(spec.name) spec.")
        services = spec.services.map {
            let internalName = Self.initLocals.contains($0.name) ? $0.name + "_" : SwiftIdentifier.escaped($0.name)
            let label = SwiftIdentifier.label($0.name)
            return ServiceParameter(
                label: label,
                identifier: SwiftIdentifier.escaped($0.name),
                parameter: internalName == SwiftIdentifier.escaped($0.name) ? internalName : "\(label) \(internalName)",
                parameterName: internalName,
                protocolName: Naming.serviceProtocol($0.name)
            )
        }
        var plan = PolicyPlan()
        let cachePlan = CachePlan(spec: spec)
        caches = cachePlan.caches.map { cache in
            CacheView(
                member: cache.member,
                keyType: cache.keyType,
                valueType: cache.valueType,
                construction: cachePlan.construction(cache),
                fields: cache.keyFields.map { CacheView.Field(identifier: SwiftIdentifier.escaped($0.name), swiftType: SwiftType.name($0.type)) },
                operation: cache.operation.description
            )
        }
        hasCaches = !caches.isEmpty
        workflows = spec.workflows.map { WorkflowEmitter(spec: spec, workflow: $0, caches: cachePlan).emit(into: &plan) }
        policyDeclarations = plan.declarations
        policyNames = plan.pipelineNames
        routerEntries = plan.routers.map { "\(SwiftLiteral.string($0.service)): \($0.name)" }.joined(separator: ", ")
        hasRouters = !plan.routers.isEmpty
        servicesArguments = services.map { "\($0.label): \($0.parameterName)" }.joined(separator: ", ")
        hasAsyncSteps = spec.workflows.contains { $0.steps.contains { $0.mode == .async } }
    }
}

/// Emits one workflow's step declarations and result.
private struct WorkflowEmitter {
    var spec: ResolvedSpec
    var workflow: ResolvedWorkflow
    var caches: CachePlan

    /// `cartStep`: the local holding a step's key.
    func key(_ step: String) -> String { SwiftIdentifier.lowerCamel(step) + "Step" }

    var renderer: ExpressionRenderer {
        ExpressionRenderer(spec: spec) { step, optional in
            optional ? "values[ifPresent: \(key(step))]" : "values[\(key(step))]"
        }
    }

    func emit(into plan: inout PolicyPlan) -> OrchestratorView.WorkflowView {
        let upper = SwiftIdentifier.upperCamel(workflow.name)
        let input = SwiftType.name(workflow.input)
        let output = SwiftType.name(workflow.output)
        let order = workflow.graph.topologicalOrder.compactMap { workflow.step($0) }
        let steps = order.map { step(for: $0, plan: &plan) }
        let builder = "var builder = BatonRuntime.WorkflowBuilder<\(input)>(workflow: \(SwiftLiteral.string(workflow.name)), "
            + "deadline: \(PolicyPlan.duration(workflow.deadline)), clock: options.clock, random: options.random, "
            + "telemetry: options.telemetry, asyncQueue: asyncSteps, classifier: options.classifier)"
        let admission = admission()
        return OrchestratorView.WorkflowView(
            methodName: SwiftIdentifier.escaped(workflow.name),
            storedName: SwiftIdentifier.lowerCamel(workflow.name) + "Workflow",
            makeName: "make\(upper)Workflow",
            docComment: SwiftLiteral.docComment(workflow.description, indent: "    "),
            inputType: input,
            outputType: output,
            steps: steps,
            builderDeclaration: builder,
            resultExpression: renderer.render(workflow.result),
            admission: admission,
            admissionClasses: admissionClasses(),
            hasAdmission: admission != nil
        )
    }

    private func admissionClasses() -> OrchestratorView.AdmissionClassesView? {
        guard let classes = workflow.admission?.classes, let first = classes.first else { return nil }
        return OrchestratorView.AdmissionClassesView(
            enumName: Naming.admissionClass(workflow.name),
            workflowName: workflow.name,
            cases: classes.map { OrchestratorView.AdmissionClassesView.Case(identifier: SwiftIdentifier.escaped($0.name)) },
            defaultCase: SwiftIdentifier.escaped(first.name)
        )
    }

    private func admission() -> String? {
        guard let admission = workflow.admission else { return nil }
        let classes: [String]
        if let limit = admission.limit {
            classes = ["BatonRuntime.AdmissionController.CallerClass(\"default\", rate: \(PolicyPlan.rate(limit.rate)), burst: \(limit.burst))"]
        } else {
            classes = admission.classes.map {
                "BatonRuntime.AdmissionController.CallerClass(\(SwiftLiteral.string($0.name)), rate: \(PolicyPlan.rate($0.limit.rate)), burst: \($0.limit.burst))"
            }
        }
        let maxConcurrent = admission.maxConcurrent.map(String.init) ?? "nil"
        return "BatonRuntime.AdmissionController(name: \(SwiftLiteral.string(workflow.name)), maxConcurrent: \(maxConcurrent), "
            + "classes: [\(classes.joined(separator: ", "))], clock: options.clock)"
    }

    private func step(for step: ResolvedStep, plan: inout PolicyPlan) -> String {
        let input = SwiftType.name(workflow.input)
        let operation = spec.operation(step.call)
        let service = "services.\(SwiftIdentifier.escaped(step.call.service))"
        let method = SwiftIdentifier.escaped(step.call.operation)
        let policy = plan.pipeline(
            service: step.call.service, in: spec, policies: step.policies, access: access(step.call),
            preferredName: pipelineName(for: step.call, policies: step.policies, fallback: workflow.name + SwiftIdentifier.upperCamel(step.name))
        )
        let closureParameters = "(input: \(input), values: BatonRuntime.StepValues, context: BatonRuntime.CallContext)"
        var arguments = [SwiftLiteral.string(step.name), "service: \(SwiftLiteral.string(step.call.service))"]
        if !step.dependencies.isEmpty {
            arguments.append("dependsOn: [\(step.dependencies.map { dependencyID($0) }.joined(separator: ", "))]")
        }
        if step.optional && step.mode == .await { arguments.append("optional: true") }
        if let condition = step.when {
            arguments.append("when: { (input: \(input), values: BatonRuntime.StepValues) -> Swift.Bool in \(renderer.condition(condition)) }")
        }
        arguments.append("policy: policies.\(policy)")
        if let keyField = operation?.idempotencyKey {
            arguments.append("idempotencyKey: { (input: \(input), values: BatonRuntime.StepValues) -> Swift.String? in \(idempotencyValue(step: step, field: keyField)) }")
            // Duplicates (same key) run the call, with its retries, at most once while remembered.
            arguments.append("idempotency: BatonRuntime.StepIdempotency(store: options.idempotencyStore, scope: \(SwiftLiteral.string(step.call.description)), ttl: options.idempotencyTTL)")
        }
        let request = renderer.render(step.with)
        let stepInput = SwiftType.name(step.inputType)
        if step.mode == .await, let cache = caches.cache(for: step.call) {
            arguments.append(SwiftCall.closure(
                "cache: BatonRuntime.StepCache(caches.\(cache.member)) { (input: \(input), values: BatonRuntime.StepValues) -> \(cache.keyType) in",
                body: "let request: \(stepInput) = \(request)\n                return \(caches.keyExpression(cache, request: "request"))"
            ))
        }
        let invalidations = invalidations(for: step, request: request)
        if !invalidations.isEmpty {
            arguments.append("invalidates: [\n                " + invalidations.joined(separator: ",\n                ") + "\n            ]")
        }
        if step.mode == .async {
            arguments.append(SwiftCall.closure(
                "call: { \(closureParameters) async throws -> Swift.Void in",
                body: "_ = try await \(service).\(method)(\(request), context: context)"
            ))
            let binding = referenced.contains(step.name) ? "let \(key(step.name)): BatonRuntime.StepID = " : ""
            return binding + SwiftCall.multiline("builder.asyncStep", arguments, indent: "        ")
        }
        let output = SwiftType.name(step.outputType)
        if let fallback = step.fallback, let text = self.fallback(fallback, step: step, plan: &plan) {
            arguments.append("fallback: \(text)")
        }
        if let compensation = step.compensate {
            arguments.append(self.compensation(compensation, step: step, plan: &plan))
        }
        arguments.append(SwiftCall.closure(
            "call: { \(closureParameters) async throws -> \(output) in",
            body: "try await \(service).\(method)(\(request), context: context)"
        ))
        let binding = referenced.contains(step.name) ? "let \(key(step.name)): BatonRuntime.StepKey<\(output)> = " : ""
        return binding + SwiftCall.multiline("builder.step", arguments, indent: "        ")
    }

    /// Steps whose key later code uses; the others are declared without a binding, which would be
    /// an unused-variable warning.
    var referenced: Set<String> {
        var names = Set(workflow.steps.flatMap(\.dependencies))
        names.formUnion(workflow.result.referencedSteps)
        for step in workflow.steps {
            if let compensation = step.compensate {
                names.formUnion(compensation.with.referencedSteps.filter { $0 != step.name })
            }
        }
        return names
    }

    /// `invalidates` of a write: for each cached operation it names, drop the entries whose key
    /// fields equal the request's fields of the same name (all entries when none is shared).
    private func invalidations(for step: ResolvedStep, request: String) -> [String] {
        guard let operation = spec.operation(step.call), operation.access == .write else { return [] }
        let input = SwiftType.name(workflow.input)
        let requestType = step.inputType
        let requestFields = requestType.namedCore.flatMap { spec.type(named: $0) }?.fields ?? []
        return operation.invalidates.compactMap { target in
            guard let cache = caches.cache(for: target) else { return nil }
            let shared = cache.keyFields.compactMap { field -> String? in
                guard field.path.count == 1, let own = requestFields.first(where: { $0.name == field.name }),
                      own.type.unwrapped == field.type.unwrapped else { return nil }
                let mine = "request." + SwiftIdentifier.escaped(own.name)
                return "key.\(SwiftIdentifier.escaped(field.name)) == \(mine)"
            }
            guard !shared.isEmpty else { return "BatonRuntime.CacheInvalidation.all(caches.\(cache.member))" }
            return "BatonRuntime.CacheInvalidation(caches.\(cache.member)) { (input: \(input), values: BatonRuntime.StepValues, key: \(cache.keyType)) -> Swift.Bool in\n"
                + "                    let request: \(SwiftType.name(requestType)) = \(request)\n"
                + "                    return \(shared.joined(separator: " && "))\n"
                + "                }"
        }
    }

    /// Names a pipeline after the narrowest spec element whose settings it has: the service, the
    /// operation, or else (a step-level override) `fallback`.
    private func pipelineName(for call: OperationRef, policies: PolicySet, fallback: String) -> String {
        var effective = policies
        effective.cache = nil
        effective.hedge = nil
        func comparable(_ set: PolicySet?) -> PolicySet? {
            guard var set else { return nil }
            set.cache = nil
            set.hedge = nil
            return set
        }
        if comparable(spec.service(named: call.service)?.policies) == effective { return call.service }
        if comparable(spec.operation(call)?.policies) == effective {
            return call.service + SwiftIdentifier.upperCamel(call.operation)
        }
        return fallback
    }

    private func access(_ call: OperationRef) -> Access {
        spec.operation(call)?.access ?? .read
    }

    /// Async steps have no key, only an id.
    private func dependencyID(_ step: String) -> String {
        workflow.step(step)?.mode == .async ? key(step) : "\(key(step)).id"
    }

    /// The idempotency key: the string form of the input field that `with` fills, or of that
    /// field of the value `with` passes whole (`with: $input.change`).
    private func idempotencyValue(step: ResolvedStep, field: String) -> String {
        guard case .record(_, let fields) = step.with else {
            guard case .reference = step.with,
                  let declared = step.with.type.unwrapped.namedCore.flatMap({ spec.type(named: $0) })?.fields.first(where: { $0.name == field })
            else { return "nil" }
            let member = SwiftIdentifier.escaped(declared.name)
            let whole = renderer.render(step.with)
            if step.with.type.isOptional || declared.type.isOptional {
                let access = step.with.type.isOptional ? "(\(whole))?.\(member)" : "(\(whole)).\(member)"
                return "\(access).map { \"\\($0)\" }"
            }
            return "\"\\((\(whole)).\(member))\""
        }
        guard let value = fields.first(where: { $0.name == field }) else {
            return "nil"
        }
        let expression = renderer.render(value.value)
        return value.value.type.isOptional ? "(\(expression)).map { \"\\($0)\" }" : "\"\\(\(expression))\""
    }

    private func fallback(_ fallback: Fallback, step: ResolvedStep, plan: inout PolicyPlan) -> String? {
        let input = SwiftType.name(workflow.input)
        let output = SwiftType.name(step.outputType)
        switch fallback {
        case .value(let value):
            return ".value(\(renderer.render(value)))"
        case .call(let target, let with, let policies):
            let policy = plan.pipeline(
                service: target.service, in: spec, policies: policies, access: access(target),
                preferredName: pipelineName(for: target, policies: policies, fallback: workflow.name + SwiftIdentifier.upperCamel(step.name) + "Fallback")
            )
            return SwiftCall.closure(
                ".call(policy: policies.\(policy)) { (input: \(input), values: BatonRuntime.StepValues, context: BatonRuntime.CallContext) async throws -> \(output) in",
                body: "try await services.\(SwiftIdentifier.escaped(target.service)).\(SwiftIdentifier.escaped(target.operation))(\(renderer.render(with)), context: context)"
            )
        case .stale:
            return ".stale"
        }
    }

    private func compensation(_ compensation: Compensation, step: ResolvedStep, plan: inout PolicyPlan) -> String {
        let input = SwiftType.name(workflow.input)
        let output = SwiftType.name(step.outputType)
        let policy = plan.pipeline(
            service: compensation.call.service, in: spec, policies: compensation.policies, access: access(compensation.call),
            preferredName: pipelineName(
                for: compensation.call, policies: compensation.policies,
                fallback: workflow.name + SwiftIdentifier.upperCamel(step.name) + "Compensation"
            )
        )
        // Inside the compensation the step's own value is the closure's `output` parameter.
        var renderer = self.renderer
        let own = step.name
        let base = renderer.stepValue
        renderer.stepValue = { name, optional in name == own ? "output" : base(name, optional) }
        return SwiftCall.closure(
            "compensation: BatonRuntime.StepCompensation(policy: policies.\(policy)) { (input: \(input), output: \(output), values: BatonRuntime.StepValues, context: BatonRuntime.CallContext) async throws in",
            body: "_ = try await services.\(SwiftIdentifier.escaped(compensation.call.service)).\(SwiftIdentifier.escaped(compensation.call.operation))(\(renderer.render(compensation.with)), context: context)"
        )
    }
}
