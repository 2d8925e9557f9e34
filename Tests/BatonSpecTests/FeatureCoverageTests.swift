import Foundation
import Testing
@testable import BatonSpec

/// The example specs in `specs/` are what users copy from: together they must show every feature
/// of spec-v1 §1–§6, so no feature silently loses its example when a spec is edited.
///
/// `FeatureCoverage.required` is the list, derived from spec-v1: every key of every mapping,
/// every enum value (strategies, roles, jitter, breaker modes and scopes, access, step modes),
/// every form (settings inline, by name or `none`; fallback kinds; `when` forms; type kinds;
/// inline types; expression kinds; routing-rule actions, metrics and operators). A feature is
/// found by walking each spec's syntax tree and, for what only the checker can tell (a mapping
/// that builds a dictionary, the kind of a type reference), its resolved model.
@Suite struct FeatureCoverageTests {
    static let specs: [(name: String, root: YAMLNode, spec: ResolvedSpec)] = {
        let directory = packageRoot.appendingPathComponent("specs")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".baton.yaml") }.sorted().compactMap { name in
            guard let source = try? exampleSpec(name), let root = SpecChecker.load(source).root,
                  let spec = SpecChecker.check(source).spec else { return nil }
            return (name, root, spec)
        }
    }()

    @Test func thereAreAtLeastFourExampleSpecsAndAllLoad() throws {
        let directory = packageRoot.appendingPathComponent("specs")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".baton.yaml") }
        #expect(names.count >= 4)
        #expect(Self.specs.count == names.count, "every example spec loads and checks without errors")
    }

    @Test func theExampleSpecsTogetherUseEveryFeature() {
        var found = FeatureCoverage()
        for example in Self.specs {
            found.collect(example.root, example.spec, file: example.name)
        }
        let missing = FeatureCoverage.required.filter { found.used[$0] == nil }
        #expect(missing.isEmpty, "no example spec in specs/ uses: \(missing.joined(separator: ", "))")
        // The walker finds nothing the list does not know: a typo on either side shows here.
        let unknown = found.used.keys.filter { !FeatureCoverage.required.contains($0) }.sorted()
        #expect(unknown.isEmpty, "features found but not in the list: \(unknown.joined(separator: ", "))")
    }

    /// The list follows the checker: a key or enum value added there needs an example here.
    @Test func theListNamesEveryKeyAndValueTheCheckerAccepts() {
        let required = Set(FeatureCoverage.required)
        var expected: [String] = []
        expected += Checker.policySections.map { "policies.\($0)" }
        expected += Checker.serviceKeys.map { "service.\($0)" }
        expected += Checker.operationKeys.map { "operation.\($0)" }
        expected += Checker.openAPIOperationKeys.map { "operation.\($0)" }
        expected += Checker.workflowKeys.map { "workflow.\($0)" }
        expected += Checker.stepKeys.map { "step.\($0)" }
        expected += Checker.sloKeys.map { "slo.\($0)" }
        expected += Jitter.allCases.map { "backoff.jitter.\($0.rawValue)" }
        expected += CircuitBreakerMode.allCases.map { "circuitBreaker.mode.\($0.rawValue)" }
        expected += CircuitBreakerScope.allCases.map { "circuitBreaker.scope.\($0.rawValue)" }
        expected += RoutingStrategy.allCases.map { "routing.strategy.\($0.rawValue)" }
        expected += EndpointRole.allCases.map { "endpoint.role.\($0.rawValue)" }
        expected += RoutingMetric.allCases.map { "rule.condition.\($0.rawValue)" }
        expected += Access.allCases.map { "operation.access.\($0.rawValue)" }
        expected += StepMode.allCases.map { "step.mode.\($0.rawValue)" }
        let absent = expected.filter { !required.contains($0) }
        #expect(absent.isEmpty, "missing from FeatureCoverage.required: \(absent.joined(separator: ", "))")
    }
}

