import BatonNaming

/// Workflows, steps, the dependency graph and the budget rules (spec-v1 §6, §8).
extension Checker {
    static let workflowKeys = ["description", "input", "output", "deadline", "admission", "slo", "http", "steps", "result"]
    static let stepKeys = ["call", "with", "after", "optional", "fallback", "compensate", "mode", "when",
                           "timeout", "retry", "circuitBreaker", "hedge"]
    static let stepPolicyKeys: Set<String> = ["timeout", "retry", "circuitBreaker", "hedge"]

    func readWorkflows(_ entry: YAMLMapping.Entry) -> [ResolvedWorkflow] {
        guard let entries = section(entry, "'workflows'", nonEmpty: true) else { return [] }
        let workflows = entries.compactMap(readWorkflow)
        checkWorkflowRoutes(workflows)
        return workflows
    }

    private func readWorkflow(_ w: YAMLMapping.Entry) -> ResolvedWorkflow? {
        let errorsBefore = errorCount
        checkLowerName(w.key, "workflow")
        let name = w.key.value
        if let why = GeneratedNames.reservedWorkflowNames[name] {
            report(.invalidName, "'\(name)' is reserved: \(why); rename the workflow", at: w.key.location)
        }
        guard let m = closed(w.value, "workflow '\(name)'", allowed: Self.workflowKeys,
                             required: ["input", "output", "steps", "result"], owner: w.key.location) else { return nil }
        var deadline: Duration?
        if let d = m["deadline"] {
            deadline = duration(d.value, "'deadline'")
        } else {
            report(.missingDeadline, "workflow '\(name)' has no 'deadline'; every workflow needs one (e.g. deadline: 800ms)",
                   at: w.key.location)
        }
        let input = m["input"].flatMap { ioType($0, inlineName: GeneratedNames.workflowInput(name)) }
        let output = m["output"].flatMap { ioType($0, inlineName: GeneratedNames.workflowOutput(name)) }
        let admission = m["admission"].flatMap(readAdmission)
        let slo = m["slo"].flatMap(readSLO)
        let http = m["http"].flatMap { readWorkflowHTTP($0, workflow: name, input: input) }
        workflowTypes += [input, output].compactMap { $0 }

        // Pass 1: step headers, so references can point at any step.
        var headers: [String: StepHeader] = [:]
        var order: [(key: YAMLScalar, body: YAMLMapping)] = []
        for s in m["steps"].flatMap({ section($0, "the steps of '\(name)'", nonEmpty: true) }) ?? [] {
            checkLowerName(s.key, "step")
            if let why = GeneratedNames.reservedStepNames[s.key.value] {
                report(.invalidName, "step name '\(s.key.value)' is reserved: \(why); rename the step", at: s.key.location)
            }
            guard let sm = closed(s.value, "step '\(s.key.value)'", allowed: Self.stepKeys, required: ["call"],
                                  owner: s.key.location) else { unresolvedCalls = true; continue }
            if sm["call"] == nil { unresolvedCalls = true }
            var h = StepHeader(name: s.key.value, location: s.key.location, optional: false, hasWhen: sm["when"] != nil,
                               mode: .await)
            if let c = sm["call"], let ref = resolveCall(c.value, "'call'") {
                h.call = ref
                h.output = operation(ref)?.output
                calledOperations.insert(ref)
            }
            if let o = sm["optional"], let b = bool(o.value, "'optional'") { h.optional = b }
            if let md = sm["mode"], let v = choice(md.value, "'mode'", StepMode.self) { h.mode = v }
            headers[h.name] = h
            order.append((s.key, sm))
        }
        let stepNames = order.map(\.key.value)
        var scope = ExpressionScope(workflowInput: input, steps: headers, stepNames: stepNames)

        // Pass 2: with, when, fallback, after, overrides; collect dependencies.
        var steps: [ResolvedStep] = []
        var firstRef: [String: [String: SourceLocation]] = [:]
        var deps: [String: [String]] = [:]
        for (key, sm) in order {
            let h = headers[key.value]!
            exprRefs = []
            let op = h.call.flatMap(operation)
            var with = TypedExpression.record(typeName: "?", fields: [])
            if let op {
                let node = sm["with"]?.value ?? .mapping(YAMLMapping(entries: [], location: key.location))
                let anchor = sm["with"]?.key.location ?? key.location
                with = expression(node, target: op.input, scope: scope, anchor: anchor,
                                  what: "the input of \(op.ref)") ?? with
            }
            let when = sm["when"].flatMap { condition($0.value, scope: scope) }
            let fallback = sm["fallback"].flatMap { readFallback($0, step: h, operation: op, scope: scope) }
            var after: [String] = []
            if let a = sm["after"], let list = scalarList(a.value, "'after'") {
                for s in list {
                    guard headers[s.value] != nil else {
                        let hint = Suggest.didYouMean(s.value, in: stepNames)
                        report(.unknownStep, "unknown step '\(s.value)' in 'after'" + (hint.map { "; \($0)" } ?? ""),
                               at: s.location, suggestion: hint)
                        continue
                    }
                    after.append(s.value)
                    exprRefs.append((s.value, s.location))
                }
            }
            var refs: [String: SourceLocation] = [:]
            for r in exprRefs where refs[r.step] == nil { refs[r.step] = r.location }
            firstRef[key.value] = refs
            deps[key.value] = stepNames.filter { refs[$0] != nil }

            let slots = readSlots(sm, keys: Self.stepPolicyKeys, input: nil)
            var policies = slots.over(op?.policies ?? PolicySet())
            if let op, let svc = serviceIndex[op.service].flatMap({ services[$0].resolved }) {
                fillScope(&policies, hasEndpoints: !svc.endpoints.isEmpty)
            }
            if let op, op.access == .write, op.idempotencyKey == nil {
                if case .on(let r, let loc)? = slots.retry, r.maxAttempts > 1 {
                    report(.unsafeRetry, "step '\(key.value)' retries write operation '\(op.ref)', which has no 'idempotencyKey'",
                           at: loc)
                }
                if case .on(_, let loc)? = slots.hedge {
                    report(.unsafeRetry, "step '\(key.value)' hedges write operation '\(op.ref)', which has no 'idempotencyKey'",
                           at: loc)
                }
            }
            steps.append(ResolvedStep(
                name: key.value, call: h.call ?? OperationRef(service: "?", operation: "?"),
                inputType: op?.input ?? .named("?"), outputType: op?.output ?? .named("?"), with: with,
                after: after, optional: h.optional, mode: h.mode, when: when, fallback: fallback, compensate: nil,
                policies: policies, dependencies: deps[key.value] ?? [], location: key.location))
        }

        // Pass 3: the graph and its cycles.
        let graph = WorkflowGraph(steps: stepNames, dependencies: deps)
        for cycle in graph.cycles() {
            let loc = firstRef[cycle[0]]?[cycle[1]] ?? headers[cycle[0]]!.location
            let text = cycle.count == 2 ? "step '\(cycle[0])' depends on itself" : "steps depend on each other in a cycle"
            report(.dependencyCycle, "\(text): \(cycle.joined(separator: " → "))", at: loc)
        }

        // Pass 4: compensations may read their step and what it depends on.
        for (i, (key, sm)) in order.enumerated() {
            guard let c = sm["compensate"] else { continue }
            var cscope = scope
            cscope.compensationOf = key.value
            cscope.allowedSteps = graph.transitiveDependencies(of: key.value).union([key.value])
            steps[i].compensate = readCompensation(c, scope: cscope)
        }
        scope.compensationOf = nil

        // Pass 5: the result builds the output.
        var result = TypedExpression.record(typeName: "?", fields: [])
        if let r = m["result"], let output {
            result = expression(r.value, target: output, scope: scope, anchor: r.key.location,
                                what: "the output of '\(name)'") ?? result
        }

        // A written `compensate` that failed to check was reported; the step is not "without" one.
        let written = Set(order.filter { $0.body["compensate"] != nil }.map(\.key.value))
        checkCompensations(steps.filter { !written.contains($0.name) }, all: steps, graph: graph)

        var workflow = ResolvedWorkflow(
            name: name, description: description(m), input: input ?? .named("?"), output: output ?? .named("?"),
            deadline: deadline ?? .zero, admission: admission, steps: steps, result: result, graph: graph,
            budget: BudgetAnalysis(name: name, deadline: deadline ?? .zero, steps: [], graph: WorkflowGraph(steps: [], dependencies: [:])),
            location: w.key.location, slo: slo, http: http)
        if let slo, let deadline, let threshold = slo.latency?.threshold, threshold >= deadline,
           let at = m["slo"].flatMap(sloThresholdLocation) {
            report(.sloBudget,
                   "the latency threshold \(threshold.specText) of workflow '\(name)' is not below its deadline "
                   + "\(deadline.specText): every run that produces output meets it, so the objective measures "
                   + "nothing; lower the threshold below the deadline", at: at)
        }
        if !graph.hasCycle {
            workflow.budget = BudgetAnalysis(workflow: workflow)
            if let deadline, let d = m["deadline"], errorCount == errorsBefore {
                checkBudget(workflow.budget, deadline: deadline, at: d.value.location)
            }
        }
        return workflow
    }

