/// A downstream instance a call can be sent to (spec-v1 §5 `endpoints`).
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    /// Whether an endpoint takes writes.
    public enum Role: String, Sendable, Hashable {
        /// Takes reads and writes; when any endpoint of a service is a primary, writes go only to
        /// the primaries.
        case primary
        /// Takes reads only (when the service has a primary).
        case replica
    }

    /// The endpoint's address, e.g. `http://pricing-eu:8080`. Baton never parses it: it is handed
    /// to the service implementation in ``CallContext/endpoint``, names the endpoint's circuit
    /// breaker (`service@url`) and appears in logs, snapshots and the `baton.endpoint` span
    /// attribute.
    public var url: String
    /// The endpoint's region, e.g. `eu-west`; `nil` when not given. ``RoutingStrategy/regionFirst``
    /// prefers the endpoints of ``EndpointRouter/localRegion``, and routing rules may select by it
    /// (``EndpointMatch/region(_:)``).
    public var region: String?
    /// The endpoint's share of traffic relative to the others, at least 1; default 1. Weighted
    /// round robin sends it `weight` calls in every `Σ weights`, weighted random picks it in
    /// proportion, and least-latency divides its cost by it.
    public var weight: Int
    /// Whether the endpoint takes writes; `nil` when the spec gives no role (then any endpoint
    /// takes writes).
    public var role: Role?
    /// A free label routing rules select by (``EndpointMatch/variant(_:)``), e.g. `lite`; `nil`
    /// when not given.
    public var variant: String?

    /// Creates an endpoint; every parameter but `url` is optional, as in the spec.
    ///
    /// - Parameters:
    ///   - url: The address handed to the service implementation; Baton never parses it.
    ///   - region: The endpoint's region, for ``RoutingStrategy/regionFirst`` and rules.
    ///   - weight: Relative share of traffic; at least 1 (the router traps otherwise). Default 1.
    ///   - role: ``Role/primary`` or ``Role/replica``; `nil` for none.
    ///   - variant: A label routing rules may select by.
    public init(url: String, region: String? = nil, weight: Int = 1, role: Role? = nil, variant: String? = nil) {
        self.url = url
        self.region = region
        self.weight = weight
        self.role = role
        self.variant = variant
    }

    public var description: String { url }
}

/// What a service implementation learns about the call it is serving.
///
/// Generated orchestrators pass one to every service method. Forward ``correlationID`` and
/// ``idempotencyKey`` to the downstream (e.g. as headers), and bound your own I/O by
/// ``deadline``.
///
/// ```swift
/// struct HTTPPricing: PricingService {
///     func quote(_ input: QuoteRequest, context: CallContext) async throws -> Quote {
///         var headers = ["X-Correlation-ID": context.correlationID]
///         headers["Idempotency-Key"] = context.idempotencyKey
///         let base = context.endpoint?.url ?? "http://pricing:8080"
///         return try await http.post(base + "/quote", body: input, headers: headers, timeout: context.deadline?.remaining)
///     }
/// }
/// ```
public struct CallContext: Sendable {
    /// The workflow being run, e.g. `checkout`.
    public var workflow: String
    /// The step making the call, e.g. `charge`.
    public var step: String
    /// 1 for the first attempt, 2 for the first retry or hedge, and so on.
    public var attempt: Int
    /// The run's deadline (already clipped attempt timeouts are enforced by the runtime).
    public var deadline: Deadline?
    /// When this attempt ends: the earlier of its timeout and the run's deadline, set by the
    /// policy that enforces it; `nil` when nothing bounds the attempt or no policy runs it. What a
    /// client tells the server it has left (`X-Request-Timeout-Ms`).
    public var attemptDeadline: Deadline?
    /// The endpoint routing chose for this attempt, when the service declares endpoints.
    public var endpoint: Endpoint?
    /// Identifies the whole workflow run across services and logs.
    public var correlationID: String
    /// Makes a write safe to repeat: the same logical operation always carries the same key.
    public var idempotencyKey: String?

    /// Creates a call context. The executor makes one per step call (and per compensation and
    /// background call); tests may make their own to call a service implementation directly.
    ///
    /// - Parameters:
    ///   - workflow: The workflow's spec name.
    ///   - step: The step's spec name.
    ///   - attempt: The attempt number, from 1; policies set it for each attempt. Default 1.
    ///   - deadline: The run's deadline; a compensation gets a fresh one of its own, a
    ///     `mode: async` call none. Default `nil`: no deadline.
    ///   - endpoint: The endpoint of this attempt; set by routing. Default `nil`.
    ///   - correlationID: The run's correlation id.
    ///   - idempotencyKey: The operation's key, when it declares `idempotencyKey`, or a
    ///     compensation's key derived from run and step. Default `nil`.
    public init(
        workflow: String,
        step: String,
        attempt: Int = 1,
        deadline: Deadline? = nil,
        endpoint: Endpoint? = nil,
        correlationID: String,
        idempotencyKey: String? = nil
    ) {
        self.workflow = workflow
        self.step = step
        self.attempt = attempt
        self.deadline = deadline
        self.endpoint = endpoint
        self.correlationID = correlationID
        self.idempotencyKey = idempotencyKey
    }
}
