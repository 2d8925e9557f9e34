import BatonRuntime
import BatonSpec
import Foundation

/// How long a simulated call takes (spec-v1 §16 latency forms).
public enum LatencyModel: Sendable, Hashable {
    /// `{ constant: D }`.
    case constant(Duration)
    /// `{ p50: D, p99: D }`: log-normal through these two quantiles.
    case logNormal(p50: Duration, p99: Duration)
    /// `{ uniform: [D, D] }`.
    case uniform(Duration, Duration)

    /// The standard normal's 99th percentile.
    static let z99 = 2.326_347_874_040_840_8

    /// A latency for the uniform draws `u1`, `u2` in [0, 1).
    func sample(_ u1: Double, _ u2: Double) -> Duration {
        switch self {
        case .constant(let duration):
            return duration
        case .uniform(let lower, let upper):
            return lower + (upper - lower) * u1
        case .logNormal(let p50, let p99):
            let median = Self.seconds(p50)
            guard median > 0 else { return .zero }
            let sigma = max(0, log(Self.seconds(p99) / median) / Self.z99)
            // Box–Muller: one standard normal from two uniforms.
            let z = (-2 * log(max(u1, 1e-300))).squareRoot() * cos(2 * Double.pi * u2)
            return .nanoseconds(Int64((median * exp(sigma * z) * 1e9).rounded()))
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}

/// What a simulated call does: its latency and how often it fails, with which class.
public struct Behaviour: Sendable, Hashable {
    /// How long an attempt takes; `nil`: no time at all.
    public var latency: LatencyModel?
    /// Share of attempts that fail, 0...1.
    public var errorRate: Double?
    /// The class failed attempts fail with (`transient` when a rate is given without one).
    public var errorClass: ErrorClass?

    /// A behaviour; each setting left `nil` is inherited from the level above (or off).
    public init(latency: LatencyModel? = nil, errorRate: Double? = nil, errorClass: ErrorClass? = nil) {
        self.latency = latency
        self.errorRate = errorRate
        self.errorClass = errorClass
    }

    /// `self`'s settings where given, else `base`'s.
    func over(_ base: Behaviour) -> Behaviour {
        Behaviour(latency: latency ?? base.latency, errorRate: errorRate ?? base.errorRate, errorClass: errorClass ?? base.errorClass)
    }
}

/// A simulated service: its own behaviour and per-operation and per-endpoint overrides.
public struct ServiceProfile: Sendable, Hashable {
    /// The service's own `latency` and `errors`.
    public var behaviour = Behaviour()
    /// Overrides by operation name.
    public var operations: [String: Behaviour] = [:]
    /// By endpoint url.
    public var endpoints: [String: Behaviour] = [:]

    /// A service that answers at once and never fails.
    public init() {}

    /// The behaviour of an attempt of `operation` sent to `endpoint`: the endpoint's overrides
    /// over the operation's over the service's.
    func behaviour(operation: String, endpoint: String?) -> Behaviour {
        var result = behaviour
        if let own = operations[operation] { result = own.over(result) }
        if let endpoint, let own = endpoints[endpoint] { result = own.over(result) }
        return result
    }
}

/// The profile of spec-v1 §16: simulated services and the shares of `when` steps.
public struct Profile: Sendable, Hashable {
    /// The simulated services by name; a service not named answers at once and never fails.
    public var services: [String: ServiceProfile] = [:]
    /// Share of runs in which each `when` step runs (default 1).
    public var when: [String: Double] = [:]

    /// An empty profile: every service answers at once and never fails.
    public init() {}
}

/// A problem in a profile: where it is and what to do about it.
public struct ProfileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Every problem found, by location.
    public var diagnostics: [Diagnostic]

    /// One `file:line:column: error: message (suggestion) [rule]` line per problem.
    public var description: String {
        diagnostics.map { d in
            "\(d.location.file):\(d.location.line):\(d.location.column): error: \(d.message)"
                + (d.suggestion.map { " (\($0))" } ?? "") + " [\(d.rule.id)]"
        }.joined(separator: "\n")
    }
}

extension Profile {
    /// Parses and checks a profile against the workflow it will drive.
    ///
    /// Every service, operation, endpoint and step it names must exist in `spec` (steps in
    /// `workflow`); each unknown name is a diagnostic with its location and, when a known name
    /// is close, a "did you mean".
    public static func load(_ source: SpecSource, spec: ResolvedSpec, workflow: ResolvedWorkflow) throws(ProfileError) -> Profile {
        let (root, loadDiagnostics) = SpecChecker.load(source)
        if loadDiagnostics.contains(where: { $0.severity == .error }) { throw ProfileError(diagnostics: loadDiagnostics) }
        var parser = ProfileParser(spec: spec, workflow: workflow, file: source.path)
        let profile = parser.parse(root)
        if !parser.diagnostics.isEmpty { throw ProfileError(diagnostics: parser.diagnostics.sorted { $0.location < $1.location }) }
        return profile
    }
}

private struct ProfileParser {
    let spec: ResolvedSpec
    let workflow: ResolvedWorkflow
    let file: String
    var diagnostics: [Diagnostic] = []