    private func readAdmission(_ e: YAMLMapping.Entry) -> Admission? {
        guard let m = closed(e.value, "'admission'", allowed: ["rate", "burst", "maxConcurrent", "classes"],
                             owner: e.key.location) else { return nil }
        var a = Admission(maxConcurrent: nil, limit: nil, classes: [])
        if let x = m["maxConcurrent"] { a.maxConcurrent = int(x.value, "'maxConcurrent'", min: 1) }
        if let c = m["classes"] {
            if let r = m["rate"] ?? m["burst"] {
                report(.invalidValue, "'admission' takes either 'rate'/'burst' or 'classes', not both", at: r.key.location)
            }
            for cls in section(c, "'classes'", nonEmpty: true) ?? [] {
                checkLowerName(cls.key, "admission class")
                if let lm = closed(cls.value, "admission class '\(cls.key.value)'", allowed: ["rate", "burst"],
                                   required: ["rate"], owner: cls.key.location),
                   let limit = admissionLimit(lm) {
                    a.classes.append(Admission.Class(name: cls.key.value, limit: limit))
                }
            }
        } else if m["rate"] != nil || m["burst"] != nil {
            if m["rate"] == nil {
                report(.missingKey, "'admission' with 'burst' is missing required key 'rate'", at: e.key.location)
            }
            a.limit = admissionLimit(m)
        } else if m["maxConcurrent"] == nil {
            report(.missingKey, "'admission' needs 'rate', 'maxConcurrent' or 'classes'", at: e.key.location)
        }
        return a
    }

