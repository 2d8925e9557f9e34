import BatonLowering
import BatonRuntime
import BatonSpec

/// Builds the runnable `Workflow` of a resolved workflow with dynamic values: the same
/// `WorkflowBuilder` declarations generated code makes (steps in topological order, the same
/// dependencies, optional steps, `when`, idempotency, caches, invalidations, fallbacks,
/// compensations and async steps), with closures that evaluate the spec's expressions instead of
/// compiled Swift, and simulated services behind the calls.
struct WorkflowInterpreter {
    let spec: ResolvedSpec
    let workflow: ResolvedWorkflow
    let lowering: SpecLowering
    let built: RuntimeObjects
    let services: SimulatedServices
    let tallies: [OperationRef: OperationTally]
    let options: OrchestratorOptions
    let asyncQueue: AsyncStepQueue

    /// A step's value, read by name from the run's values (`.null` when missing).
    struct Reader: Sendable {
        let keys: [String: StepKey<Value>]

        func value(_ step: String, in values: StepValues) -> Value {
            guard let key = keys[step] else { return .null }
            return values[ifPresent: key] ?? .null
        }
    }

    func build() -> Workflow<RunInput, Value> {
        var builder = WorkflowBuilder<RunInput>(
            workflow: workflow.name,
            deadline: workflow.deadline,
            clock: options.clock,
            random: options.random,
            telemetry: options.telemetry,
            asyncQueue: asyncQueue,
            classifier: options.classifier)
        var keys: [String: StepKey<Value>] = [:]
        var ids: [String: StepID] = [:]
        let evaluator = ExpressionEvaluator()
        guard let lowered = lowering.workflow(workflow.name) else { preconditionFailure("workflow '\(workflow.name)' was not lowered") }
        for (number, (step, policies)) in lowered.steps.enumerated() {
            let reader = Reader(keys: keys)
            let dependencies = step.dependencies.compactMap { ids[$0] }
            let operation = services.sampler.operationNumbers[step.call]!
            let services = self.services
            let with = step.with
            let stepNumber = number
            let call: @Sendable (RunInput, StepValues, CallContext) async throws -> Value = { input, values, context in
                let request = evaluator.evaluate(with, input: input.value) { reader.value($0, in: values) }
                return try await services.call(operation, request: request, step: stepNumber, run: input.run, context: context)
            }
            let policy = CountingPolicy(inner: built.pipelines[policies.call], tally: tallies[step.call]!)
            var condition: (@Sendable (RunInput, StepValues) -> Bool)?
            if step.when != nil {
                let sampler = services.sampler
                let name = step.name
                condition = { input, _ in sampler.runs(name, run: input.run) }
            }
            var idempotencyKey: (@Sendable (RunInput, StepValues) -> String?)?
            var idempotency: StepIdempotency?
            if let field = spec.operation(step.call)?.idempotencyKey {
                idempotencyKey = { input, values in
                    let request = evaluator.evaluate(with, input: input.value) { reader.value($0, in: values) }
                    let value = request[field: field]
                    return value == .null ? nil : value.keyText
                }
                idempotency = StepIdempotency(store: options.idempotencyStore, scope: step.call.description, ttl: options.idempotencyTTL)
            }
            let invalidations = self.invalidations(for: step, reader: reader)
            if step.mode == .async {
                ids[step.name] = builder.asyncStep(
                    step.name, service: step.call.service, dependsOn: dependencies, when: condition, policy: policy,
                    idempotencyKey: idempotencyKey, idempotency: idempotency, invalidates: invalidations
                ) { input, values, context in
                    _ = try await call(input, values, context)
                }
                continue
            }
            var cache: StepCache<RunInput, Value>?
            if let responses = built.caches[step.call], let fields = built.cacheKeys[step.call] {
                cache = StepCache(responses) { input, values in
                    let request = evaluator.evaluate(with, input: input.value) { reader.value($0, in: values) }
                    return Self.cacheKey(fields, of: request)
                }
            }
            let key = builder.step(
                step.name,
                service: step.call.service,
                dependsOn: dependencies,
                optional: step.optional,
                when: condition,
                policy: policy,
                idempotencyKey: idempotencyKey,
                idempotency: idempotency,
                cache: cache,
                invalidates: invalidations,
                fallback: fallback(for: step, policies: policies, reader: reader, number: number),
                compensation: compensation(for: step, policies: policies, reader: reader, number: number),
                call: call)
            keys[step.name] = key
            ids[step.name] = key.id
        }
        let reader = Reader(keys: keys)
        let result = workflow.result
        return builder.build { input, values in
            evaluator.evaluate(result, input: input.value) { reader.value($0, in: values) }
        }
    }

