import BatonNaming
import BatonSpec

/// Which runtime objects a spec's resilience settings become, and which of them are shared:
/// the one lowering of spec-v1 §4 settings to `BatonRuntime` policies that the generator renders
/// as Swift and `baton simulate` builds directly, so generated and simulated behaviour cannot
/// drift apart.
///
/// Objects that carry shared state are shared the way the spec means them: one retry budget per
/// service and budget setting, one circuit breaker, rate limiter and bulkhead per service and
/// setting (so every operation inheriting the service's breaker shares it), one router and one
/// latency estimator per service with endpoints, and one pipeline per distinct combination.
/// Components and pipelines are numbered in order of first use and carry the Swift-friendly names
/// the generated code declares them under.
public struct PolicyLowering: Sendable {
    /// A shared runtime object a pipeline uses.
    public enum Component: Sendable, Hashable {
        /// A `RetryBudget` from the retry setting's budget.
        case retryBudget(RetryPolicy.Budget)
        /// A `CircuitBreaker` of the service (or of one operation's own breaker setting), named
        /// `label` (`service`, or `service.policyName`).
        case circuitBreaker(label: String, service: String, policy: CircuitBreakerPolicy)
        /// Per-endpoint breakers of a pipeline whose breaker differs from the one its router holds,
        /// made by the router (component `router`).
        case endpointBreakers(router: Int, label: String, policy: CircuitBreakerPolicy)
        /// A `RateLimiter` named after the service.
        case rateLimiter(service: String, policy: RateLimitPolicy)
        /// A `Bulkhead` named after the service.
        case bulkhead(service: String, policy: BulkheadPolicy)
        /// The `LatencyEstimator` of a service, shared by its router and its hedges.
        case latencyEstimator(service: String)
        /// The `EndpointRouter` of a service with endpoints; `estimator` is its latency estimator.
        case router(service: String, estimator: Int)
        /// The `Hedging` of a hedge setting, feeding on the service's latency estimator.
        case hedging(service: String, policy: HedgePolicy, estimator: Int)
    }

    /// Whose per-endpoint breakers guard a routed pipeline's attempts.
    public enum EndpointBreakers: Sendable, Hashable {
        /// The router's (the service's own breaker, when its scope is `endpoint`).
        case router
        /// None per endpoint: the pipeline's `circuitBreaker` (if any) guards every endpoint.
        case none
        /// The pipeline's own set (component `endpointBreakers`).
        case own(Int)
    }

    /// One `ResiliencePipeline`: the settings of a call and the components it shares.
    public struct Pipeline: Sendable, Hashable {
        /// The Swift name generated code stores it under (`cartPolicy`, `pricingPolicy2`).
        public var name: String
        public var service: String
        /// The attempt timeout; `nil`: bounded by the run's deadline only.
        public var timeout: Duration?
        /// Retries, present only when they allow more than one attempt.
        public var retry: RetryPolicy?
        public var retryBudget: Int?
        public var circuitBreaker: Int?
        public var rateLimiter: Int?
        public var bulkhead: Int?
        public var router: Int?
        /// Meaningful only when `router` is set.
        public var endpointBreakers: EndpointBreakers = .router
        public var hedging: Int?
        /// `.write` only for routed pipelines (writes go to primaries); otherwise `.read`.
        public var access: Access = .read
    }

    /// A declaration in order: a component or a pipeline, each once, before first use.
    public enum Declaration: Sendable, Hashable {
        case component(Int)
        case pipeline(Int)
    }

    /// Components by number, with the Swift name generated code declares them under.
    public private(set) var components: [(name: String, component: Component)] = []
    public private(set) var pipelines: [Pipeline] = []
    /// Every component and pipeline in the order of first use.
    public private(set) var declarations: [Declaration] = []
    /// Each routed service's router component, by service, in order of first use.
    public private(set) var routers: [(service: String, component: Int)] = []

    private var names: Set<String> = []
    private var componentIndex: [ComponentKey: Int] = [:]
    private var pipelineIndex: [PipelineKey: Int] = [:]

    private struct ComponentKey: Hashable, Sendable {
        var service: String
        var kind: String
        var setting: Setting
    }

    /// The setting a component is made from: components of one service, kind and setting are one.
    private enum Setting: Hashable, Sendable {
        case budget(RetryPolicy.Budget)
        case breaker(CircuitBreakerPolicy)
        case limit(RateLimitPolicy)
        case bulkhead(BulkheadPolicy)
        case hedge(HedgePolicy)
        case endpoints([Endpoint])
        case service(String)
    }

    private struct PipelineKey: Hashable {
        var service: String
        var policies: PolicySet
        var access: Access
    }

    public init() {}