    private func admissionLimit(_ m: YAMLMapping) -> Admission.Limit? {
        guard let r = m["rate"].flatMap({ rate($0.value, "'rate'") }) else { return nil }
        var limit = Admission.Limit(rate: r, burst: defaultBurst(r))
        if let b = m["burst"], let v = int(b.value, "'burst'", min: 1) { limit.burst = v }
        return limit
    }

    private func readFallback(_ e: YAMLMapping.Entry, step: StepHeader, operation op: ResolvedOperation?,
                              scope: ExpressionScope) -> Fallback? {
        guard let m = closed(e.value, "'fallback'", allowed: ["value", "call", "with", "stale"],
                             owner: e.key.location) else { return nil }
        // The forms in the order written, so a second form is reported where it appears.
        let forms = m.entries.map(\.key.value).filter { ["value", "call", "stale"].contains($0) }
        guard forms.count == 1 else {
            if forms.isEmpty {
                report(.missingKey, "a fallback needs 'value', 'call' (with 'with') or 'stale: true'", at: e.key.location)
            } else {
                report(.invalidValue, "a fallback is one of 'value', 'call' or 'stale', not several",
                       at: m[forms[1]]!.key.location)
            }
            return nil
        }
        if m["with"] != nil, forms[0] != "call" {
            report(.invalidValue, "'with' belongs to a fallback 'call'", at: m["with"]!.key.location)
            return nil
        }
        switch forms[0] {
        case "stale":
            let node = m["stale"]!.value
            guard let b = bool(node, "'stale'") else { return nil }
            guard b else {
                report(.invalidValue, "'stale' must be true (leave the fallback out instead)", at: node.location)
                return nil
            }
            if let op, op.cache == nil {
                report(.invalidValue, "a stale fallback needs a cache, but '\(op.ref)' has none", at: m["stale"]!.key.location)
                return nil
            }
            return .stale
        case "value":
            guard let op else { return nil }
            let v = m["value"]!
            return expression(v.value, target: op.output, scope: scope, anchor: v.key.location,
                              what: "the fallback value of '\(step.name)'").map { .value($0) }
        default:
            let c = m["call"]!
            guard let ref = resolveCall(c.value, "fallback 'call'"), let fop = operation(ref) else { return nil }
            calledOperations.insert(ref)
            if let op, !assignable(fop.output, to: op.output) {
                report(.typeMismatch, "fallback '\(ref)' returns \(fop.output), but '\(op.ref)' returns \(op.output)",
                       at: c.value.location)
                return nil
            }
            let node = m["with"]?.value ?? .mapping(YAMLMapping(entries: [], location: c.key.location))
            let with = expression(node, target: fop.input, scope: scope, anchor: m["with"]?.key.location ?? c.key.location,
                                  what: "the input of \(ref)")
            return with.map { .call(ref, with: $0, policies: fop.policies) }
        }
    }

