import BatonSpec

/// A what-if change to a resolved spec: `--set service.setting=value` or
/// `--set service.operation.setting=value`.
///
/// The setting applies to every call of the service (or operation) — steps, fallbacks and
/// compensations — over whatever the spec says at any level. Settings: `timeout`, `retry`,
/// `circuitBreaker`, `rateLimit`, `bulkhead`, `hedge`. Values: `none`; the name of an entry of
/// the spec's `policies` of that kind; for `timeout` a duration; for `retry` a number of attempts
/// (`retry=3`, the other retry settings at their defaults); for `hedge` a delay (`hedge=p95`,
/// `hedge=30ms`, two attempts).
public struct SpecOverride: Sendable, Hashable, CustomStringConvertible {
    /// The settings an override may change.
    public enum Setting: String, Sendable, Hashable, CaseIterable {
        /// The attempt timeout: a duration.
        case timeout
        /// Retries: a policy's name or a number of attempts.
        case retry
        /// The circuit breaker: a policy's name.
        case circuitBreaker
        /// The outgoing rate limit: a policy's name.
        case rateLimit
        /// The bulkhead: a policy's name.
        case bulkhead
        /// Hedging: a policy's name or a delay.
        case hedge
    }

    /// The service whose calls change.
    public var service: String
    /// Only this operation's calls, when given.
    public var operation: String?
    /// What changes.
    public var setting: Setting
    /// The new value as written.
    public var value: String

    /// The override as written after `--set`.
    public var description: String {
        "\(service)\(operation.map { ".\($0)" } ?? "").\(setting.rawValue)=\(value)"
    }

    /// Parses `service[.operation].setting=value`.
    public init(parsing text: String) throws(SimulationError) {
        guard let equals = text.firstIndex(of: "=") else {
            throw SimulationError("'--set \(text)': expected service.setting=value, e.g. pricing.hedge=none")
        }
        let path = text[..<equals].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        value = String(text[text.index(after: equals)...]).trimmingSpaces()
        guard (2...3).contains(path.count), path.allSatisfy({ !$0.isEmpty }), !value.isEmpty else {
            throw SimulationError("'--set \(text)': expected service.setting=value or service.operation.setting=value")
        }
        let names = Setting.allCases.map(\.rawValue)
        guard let setting = Setting(rawValue: path.last!) else {
            let hint = Suggest.didYouMean(path.last!, in: names).map { " (\($0))" } ?? ""
            throw SimulationError("'--set \(text)': unknown setting '\(path.last!)'\(hint); settings are \(names.joined(separator: ", "))")
        }
        self.setting = setting
        service = path[0]
        operation = path.count == 3 ? path[1] : nil
    }

    /// `spec` with the override applied to every call it covers.
    public func apply(to spec: ResolvedSpec) throws(SimulationError) -> ResolvedSpec {
        guard let serviceIndex = spec.services.firstIndex(where: { $0.name == service }) else {
            let hint = Suggest.didYouMean(service, in: spec.services.map(\.name)).map { " (\($0))" } ?? ""
            throw SimulationError("'--set \(self)': unknown service '\(service)'\(hint)")
        }
        if let operation, spec.services[serviceIndex].operation(operation) == nil {
            let hint = Suggest.didYouMean(operation, in: spec.services[serviceIndex].operations.map(\.name)).map { " (\($0))" } ?? ""
            throw SimulationError("'--set \(self)': unknown operation '\(operation)' of service '\(service)'\(hint)")
        }
        let covered = { (ref: OperationRef) in ref.service == service && (operation == nil || ref.operation == operation) }
        // Retries and hedges of writes without an idempotency key are refused, as `unsafe-retry` does.
        if setting == .retry || setting == .hedge, value != "none" {
            for op in spec.services[serviceIndex].operations where covered(op.ref) && op.access == .write && op.idempotencyKey == nil {
                throw SimulationError("'--set \(self)': \(op.ref) is a write without idempotencyKey; retrying or hedging it is unsafe [unsafe-retry]")
            }
        }
        var spec = spec
        let apply = try change(in: spec)
        if operation == nil { apply(&spec.services[serviceIndex].policies) }
        for index in spec.services[serviceIndex].operations.indices where covered(spec.services[serviceIndex].operations[index].ref) {
            apply(&spec.services[serviceIndex].operations[index].policies)
        }
        for w in spec.workflows.indices {
            for s in spec.workflows[w].steps.indices {
                var step = spec.workflows[w].steps[s]
                if covered(step.call) { apply(&step.policies) }
                if case .call(let target, let with, var policies)? = step.fallback, covered(target) {
                    apply(&policies)
                    step.fallback = .call(target, with: with, policies: policies)
                }
                if var compensation = step.compensate, covered(compensation.call) {
                    apply(&compensation.policies)
                    step.compensate = compensation
                }
                spec.workflows[w].steps[s] = step
            }
        }
        return spec
    }

