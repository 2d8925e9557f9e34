import BatonLowering
import BatonSpec

/// The Swift that builds the runtime objects behind a spec's resilience settings: renders the
/// spec's ``PolicyLowering`` (shared with `baton simulate`, which builds the same objects
/// directly) as the `let` declarations of the orchestrator's `Policies.init`.
struct PolicyPlan {
    let spec: ResolvedSpec
    let lowering: PolicyLowering

    /// `let` declarations, in order of first use.
    var declarations: [SwiftStatement] {
        lowering.declarations.map { declaration in
            switch declaration {
            case .component(let index):
                let (name, component) = lowering.components[index]
                return .let(name, nil, construction(component))
            case .pipeline(let index):
                let pipeline = lowering.pipelines[index]
                return .let(pipeline.name, nil, construction(pipeline))
            }
        }
    }

    /// The pipelines, which the orchestrator keeps; the components are captured by them.
    var pipelineNames: [String] { lowering.pipelines.map(\.name) }

    /// Each routed service's router, by service name, in order of first use.
    var routers: [(service: String, name: String)] {
        lowering.routers.map { ($0.service, lowering.components[$0.component].name) }
    }

    private func name(_ component: Int) -> String { lowering.components[component].name }

    private func construction(_ pipeline: PolicyLowering.Pipeline) -> SwiftExpr {
        var arguments: [SwiftArgument] = []
        if let timeout = pipeline.timeout { arguments.append(SwiftArgument("timeout", Self.duration(timeout))) }
        if let retry = pipeline.retry {
            arguments.append(SwiftArgument("retry", Self.retry(retry)))
            if let budget = pipeline.retryBudget { arguments.append(SwiftArgument("retryBudget", .text(name(budget)))) }
        }
        if let breaker = pipeline.circuitBreaker { arguments.append(SwiftArgument("circuitBreaker", .text(name(breaker)))) }
        if let limiter = pipeline.rateLimiter { arguments.append(SwiftArgument("rateLimiter", .text(name(limiter)))) }
        if let bulkhead = pipeline.bulkhead { arguments.append(SwiftArgument("bulkhead", .text(name(bulkhead)))) }
        if let router = pipeline.router {
            arguments.append(SwiftArgument("router", .text(name(router))))
            switch pipeline.endpointBreakers {
            case .router: break
            case .none: arguments.append(SwiftArgument("endpointBreakers", .array([])))
            case .own(let breakers): arguments.append(SwiftArgument("endpointBreakers", .text(name(breakers))))
            }
        }
        if let hedging = pipeline.hedging { arguments.append(SwiftArgument("hedging", .text(name(hedging)))) }
        // In the initialiser's order: `access` follows `hedging` (a hedged idempotent write has both).
        if pipeline.access == .write { arguments.append(SwiftArgument("access", .text(".write"))) }
        arguments += [
            SwiftArgument("classifier", .text("options.classifier")),
            SwiftArgument("clock", .text("options.clock")),
            SwiftArgument("random", .text("options.random")),
        ]
        return .call("BatonRuntime.ResiliencePipeline", arguments)
    }

    private func construction(_ component: PolicyLowering.Component) -> SwiftExpr {
        switch component {
        case .retryBudget(let budget):
            return .call("BatonRuntime.RetryBudget", [
                .value(Self.budget(budget)),
                SwiftArgument("clock", .text("options.clock")),
            ])
        case .circuitBreaker(let label, let service, let breaker):
            let recorder = SwiftExpr.call("options.telemetry.circuitStateRecorder", [
                SwiftArgument("breaker", .text(SwiftLiteral.string(label))),
                SwiftArgument("service", .text(SwiftLiteral.string(service))),
            ])
            return .call("BatonRuntime.CircuitBreaker", [
                SwiftArgument("name", .text(SwiftLiteral.string(label))),
                SwiftArgument("configuration", Self.breakerConfiguration(breaker)),
                SwiftArgument("clock", .text("options.clock")),
                SwiftArgument("observer", .member(recorder, "observe")),
            ])
        case .endpointBreakers(let router, let label, let breaker):
            return .call("\(name(router)).makeEndpointBreakers", [
                SwiftArgument("name", .text(SwiftLiteral.string(label))),
                SwiftArgument("configuration", Self.breakerConfiguration(breaker)),
                SwiftArgument("telemetry", .text("options.telemetry")),
            ])
        case .rateLimiter(let service, let limit):
            return .call("BatonRuntime.RateLimiter", [
                SwiftArgument("name", .text(SwiftLiteral.string(service))),
                SwiftArgument("rate", Self.rate(limit.rate)),
                SwiftArgument("burst", .text("\(limit.burst)")),
                SwiftArgument("maxWait", Self.duration(limit.maxWait)),
                SwiftArgument("clock", .text("options.clock")),
            ])
        case .bulkhead(let service, let bulkhead):
            return .call("BatonRuntime.Bulkhead", [
                SwiftArgument("name", .text(SwiftLiteral.string(service))),
                SwiftArgument("maxConcurrent", .text("\(bulkhead.maxConcurrent)")),
                SwiftArgument("maxQueue", .text("\(bulkhead.maxQueue)")),
                SwiftArgument("queueTimeout", bulkhead.queueTimeout > .zero ? Self.duration(bulkhead.queueTimeout) : .text("nil")),
                SwiftArgument("clock", .text("options.clock")),
            ])
        case .latencyEstimator:
            return .call("BatonRuntime.LatencyEstimator", [SwiftArgument("clock", .text("options.clock"))])
        case .router(let service, let estimator):
            return routerConstruction(service: service, estimator: name(estimator))
        case .hedging(let service, let hedge, let estimator):
            return .call("BatonRuntime.Hedging", [
                .value(Self.hedge(hedge)),
                SwiftArgument("service", .text(SwiftLiteral.string(service))),
                SwiftArgument("estimator", .text(name(estimator))),
                SwiftArgument("telemetry", .text("options.telemetry")),
            ])
        }
    }

