/// `service.operation`.
public struct OperationRef: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var service: String
    public var operation: String

    public init(service: String, operation: String) {
        self.service = service
        self.operation = operation
    }

    public var description: String { "\(service).\(operation)" }

    public static func < (a: OperationRef, b: OperationRef) -> Bool {
        (a.service, a.operation) < (b.service, b.operation)
    }
}

/// A downstream service (spec-v1 §5).
public struct ResolvedService: Sendable, Hashable {
    public var name: String
    public var description: String?
    public var endpoints: [Endpoint]
    public var routing: Routing?
    /// The service-level settings (timeout, retry, circuitBreaker, rateLimit, bulkhead, hedge).
    public var policies: PolicySet
    public var operations: [ResolvedOperation]
    public var location: SourceLocation
    /// How the service is called over HTTP (spec-v1 §11); non-nil exactly when every operation
    /// has a binding.
    public var http: HTTPServiceBinding? = nil

    public func operation(_ name: String) -> ResolvedOperation? { operations.first { $0.name == name } }
}

public enum EndpointRole: String, Sendable, Hashable, CaseIterable {
    case primary, replica
}

public struct Endpoint: Sendable, Hashable {
    public var url: String
    public var region: String?
    public var weight: Int = 1
    public var role: EndpointRole?
    public var variant: String?
}

public enum RoutingStrategy: String, Sendable, Hashable, CaseIterable {
    case roundRobin = "round-robin"
    case random
    case leastLatency = "least-latency"
    case regionFirst = "region-first"
}

public struct Routing: Sendable, Hashable {
    public var strategy: RoutingStrategy = .roundRobin
    public var localRegion: String?
    public var outlierDetection: OutlierDetection?
    /// Evaluated in order; the first match wins.
    public var rules: [RoutingRule] = []
}

/// Ejection of failing endpoints. Defaults follow Envoy: 5 failures, 30s, at most 10% ejected.
public struct OutlierDetection: Sendable, Hashable {
    public var consecutiveFailures: Int = 5
    public var ejectFor: Duration = .seconds(30)
    /// Fraction 0...1.
    public var maxEjected: Double = 0.1
}

public struct RoutingRule: Sendable, Hashable {
    public var name: String?
    public var condition: RoutingCondition
    public var action: RoutingAction
}

/// The parsed `when` of a routing rule.
public indirect enum RoutingCondition: Sendable, Hashable, CustomStringConvertible {
    case compare(RoutingMetric, ComparisonOperator, RoutingValue)
    case and(RoutingCondition, RoutingCondition)
    case or(RoutingCondition, RoutingCondition)

    public var description: String {
        switch self {
        case .compare(let m, let op, let v): "\(m.rawValue) \(op.rawValue) \(v)"
        case .and(let a, let b): "(\(a) and \(b))"
        case .or(let a, let b): "(\(a) or \(b))"
        }
    }
}

public enum RoutingMetric: String, Sendable, Hashable, CaseIterable {
    case p50, p90, p99, errorRate, healthy, inflight

    /// What the metric compares against.
    public var valueKind: String {
        switch self {
        case .p50, .p90, .p99: "a duration"
        case .errorRate, .healthy: "a ratio"
        case .inflight: "a count"
        }
    }
}

public enum ComparisonOperator: String, Sendable, Hashable, CaseIterable {
    case lessThan = "<", lessOrEqual = "<=", greaterThan = ">", greaterOrEqual = ">="
    case equal = "==", notEqual = "!="
}

public enum RoutingValue: Sendable, Hashable, CustomStringConvertible {
    case duration(Duration)
    /// Fraction 0...1.
    case ratio(Double)
    case count(Int)

    public var description: String {
        switch self {
        case .duration(let d): d.specText
        case .ratio(let r): "\(r * 100)%"
        case .count(let c): "\(c)"
        }
    }
}

public struct RoutingAction: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case use, prefer, avoid
    }

    public enum Target: Sendable, Hashable {
        case variant(String)
        case region(String)
    }

    public var kind: Kind
    public var target: Target
}

public enum Access: String, Sendable, Hashable, CaseIterable {
    case read, write
}

/// An operation of a service.
public struct ResolvedOperation: Sendable, Hashable {
    public var service: String
    public var name: String
    public var description: String?
    /// Usually a named record (declared or inline); `with` builds it.
    public var input: TypeRef
    public var output: TypeRef
    public var access: Access
    /// An input field whose value identifies a write, making it safe to retry.
    public var idempotencyKey: String?
    /// Cached read operations whose entries this write invalidates.
    public var invalidates: [OperationRef]
    /// Effective settings for calls of this operation: operation over service. `cache` lives here.
    public var policies: PolicySet
    public var location: SourceLocation
    /// How the operation is called over HTTP, every input field placed (spec-v1 §11); nil when
    /// the service is not called over HTTP.
    public var http: HTTPOperationBinding? = nil

    public var ref: OperationRef { OperationRef(service: service, operation: name) }
    public var cache: CachePolicy? { policies.cache }
}
