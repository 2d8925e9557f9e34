import BatonSpec

/// The runtime objects behind a spec's resilience settings, and the Swift that builds them.
///
/// Objects that carry shared state are shared the way the spec means them: one retry budget per
/// service and budget setting, one circuit breaker, rate limiter and bulkhead per service and
/// setting (so every operation inheriting the service's breaker shares it), and one pipeline per
/// distinct combination. Each is built once, in the orchestrator's initialiser.
struct PolicyPlan {
    /// `let` declarations, in order of first use.
    private(set) var declarations: [SwiftStatement] = []
    /// The pipelines, which the orchestrator keeps; the components are captured by them.
    private(set) var pipelineNames: [String] = []
    /// Each routed service's router, by service name, in order of first use.
    private(set) var routers: [(service: String, name: String)] = []
    private var names: Set<String> = []
    private var components: [ComponentKey: String] = [:]
    private var pipelines: [PipelineKey: String] = [:]

    private struct ComponentKey: Hashable {
        var service: String
        var kind: String
        var setting: AnyHashable
    }

    private struct PipelineKey: Hashable {
        var service: String
        var policies: PolicySet
        var access: Access
    }

    /// The name of the pipeline for calls of `service` under `policies`, declaring it (and its
    /// shared components) on first use. `preferredName` names it after what first uses it.
    mutating func pipeline(service: String, in spec: ResolvedSpec, policies: PolicySet, access: Access, preferredName: String) -> String {
        var key = PipelineKey(service: service, policies: policies, access: access)
        key.policies.cache = nil
        if let name = pipelines[key] { return name }
        var arguments: [SwiftArgument] = []
        var router: String?
        if let resolved = spec.service(named: service) { router = self.router(for: resolved) }
        if let timeout = policies.timeout { arguments.append(SwiftArgument("timeout", Self.duration(timeout))) }
        if let retry = policies.retry, retry.maxAttempts > 1 {
            arguments.append(SwiftArgument("retry", Self.retry(retry)))
            if let budget = retry.budget {
                let name = component(service: service, kind: "RetryBudget", setting: budget) {
                    .call("BatonRuntime.RetryBudget", [
                        .value(Self.budget(budget)),
                        SwiftArgument("clock", .text("options.clock")),
                    ])
                }
                arguments.append(SwiftArgument("retryBudget", .text(name)))
            }
        }
        if let breaker = policies.circuitBreaker, router == nil || breaker.scope == .service {
            let name = component(service: service, kind: "Breaker", setting: breaker) {
                let label = SwiftLiteral.string(breaker.name.map { "\(service).\($0)" } ?? service)
                let recorder = SwiftExpr.call("options.telemetry.circuitStateRecorder", [
                    SwiftArgument("breaker", .text(label)),
                    SwiftArgument("service", .text(SwiftLiteral.string(service))),
                ])
                return .call("BatonRuntime.CircuitBreaker", [
                    SwiftArgument("name", .text(label)),
                    SwiftArgument("configuration", Self.breakerConfiguration(breaker)),
                    SwiftArgument("clock", .text("options.clock")),
                    SwiftArgument("observer", .member(recorder, "observe")),
                ])
            }
            arguments.append(SwiftArgument("circuitBreaker", .text(name)))
        }
        var endpointBreakers: SwiftArgument?
        // The router holds per-endpoint breakers of the service's own breaker. An operation or step
        // with another breaker (or `none`) brings its own per-endpoint breakers, or none.
        if let router, let resolved = spec.service(named: service) {
            let routerBreaker = resolved.policies.circuitBreaker.flatMap { $0.scope == .endpoint ? $0 : nil }
            let wanted = policies.circuitBreaker.flatMap { $0.scope == .endpoint ? $0 : nil }
            if wanted != routerBreaker {
                if let wanted {
                    let label = wanted.name.map { "\(service).\($0)" } ?? "\(service).\(preferredName)"
                    let name = component(service: service, kind: "EndpointBreakers", setting: wanted) {
                        .call("\(router).makeEndpointBreakers", [
                            SwiftArgument("name", .text(SwiftLiteral.string(label))),
                            SwiftArgument("configuration", Self.breakerConfiguration(wanted)),
                            SwiftArgument("telemetry", .text("options.telemetry")),
                        ])
                    }
                    endpointBreakers = SwiftArgument("endpointBreakers", .text(name))
                } else {
                    endpointBreakers = SwiftArgument("endpointBreakers", .array([]))
                }
            }
        }
        if let limit = policies.rateLimit {
            let name = component(service: service, kind: "RateLimiter", setting: limit) {
                .call("BatonRuntime.RateLimiter", [
                    SwiftArgument("name", .text(SwiftLiteral.string(service))),
                    SwiftArgument("rate", Self.rate(limit.rate)),
                    SwiftArgument("burst", .text("\(limit.burst)")),
                    SwiftArgument("maxWait", Self.duration(limit.maxWait)),
                    SwiftArgument("clock", .text("options.clock")),
                ])
            }
            arguments.append(SwiftArgument("rateLimiter", .text(name)))
        }
        if let bulkhead = policies.bulkhead {
            let name = component(service: service, kind: "Bulkhead", setting: bulkhead) {
                .call("BatonRuntime.Bulkhead", [
                    SwiftArgument("name", .text(SwiftLiteral.string(service))),
                    SwiftArgument("maxConcurrent", .text("\(bulkhead.maxConcurrent)")),
                    SwiftArgument("maxQueue", .text("\(bulkhead.maxQueue)")),
                    SwiftArgument("queueTimeout", bulkhead.queueTimeout > .zero ? Self.duration(bulkhead.queueTimeout) : .text("nil")),
                    SwiftArgument("clock", .text("options.clock")),
                ])
            }
            arguments.append(SwiftArgument("bulkhead", .text(name)))
        }
        if let router {
            arguments.append(SwiftArgument("router", .text(router)))
            if let endpointBreakers { arguments.append(endpointBreakers) }
        }
        if let hedge = policies.hedge {
            let estimator = latencyEstimator(for: service)
            let name = component(service: service, kind: "Hedging", setting: hedge) {
                .call("BatonRuntime.Hedging", [
                    .value(Self.hedge(hedge)),
                    SwiftArgument("service", .text(SwiftLiteral.string(service))),
                    SwiftArgument("estimator", .text(estimator)),
                    SwiftArgument("telemetry", .text("options.telemetry")),
                ])
            }
            arguments.append(SwiftArgument("hedging", .text(name)))
        }
        // In the initialiser's order: `access` follows `hedging` (a hedged idempotent write has both).
        if router != nil, access == .write { arguments.append(SwiftArgument("access", .text(".write"))) }
        arguments += [
            SwiftArgument("classifier", .text("options.classifier")),
            SwiftArgument("clock", .text("options.clock")),
            SwiftArgument("random", .text("options.random")),
        ]
        let name = uniqueName(preferredName + "Policy")
        declarations.append(.let(name, nil, .call("BatonRuntime.ResiliencePipeline", arguments)))
        pipelines[key] = name
        pipelineNames.append(name)
        return name
    }

