import BatonSpec

/// The runtime objects behind a spec's resilience settings, and the Swift that builds them.
///
/// Objects that carry shared state are shared the way the spec means them: one retry budget per
/// service and budget setting, one circuit breaker, rate limiter and bulkhead per service and
/// setting (so every operation inheriting the service's breaker shares it), and one pipeline per
/// distinct combination. Each is built once, in the orchestrator's initialiser.
struct PolicyPlan {
    /// `let` declarations, in order of first use.
    private(set) var declarations: [String] = []
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
        var arguments: [String] = []
        var router: String?
        if let resolved = spec.service(named: service) { router = self.router(for: resolved) }
        if let timeout = policies.timeout { arguments.append("timeout: \(Self.duration(timeout))") }
        if let retry = policies.retry, retry.maxAttempts > 1 {
            arguments.append("retry: \(Self.retry(retry))")
            if let budget = retry.budget {
                let name = component(service: service, kind: "RetryBudget", setting: budget) {
                    "BatonRuntime.RetryBudget(BatonRuntime.RetryBudget.Configuration(ratio: \(budget.ratio), minPerSecond: \(budget.minPerSecond)), clock: options.clock)"
                }
                arguments.append("retryBudget: \(name)")
            }
        }
        if let breaker = policies.circuitBreaker, router == nil || breaker.scope == .service {
            let name = component(service: service, kind: "Breaker", setting: breaker) {
                let label = SwiftLiteral.string(breaker.name.map { "\(service).\($0)" } ?? service)
                let recorder = "options.telemetry.circuitStateRecorder(breaker: \(label), service: \(SwiftLiteral.string(service)))"
                return SwiftCall.multiline("BatonRuntime.CircuitBreaker", [
                    "name: \(label)",
                    "configuration: \(Self.breakerConfiguration(breaker))",
                    "clock: options.clock",
                    "observer: \(recorder).observe",
                ], indent: "            ")
            }
            arguments.append("circuitBreaker: \(name)")
        }
        var endpointBreakers: String?
        // The router holds per-endpoint breakers of the service's own breaker. An operation or step
        // with another breaker (or `none`) brings its own per-endpoint breakers, or none.
        if let router, let resolved = spec.service(named: service) {
            let routerBreaker = resolved.policies.circuitBreaker.flatMap { $0.scope == .endpoint ? $0 : nil }
            let wanted = policies.circuitBreaker.flatMap { $0.scope == .endpoint ? $0 : nil }
            if wanted != routerBreaker {
                if let wanted {
                    let label = wanted.name.map { "\(service).\($0)" } ?? "\(service).\(preferredName)"
                    let name = component(service: service, kind: "EndpointBreakers", setting: wanted) {
                        "\(router).makeEndpointBreakers(name: \(SwiftLiteral.string(label)), configuration: \(Self.breakerConfiguration(wanted)), telemetry: options.telemetry)"
                    }
                    endpointBreakers = "endpointBreakers: \(name)"
                } else {
                    endpointBreakers = "endpointBreakers: []"
                }
            }
        }
        if let limit = policies.rateLimit {
            let name = component(service: service, kind: "RateLimiter", setting: limit) {
                "BatonRuntime.RateLimiter(name: \(SwiftLiteral.string(service)), rate: \(Self.rate(limit.rate)), burst: \(limit.burst), maxWait: \(Self.duration(limit.maxWait)), clock: options.clock)"
            }
            arguments.append("rateLimiter: \(name)")
        }
        if let bulkhead = policies.bulkhead {
            let name = component(service: service, kind: "Bulkhead", setting: bulkhead) {
                "BatonRuntime.Bulkhead(name: \(SwiftLiteral.string(service)), maxConcurrent: \(bulkhead.maxConcurrent), maxQueue: \(bulkhead.maxQueue), queueTimeout: \(bulkhead.queueTimeout > .zero ? Self.duration(bulkhead.queueTimeout) : "nil"), clock: options.clock)"
            }
            arguments.append("bulkhead: \(name)")
        }
        if let router {
            arguments.append("router: \(router)")
            if let endpointBreakers { arguments.append(endpointBreakers) }
        }
        if let hedge = policies.hedge {
            let estimator = latencyEstimator(for: service)
            let name = component(service: service, kind: "Hedging", setting: hedge) {
                "BatonRuntime.Hedging(\(Self.hedge(hedge)), service: \(SwiftLiteral.string(service)), estimator: \(estimator), telemetry: options.telemetry)"
            }
            arguments.append("hedging: \(name)")
        }
        // In the initialiser's order: `access` follows `hedging` (a hedged idempotent write has both).
        if router != nil, access == .write { arguments.append("access: .write") }
        arguments += ["classifier: options.classifier", "clock: options.clock", "random: options.random"]
        let name = uniqueName(preferredName + "Policy")
        declarations.append("let \(name) = " + SwiftCall.multiline("BatonRuntime.ResiliencePipeline", arguments, indent: "            "))
        pipelines[key] = name
        pipelineNames.append(name)
        return name
    }

    private mutating func component(service: String, kind: String, setting: some Hashable, make: () -> String) -> String {
        let key = ComponentKey(service: service, kind: kind, setting: AnyHashable(setting))
        if let name = components[key] { return name }
        let name = uniqueName(SwiftIdentifier.lowerCamel(service) + kind)
        declarations.append("let \(name) = \(make())")
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
                "service: \(SwiftLiteral.string(service.name))",
                "endpoints: [\n" + service.endpoints.map { "                    " + Self.endpoint($0) }.joined(separator: ",\n") + "\n                ]",
                "strategy: .\(Self.strategy(routing?.strategy ?? .roundRobin))",
            ]
            if let region = routing?.localRegion { arguments.append("localRegion: \(SwiftLiteral.string(region))") }
            if let outliers = routing?.outlierDetection {
                arguments.append("outlierDetection: BatonRuntime.EndpointRouter.OutlierDetection(consecutiveFailures: \(outliers.consecutiveFailures), "
                    + "ejectFor: \(Self.duration(outliers.ejectFor)), maxEjected: \(outliers.maxEjected))")
            }
            if let rules = routing?.rules, !rules.isEmpty {
                let rules = rules.enumerated().map { index, rule in
                    "                    BatonRuntime.RoutingRule(name: \(SwiftLiteral.string(rule.name ?? "rule \(index + 1)")), "
                        + "when: \(Self.condition(rule.condition)), \(Self.action(rule.action)))"
                }
                arguments.append("rules: [\n" + rules.joined(separator: ",\n") + "\n                ]")
            }
            if let breaker = service.policies.circuitBreaker, breaker.scope == .endpoint {
                arguments.append("circuitBreaker: \(Self.breakerConfiguration(breaker))")
            }
            arguments += [
                "estimator: \(estimator)",
                "clock: options.clock",
                "random: options.random",
                "telemetry: options.telemetry",
            ]
            return SwiftCall.multiline("BatonRuntime.EndpointRouter", arguments, indent: "            ")
        }
        if !routers.contains(where: { $0.service == service.name }) { routers.append((service.name, name)) }
        return name
    }

    /// The service's recent-latency estimator, shared by its router and its hedges.
    private mutating func latencyEstimator(for service: String) -> String {
        component(service: service, kind: "Latency", setting: service) {
            "BatonRuntime.LatencyEstimator(clock: options.clock)"
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

    static func duration(_ duration: Duration) -> String {
        let nanos = duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
        if nanos % 1_000_000_000 == 0 { return "Swift.Duration.seconds(\(nanos / 1_000_000_000))" }
        if nanos % 1_000_000 == 0 { return "Swift.Duration.milliseconds(\(nanos / 1_000_000))" }
        if nanos % 1_000 == 0 { return "Swift.Duration.microseconds(\(nanos / 1_000))" }
        return "Swift.Duration.nanoseconds(\(nanos))"
    }

    static func endpoint(_ endpoint: Endpoint) -> String {
        var arguments = ["url: \(SwiftLiteral.string(endpoint.url))"]
        if let region = endpoint.region { arguments.append("region: \(SwiftLiteral.string(region))") }
        if endpoint.weight != 1 { arguments.append("weight: \(endpoint.weight)") }
        if let role = endpoint.role { arguments.append("role: .\(role.rawValue)") }
        if let variant = endpoint.variant { arguments.append("variant: \(SwiftLiteral.string(variant))") }
        return "BatonRuntime.Endpoint(\(arguments.joined(separator: ", ")))"
    }

    static func strategy(_ strategy: RoutingStrategy) -> String {
        switch strategy {
        case .roundRobin: "roundRobin"
        case .random: "random"
        case .leastLatency: "leastLatency"
        case .regionFirst: "regionFirst"
        }
    }

    static func condition(_ condition: RoutingCondition) -> String {
        switch condition {
        case .and(let lhs, let rhs): return "BatonRuntime.RoutingCondition.and(\(self.condition(lhs)), \(self.condition(rhs)))"
        case .or(let lhs, let rhs): return "BatonRuntime.RoutingCondition.or(\(self.condition(lhs)), \(self.condition(rhs)))"
        case .compare(let metric, let comparison, let value):
            let op: String = switch comparison {
            case .lessThan: ".lessThan"
            case .lessOrEqual: ".lessThanOrEqual"
            case .greaterThan: ".greaterThan"
            case .greaterOrEqual: ".greaterThanOrEqual"
            case .equal: ".equal"
            case .notEqual: ".notEqual"
            }
            switch value {
            case .duration(let duration):
                return "BatonRuntime.RoutingCondition.latency(.\(metric.rawValue), \(op), \(self.duration(duration)))"
            case .ratio(let share):
                return "BatonRuntime.RoutingCondition.compare(.\(metric.rawValue), \(op), \(share))"
            case .count(let count):
                return "BatonRuntime.RoutingCondition.compare(.\(metric.rawValue), \(op), \(count))"
            }
        }
    }

    static func action(_ action: RoutingAction) -> String {
        let target: String = switch action.target {
        case .variant(let variant): ".variant(\(SwiftLiteral.string(variant)))"
        case .region(let region): ".region(\(SwiftLiteral.string(region)))"
        }
        return ".\(action.kind.rawValue)(\(target))"
    }

    static func hedge(_ hedge: HedgePolicy) -> String {
        let delay: String = switch hedge.delay {
        case .fixed(let duration): ".fixed(\(self.duration(duration)))"
        case .percentile(let percent): ".percentile(\(percent / 100))"
        }
        return "BatonRuntime.HedgePolicy(delay: \(delay), maxAttempts: \(hedge.maxAttempts))"
    }

    static func rate(_ rate: Rate) -> String {
        "BatonRuntime.Rate(\(rate.count), per: \(duration(rate.per)))"
    }

    static func retry(_ retry: RetryPolicy) -> String {
        let backoff = retry.backoff
        let classes = retry.retryOn.map { ".\($0.rawValue)" }.joined(separator: ", ")
        let budget = retry.budget.map {
            "BatonRuntime.RetryBudget.Configuration(ratio: \($0.ratio), minPerSecond: \($0.minPerSecond))"
        } ?? "nil"
        return "BatonRuntime.RetryPolicy(maxAttempts: \(retry.maxAttempts), "
            + "backoff: BatonRuntime.Backoff(initial: \(duration(backoff.initial)), max: \(duration(backoff.max)), "
            + "multiplier: \(backoff.multiplier), jitter: .\(backoff.jitter.rawValue)), "
            + "retryOn: [\(classes)], budget: \(budget))"
    }

    static func breakerConfiguration(_ breaker: CircuitBreakerPolicy) -> String {
        var arguments = [
            "mode: .\(breaker.mode.rawValue)",
            "failureRate: \(breaker.failureRate)",
            "window: \(breaker.window)",
            "minCalls: \(breaker.minCalls)",
        ]
        if let slow = breaker.slowCall {
            arguments.append("slowCall: BatonRuntime.CircuitBreaker.SlowCall(threshold: \(duration(slow.threshold)), rate: \(slow.rate))")
        }
        arguments += [
            "consecutiveFailures: \(breaker.consecutiveFailures)",
            "openFor: \(duration(breaker.openFor))",
            "halfOpenProbes: \(breaker.halfOpenProbes)",
        ]
        return "BatonRuntime.CircuitBreaker.Configuration(\(arguments.joined(separator: ", ")))"
    }
}