    /// The service's endpoint router, with per-endpoint breakers when the service's breaker
    /// scope is `endpoint`.
    private func routerConstruction(service name: String, estimator: String) -> SwiftExpr {
        guard let service = spec.service(named: name) else { return .text("nil") }
        let routing = service.routing
        var arguments = [
            SwiftArgument("service", .text(SwiftLiteral.string(service.name))),
            SwiftArgument("endpoints", .array(service.endpoints.map(Self.endpoint))),
            SwiftArgument("strategy", .text(".\(Self.strategy(routing?.strategy ?? .roundRobin))")),
        ]
        if let region = routing?.localRegion { arguments.append(SwiftArgument("localRegion", .text(SwiftLiteral.string(region)))) }
        if let outliers = routing?.outlierDetection {
            arguments.append(SwiftArgument("outlierDetection", .call("BatonRuntime.EndpointRouter.OutlierDetection", [
                SwiftArgument("consecutiveFailures", .text("\(outliers.consecutiveFailures)")),
                SwiftArgument("ejectFor", Self.duration(outliers.ejectFor)),
                SwiftArgument("maxEjected", .text("\(outliers.maxEjected)")),
            ])))
        }
        if let rules = routing?.rules, !rules.isEmpty {
            arguments.append(SwiftArgument("rules", .array(rules.enumerated().map { index, rule in
                .call("BatonRuntime.RoutingRule", [
                    SwiftArgument("name", .text(SwiftLiteral.string(PolicyLowering.ruleName(of: rules, at: index)))),
                    SwiftArgument("when", Self.condition(rule.condition)),
                    .value(Self.action(rule.action)),
                ])
            })))
        }
        if let breaker = service.policies.circuitBreaker, breaker.scope == .endpoint {
            arguments.append(SwiftArgument("circuitBreaker", Self.breakerConfiguration(breaker)))
        }
        arguments += [
            SwiftArgument("estimator", .text(estimator)),
            SwiftArgument("evaluationInterval", Self.duration(Self.ruleEvaluationInterval)),
            SwiftArgument("statsWindow", Self.duration(Self.routingStatsWindow)),
            SwiftArgument("clock", .text("options.clock")),
            SwiftArgument("random", .text("options.random")),
            SwiftArgument("telemetry", .text("options.telemetry")),
        ]
        return .call("BatonRuntime.EndpointRouter", arguments)
    }

    /// How often a generated router evaluates its rules (passed explicitly: the generated tests
    /// move the clock by it).
    static let ruleEvaluationInterval = PolicyLowering.ruleEvaluationInterval

    /// How far back a retry budget counts calls (Finagle's default); the generated tests derive
    /// from it whether a fresh budget grants a retry.
    static let retryBudgetWindow = PolicyLowering.retryBudgetWindow
    /// How far back a generated router's error rate looks (passed explicitly: the generated rule
    /// tests rely on the previous run still counting one interval later).
    static let routingStatsWindow = PolicyLowering.routingStatsWindow

    /// `Swift.Duration.milliseconds(250)`: the largest unit that is exact.
    static func duration(_ duration: Duration) -> SwiftExpr {
        let nanos = duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
        if nanos % 1_000_000_000 == 0 { return .text("Swift.Duration.seconds(\(nanos / 1_000_000_000))") }
        if nanos % 1_000_000 == 0 { return .text("Swift.Duration.milliseconds(\(nanos / 1_000_000))") }
        if nanos % 1_000 == 0 { return .text("Swift.Duration.microseconds(\(nanos / 1_000))") }
        return .text("Swift.Duration.nanoseconds(\(nanos))")
    }

    static func endpoint(_ endpoint: Endpoint) -> SwiftExpr {
        var arguments = [SwiftArgument("url", .text(SwiftLiteral.string(endpoint.url)))]
        if let region = endpoint.region { arguments.append(SwiftArgument("region", .text(SwiftLiteral.string(region)))) }
        if endpoint.weight != 1 { arguments.append(SwiftArgument("weight", .text("\(endpoint.weight)"))) }
        if let role = endpoint.role { arguments.append(SwiftArgument("role", .text(".\(role.rawValue)"))) }
        if let variant = endpoint.variant { arguments.append(SwiftArgument("variant", .text(SwiftLiteral.string(variant)))) }
        return .call("BatonRuntime.Endpoint", arguments)
    }

