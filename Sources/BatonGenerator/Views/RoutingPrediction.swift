import BatonLowering
import BatonSpec

/// The routing-rule test of a step: which rule the router picks while the service is healthy and
/// which once every call of the step failed, both known before the test runs.
///
/// The router evaluates the rules in order and the first whose condition holds is active
/// (spec-v1 §5); it evaluates lazily, on the first endpoint choice at or after each interval.
/// The generated test makes one run that fails the step (the evaluation at its first call sees
/// an idle, healthy service), moves the clock one interval and runs again (the evaluation sees
/// the failures). A scenario exists only when both answers are certain:
/// - the step is the workflow's only call site of its service, so no other call moves the error
///   rate, the in-flight count or the latency samples (failed calls leave no latency sample, so
///   percentile comparisons are false in both evaluations);
/// - the share of healthy endpoints after the failures (outlier ejection and breakers may take
///   any number out) does not change the answer: every share k/n is tried;
/// - the two answers differ, and a rule is active once the service fails.
struct RoutingRuleScenario {
    /// The index of the rule active while the service is healthy, if any.
    var healthyRule: Int?
    /// The index of the rule active once every call failed.
    var failingRule: Int
    /// The class of the scripted failures: one the step does not retry, so each run makes one
    /// attempt and the error rate is exactly 100%.
    var errorClass: ErrorClassName

    init?(spec: ResolvedSpec, workflow: ResolvedWorkflow, step: ResolvedStep) {
        guard let service = spec.service(named: step.call.service), service.endpoints.count >= 2,
              let rules = service.routing?.rules, !rules.isEmpty,
              RoutingPrediction.callSites(of: service.name, in: workflow) == 1 else { return nil }
        let retried = Set(step.policies.retry?.retryOn ?? [])
        guard let errorClass = [ErrorClassName.unknown, .unavailable, .transient].first(where: { !retried.contains($0) }) else { return nil }
        let healthy = RoutingPrediction.firstMatch(rules, errorRate: 0, healthy: 1, inflight: 0)
        let count = service.endpoints.count
        let failing = Set((0...count).map { up in
            RoutingPrediction.firstMatch(rules, errorRate: 1, healthy: Double(up) / Double(count), inflight: 0)
        })
        guard failing.count == 1, let only = failing.first, let failingRule = only, failingRule != healthy else { return nil }
        self.healthyRule = healthy
        self.failingRule = failingRule
        self.errorClass = errorClass
    }

    /// The name the runtime gives rule `index` (unnamed rules are `rule N`, as the generated
    /// router is built).
    static func name(of rules: [RoutingRule], at index: Int) -> String {
        PolicyLowering.ruleName(of: rules, at: index)
    }
}

/// What the runtime's `EndpointRouter` will decide, computed from the spec: the generated tests
/// assert only what this can tell for certain. It mirrors the router's rule evaluation (first
/// match wins; percentiles without samples are false) and its candidate passes.
enum RoutingPrediction {
    /// Steps, fallbacks and compensations of `workflow` that call `service`.
    static func callSites(of service: String, in workflow: ResolvedWorkflow) -> Int {
        var count = 0
        for step in workflow.steps {
            if step.call.service == service { count += 1 }
            if case .call(let target, _, _) = step.fallback, target.service == service { count += 1 }
            if step.compensate?.call.service == service { count += 1 }
        }
        return count
    }

    /// The index of the first rule that holds for these statistics, without latency samples.
    static func firstMatch(_ rules: [RoutingRule], errorRate: Double, healthy: Double, inflight: Int) -> Int? {
        rules.firstIndex { holds($0.condition, errorRate: errorRate, healthy: healthy, inflight: inflight) }
    }

    /// The rule active after the first evaluation of an idle, healthy service, when other calls in
    /// flight (up to `concurrent`) cannot change it; `.none` when they can.
    static func activeWhileHealthy(_ rules: [RoutingRule], concurrent: Int) -> Int?? {
        let answers = Set((0...max(concurrent, 0)).map { firstMatch(rules, errorRate: 0, healthy: 1, inflight: $0) })
        return answers.count == 1 ? answers.first : .none
    }