    /// The key of a cached read: its key fields read from the request.
    static func cacheKey(_ fields: [LoweredCache.KeyField], of request: Value) -> Value {
        var key: [String: Value] = [:]
        for field in fields {
            key[field.name] = ExpressionEvaluator.follow(field.path.map { ValueReference.Element.field($0) }[...], from: request)
        }
        return .record(key)
    }

    private func fallback(for step: ResolvedStep, policies: SpecLowering.StepPolicies, reader: Reader, number: Int) -> StepFallback<RunInput, Value>? {
        let evaluator = ExpressionEvaluator()
        switch step.fallback {
        case nil:
            return nil
        case .value(let expression)?:
            return .value(evaluator.evaluate(expression, input: .null) { _ in .null })
        case .stale?:
            return built.caches[step.call] == nil ? nil : .stale
        case .call(let target, let with, _)?:
            guard let index = policies.fallback, let operation = services.sampler.operationNumbers[target] else { return nil }
            let services = self.services
            return .call(policy: CountingPolicy(inner: built.pipelines[index], tally: tallies[target]!)) { input, values, context in
                let request = evaluator.evaluate(with, input: input.value) { reader.value($0, in: values) }
                return try await services.call(operation, request: request, step: number, run: input.run, context: context)
            }
        }
    }

    private func compensation(for step: ResolvedStep, policies: SpecLowering.StepPolicies, reader: Reader, number: Int) -> StepCompensation<RunInput, Value>? {
        guard let compensation = step.compensate, let index = policies.compensation,
              let operation = services.sampler.operationNumbers[compensation.call] else { return nil }
        let evaluator = ExpressionEvaluator()
        let services = self.services
        let own = step.name
        let with = compensation.with
        return StepCompensation(policy: CountingPolicy(inner: built.pipelines[index], tally: tallies[compensation.call]!)) { input, output, values, context in
            let request = evaluator.evaluate(with, input: input.value) { name in name == own ? output : reader.value(name, in: values) }
            _ = try await services.call(operation, request: request, step: number, run: input.run, context: context)
        }
    }

    /// A write's `invalidates`: for each cached read it names, drop the entries whose key fields
    /// equal the request's fields of the same name (all entries when none is shared).
    private func invalidations(for step: ResolvedStep, reader: Reader) -> [CacheInvalidation<RunInput>] {
        guard let operation = spec.operation(step.call), operation.access == .write else { return [] }
        let requestFields = step.inputType.namedCore.flatMap { spec.type(named: $0) }?.fields ?? []
        let evaluator = ExpressionEvaluator()
        let with = step.with
        return operation.invalidates.compactMap { target in
            guard let cache = built.caches[target], let keyFields = built.cacheKeys[target] else { return nil }
            let shared = keyFields.filter { field in
                field.path.count == 1 && requestFields.contains { $0.name == field.name && $0.type.unwrapped == field.type.unwrapped }
            }.map(\.name)
            guard !shared.isEmpty else { return .all(cache) }
            return CacheInvalidation(cache) { input, values, key in
                let request = evaluator.evaluate(with, input: input.value) { reader.value($0, in: values) }
                return shared.allSatisfy { key[field: $0] == request[field: $0] }
            }
        }
    }
}
