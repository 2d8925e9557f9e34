import BatonLowering
import BatonNaming
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
        var protocolName: String
    }

    struct WorkflowView {
        var methodName: String
        var storedName: String
        var makeName: String
        var docComment: String
        var inputType: String
        var outputType: String
        /// What the orchestrator's `init` does for the workflow: build it (and its admission
        /// control), at eight spaces.
        var initialisation: String
        /// The `make…Workflow` function's body: the builder, one `builder.step(…)` per step in
        /// topological order, and the result, at eight spaces.
        var body: String
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
        var fields: [Field]
        var operation: String
    }

    /// An operation the orchestrator can call by name (`Handlers`): a compensation or an async
    /// call.
    struct HandlerView {
        var member: String
        var requestType: String
        /// `Handlers.init`'s assignment of the handler, at twelve spaces.
        var construction: String
    }

    var header: String
    var access: String
    var typeName: String
    var docComment: String
    var services: [ServiceParameter]
    /// The body of `Policies.init`: every shared component and pipeline, then the stored
    /// properties and the routers, at twelve spaces.
    var policiesBody: String
    var policyNames: [String]
    /// The body of `Caches.init`, at twelve spaces.
    var cachesBody: String
    /// `let services = Services(…)`, at eight spaces.
    var servicesDeclaration: String
    var workflows: [WorkflowView]
    var hasAsyncSteps: Bool
    var caches: [CacheView]
    /// Stored for the template engine, which sees only stored properties.
    var hasCaches: Bool
    var handlers: [HandlerView]
    /// `handlers.x.entry` of every compensation, continuing a line at four spaces.
    var compensationEntries: String
    /// `handlers.x.entry` of every async call, continuing a line at four spaces.
    var asyncCallEntries: String
    /// The cache invalidation targets subscribed to the options' bus, at eight spaces.
    var cacheTargets: String
    /// The bucket boundaries of `baton_workflow_duration_seconds` (continuing a line at four
    /// spaces): the usual latency buckets and every SLO latency threshold of the spec, ascending.
    var workflowDurationBuckets: String

    init(spec: ResolvedSpec, options: GeneratorOptions) throws {
        header = options.header(for: spec)
        access = options.accessModifier.rawValue
        typeName = GeneratedNames.orchestrator(spec: spec.name)
        let renderer = SwiftRenderer()
        docComment = SwiftLiteral.docComment(spec.description ?? "Runs the workflows of the \(spec.name) spec.")
        // A service named like one of the initialiser's own locals gets an internal parameter name.
        let internalNames = spec.services.map {
            GeneratedNames.orchestratorInitialiserLocals.contains($0.name) ? $0.name + "_" : SwiftIdentifier.escaped($0.name)
        }
        services = zip(spec.services, internalNames).map { service, internalName in
            let label = SwiftIdentifier.label(service.name)
            return ServiceParameter(
                label: label,
                identifier: SwiftIdentifier.escaped(service.name),
                parameter: internalName == SwiftIdentifier.escaped(service.name) ? internalName : "\(label) \(internalName)",
                protocolName: GeneratedNames.serviceProtocol(service.name)
            )
        }
        let lowering: SpecLowering
        do {
            lowering = try SpecLowering(spec: spec)
        } catch {
            throw GeneratorError(error.message, at: error.location)
        }
        let plan = PolicyPlan(spec: spec, lowering: lowering.policies)
        let cachePlan = CachePlan(spec: spec, lowered: lowering.caches)
        caches = cachePlan.caches.map { cache in
            CacheView(
                member: cache.member,
                keyType: cache.keyType,
                valueType: cache.valueType,
                fields: cache.keyFields.map { CacheView.Field(identifier: SwiftIdentifier.escaped($0.name), swiftType: SwiftType.name($0.type)) },
                operation: cache.operation.description
            )
        }
        cachesBody = renderer.render(cachePlan.caches.map { .assignment(.text("self.\($0.member)"), cachePlan.construction($0)) }, indent: 12)
        hasCaches = !caches.isEmpty
        var handlerPlan = HandlerPlan()
        workflows = try spec.workflows.map {
            try WorkflowEmitter(spec: spec, workflow: $0, caches: cachePlan, lowering: lowering).emit(handlers: &handlerPlan)
        }
        handlers = handlerPlan.handlers.map { handler in
            let call = SwiftExpr.call(.text("services.\(SwiftIdentifier.escaped(handler.call.service)).\(SwiftIdentifier.escaped(handler.call.operation))"), [
                .value(.text("request")), SwiftArgument("context", .text("context")),
            ], trailing: nil)
            let closure = SwiftClosure(
                SwiftSignature(["request: \(handler.requestType)", "context: BatonRuntime.CallContext"], "async throws"),
                [.assignment(.text("_"), .tryAwait(call))]
            )
            let construction = SwiftStatement.assignment(.text("self.\(handler.member)"), .call(.text("BatonRuntime.OperationHandler<\(handler.requestType)>"), [
                .value(.text(SwiftLiteral.string(handler.name))),
                SwiftArgument("policy", .text("policies.\(handler.policy)")),
            ], trailing: closure))
            return HandlerView(member: handler.member, requestType: handler.requestType, construction: renderer.render(construction, indent: 12))
        }
        func entries(_ kind: HandlerPlan.Kind) -> String {
            let column = "        BatonRuntime.CallRegistry(".count
            return renderer.render(
                .array(handlerPlan.handlers.filter { $0.kinds.contains(kind) }.map { SwiftExpr.text("handlers.\($0.member).entry") }),
                indent: 8, column: column, trailing: 1
            )
        }
        compensationEntries = entries(.compensation)
        asyncCallEntries = entries(.asyncCall)
        cacheTargets = renderer.render(
            .expression(.call("options.invalidationBus.subscribe", [.value(.array(cachePlan.caches.map { cache -> SwiftExpr in
                SwiftExpr.call("BatonRuntime.CacheInvalidationTarget", [
                    .value(.text(SwiftLiteral.string(cache.operation.description))),
                    SwiftArgument("cache", .text("caches.\(cache.member)")),
                ])
            }))])),
            indent: 8
        )
        policyNames = plan.pipelineNames
        let routers = SwiftExpr.dictionary(plan.routers.map { SwiftDictionaryEntry(key: .text(SwiftLiteral.string($0.service)), value: .text($0.name)) })
        policiesBody = renderer.render(
            plan.declarations + plan.pipelineNames.map { .assignment(.text("self.\($0)"), .text($0)) } + [.assignment(.text("self.routers"), routers)],
            indent: 12
        )
        servicesDeclaration = renderer.render(
            .let("services", nil, .call("Services", zip(services, internalNames).map { SwiftArgument($0.label, .text($1)) })),
            indent: 8
        )
        hasAsyncSteps = spec.workflows.contains { $0.steps.contains { $0.mode == .async } }
        let declaration = "    \(access) static let workflowDurationBuckets: [Swift.Duration] = "
        workflowDurationBuckets = renderer.render(
            .array(Self.workflowDurationBuckets(spec).map(PolicyPlan.duration)), indent: 4, column: declaration.count
        )
    }

    /// swift-prometheus's default duration buckets (5ms … 10s).
    static let defaultDurationBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    /// The default buckets plus every SLO latency threshold of the spec (spec-v1 §14: the
    /// histogram has a boundary at every threshold), ascending and without repeats.
    static func workflowDurationBuckets(_ spec: ResolvedSpec) -> [Duration] {
        let thresholds = spec.workflows.compactMap { $0.slo?.latency?.threshold }
        return Set(defaultDurationBuckets + thresholds).sorted()
    }
}

