/// A call refused locally because a limit was reached: a rate limiter without a token in time, a
/// full bulkhead, or admission control turning away an incoming workflow call.
///
/// Its class is always ``ErrorClass/overloaded``, so retries treat it like a dependency shedding
/// load. A server fronting an orchestrator maps it to HTTP 429 (or gRPC `RESOURCE_EXHAUSTED`)
/// and, when ``retryAfter`` is set, a `Retry-After` header:
///
/// ```swift
/// } catch let error as OverloadedError {
///     response.status = .tooManyRequests
///     if let wait = error.retryAfter { response.headers["Retry-After"] = "\(wait.components.seconds + 1)" }
/// }
/// ```
public struct OverloadedError: ClassifiedError, Hashable, CustomStringConvertible {
    /// Which limit refused the call.
    public enum Reason: String, Sendable, Hashable {
        /// An outgoing rate limiter had no token within its `maxWait`.
        case rateLimited
        /// A bulkhead was at `maxConcurrent` and its queue was full.
        case bulkheadFull
        /// A call queued in a bulkhead waited its whole `queueTimeout`.
        case queueTimeout
        /// Admission control: the caller's class ran out of rate.
        case admissionRate
        /// Admission control: `maxConcurrent` workflow calls were already running.
        case admissionConcurrency
    }

    /// Which limit refused the call.
    public var reason: Reason
    /// The limiter's name (service, operation or workflow), for logs and error messages.
    public var name: String
    /// How long until the limit would have let the call through, when that is known.
    public var retryAfter: Duration?

    /// Creates the error a limiter throws (the runtime's limiters make these; your own limiters
    /// may too).
    ///
    /// - Parameters:
    ///   - reason: Which limit refused the call.
    ///   - name: The limiter's name, for logs and the message.
    ///   - retryAfter: How long until the limit would let a call through; `nil` when unknown.
    public init(reason: Reason, name: String, retryAfter: Duration? = nil) {
        self.reason = reason
        self.name = name
        self.retryAfter = retryAfter
    }

    public var errorClass: ErrorClass { .overloaded }

    public var description: String {
        let base = "\(name): overloaded (\(reason.rawValue))"
        guard let retryAfter else { return base }
        return base + ", retry after \(retryAfter)"
    }
}

/// A call refused because its circuit breaker is open (or half-open with every probe slot taken).
///
/// Its class is ``ErrorClass/unavailable``: the runtime believes the dependency is down, so a
/// retry policy retries it only when `retryOn` lists `unavailable`, and not before
/// ``retryAfter``.
public struct CircuitOpenError: ClassifiedError, Hashable, CustomStringConvertible {
    /// The breaker's name, e.g. `pricing` or `pricing@http://pricing-eu:8080`.
    public var breaker: String
    /// Time until the breaker goes half-open; `nil` when it already is half-open and only its probe
    /// slots are taken.
    public var retryAfter: Duration?

    /// Creates the error an open (or busy half-open) breaker throws.
    ///
    /// - Parameters:
    ///   - breaker: The breaker's name.
    ///   - retryAfter: Time until the breaker goes half-open; `nil` when it is half-open already.
    public init(breaker: String, retryAfter: Duration?) {
        self.breaker = breaker
        self.retryAfter = retryAfter
    }

    public var errorClass: ErrorClass { .unavailable }

    public var description: String {
        guard let retryAfter else { return "circuit '\(breaker)' is half-open and its probes are busy" }
        return "circuit '\(breaker)' is open, half-open in \(retryAfter)"
    }
}