    private mutating func component(service: String, kind: String, setting: some Hashable, make: () -> SwiftExpr) -> String {
        let key = ComponentKey(service: service, kind: kind, setting: AnyHashable(setting))
        if let name = components[key] { return name }
        let name = uniqueName(SwiftIdentifier.lowerCamel(service) + kind)
        declarations.append(.let(name, nil, make()))
        components[key] = name
        return name
    }

    /// The service's endpoint router (one per service with endpoints), with per-endpoint breakers
    /// when the service's breaker scope is `endpoint`.
    private mutating func router(for service: ResolvedService) -> String? {
        guard !service.endpoints.isEmpty else { return nil }
        let routing = service.routing
        let estimator = latencyEstimator(for: service.name)
        let name = component(service: service.name, kind: "Router", setting: service.endpoints) {
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
                        SwiftArgument("name", .text(SwiftLiteral.string(RoutingRuleScenario.name(of: rules, at: index)))),
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
        if !routers.contains(where: { $0.service == service.name }) { routers.append((service.name, name)) }
        return name
    }

    /// The service's recent-latency estimator, shared by its router and its hedges.
    private mutating func latencyEstimator(for service: String) -> String {
        component(service: service, kind: "Latency", setting: service) {
            .call("BatonRuntime.LatencyEstimator", [SwiftArgument("clock", .text("options.clock"))])
        }
    }

    private mutating func uniqueName(_ base: String) -> String {
        var name = base
        var number = 2
        while names.contains(name) {
            name = "\(base)\(number)"
            number += 1
        }
        names.insert(name)
        return name
    }

    /// How often a generated router evaluates its rules (passed explicitly: the generated tests
    /// move the clock by it).
    static let ruleEvaluationInterval = Duration.seconds(1)

    /// How far back a retry budget counts calls (Finagle's default); the generated tests derive
    /// from it whether a fresh budget grants a retry.
    static let retryBudgetWindow = Duration.seconds(10)
    /// How far back a generated router's error rate looks (passed explicitly: the generated rule
    /// tests rely on the previous run still counting one interval later).
    static let routingStatsWindow = Duration.seconds(10)

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