    private func readCompensation(_ e: YAMLMapping.Entry, scope: ExpressionScope) -> Compensation? {
        guard let m = closed(e.value, "'compensate'", allowed: ["call", "with"], required: ["call"],
                             owner: e.key.location),
              let c = m["call"], let ref = resolveCall(c.value, "compensation 'call'"), let op = operation(ref)
        else { return nil }
        calledOperations.insert(ref)
        let node = m["with"]?.value ?? .mapping(YAMLMapping(entries: [], location: c.key.location))
        let saved = exprRefs
        defer { exprRefs = saved }
        guard let with = expression(node, target: op.input, scope: scope, anchor: m["with"]?.key.location ?? c.key.location,
                                    what: "the input of \(ref)") else { return nil }
        return Compensation(call: ref, with: with, policies: op.policies)
    }

    /// `missing-compensation`: an awaited write step without `compensate` while some required
    /// step that is not one of its dependencies can still fail after it completes. `candidates`
    /// are the steps that may lack one; `all` are the workflow's steps.
    private func checkCompensations(_ candidates: [ResolvedStep], all steps: [ResolvedStep], graph: WorkflowGraph) {
        for s in candidates where s.mode == .await && s.compensate == nil {
            guard let op = operation(s.call), op.access == .write else { continue }
            let before = graph.transitiveDependencies(of: s.name)
            if let later = steps.first(where: { $0.name != s.name && !$0.optional && $0.mode == .await
                && !before.contains($0.name) }) {
                report(.missingCompensation,
                       "write step '\(s.name)' (\(op.ref)) has no 'compensate', but required step '\(later.name)' can still fail after it",
                       at: s.location)
            }
        }
    }

    private func checkBudget(_ b: BudgetAnalysis, deadline: Duration, at location: SourceLocation) {
        if b.exceedsDeadline {
            let chain = b.criticalChain.map(\.step).joined(separator: " → ")
            let parts = b.criticalChain.filter { $0.timeout != nil }.map { "\($0.step) \($0.singleAttempt.specText)" }
            report(.deadlineBudget,
                   "the chain \(chain) needs \(b.singleAttemptSum.specText) with single attempts (\(parts.joined(separator: " + "))), more than the deadline of \(deadline.specText)",
                   at: location)
        } else if b.retriesExceedDeadline {
            let chain = b.worstCaseChain.map(\.step).joined(separator: " → ")
            let parts = b.worstCaseChain.map { l in
                let t = l.timeout.map { "\(l.attempts)×\($0.specText)" } ?? "\(l.attempts)×(deadline-bounded)"
                let backoff = l.worstCase - l.singleAttempt * l.attempts
                return backoff > .zero ? "\(l.step) \(t) + \(backoff.specText) backoff" : "\(l.step) \(t)"
            }
            report(.retryBudget,
                   "with every retry and maximum backoff, the chain \(chain) can take \(b.worstCaseSum.specText) (\(parts.joined(separator: ", "))), more than the deadline of \(deadline.specText)",
                   at: location)
        }
    }

    /// `unused-type`, `unused-service`, `unused-operation`.
    func reportUnused() {
        guard !unresolvedCalls else { return }
        var roots: [TypeRef] = workflowTypes
        for s in services {
            for o in s.operations { roots += [o.resolved.input, o.resolved.output] }
        }
        for d in typeDecls where d.origin.isInline { roots.append(.named(d.name)) }
        var used: Set<String> = []
        var stack = roots.compactMap(\.namedCore)
        while let n = stack.popLast() {
            guard used.insert(n).inserted else { continue }
            for f in resolvedTypes[n]?.fields ?? [] { if let c = f.type.namedCore { stack.append(c) } }
        }
        // A misspelt reference (`unknown-type`) would make its intended type look unused.
        let typesResolved = !diagnostics.contains { $0.rule == .unknownType }
        // Imported types are what the document's operations reach, not declarations of the spec.
        for d in typeDecls where typesResolved && d.origin == .declared && d.imported == nil && !used.contains(d.name) {
            report(.unusedType, "type '\(d.name)' is declared but never used", at: d.location)
        }
        for s in services {
            let called = s.operations.filter { calledOperations.contains($0.resolved.ref) }
            if called.isEmpty, !s.operations.isEmpty {
                report(.unusedService, "service '\(s.name)' is declared but never called", at: s.location)
                continue
            }
            for o in s.operations where !calledOperations.contains(o.resolved.ref) {
                report(.unusedOperation, "operation '\(o.resolved.ref)' is declared but never called", at: o.resolved.location)
            }
        }
    }
}