/// The operations generated orchestrators call by name: one handler per operation and policy
/// that some step uses as its compensation or as its async call.
struct HandlerPlan {
    enum Kind: Hashable { case compensation, asyncCall }

    struct Handler {
        var name: String
        var member: String
        var call: OperationRef
        var policy: String
        var requestType: String
        var kinds: Set<Kind>
    }

    private(set) var handlers: [Handler] = []

    /// The member of the handler calling `call` under `policy` (added on first use).
    mutating func handler(for call: OperationRef, policy: String, requestType: String, kind: Kind) -> String {
        if let index = handlers.firstIndex(where: { $0.call == call && $0.policy == policy }) {
            handlers[index].kinds.insert(kind)
            return handlers[index].member
        }
        let base = SwiftIdentifier.lowerCamel(call.service) + SwiftIdentifier.upperCamel(call.operation)
        // The same operation under another policy: a second handler, named after its policy.
        let other = handlers.contains { $0.call == call }
        let member = other ? base + "Via" + SwiftIdentifier.upperCamel(policy) : base
        let name = other ? "\(call.description)#\(policy)" : call.description
        handlers.append(Handler(name: name, member: member, call: call, policy: policy, requestType: requestType, kinds: [kind]))
        return member
    }
}

/// Lowers one workflow to the statements of its `make…Workflow` function.
private struct WorkflowEmitter {
    var spec: ResolvedSpec
    var workflow: ResolvedWorkflow
    var caches: CachePlan
    /// The pipelines of each step, shared with `baton simulate`.
    var lowering: SpecLowering
    let renderer = SwiftRenderer()