    /// How often a router evaluates its rules (generated tests move the clock by it).
    public static let ruleEvaluationInterval = Duration.seconds(1)
    /// How far back a retry budget counts calls (Finagle's default).
    public static let retryBudgetWindow = Duration.seconds(10)
    /// How far back a router's error rate looks.
    public static let routingStatsWindow = Duration.seconds(10)

    /// The name the runtime gives rule `index` of a router (unnamed rules are `rule N`).
    public static func ruleName(of rules: [RoutingRule], at index: Int) -> String {
        rules[index].name ?? "rule \(index + 1)"
    }

    /// The pipeline for calls of `service` under `policies`, declaring it (and its shared
    /// components) on first use. `preferredName` names it after what first uses it.
    public mutating func pipeline(service: String, in spec: ResolvedSpec, policies: PolicySet, access: Access, preferredName: String) -> Int {
        var key = PipelineKey(service: service, policies: policies, access: access)
        key.policies.cache = nil
        if let index = pipelineIndex[key] { return index }
        var pipeline = Pipeline(name: "", service: service)
        let resolved = spec.service(named: service)
        let router = resolved.flatMap { self.router(for: $0) }
        pipeline.router = router
        pipeline.timeout = policies.timeout
        if let retry = policies.retry, retry.maxAttempts > 1 {
            pipeline.retry = retry
            if let budget = retry.budget {
                pipeline.retryBudget = component(service: service, kind: "RetryBudget", setting: .budget(budget)) { .retryBudget(budget) }
            }
        }
        if let breaker = policies.circuitBreaker, router == nil || breaker.scope == .service {
            pipeline.circuitBreaker = component(service: service, kind: "Breaker", setting: .breaker(breaker)) {
                .circuitBreaker(label: breaker.name.map { "\(service).\($0)" } ?? service, service: service, policy: breaker)
            }
        }
        // The router holds per-endpoint breakers of the service's own breaker. An operation or step
        // with another breaker (or `none`) brings its own per-endpoint breakers, or none.
        if let router, let resolved {
            let routerBreaker = resolved.policies.circuitBreaker.flatMap { $0.scope == .endpoint ? $0 : nil }
            let wanted = policies.circuitBreaker.flatMap { $0.scope == .endpoint ? $0 : nil }
            if wanted != routerBreaker {
                if let wanted {
                    let label = wanted.name.map { "\(service).\($0)" } ?? "\(service).\(preferredName)"
                    pipeline.endpointBreakers = .own(component(service: service, kind: "EndpointBreakers", setting: .breaker(wanted)) {
                        .endpointBreakers(router: router, label: label, policy: wanted)
                    })
                } else {
                    pipeline.endpointBreakers = .none
                }
            }
        }
        if let limit = policies.rateLimit {
            pipeline.rateLimiter = component(service: service, kind: "RateLimiter", setting: .limit(limit)) { .rateLimiter(service: service, policy: limit) }
        }
        if let bulkhead = policies.bulkhead {
            pipeline.bulkhead = component(service: service, kind: "Bulkhead", setting: .bulkhead(bulkhead)) { .bulkhead(service: service, policy: bulkhead) }
        }
        if let hedge = policies.hedge {
            let estimator = latencyEstimator(for: service)
            pipeline.hedging = component(service: service, kind: "Hedging", setting: .hedge(hedge)) {
                .hedging(service: service, policy: hedge, estimator: estimator)
            }
        }
        if router != nil, access == .write { pipeline.access = .write }
        pipeline.name = uniqueName(preferredName + "Policy")
        let index = pipelines.count
        pipelines.append(pipeline)
        declarations.append(.pipeline(index))
        pipelineIndex[key] = index
        return index
    }

    private mutating func component(service: String, kind: String, setting: Setting, make: () -> Component) -> Int {
        let key = ComponentKey(service: service, kind: kind, setting: setting)
        if let index = componentIndex[key] { return index }
        let name = uniqueName(GeneratedNames.lowerCamel(service) + kind)
        let index = components.count
        components.append((name, make()))
        declarations.append(.component(index))
        componentIndex[key] = index
        return index
    }

    /// The service's endpoint router (one per service with endpoints); `nil` without endpoints.
    private mutating func router(for service: ResolvedService) -> Int? {
        guard !service.endpoints.isEmpty else { return nil }
        let estimator = latencyEstimator(for: service.name)
        let index = component(service: service.name, kind: "Router", setting: .endpoints(service.endpoints)) {
            .router(service: service.name, estimator: estimator)
        }
        if !routers.contains(where: { $0.service == service.name }) { routers.append((service.name, index)) }
        return index
    }

    /// The service's recent-latency estimator, shared by its router and its hedges.
    private mutating func latencyEstimator(for service: String) -> Int {
        component(service: service, kind: "Latency", setting: .service(service)) { .latencyEstimator(service: service) }
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
}