/// What the example specs use, feature by feature.
struct FeatureCoverage {
    /// Every feature of spec-v1 §1–§6, in the order of the document.
    static let required: [String] = [
        // §1 files
        "spec.baton", "spec.name", "spec.description", "spec.types", "spec.policies", "spec.services", "spec.workflows",
        // §3 types: the three kinds, long-form fields, every kind of reference, inline types
        "type.shorthand", "type.fields", "type.fields.description", "type.enum", "type.enum.description",
        "field.type", "field.description", "field.json", "type.enum.json",
        "typeRef.string", "typeRef.int", "typeRef.double", "typeRef.bool", "typeRef.decimal", "typeRef.date",
        "typeRef.uuid", "typeRef.named", "typeRef.array", "typeRef.dictionary", "typeRef.optional",
        "inline.operationInput", "inline.operationOutput", "inline.workflowInput", "inline.workflowOutput",
        // §4 policies: sections, the three ways to write a setting, every key of every body
        "policies.retries", "policies.circuitBreakers", "policies.rateLimits", "policies.bulkheads",
        "policies.hedges", "policies.caches",
        "setting.inline", "setting.named", "setting.none",
        "retry.maxAttempts", "retry.backoff", "retry.retryOn", "retry.budget",
        "backoff.initial", "backoff.max", "backoff.multiplier", "backoff.jitter",
        "backoff.jitter.full", "backoff.jitter.equal", "backoff.jitter.decorrelated", "backoff.jitter.none",
        "budget.ratio", "budget.minPerSecond", "budget.none",
        "circuitBreaker.mode", "circuitBreaker.failureRate", "circuitBreaker.window", "circuitBreaker.minCalls",
        "circuitBreaker.slowCall", "circuitBreaker.consecutiveFailures", "circuitBreaker.openFor",
        "circuitBreaker.halfOpenProbes", "circuitBreaker.scope",
        "circuitBreaker.mode.rate", "circuitBreaker.mode.consecutive",
        "circuitBreaker.scope.endpoint", "circuitBreaker.scope.service",
        "slowCall.threshold", "slowCall.rate",
        "rateLimit.rate", "rateLimit.burst", "rateLimit.maxWait",
        "bulkhead.maxConcurrent", "bulkhead.maxQueue", "bulkhead.queueTimeout",
        "hedge.delay", "hedge.maxAttempts", "hedge.delay.duration", "hedge.delay.percentile",
        "cache.ttl", "cache.staleWhileRevalidate", "cache.staleIfError", "cache.maxEntries", "cache.key",
        // §5 services, endpoints, routing, operations
        "service.description", "service.endpoints", "service.routing", "service.timeout", "service.retry",
        "service.circuitBreaker", "service.rateLimit", "service.bulkhead", "service.hedge", "service.operations",
        "service.http", "service.openapi",
        "endpoint.url", "endpoint.region", "endpoint.weight", "endpoint.role", "endpoint.variant",
        "endpoint.role.primary", "endpoint.role.replica",
        "routing.strategy", "routing.localRegion", "routing.outlierDetection", "routing.rules",
        "routing.strategy.round-robin", "routing.strategy.random", "routing.strategy.least-latency",
        "routing.strategy.region-first",
        "outlierDetection.consecutiveFailures", "outlierDetection.ejectFor", "outlierDetection.maxEjected",
        "rule.name", "rule.when", "rule.use", "rule.prefer", "rule.avoid", "rule.target.variant", "rule.target.region",
        "rule.condition.p50", "rule.condition.p90", "rule.condition.p99", "rule.condition.errorRate",
        "rule.condition.healthy", "rule.condition.inflight", "rule.condition.and", "rule.condition.or",
        "rule.condition.parentheses", "rule.condition.<", "rule.condition.<=", "rule.condition.>", "rule.condition.>=",
        "operation.description", "operation.input", "operation.output", "operation.access", "operation.idempotencyKey",
        "operation.cache", "operation.invalidates", "operation.timeout", "operation.retry", "operation.circuitBreaker",
        "operation.rateLimit", "operation.bulkhead", "operation.hedge", "operation.http",
        "operation.operationId", "operation.route",
        "operation.access.read", "operation.access.write",
        // §6 workflows, admission, steps, fallbacks, compensations, `when`, expressions
        "workflow.description", "workflow.input", "workflow.output", "workflow.deadline", "workflow.admission",
        "workflow.steps", "workflow.result", "workflow.http",
        "admission.rate", "admission.burst", "admission.maxConcurrent", "admission.classes",
        "admission.class.rate", "admission.class.burst",
        // §14 service level objectives
        "workflow.slo", "slo.availability", "slo.latency", "slo.window", "slo.latency.threshold", "slo.latency.target",
        "step.call", "step.with", "step.after", "step.optional", "step.fallback", "step.compensate", "step.mode",
        "step.when", "step.timeout", "step.retry", "step.circuitBreaker", "step.hedge",
        "step.mode.await", "step.mode.async",
        "fallback.value", "fallback.call", "fallback.with", "fallback.stale",
        "compensate.call", "compensate.with",
        "when.reference", "when.not", "when.equals", "when.notEquals",
        "expression.input", "expression.step", "expression.stepValue", "expression.fieldPath", "expression.projection",
        "expression.literal", "expression.list", "expression.record", "expression.dictionary",
        "expression.escapedDollar",
    ]

    /// Feature → the spec files that use it.
    private(set) var used: [String: Set<String>] = [:]
    private var file = ""

    private mutating func mark(_ feature: String) {
        used[feature, default: []].insert(file)
    }

    private mutating func markKeys(_ node: YAMLNode?, _ prefix: String) {
        for key in node?.mapping?.keys ?? [] { mark("\(prefix).\(key)") }
    }