    /// `cartStep`: the local holding a step's key.
    func key(_ step: String) -> String { SwiftIdentifier.lowerCamel(step) + "Step" }

    var input: String { SwiftType.name(workflow.input) }

    func expressions(at location: SourceLocation) -> ExpressionRenderer {
        ExpressionRenderer(spec: spec, stepValue: { step, optional in
            .text(optional ? "values[ifPresent: \(key(step))]" : "values[\(key(step))]")
        }, location: location)
    }

    /// `(input: CheckoutInput, values: BatonRuntime.StepValues…) …`: the closures the builder takes.
    func signature(_ extra: [String] = [], returns: String) -> SwiftSignature {
        SwiftSignature(["input: \(input)", "values: BatonRuntime.StepValues"] + extra, returns)
    }

    func emit(handlers: inout HandlerPlan) throws -> OrchestratorView.WorkflowView {
        let upper = SwiftIdentifier.upperCamel(workflow.name)
        let output = SwiftType.name(workflow.output)
        var order: [ResolvedStep] = []
        for name in workflow.graph.topologicalOrder {
            guard let step = workflow.step(name) else { throw GeneratorError("the graph names an unknown step '\(name)'", at: workflow.location) }
            order.append(step)
        }
        let steps = try order.map { try step(for: $0, handlers: &handlers) }
        let builder = SwiftStatement.declaration(keyword: "var", name: "builder", type: nil, value: .call("BatonRuntime.WorkflowBuilder<\(input)>", [
            SwiftArgument("workflow", .text(SwiftLiteral.string(workflow.name))),
            SwiftArgument("deadline", PolicyPlan.duration(workflow.deadline)),
            SwiftArgument("clock", .text("options.clock")),
            SwiftArgument("random", .text("options.random")),
            SwiftArgument("telemetry", .text("options.telemetry")),
            SwiftArgument("asyncQueue", .text("asyncSteps")),
            SwiftArgument("classifier", .text("options.classifier")),
            SwiftArgument("sagaJournal", .text("options.sagaJournal")),
            SwiftArgument("invalidationBus", .text("options.invalidationBus")),
            SwiftArgument("asyncCallQueue", .text("options.asyncCallQueue")),
        ]))
        let result = SwiftClosure(signature(returns: "-> \(output)"), [
            .expression(try expressions(at: workflow.location).expression(workflow.result)),
        ])
        let build = SwiftStatement.return(.call(.text("builder.build"), [], trailing: result))
        let admission = admission()
        let storedName = SwiftIdentifier.lowerCamel(workflow.name) + "Workflow"
        let makeName = "make\(upper)Workflow"
        let make = SwiftStatement.assignment(.text("self.\(storedName)"), .call("\(GeneratedNames.orchestrator(spec: spec.name)).\(makeName)", [
            SwiftArgument("services", .text("services")),
            SwiftArgument("policies", .text("policies")),
            SwiftArgument("caches", .text("caches")),
            SwiftArgument("handlers", .text("handlers")),
            SwiftArgument("options", .text("options")),
            SwiftArgument("asyncSteps", .text("asyncSteps")),
        ]))
        return OrchestratorView.WorkflowView(
            methodName: SwiftIdentifier.escaped(workflow.name),
            storedName: storedName,
            makeName: makeName,
            docComment: SwiftLiteral.docComment(workflow.description, indent: "    "),
            inputType: input,
            outputType: output,
            initialisation: renderer.render([make] + (admission.map { [.assignment(.text("self.\(storedName)Admission"), $0)] } ?? []), indent: 8),
            body: renderer.render([builder] + steps + [build], indent: 8),
            admissionClasses: admissionClasses(),
            hasAdmission: admission != nil
        )
    }

