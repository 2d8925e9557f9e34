import BatonLowering
import BatonRuntime
import BatonSpec

/// The runtime objects a spec lowers to, built directly: the same components, shared the same
/// way and with the same parameters, as the generated orchestrator's `Policies` and `Caches`
/// (both come from ``SpecLowering``).
struct RuntimeObjects: Sendable {
    enum Component: Sendable {
        case retryBudget(RetryBudget)
        case circuitBreaker(CircuitBreaker)
        case endpointBreakers([CircuitBreaker])
        case rateLimiter(RateLimiter)
        case bulkhead(Bulkhead)
        case latencyEstimator(LatencyEstimator)
        case router(EndpointRouter)
        case hedging(Hedging)
    }

    let pipelines: [ResiliencePipeline]
    let caches: [OperationRef: ResponseCache<Value, Value>]
    let cacheKeys: [OperationRef: [LoweredCache.KeyField]]

    init(spec: ResolvedSpec, lowering: SpecLowering, options: OrchestratorOptions) {
        let policies = lowering.policies
        var components: [Component?] = Array(repeating: nil, count: policies.components.count)
        var pipelines: [ResiliencePipeline?] = Array(repeating: nil, count: policies.pipelines.count)
        for declaration in policies.declarations {
            switch declaration {
            case .component(let index):
                components[index] = Self.make(policies.components[index].component, spec: spec, built: components, options: options)
            case .pipeline(let index):
                pipelines[index] = Self.make(policies.pipelines[index], built: components, options: options)
            }
        }
        self.pipelines = pipelines.map { $0! }
        var caches: [OperationRef: ResponseCache<Value, Value>] = [:]
        var keys: [OperationRef: [LoweredCache.KeyField]] = [:]
        for cache in lowering.caches {
            let policy = cache.policy
            caches[cache.operation] = ResponseCache<Value, Value>(
                service: cache.operation.service,
                operation: cache.operation.operation,
                policy: BatonRuntime.CachePolicy(
                    ttl: policy.ttl, staleWhileRevalidate: policy.staleWhileRevalidate, staleIfError: policy.staleIfError,
                    maxEntries: policy.maxEntries),
                clock: options.clock,
                telemetry: options.telemetry)
            keys[cache.operation] = cache.keyFields
        }
        self.caches = caches
        self.cacheKeys = keys
    }

    /// Stops the caches' background refreshes.
    func shutdown() async {
        for cache in caches.values { await cache.shutdown() }
    }

    private static func make(_ pipeline: PolicyLowering.Pipeline, built: [Component?], options: OrchestratorOptions) -> ResiliencePipeline {
        func component(_ index: Int?) -> Component? { index.flatMap { built[$0] } }
        var budget: RetryBudget?
        if case .retryBudget(let made)? = component(pipeline.retryBudget) { budget = made }
        var breaker: CircuitBreaker?
        if case .circuitBreaker(let made)? = component(pipeline.circuitBreaker) { breaker = made }
        var limiter: RateLimiter?
        if case .rateLimiter(let made)? = component(pipeline.rateLimiter) { limiter = made }
        var bulkhead: Bulkhead?
        if case .bulkhead(let made)? = component(pipeline.bulkhead) { bulkhead = made }
        var router: EndpointRouter?
        if case .router(let made)? = component(pipeline.router) { router = made }
        var endpointBreakers: [CircuitBreaker]?
        if router != nil {
            switch pipeline.endpointBreakers {
            case .router: endpointBreakers = nil
            case .none: endpointBreakers = []
            case .own(let index):
                if case .endpointBreakers(let made)? = built[index] { endpointBreakers = made }
            }
        }
        var hedging: Hedging?
        if case .hedging(let made)? = component(pipeline.hedging) { hedging = made }
        return ResiliencePipeline(
            timeout: pipeline.timeout,
            retry: pipeline.retry.map(retry),
            retryBudget: budget,
            circuitBreaker: breaker,
            rateLimiter: limiter,
            bulkhead: bulkhead,
            router: router,
            endpointBreakers: endpointBreakers,
            hedging: hedging,
            access: pipeline.access == .write ? .write : .read,
            classifier: options.classifier,
            clock: options.clock,
            random: options.random)
    }