    mutating func parse(_ root: YAMLNode?) -> Profile {
        var profile = Profile()
        guard let root else { return profile }
        guard let mapping = mapping(root, "the profile") else { return profile }
        for entry in checkedKeys(mapping, allowed: ["services", "when"]) {
            switch entry.key.value {
            case "services":
                guard let services = self.mapping(entry.value, "'services'") else { continue }
                for service in services.entries {
                    guard let resolved = spec.service(named: service.key.value) else {
                        unknown(.unknownService, "service", service.key, candidates: spec.services.map(\.name))
                        continue
                    }
                    profile.services[resolved.name] = serviceProfile(service.value, resolved)
                }
            case "when":
                guard let shares = self.mapping(entry.value, "'when'") else { continue }
                for share in shares.entries {
                    guard let step = workflow.step(share.key.value) else {
                        unknown(.unknownStep, "step of workflow '\(workflow.name)'", share.key, candidates: workflow.steps.map(\.name))
                        continue
                    }
                    guard step.when != nil else {
                        diagnostics.append(Diagnostic(
                            .invalidValue, "step '\(step.name)' has no 'when': it runs in every run that reaches it",
                            at: share.key.location,
                            suggestion: Suggest.didYouMean(step.name, in: workflow.steps.filter { $0.when != nil }.map(\.name))))
                        continue
                    }
                    if let ratio = ratio(share.value) { profile.when[step.name] = ratio }
                }
            default: break
            }
        }
        return profile
    }

    mutating func serviceProfile(_ node: YAMLNode, _ service: ResolvedService) -> ServiceProfile {
        var profile = ServiceProfile()
        guard let mapping = mapping(node, "service '\(service.name)'") else { return profile }
        profile.behaviour = behaviour(mapping, allowing: ["operations", "endpoints"])
        if let operations = mapping["operations"] {
            guard let entries = self.mapping(operations.value, "'operations'") else { return profile }
            for operation in entries.entries {
                guard service.operation(operation.key.value) != nil else {
                    unknown(.unknownOperation, "operation of service '\(service.name)'", operation.key, candidates: service.operations.map(\.name))
                    continue
                }
                guard let own = self.mapping(operation.value, "operation '\(operation.key.value)'") else { continue }
                profile.operations[operation.key.value] = behaviour(own, allowing: [])
            }
        }
        if let endpoints = mapping["endpoints"] {
            guard let entries = self.mapping(endpoints.value, "'endpoints'") else { return profile }
            for endpoint in entries.entries {
                guard service.endpoints.contains(where: { $0.url == endpoint.key.value }) else {
                    let known = service.endpoints.map(\.url)
                    diagnostics.append(Diagnostic(
                        .unknownKey,
                        known.isEmpty
                            ? "service '\(service.name)' declares no endpoints, so it has none called '\(endpoint.key.value)'"
                            : "unknown endpoint '\(endpoint.key.value)' of service '\(service.name)'; its endpoints are \(known.map { "'\($0)'" }.joined(separator: ", "))",
                        at: endpoint.key.location,
                        suggestion: Suggest.didYouMean(endpoint.key.value, in: known)))
                    continue
                }
                guard let own = self.mapping(endpoint.value, "endpoint '\(endpoint.key.value)'") else { continue }
                profile.endpoints[endpoint.key.value] = behaviour(own, allowing: [])
            }
        }
        return profile
    }