    mutating func collect(_ root: YAMLNode, _ spec: ResolvedSpec, file: String) {
        self.file = file
        guard let top = root.mapping else { return }
        markKeys(root, "spec")
        for entry in top["types"]?.value.mapping?.entries ?? [] { typeDeclaration(entry.value) }
        if let policies = top["policies"]?.value.mapping {
            markKeys(.mapping(policies), "policies")
            for section in policies.entries {
                let kind = Self.sectionKinds[section.key.value] ?? section.key.value
                for entry in section.value.mapping?.entries ?? [] { body(kind, entry.value) }
            }
        }
        for service in top["services"]?.value.mapping?.entries ?? [] { self.service(service.value) }
        for workflow in top["workflows"]?.value.mapping?.entries ?? [] { self.workflow(workflow.value) }
        model(spec)
    }

    private static let sectionKinds = [
        "retries": "retry", "circuitBreakers": "circuitBreaker", "rateLimits": "rateLimit",
        "bulkheads": "bulkhead", "hedges": "hedge", "caches": "cache",
    ]
    private static let settingKeys = ["timeout", "retry", "circuitBreaker", "rateLimit", "bulkhead", "hedge", "cache"]

    // MARK: Syntax

    private mutating func typeDeclaration(_ node: YAMLNode) {
        guard let m = node.mapping else { return }
        if m["enum"] != nil {
            mark("type.enum")
            if m["description"] != nil { mark("type.enum.description") }
            if m["enum"]?.value.sequence?.items.contains(where: { $0.mapping?["json"] != nil }) == true { mark("type.enum.json") }
        } else if let fields = m["fields"] {
            mark("type.fields")
            if m["description"] != nil { mark("type.fields.description") }
            self.fields(fields.value)
        } else {
            mark("type.shorthand")
            self.fields(node)
        }
    }

    private mutating func fields(_ node: YAMLNode) {
        for field in node.mapping?.entries ?? [] where field.value.mapping != nil {
            markKeys(field.value, "field")
        }
    }

    /// A setting at a service, operation or step: a name, `none` or an inline body.
    private mutating func settings(_ m: YAMLMapping) {
        for key in Self.settingKeys {
            guard let value = m[key]?.value else { continue }
            if let s = value.scalar {
                if s.value == "none" { mark("setting.none") } else if key != "timeout" { mark("setting.named") }
            } else {
                mark("setting.inline")
                body(key, value)
            }
        }
    }

    private mutating func body(_ kind: String, _ node: YAMLNode) {
        guard let m = node.mapping else { return }
        markKeys(node, kind)
        switch kind {
        case "retry":
            if let backoff = m["backoff"]?.value {
                markKeys(backoff, "backoff")
                if let jitter = backoff.mapping?["jitter"]?.value.scalar { mark("backoff.jitter.\(jitter.value)") }
            }
            if let budget = m["budget"]?.value {
                if budget.scalar?.value == "none" { mark("budget.none") } else { markKeys(budget, "budget") }
            }
        case "circuitBreaker":
            if let mode = m["mode"]?.value.scalar { mark("circuitBreaker.mode.\(mode.value)") }
            if let scope = m["scope"]?.value.scalar { mark("circuitBreaker.scope.\(scope.value)") }
            markKeys(m["slowCall"]?.value, "slowCall")
        case "hedge":
            if let delay = m["delay"]?.value.scalar {
                mark(delay.value.hasPrefix("p") ? "hedge.delay.percentile" : "hedge.delay.duration")
            }
        default:
            break
        }
    }

    private mutating func service(_ node: YAMLNode) {
        guard let m = node.mapping else { return }
        markKeys(node, "service")
        settings(m)
        for endpoint in m["endpoints"]?.value.sequence?.items ?? [] {
            markKeys(endpoint, "endpoint")
            if let role = endpoint.mapping?["role"]?.value.scalar { mark("endpoint.role.\(role.value)") }
        }
        if let routing = m["routing"]?.value.mapping {
            markKeys(.mapping(routing), "routing")
            if let strategy = routing["strategy"]?.value.scalar { mark("routing.strategy.\(strategy.value)") }
            markKeys(routing["outlierDetection"]?.value, "outlierDetection")
            for rule in routing["rules"]?.value.sequence?.items ?? [] {
                markKeys(rule, "rule")
                for action in ["use", "prefer", "avoid"] {
                    markKeys(rule.mapping?[action]?.value, "rule.target")
                }
                if let when = rule.mapping?["when"]?.value.scalar?.value {
                    if when.contains("(") { mark("rule.condition.parentheses") }
                }
            }
        }
        for operation in m["operations"]?.value.mapping?.entries ?? [] {
            guard let om = operation.value.mapping else { continue }
            markKeys(operation.value, "operation")
            if let access = om["access"]?.value.scalar { mark("operation.access.\(access.value)") }
            settings(om)
        }
    }