    private func admissionClasses() -> OrchestratorView.AdmissionClassesView? {
        guard let classes = workflow.admission?.classes, let first = classes.first else { return nil }
        return OrchestratorView.AdmissionClassesView(
            enumName: GeneratedNames.admissionClass(workflow.name),
            workflowName: workflow.name,
            cases: classes.map { OrchestratorView.AdmissionClassesView.Case(identifier: SwiftIdentifier.escaped($0.name)) },
            defaultCase: SwiftIdentifier.escaped(first.name)
        )
    }

    private func admission() -> SwiftExpr? {
        guard let admission = workflow.admission else { return nil }
        func callerClass(_ name: String, _ limit: Admission.Limit) -> SwiftExpr {
            .call("BatonRuntime.AdmissionController.CallerClass", [
                .value(.text(SwiftLiteral.string(name))),
                SwiftArgument("rate", PolicyPlan.rate(limit.rate)),
                SwiftArgument("burst", .text("\(limit.burst)")),
            ])
        }
        let classes = admission.limit.map { [callerClass("default", $0)] } ?? admission.classes.map { callerClass($0.name, $0.limit) }
        return .call("BatonRuntime.AdmissionController", [
            SwiftArgument("name", .text(SwiftLiteral.string(workflow.name))),
            SwiftArgument("maxConcurrent", .text(admission.maxConcurrent.map(String.init) ?? "nil")),
            SwiftArgument("classes", .array(classes)),
            SwiftArgument("clock", .text("options.clock")),
        ])
    }

    /// `services.pricing.quote(request, context: context)`.
    private func serviceCall(_ call: OperationRef, _ request: SwiftExpr) -> SwiftExpr {
        .call(.text("services.\(SwiftIdentifier.escaped(call.service)).\(SwiftIdentifier.escaped(call.operation))"), [
            .value(request), SwiftArgument("context", .text("context")),
        ], trailing: nil)
    }

    /// The name of pipeline `index` of the lowering.
    private func pipeline(_ index: Int) -> String { lowering.pipeline(index).name }