    static func strategy(_ strategy: RoutingStrategy) -> String {
        switch strategy {
        case .roundRobin: "roundRobin"
        case .random: "random"
        case .leastLatency: "leastLatency"
        case .regionFirst: "regionFirst"
        }
    }

    static func condition(_ condition: RoutingCondition) -> SwiftExpr {
        switch condition {
        case .and(let lhs, let rhs): return .call("BatonRuntime.RoutingCondition.and", [.value(self.condition(lhs)), .value(self.condition(rhs))])
        case .or(let lhs, let rhs): return .call("BatonRuntime.RoutingCondition.or", [.value(self.condition(lhs)), .value(self.condition(rhs))])
        case .compare(let metric, let comparison, let value):
            let op: String = switch comparison {
            case .lessThan: ".lessThan"
            case .lessOrEqual: ".lessThanOrEqual"
            case .greaterThan: ".greaterThan"
            case .greaterOrEqual: ".greaterThanOrEqual"
            case .equal: ".equal"
            case .notEqual: ".notEqual"
            }
            let arguments: (String, SwiftExpr) = switch value {
            case .duration(let duration): ("BatonRuntime.RoutingCondition.latency", self.duration(duration))
            case .ratio(let share): ("BatonRuntime.RoutingCondition.compare", .text("\(share)"))
            case .count(let count): ("BatonRuntime.RoutingCondition.compare", .text("\(count)"))
            }
            return .call(arguments.0, [.value(.text(".\(metric.rawValue)")), .value(.text(op)), .value(arguments.1)])
        }
    }

    static func action(_ action: RoutingAction) -> SwiftExpr {
        let target: SwiftExpr = switch action.target {
        case .variant(let variant): .call(".variant", [.value(.text(SwiftLiteral.string(variant)))])
        case .region(let region): .call(".region", [.value(.text(SwiftLiteral.string(region)))])
        }
        return .call(".\(action.kind.rawValue)", [.value(target)])
    }

    static func hedge(_ hedge: HedgePolicy) -> SwiftExpr {
        let delay: SwiftExpr = switch hedge.delay {
        case .fixed(let duration): .call(".fixed", [.value(self.duration(duration))])
        case .percentile(let percent): .call(".percentile", [.value(.text("\(percent / 100)"))])
        }
        return .call("BatonRuntime.HedgePolicy", [SwiftArgument("delay", delay), SwiftArgument("maxAttempts", .text("\(hedge.maxAttempts)"))])
    }

    static func rate(_ rate: Rate) -> SwiftExpr {
        .call("BatonRuntime.Rate", [.value(.text("\(rate.count)")), SwiftArgument("per", duration(rate.per))])
    }

    static func budget(_ budget: RetryPolicy.Budget) -> SwiftExpr {
        .call("BatonRuntime.RetryBudget.Configuration", [
            SwiftArgument("ratio", .text("\(budget.ratio)")),
            SwiftArgument("minPerSecond", .text("\(budget.minPerSecond)")),
            SwiftArgument("window", duration(retryBudgetWindow)),
        ])
    }

    static func retry(_ retry: RetryPolicy) -> SwiftExpr {
        let backoff = retry.backoff
        return .call("BatonRuntime.RetryPolicy", [
            SwiftArgument("maxAttempts", .text("\(retry.maxAttempts)")),
            SwiftArgument("backoff", .call("BatonRuntime.Backoff", [
                SwiftArgument("initial", duration(backoff.initial)),
                SwiftArgument("max", duration(backoff.max)),
                SwiftArgument("multiplier", .text("\(backoff.multiplier)")),
                SwiftArgument("jitter", .text(".\(backoff.jitter.rawValue)")),
            ])),
            SwiftArgument("retryOn", .array(retry.retryOn.map { .text(".\($0.rawValue)") })),
            SwiftArgument("budget", retry.budget.map(budget) ?? .text("nil")),
        ])
    }

    static func breakerConfiguration(_ breaker: CircuitBreakerPolicy) -> SwiftExpr {
        var arguments = [
            SwiftArgument("mode", .text(".\(breaker.mode.rawValue)")),
            SwiftArgument("failureRate", .text("\(breaker.failureRate)")),
            SwiftArgument("window", .text("\(breaker.window)")),
            SwiftArgument("minCalls", .text("\(breaker.minCalls)")),
        ]
        if let slow = breaker.slowCall {
            arguments.append(SwiftArgument("slowCall", .call("BatonRuntime.CircuitBreaker.SlowCall", [
                SwiftArgument("threshold", duration(slow.threshold)),
                SwiftArgument("rate", .text("\(slow.rate)")),
            ])))
        }
        arguments += [
            SwiftArgument("consecutiveFailures", .text("\(breaker.consecutiveFailures)")),
            SwiftArgument("openFor", duration(breaker.openFor)),
            SwiftArgument("halfOpenProbes", .text("\(breaker.halfOpenProbes)")),
        ]
        return .call("BatonRuntime.CircuitBreaker.Configuration", arguments)
    }
}