    /// `latency` and `errors` of a mapping that may also hold `extra` keys.
    mutating func behaviour(_ mapping: YAMLMapping, allowing extra: [String]) -> Behaviour {
        var behaviour = Behaviour()
        for entry in checkedKeys(mapping, allowed: ["latency", "errors"] + extra) {
            switch entry.key.value {
            case "latency": behaviour.latency = latency(entry.value)
            case "errors":
                guard let errors = self.mapping(entry.value, "'errors'") else { continue }
                let entries = checkedKeys(errors, allowed: ["rate", "class"])
                guard let rate = errors["rate"] else {
                    diagnostics.append(Diagnostic(.missingKey, "'errors' needs a 'rate', e.g. { rate: 2% }", at: errors.location))
                    continue
                }
                behaviour.errorRate = ratio(rate.value)
                behaviour.errorClass = .transient
                if let given = entries.first(where: { $0.key.value == "class" }) {
                    let names = ErrorClass.allCases.map(\.rawValue)
                    if let text = given.value.scalar?.value, let errorClass = ErrorClass(rawValue: text) {
                        behaviour.errorClass = errorClass
                    } else {
                        diagnostics.append(Diagnostic(
                            .invalidValue, "'class' is one of \(names.joined(separator: ", "))",
                            at: given.value.location, suggestion: given.value.scalar.flatMap { Suggest.didYouMean($0.value, in: names) }))
                    }
                }
            default: break
            }
        }
        return behaviour
    }

    mutating func latency(_ node: YAMLNode) -> LatencyModel? {
        guard let mapping = mapping(node, "'latency'") else { return nil }
        let forms = "{ constant: D }, { p50: D, p99: D } or { uniform: [D, D] }"
        let reported = diagnostics.count
        let entries = checkedKeys(mapping, allowed: ["constant", "p50", "p99", "uniform"])
        let keys = Set(entries.map(\.key.value))
        if keys == ["constant"], let value = duration(mapping["constant"]!.value, allowZero: true) {
            return .constant(value)
        }
        if keys == ["p50", "p99"] {
            guard let p50 = duration(mapping["p50"]!.value, allowZero: false),
                  let p99 = duration(mapping["p99"]!.value, allowZero: false) else { return nil }
            guard p99 >= p50 else {
                diagnostics.append(Diagnostic(.invalidValue, "p99 must not be below p50", at: mapping["p99"]!.value.location))
                return nil
            }
            return .logNormal(p50: p50, p99: p99)
        }
        if keys == ["uniform"] {
            let node = mapping["uniform"]!.value
            guard let items = node.sequence?.items, items.count == 2 else {
                diagnostics.append(Diagnostic(.invalidValue, "'uniform' is a list of two durations, e.g. [10ms, 30ms]", at: node.location))
                return nil
            }
            guard let lower = duration(items[0], allowZero: true), let upper = duration(items[1], allowZero: true) else { return nil }
            guard upper >= lower else {
                diagnostics.append(Diagnostic(.invalidValue, "the upper bound must not be below the lower", at: items[1].location))
                return nil
            }
            return .uniform(lower, upper)
        }
        if diagnostics.count == reported {
            diagnostics.append(Diagnostic(.invalidValue, "a latency is \(forms)", at: mapping.location))
        }
        return nil
    }

    mutating func duration(_ node: YAMLNode, allowZero: Bool) -> Duration? {
        guard let text = node.scalar?.value, let value = ScalarSyntax.duration(text) else {
            diagnostics.append(Diagnostic(.invalidDuration, "expected a duration such as 20ms or 1.5s", at: node.location))
            return nil
        }
        if !allowZero, value == .zero {
            diagnostics.append(Diagnostic(.invalidValue, "the duration must be greater than 0", at: node.location))
            return nil
        }
        return value
    }

    mutating func ratio(_ node: YAMLNode) -> Double? {
        guard let text = node.scalar?.value, let value = ScalarSyntax.ratio(text), (0...1).contains(value) else {
            diagnostics.append(Diagnostic(.invalidValue, "expected a share from 0% to 100%, e.g. 2%", at: node.location))
            return nil
        }
        return value
    }

    mutating func mapping(_ node: YAMLNode, _ what: String) -> YAMLMapping? {
        if let mapping = node.mapping { return mapping }
        diagnostics.append(Diagnostic(.invalidValue, "\(what) must be a mapping", at: node.location))
        return nil
    }

    /// The entries whose keys are allowed; an `unknown-key` diagnostic for each other one.
    mutating func checkedKeys(_ mapping: YAMLMapping, allowed: [String]) -> [YAMLMapping.Entry] {
        mapping.entries.filter { entry in
            if allowed.contains(entry.key.value) { return true }
            diagnostics.append(Diagnostic(
                .unknownKey, "unknown key '\(entry.key.value)'; expected \(allowed.map { "'\($0)'" }.joined(separator: ", "))",
                at: entry.key.location, suggestion: Suggest.didYouMean(entry.key.value, in: allowed)))
            return false
        }
    }

    mutating func unknown(_ rule: Rule, _ what: String, _ key: YAMLScalar, candidates: [String]) {
        diagnostics.append(Diagnostic(rule, "unknown \(what) '\(key.value)'", at: key.location, suggestion: Suggest.didYouMean(key.value, in: candidates)))
    }
}