    private mutating func workflow(_ node: YAMLNode) {
        guard let m = node.mapping else { return }
        markKeys(node, "workflow")
        if let admission = m["admission"]?.value.mapping {
            markKeys(.mapping(admission), "admission")
            for cls in admission["classes"]?.value.mapping?.entries ?? [] { markKeys(cls.value, "admission.class") }
        }
        if let slo = m["slo"]?.value.mapping {
            markKeys(.mapping(slo), "slo")
            markKeys(slo["latency"]?.value, "slo.latency")
        }
        for step in m["steps"]?.value.mapping?.entries ?? [] {
            guard let sm = step.value.mapping else { continue }
            markKeys(step.value, "step")
            if let mode = sm["mode"]?.value.scalar { mark("step.mode.\(mode.value)") }
            settings(sm)
            markKeys(sm["fallback"]?.value, "fallback")
            markKeys(sm["compensate"]?.value, "compensate")
            for part in ["with", "fallback", "compensate"] { escapes(sm[part]?.value) }
        }
        escapes(m["result"]?.value)
    }

    /// Literal strings starting with `$`, written `$$…`.
    private mutating func escapes(_ node: YAMLNode?) {
        switch node {
        case .scalar(let s)?: if s.value.hasPrefix("$$") { mark("expression.escapedDollar") }
        case .sequence(let seq)?: for item in seq.items { escapes(item) }
        case .mapping(let m)?: for e in m.entries { escapes(e.value) }
        case nil: break
        }
    }

    // MARK: Model

    private mutating func model(_ spec: ResolvedSpec) {
        for type in spec.types {
            switch type.origin {
            case .declared: break
            case .operationInput: mark("inline.operationInput")
            case .operationOutput: mark("inline.operationOutput")
            case .workflowInput: mark("inline.workflowInput")
            case .workflowOutput: mark("inline.workflowOutput")
            }
            for field in type.fields { typeRef(field.type) }
        }
        for service in spec.services {
            for rule in service.routing?.rules ?? [] { condition(rule.condition) }
            for operation in service.operations { typeRef(operation.input); typeRef(operation.output) }
        }
        for workflow in spec.workflows {
            typeRef(workflow.input)
            typeRef(workflow.output)
            expression(workflow.result)
            for step in workflow.steps {
                expression(step.with)
                switch step.when?.test {
                case .isTrue?: mark("when.reference")
                case .isFalse?: mark("when.not")
                case .equals?: mark("when.equals")
                case .notEquals?: mark("when.notEquals")
                case nil: break
                }
                switch step.fallback {
                case .value(let e)?: expression(e)
                case .call(_, let with, _)?: expression(with)
                case .stale?, nil: break
                }
                if let c = step.compensate { expression(c.with) }
            }
        }
    }

    private mutating func typeRef(_ t: TypeRef) {
        switch t {
        case .string: mark("typeRef.string")
        case .int: mark("typeRef.int")
        case .double: mark("typeRef.double")
        case .bool: mark("typeRef.bool")
        case .decimal: mark("typeRef.decimal")
        case .date: mark("typeRef.date")
        case .uuid: mark("typeRef.uuid")
        case .named: mark("typeRef.named")
        case .array(let e): mark("typeRef.array"); typeRef(e)
        case .dictionary(let v): mark("typeRef.dictionary"); typeRef(v)
        case .optional(let w): mark("typeRef.optional"); typeRef(w)
        }
    }

    private mutating func condition(_ c: RoutingCondition) {
        switch c {
        case .compare(let metric, let op, _):
            mark("rule.condition.\(metric.rawValue)")
            mark("rule.condition.\(op.rawValue)")
        case .and(let a, let b):
            mark("rule.condition.and"); condition(a); condition(b)
        case .or(let a, let b):
            mark("rule.condition.or"); condition(a); condition(b)
        }
    }

    private mutating func expression(_ e: TypedExpression) {
        switch e {
        case .reference(let r):
            switch r.root {
            case .input: mark("expression.input")
            case .step: mark(r.path.isEmpty ? "expression.stepValue" : "expression.step")
            }
            if r.path.contains(where: { if case .field = $0 { true } else { false } }) { mark("expression.fieldPath") }
            if r.path.contains(.each) { mark("expression.projection") }
        case .literal: mark("expression.literal")
        case .null: mark("expression.null")
        case .record(_, let fields): mark("expression.record"); fields.forEach { expression($0.value) }
        case .array(let items, _): mark("expression.list"); items.forEach { expression($0) }
        case .dictionary(let entries, _): mark("expression.dictionary"); entries.forEach { expression($0.value) }
        }
    }
}
