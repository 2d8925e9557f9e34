/// Resilience policies of spec-v1 §4, every default filled in.
///
/// `name` is the entry under `policies` the setting came from (nil when written inline); runtimes
/// use it in logs and metrics.

/// The error classes of spec-v1 §7.3.
public enum ErrorClassName: String, Sendable, Hashable, CaseIterable {
    case timeout, unavailable, overloaded, transient, permanent, cancelled, unknown
}

public enum Jitter: String, Sendable, Hashable, CaseIterable {
    case full, equal, decorrelated, none
}

/// `retry` (defaults: 3 attempts, backoff 25ms..1s ×2 full jitter, retryOn the transient classes,
/// budget 20% with a floor of 10 per second).
public struct RetryPolicy: Sendable, Hashable {
    public struct Backoff: Sendable, Hashable {
        public var initial: Duration = .milliseconds(25)
        public var max: Duration = .seconds(1)
        public var multiplier: Double = 2
        public var jitter: Jitter = .full
        public init() {}

        /// The largest delay before retry number `retry` (1-based) that this backoff can choose:
        /// `min(max, initial · multiplier^(retry-1))`; jitter only ever shortens it, except
        /// decorrelated jitter, whose worst case grows by ×3 per retry.
        public func worstDelay(beforeRetry retry: Int) -> Duration {
            let factor = jitter == .decorrelated ? Swift.max(multiplier, 3) : multiplier
            let capNanos = Double(max.nanoseconds)
            var d = Double(initial.nanoseconds)
            for _ in 1..<Swift.max(1, retry) where d < capNanos { d *= factor }
            return .nanoseconds(Int64(Swift.min(d, capNanos)))
        }
    }

    public struct Budget: Sendable, Hashable {
        /// Retries allowed as a fraction of calls (0.2 = 20%).
        public var ratio: Double = 0.2
        public var minPerSecond: Int = 10
        public init() {}
    }

    public var name: String?
    public var maxAttempts: Int = 3
    public var backoff = Backoff()
    public var retryOn: [ErrorClassName] = [.timeout, .unavailable, .overloaded, .transient]
    /// nil when written `budget: none`.
    public var budget: Budget? = Budget()

    public init() {}

    /// The sum of the worst-case delays between all attempts.
    public var worstCaseBackoff: Duration {
        var total = Duration.zero
        if maxAttempts > 1 {
            for i in 1..<maxAttempts { total += backoff.worstDelay(beforeRetry: i) }
        }
        return total
    }
}

public enum CircuitBreakerMode: String, Sendable, Hashable, CaseIterable {
    case rate, consecutive
}

public enum CircuitBreakerScope: String, Sendable, Hashable, CaseIterable {
    case endpoint, service
}

/// `circuitBreaker`.
public struct CircuitBreakerPolicy: Sendable, Hashable {
    public struct SlowCall: Sendable, Hashable {
        public var threshold: Duration
        /// Fraction 0...1.
        public var rate: Double
    }

    public var name: String?
    public var mode: CircuitBreakerMode = .rate
    public var failureRate: Double = 0.5
    public var window: Int = 20
    public var minCalls: Int = 10
    public var slowCall: SlowCall?
    public var consecutiveFailures: Int = 5
    public var openFor: Duration = .seconds(5)
    public var halfOpenProbes: Int = 1
    /// Filled from the service: `endpoint` when it has endpoints, else `service`.
    public var scope: CircuitBreakerScope = .service
    /// The scope as written, before the service's default is applied.
    var writtenScope: CircuitBreakerScope?

    public init() {}
}

/// `rateLimit`: a token bucket on outgoing calls.
public struct RateLimitPolicy: Sendable, Hashable {
    public var name: String?
    public var rate: Rate
    /// Defaults to one second's worth of `rate` (at least 1).
    public var burst: Int
    public var maxWait: Duration = .zero
}

/// `bulkhead`.
public struct BulkheadPolicy: Sendable, Hashable {
    public var name: String?
    public var maxConcurrent: Int
    public var maxQueue: Int = 0
    public var queueTimeout: Duration = .zero
}

/// `hedge`.
public struct HedgePolicy: Sendable, Hashable {
    public enum Delay: Sendable, Hashable {
        case fixed(Duration)
        /// The service's recent latency percentile, e.g. 95 for `p95`.
        case percentile(Double)
    }

    public var name: String?
    public var delay: Delay
    /// Total concurrent attempts, 2–5.
    public var maxAttempts: Int = 2

    public init(name: String? = nil, delay: Delay, maxAttempts: Int = 2) {
        self.name = name
        self.delay = delay
        self.maxAttempts = maxAttempts
    }
}

/// `cache` (operation level, reads only).
public struct CachePolicy: Sendable, Hashable {
    public var name: String?
    public var ttl: Duration
    public var staleWhileRevalidate: Duration = .zero
    public var staleIfError: Duration = .zero
    public var maxEntries: Int = 10_000
    /// Input field paths forming the key (each a dotted path); defaults to all input fields.
    public var key: [String]
}

/// `<count>/<unit>`.
public struct Rate: Sendable, Hashable, CustomStringConvertible {
    public var count: Double
    public var per: Duration

    public init(count: Double, per: Duration) {
        self.count = count
        self.per = per
    }

    /// Events per second.
    public var perSecond: Double { count / (Double(per.nanoseconds) / 1e9) }

    public var description: String {
        let c = count == count.rounded() ? String(Int(count)) : String(count)
        let unit = per == .seconds(1) ? "s" : per == .seconds(60) ? "m" : "h"
        return "\(c)/\(unit)"
    }
}

/// The effective resilience settings at one level, after step > operation > service overrides
/// and `none`. A nil member is off.
public struct PolicySet: Sendable, Hashable {
    /// Per-attempt timeout; nil means bounded only by the workflow deadline.
    public var timeout: Duration?
    public var retry: RetryPolicy?
    public var circuitBreaker: CircuitBreakerPolicy?
    public var rateLimit: RateLimitPolicy?
    public var bulkhead: BulkheadPolicy?
    public var hedge: HedgePolicy?
    public var cache: CachePolicy?

    public init() {}

    /// Attempts a call may make (1 without retry).
    public var attempts: Int { retry?.maxAttempts ?? 1 }
}