    /// What the override does to one set of settings.
    private func change(in spec: ResolvedSpec) throws(SimulationError) -> (inout PolicySet) -> Void {
        if value == "none" {
            switch setting {
            case .timeout: return { $0.timeout = nil }
            case .retry: return { $0.retry = nil }
            case .circuitBreaker: return { $0.circuitBreaker = nil }
            case .rateLimit: return { $0.rateLimit = nil }
            case .bulkhead: return { $0.bulkhead = nil }
            case .hedge: return { $0.hedge = nil }
            }
        }
        let sets = Self.policySets(of: spec)
        switch setting {
        case .timeout:
            guard let duration = ScalarSyntax.duration(value), duration > .zero else { throw invalid("a duration such as 150ms, or none") }
            return { $0.timeout = duration }
        case .retry:
            if let named = sets.compactMap(\.retry).first(where: { $0.name == value }) { return { $0.retry = named } }
            guard let attempts = Int(value), (1...10).contains(attempts) else { throw invalid("a retry policy's name, a number of attempts 1–10, or none", names: sets.compactMap(\.retry?.name)) }
            var retry = RetryPolicy()
            retry.maxAttempts = attempts
            return { $0.retry = retry }
        case .circuitBreaker:
            guard var named = sets.compactMap(\.circuitBreaker).first(where: { $0.name == value }) else {
                throw invalid("a circuit breaker policy's name, or none", names: sets.compactMap(\.circuitBreaker?.name))
            }
            named.scope = spec.service(named: service).map { $0.endpoints.isEmpty ? .service : .endpoint } ?? .service
            let breaker = named
            return { $0.circuitBreaker = breaker }
        case .rateLimit:
            guard let named = sets.compactMap(\.rateLimit).first(where: { $0.name == value }) else {
                throw invalid("a rate limit policy's name, or none", names: sets.compactMap(\.rateLimit?.name))
            }
            return { $0.rateLimit = named }
        case .bulkhead:
            guard let named = sets.compactMap(\.bulkhead).first(where: { $0.name == value }) else {
                throw invalid("a bulkhead policy's name, or none", names: sets.compactMap(\.bulkhead?.name))
            }
            return { $0.bulkhead = named }
        case .hedge:
            if let named = sets.compactMap(\.hedge).first(where: { $0.name == value }) { return { $0.hedge = named } }
            let delay: HedgePolicy.Delay
            if value.hasPrefix("p"), let percent = Double(value.dropFirst()), percent > 0, percent < 100 {
                delay = .percentile(percent)
            } else if let duration = ScalarSyntax.duration(value) {
                delay = .fixed(duration)
            } else {
                throw invalid("a hedge policy's name, a delay (p95, 30ms), or none", names: sets.compactMap(\.hedge?.name))
            }
            let hedge = HedgePolicy(name: nil, delay: delay, maxAttempts: 2)
            return { $0.hedge = hedge }
        }
    }

    private func invalid(_ expected: String, names: [String] = []) -> SimulationError {
        let hint = Suggest.didYouMean(value, in: names).map { " (\($0))" } ?? ""
        return SimulationError("'--set \(self)': '\(value)' is not \(expected)\(hint)")
    }

    /// Every set of settings in the spec, where named policies can be found by name.
    static func policySets(of spec: ResolvedSpec) -> [PolicySet] {
        var sets: [PolicySet] = []
        for service in spec.services {
            sets.append(service.policies)
            sets += service.operations.map(\.policies)
        }
        for workflow in spec.workflows {
            for step in workflow.steps {
                sets.append(step.policies)
                if case .call(_, _, let policies)? = step.fallback { sets.append(policies) }
                if let compensation = step.compensate { sets.append(compensation.policies) }
            }
        }
        return sets
    }
}

extension String {
    func trimmingSpaces() -> String {
        var text = Substring(self)
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
