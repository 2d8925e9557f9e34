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
    }

    /// The name of the pipeline for calls of `service` under `policies`, declaring it (and its
    /// shared components) on first use. `preferredName` names it after what first uses it.
    mutating func pipeline(service: String, policies: PolicySet, preferredName: String) -> String {
        var key = PipelineKey(service: service, policies: policies)
        key.policies.cache = nil
        key.policies.hedge = nil
        if let name = pipelines[key] { return name }
        var arguments: [String] = []
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
        if let breaker = policies.circuitBreaker {
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