    private func step(for step: ResolvedStep, handlers: inout HandlerPlan) throws -> SwiftStatement {
        let expressions = self.expressions(at: step.location)
        let operation = spec.operation(step.call)
        guard let policies = lowering.step(step.name, of: workflow.name) else {
            throw GeneratorError("step '\(step.name)' was not lowered", at: step.location)
        }
        let policy = pipeline(policies.call)
        let callContext = ["context: BatonRuntime.CallContext"]
        var arguments: [SwiftArgument] = [.value(.text(SwiftLiteral.string(step.name))), SwiftArgument("service", .text(SwiftLiteral.string(step.call.service)))]
        if !step.dependencies.isEmpty {
            arguments.append(SwiftArgument("dependsOn", .array(step.dependencies.map { .text(dependencyID($0)) })))
        }
        if step.optional && step.mode == .await { arguments.append(SwiftArgument("optional", .text("true"))) }
        if let condition = step.when {
            arguments.append(SwiftArgument("when", .closure(SwiftClosure(signature(returns: "-> Swift.Bool"), [.expression(try expressions.condition(condition))]))))
        }
        arguments.append(SwiftArgument("policy", .text("policies.\(policy)")))
        if let keyField = operation?.idempotencyKey {
            arguments.append(SwiftArgument("idempotencyKey", .closure(SwiftClosure(signature(returns: "-> Swift.String?"), [
                .expression(try idempotencyValue(step: step, field: keyField, expressions: expressions)),
            ]))))
            // Duplicates (same key) run the call, with its retries, at most once while remembered.
            arguments.append(SwiftArgument("idempotency", .call("BatonRuntime.StepIdempotency", [
                SwiftArgument("store", .text("options.idempotencyStore")),
                SwiftArgument("scope", .text(SwiftLiteral.string(step.call.description))),
                SwiftArgument("ttl", .text("options.idempotencyTTL")),
            ])))
        }
        let request = try expressions.expression(step.with)
        let stepInput = SwiftType.name(step.inputType)
        if step.mode == .await, let cache = caches.cache(for: step.call) {
            let key = SwiftClosure(signature(returns: "-> \(cache.keyType)"), [
                .let("request", stepInput, request),
                .return(caches.keyExpression(cache, request: .text("request"))),
            ])
            arguments.append(SwiftArgument("cache", .call(.text("BatonRuntime.StepCache"), [.value(.text("caches.\(cache.member)"))], trailing: key)))
        }
        let invalidations = try invalidations(for: step, request: request)
        if !invalidations.isEmpty {
            arguments.append(SwiftArgument("invalidates", .array(invalidations)))
        }
        if step.mode == .async {
            // Called by name so that a durable queue can deliver it from any replica.
            let handler = handlers.handler(for: step.call, policy: policy, requestType: stepInput, kind: .asyncCall)
            arguments.append(SwiftArgument("handler", .text("handlers.\(handler)")))
            arguments.append(SwiftArgument("request", .closure(SwiftClosure(signature(returns: "-> \(stepInput)"), [.expression(request)]))))
            let call = SwiftExpr.call("builder.asyncStep", arguments)
            return referenced.contains(step.name) ? .let(key(step.name), "BatonRuntime.StepID", call) : .expression(call)
        }
        let output = SwiftType.name(step.outputType)
        if let fallback = step.fallback {
            arguments.append(SwiftArgument("fallback", try self.fallback(fallback, step: step, expressions: expressions, pipeline: policies.fallback)))
        }
        if let compensation = step.compensate {
            arguments.append(SwiftArgument("compensation", try self.compensation(compensation, step: step, pipeline: policies.compensation, handlers: &handlers)))
        }
        arguments.append(SwiftArgument("call", .closure(SwiftClosure(signature(callContext, returns: "async throws -> \(output)"), [
            .expression(.tryAwait(serviceCall(step.call, request))),
        ]))))
        let call = SwiftExpr.call("builder.step", arguments)
        return referenced.contains(step.name) ? .let(key(step.name), "BatonRuntime.StepKey<\(output)>", call) : .expression(call)
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
    private func invalidations(for step: ResolvedStep, request: SwiftExpr) throws -> [SwiftExpr] {
        guard let operation = spec.operation(step.call), operation.access == .write else { return [] }
        let requestType = step.inputType
        let requestFields = requestType.namedCore.flatMap { spec.type(named: $0) }?.fields ?? []
        return try operation.invalidates.map { target in
            guard let cache = caches.cache(for: target) else {
                throw GeneratorError("'\(step.call)' invalidates \(target), which has no cache", at: step.location)
            }
            let shared = cache.keyFields.compactMap { field -> SwiftExpr? in
                guard field.path.count == 1, let own = requestFields.first(where: { $0.name == field.name }),
                      own.type.unwrapped == field.type.unwrapped else { return nil }
                return .infix(.text("key.\(SwiftIdentifier.escaped(field.name))"), "==", .text("request.\(SwiftIdentifier.escaped(own.name))"))
            }
            let name = SwiftLiteral.string(cache.operation.description)
            guard let first = shared.first else {
                return .call("BatonRuntime.CacheInvalidation.all", [.value(.text("caches.\(cache.member)")), SwiftArgument("name", .text(name))])
            }
            let matches = shared.dropFirst().reduce(first) { .infix($0, "&&", $1) }
            // The shared fields by name, for the other replicas (CacheInvalidationBus).
            let fields = cache.keyFields.filter { field in
                field.path.count == 1 && requestFields.contains { $0.name == field.name && $0.type.unwrapped == field.type.unwrapped }
            }
            let requestName = SwiftType.name(requestType)
            return .call("BatonRuntime.CacheInvalidation", [
                .value(.text("caches.\(cache.member)")),
                SwiftArgument("name", .text(name)),
                SwiftArgument("fields", .array(fields.map { SwiftExpr.text(SwiftLiteral.string($0.name)) })),
                SwiftArgument("request", .closure(SwiftClosure(signature(returns: "-> \(requestName)"), [.expression(request)]))),
                SwiftArgument("matching", .closure(SwiftClosure(
                    SwiftSignature(["request: \(requestName)", "key: \(cache.keyType)"], "-> Swift.Bool"),
                    [.return(matches)]
                ))),
            ])
        }
    }

    /// Async steps have no key, only an id.
    private func dependencyID(_ step: String) -> String {
        workflow.step(step)?.mode == .async ? key(step) : "\(key(step)).id"
    }

    /// The idempotency key: the string form of the input field that `with` fills, or of that
    /// field of the value `with` passes whole (`with: $input.change`).
    /// The idempotency key's value: an input field, or a dotted path into one (`body.tripId`, an
    /// OpenAPI operation's body field, spec-v1 §12), as text.
    private func idempotencyValue(step: ResolvedStep, field: String, expressions: ExpressionRenderer) throws -> SwiftExpr {
        func text(_ value: SwiftExpr, optional: Bool) -> SwiftExpr {
            guard optional else { return .call("Swift.String", [SwiftArgument("describing", value)]) }
            let describe = SwiftClosure(nil, [.expression(.call("Swift.String", [SwiftArgument("describing", .text("$0"))]))])
            return .call(.member(value, "map"), [], trailing: describe)
        }
        /// Follows `path` from `value` of type `type`: optional chaining once anything is optional.
        func member(_ value: SwiftExpr, _ type: TypeRef, _ path: ArraySlice<Substring>) throws -> (SwiftExpr, Bool) {
            var expr = value, optional = type.isOptional, current = type
            for part in path {
                guard let declared = current.unwrapped.namedCore.flatMap({ spec.type(named: $0) })?.field(String(part)) else {
                    throw GeneratorError("the idempotency key '\(field)' is no field path of \(step.with.type)", at: step.location)
                }
                expr = .member(optional ? .postfix(expr, "?") : expr, SwiftIdentifier.escaped(declared.name))
                optional = optional || declared.type.isOptional
                current = declared.type
            }
            return (expr, optional)
        }
        let parts = field.split(separator: ".")
        guard let first = parts.first else {
            throw GeneratorError("the idempotency key of '\(step.name)' is empty", at: step.location)
        }
        switch step.with {
        case .record(_, let fields):
            guard let value = fields.first(where: { $0.name == first }) else {
                throw GeneratorError("the idempotency key '\(field)' is not among the fields '\(step.name)' passes", at: step.location)
            }
            let (expr, optional) = try member(try expressions.expression(value.value), value.value.type, parts.dropFirst())
            return text(expr, optional: optional)
        case .reference:
            let (expr, optional) = try member(try expressions.expression(step.with), step.with.type, parts[...])
            return text(expr, optional: optional)
        default:
            throw GeneratorError("'\(step.name)' passes no record, so it has no idempotency key '\(field)'", at: step.location)
        }
    }

    private func fallback(_ fallback: Fallback, step: ResolvedStep, expressions: ExpressionRenderer, pipeline index: Int?) throws -> SwiftExpr {
        let output = SwiftType.name(step.outputType)
        switch fallback {
        case .value(let value):
            return .call(".value", [.value(try expressions.expression(value))])
        case .call(let target, let with, _):
            guard let index else { throw GeneratorError("the fallback of '\(step.name)' was not lowered", at: step.location) }
            let policy = pipeline(index)
            let call = SwiftClosure(signature(["context: BatonRuntime.CallContext"], returns: "async throws -> \(output)"), [
                .expression(.tryAwait(serviceCall(target, try expressions.expression(with)))),
            ])
            return .call(.text(".call"), [SwiftArgument("policy", .text("policies.\(policy)"))], trailing: call)
        case .stale:
            return .text(".stale")
        }
    }

    private func compensation(_ compensation: Compensation, step: ResolvedStep, pipeline index: Int?, handlers: inout HandlerPlan) throws -> SwiftExpr {
        let output = SwiftType.name(step.outputType)
        guard let index else { throw GeneratorError("the compensation of '\(step.name)' was not lowered", at: step.location) }
        let policy = pipeline(index)
        // Inside the compensation the step's own value is the closure's `output` parameter.
        var expressions = self.expressions(at: step.location)
        let own = step.name
        let base = expressions.stepValue
        expressions.stepValue = { name, optional in name == own ? .text("output") : base(name, optional) }
        guard let requestType = spec.operation(compensation.call)?.input else {
            throw GeneratorError("'\(step.name)' is compensated by the unknown operation '\(compensation.call)'", at: step.location)
        }
        let request = SwiftType.name(requestType)
        // Called by name so that recovery in another replica can run it from the saga journal.
        let handler = handlers.handler(for: compensation.call, policy: policy, requestType: request, kind: .compensation)
        let build = SwiftClosure(
            SwiftSignature(["input: \(input)", "output: \(output)", "values: BatonRuntime.StepValues"], "-> \(request)"),
            [.expression(try expressions.expression(compensation.with))]
        )
        return .call(.text("BatonRuntime.StepCompensation"), [.value(.text("handlers.\(handler)"))], trailing: build)
    }
}