    private static func make(_ component: PolicyLowering.Component, spec: ResolvedSpec, built: [Component?], options: OrchestratorOptions) -> Component {
        switch component {
        case .retryBudget(let budget):
            return .retryBudget(RetryBudget(self.budget(budget), clock: options.clock))
        case .circuitBreaker(let label, let service, let policy):
            return .circuitBreaker(CircuitBreaker(
                name: label, configuration: configuration(policy), clock: options.clock,
                observer: options.telemetry.circuitStateRecorder(breaker: label, service: service).observe))
        case .endpointBreakers(let router, let label, let policy):
            guard case .router(let made)? = built[router] else { preconditionFailure("endpoint breakers before their router") }
            return .endpointBreakers(made.makeEndpointBreakers(name: label, configuration: configuration(policy), telemetry: options.telemetry))
        case .rateLimiter(let service, let policy):
            return .rateLimiter(RateLimiter(
                name: service, rate: BatonRuntime.Rate(policy.rate.count, per: policy.rate.per), burst: policy.burst,
                maxWait: policy.maxWait, clock: options.clock))
        case .bulkhead(let service, let policy):
            return .bulkhead(Bulkhead(
                name: service, maxConcurrent: policy.maxConcurrent, maxQueue: policy.maxQueue,
                queueTimeout: policy.queueTimeout > .zero ? policy.queueTimeout : nil, clock: options.clock))
        case .latencyEstimator:
            return .latencyEstimator(LatencyEstimator(clock: options.clock))
        case .router(let name, let estimatorIndex):
            guard let service = spec.service(named: name), case .latencyEstimator(let estimator)? = built[estimatorIndex] else {
                preconditionFailure("router of an unknown service or before its estimator")
            }
            let routing = service.routing
            let rules = routing?.rules ?? []
            return .router(EndpointRouter(
                service: service.name,
                endpoints: service.endpoints.map {
                    BatonRuntime.Endpoint(url: $0.url, region: $0.region, weight: $0.weight, role: $0.role.map(role), variant: $0.variant)
                },
                strategy: strategy(routing?.strategy ?? .roundRobin),
                localRegion: routing?.localRegion,
                outlierDetection: routing?.outlierDetection.map {
                    EndpointRouter.OutlierDetection(consecutiveFailures: $0.consecutiveFailures, ejectFor: $0.ejectFor, maxEjected: $0.maxEjected)
                },
                rules: rules.indices.map { index in
                    BatonRuntime.RoutingRule(
                        name: PolicyLowering.ruleName(of: rules, at: index), when: condition(rules[index].condition), action(rules[index].action))
                },
                circuitBreaker: service.policies.circuitBreaker.flatMap { $0.scope == .endpoint ? configuration($0) : nil },
                estimator: estimator,
                evaluationInterval: PolicyLowering.ruleEvaluationInterval,
                statsWindow: PolicyLowering.routingStatsWindow,
                clock: options.clock,
                random: options.random,
                telemetry: options.telemetry))
        case .hedging(let service, let policy, let estimatorIndex):
            guard case .latencyEstimator(let estimator)? = built[estimatorIndex] else { preconditionFailure("hedging before its estimator") }
            let delay: BatonRuntime.HedgePolicy.Delay = switch policy.delay {
            case .fixed(let duration): .fixed(duration)
            case .percentile(let percent): .percentile(percent / 100)
            }
            return .hedging(Hedging(
                BatonRuntime.HedgePolicy(delay: delay, maxAttempts: policy.maxAttempts), service: service, estimator: estimator,
                telemetry: options.telemetry))
        }
    }

    static func budget(_ budget: BatonSpec.RetryPolicy.Budget) -> RetryBudget.Configuration {
        RetryBudget.Configuration(ratio: budget.ratio, minPerSecond: Double(budget.minPerSecond), window: PolicyLowering.retryBudgetWindow)
    }

    static func retry(_ retry: BatonSpec.RetryPolicy) -> BatonRuntime.RetryPolicy {
        let backoff = retry.backoff
        return BatonRuntime.RetryPolicy(
            maxAttempts: retry.maxAttempts,
            backoff: BatonRuntime.Backoff(
                initial: backoff.initial, max: backoff.max, multiplier: backoff.multiplier,
                jitter: BatonRuntime.Jitter(rawValue: backoff.jitter.rawValue) ?? .full),
            retryOn: Set(retry.retryOn.compactMap { BatonRuntime.ErrorClass(rawValue: $0.rawValue) }),
            budget: retry.budget.map(budget))
    }

    static func configuration(_ breaker: CircuitBreakerPolicy) -> CircuitBreaker.Configuration {
        CircuitBreaker.Configuration(
            mode: breaker.mode == .rate ? .rate : .consecutive,
            failureRate: breaker.failureRate,
            window: breaker.window,
            minCalls: breaker.minCalls,
            slowCall: breaker.slowCall.map { CircuitBreaker.SlowCall(threshold: $0.threshold, rate: $0.rate) },
            consecutiveFailures: breaker.consecutiveFailures,
            openFor: breaker.openFor,
            halfOpenProbes: breaker.halfOpenProbes)
    }

    static func role(_ role: EndpointRole) -> BatonRuntime.Endpoint.Role {
        switch role {
        case .primary: .primary
        case .replica: .replica
        }
    }

    static func strategy(_ strategy: BatonSpec.RoutingStrategy) -> BatonRuntime.RoutingStrategy {
        switch strategy {
        case .roundRobin: .roundRobin
        case .random: .random
        case .leastLatency: .leastLatency
        case .regionFirst: .regionFirst
        }
    }

    static func condition(_ condition: BatonSpec.RoutingCondition) -> BatonRuntime.RoutingCondition {
        switch condition {
        case .and(let lhs, let rhs): return .and(self.condition(lhs), self.condition(rhs))
        case .or(let lhs, let rhs): return .or(self.condition(lhs), self.condition(rhs))
        case .compare(let metric, let comparison, let value):
            let op: RoutingComparison = switch comparison {
            case .lessThan: .lessThan
            case .lessOrEqual: .lessThanOrEqual
            case .greaterThan: .greaterThan
            case .greaterOrEqual: .greaterThanOrEqual
            case .equal: .equal
            case .notEqual: .notEqual
            }
            let runtimeMetric = BatonRuntime.RoutingMetric(rawValue: metric.rawValue)!
            switch value {
            case .duration(let duration): return .latency(runtimeMetric, op, duration)
            case .ratio(let share): return .compare(runtimeMetric, op, share)
            case .count(let count): return .compare(runtimeMetric, op, Double(count))
            }
        }
    }

    static func action(_ action: BatonSpec.RoutingAction) -> BatonRuntime.RoutingAction {
        let target: EndpointMatch = switch action.target {
        case .variant(let variant): .variant(variant)
        case .region(let region): .region(region)
        }
        return switch action.kind {
        case .use: .use(target)
        case .prefer: .prefer(target)
        case .avoid: .avoid(target)
        }
    }
}
