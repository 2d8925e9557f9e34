/// A downstream instance a call can be sent to (spec-v1 §5 `endpoints`).
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    /// Whether an endpoint takes writes.
    public enum Role: String, Sendable, Hashable {
        case primary
        case replica
    }

    public var url: String
    public var region: String?
    public var weight: Int
    public var role: Role?
    public var variant: String?

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
public struct CallContext: Sendable {
    /// The workflow being run, e.g. `checkout`.
    public var workflow: String
    /// The step making the call, e.g. `charge`.
    public var step: String
    /// 1 for the first attempt, 2 for the first retry or hedge, and so on.
    public var attempt: Int
    /// The run's deadline (already clipped attempt timeouts are enforced by the runtime).
    public var deadline: Deadline?
    /// The endpoint routing chose for this attempt, when the service declares endpoints.
    public var endpoint: Endpoint?
    /// Identifies the whole workflow run across services and logs.
    public var correlationID: String
    /// Makes a write safe to repeat: the same logical operation always carries the same key.
    public var idempotencyKey: String?

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