    /// Whether a retry after a failure on the first endpoint goes elsewhere: `true` when another
    /// candidate is always available, `false` when the first endpoint is the only candidate,
    /// `nil` when it depends on which endpoint came first or on live state.
    static func retryMovesElsewhere(spec: ResolvedSpec, workflow: ResolvedWorkflow, step: ResolvedStep) -> Bool? {
        guard let service = spec.service(named: step.call.service), !service.endpoints.isEmpty else { return nil }
        let endpoints = service.endpoints
        let rules = service.routing?.rules ?? []
        guard let active = activeWhileHealthy(rules, concurrent: callSites(of: service.name, in: workflow)) else { return nil }
        let all = Set(endpoints.indices)
        let primaries = Set(endpoints.indices.filter { endpoints[$0].role == .primary })
        let base = spec.operation(step.call)?.access == .write && !primaries.isEmpty ? primaries : all
        let local: Set<Int> = service.routing?.strategy == .regionFirst
            ? Set(endpoints.indices.filter { endpoints[$0].region != nil && endpoints[$0].region == service.routing?.localRegion })
            : []
        func candidates(usable: Set<Int>) -> Set<Int> {
            var pool = base
            if let active {
                let rule = rules[active]
                let matching = Set(endpoints.indices.filter { Self.matches(rule.action.target, endpoints[$0]) })
                switch rule.action.kind {
                case .use: if !pool.intersection(matching).isEmpty { pool = pool.intersection(matching) }
                case .prefer: if !pool.intersection(matching).intersection(usable).isEmpty { pool = pool.intersection(matching) }
                case .avoid: if !pool.subtracting(matching).intersection(usable).isEmpty { pool = pool.subtracting(matching) }
                }
            }
            if !local.isEmpty, !pool.intersection(local).intersection(usable).isEmpty { pool = pool.intersection(local) }
            return pool.intersection(usable)
        }
        let first = candidates(usable: all)
        let retries = first.map { candidates(usable: all.subtracting([$0])) }
        if retries.allSatisfy({ !$0.isEmpty }) { return true }
        if first.count == 1 && retries.allSatisfy(\.isEmpty) { return false }
        return nil
    }

    private static func matches(_ target: RoutingAction.Target, _ endpoint: Endpoint) -> Bool {
        switch target {
        case .variant(let variant): endpoint.variant == variant
        case .region(let region): endpoint.region == region
        }
    }

    private static func holds(_ condition: RoutingCondition, errorRate: Double, healthy: Double, inflight: Int) -> Bool {
        switch condition {
        case .and(let lhs, let rhs):
            return holds(lhs, errorRate: errorRate, healthy: healthy, inflight: inflight)
                && holds(rhs, errorRate: errorRate, healthy: healthy, inflight: inflight)
        case .or(let lhs, let rhs):
            return holds(lhs, errorRate: errorRate, healthy: healthy, inflight: inflight)
                || holds(rhs, errorRate: errorRate, healthy: healthy, inflight: inflight)
        case .compare(let metric, let comparison, let value):
            let actual: Double
            switch metric {
            case .errorRate: actual = errorRate
            case .healthy: actual = healthy
            case .inflight: actual = Double(inflight)
            case .p50, .p90, .p99: return false  // no latency samples: the runtime reads these as false
            }
            let limit: Double = switch value {
            case .ratio(let share): share
            case .count(let count): Double(count)
            case .duration: 0  // compared with a latency only, which returned above
            }
            return switch comparison {
            case .lessThan: actual < limit
            case .lessOrEqual: actual <= limit
            case .greaterThan: actual > limit
            case .greaterOrEqual: actual >= limit
            case .equal: actual == limit
            case .notEqual: actual != limit
            }
        }
    }
}
