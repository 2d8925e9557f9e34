/// A `mode: async` call, encoded so that any process can deliver it through the orchestrator's
/// async-call ``CallRegistry``.
public struct AsyncCall: Sendable, Hashable {
    /// The workflow that queued it.
    public var workflow: String
    /// The async step.
    public var step: String
    /// The call's name in the async-call registry (`service.operation`).
    public var operation: String
    /// The run's correlation id.
    public var correlationID: String
    /// The operation's idempotency key, when it declares one: every delivery carries it, so a
    /// call delivered twice (after a worker died mid-delivery) is deduplicated downstream.
    public var idempotencyKey: String?
    /// The JSON-encoded request.
    public var input: [UInt8]

    /// Creates a call (see the properties).
    public init(workflow: String, step: String, operation: String, correlationID: String, idempotencyKey: String?, input: [UInt8]) {
        self.workflow = workflow
        self.step = step
        self.operation = operation
        self.correlationID = correlationID
        self.idempotencyKey = idempotencyKey
        self.input = input
    }
}

/// A durable queue for `mode: async` calls (spec-v1 §7.9), shared by replicas.
///
/// Without one (``OrchestratorOptions/asyncCallQueue`` `nil`, the default) async steps go to the
/// process's ``AsyncStepQueue``, which loses what it holds when the process dies. With one, an
/// async step's call is encoded and ``enqueue(_:)``d before the run goes on (the step is
/// `enqueued` once the queue has it, `dropped` when `enqueue` throws); the queue's workers, in
/// any replica, deliver it through the orchestrator's async-call ``CallRegistry`` under the step's
/// policy, with retries and backoff across deliveries, at least once, always with the call's
/// idempotency key. `BatonPostgres` provides one (a transactional outbox table read with
/// `FOR UPDATE SKIP LOCKED`).
public protocol AsyncCallQueue: Sendable {
    /// Stores `call` for delivery; returns once it is durable.
    func enqueue(_ call: AsyncCall) async throws
}
