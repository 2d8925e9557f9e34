/// Names one logical operation for deduplication: the operation it belongs to and the caller's
/// idempotency key value.
///
/// Keys are scoped by service and operation (`scope` is `"payments.charge"`), so equal key values
/// of different operations never collide.
public struct IdempotencyKey: Sendable, Hashable, CustomStringConvertible {
    /// The operation, as `service.operation`.
    public var scope: String
    /// The value of the operation's `idempotencyKey` field for this call.
    public var value: String

    /// The key `value` of the operation `scope` (`service.operation`, e.g. `payments.charge`).
    public init(scope: String, value: String) {
        self.scope = scope
        self.value = value
    }

    public var description: String { "\(scope):\(value)" }
}

/// Makes duplicate executions of an operation with the same ``IdempotencyKey`` run the downstream
/// side effect at most once while the outcome is remembered (spec-v1 §7.8).
///
/// Generated orchestrators route every step whose operation declares `idempotencyKey` through the
/// store of their ``OrchestratorOptions``. The store sits outside the retry loop: one execution is
/// the whole call with its retries, hedges and timeouts (spec-v1 §7.4 order: cache → fallback →
/// idempotency → retry → …).
///
/// ### Why one `execute` method rather than claim/complete/fail
/// A claim/complete/fail protocol leaves every caller to get the error paths right (a claim never
/// completed because the task was cancelled, a value of the wrong type, a waiter that must poll).
/// `execute` keeps the whole life of a key inside the store, so an implementation can claim
/// atomically, wait for or subscribe to a running execution, and release the claim on every exit
/// path. A shared store (Redis, a database) implements it with the usual recipe: claim the key
/// with a lease (`SET key running NX PX lease`), run `operation`, then store the encoded outcome
/// with the TTL (values of generated operations are `Codable`: a shared store may require
/// `T: Codable` dynamically and run without deduplication otherwise); duplicates that find the
/// claim wait for the outcome, bounded by the caller's ``Deadline/current``.
///
/// ### Contract
/// - While an execution for a key runs, duplicates do not start another one: they wait for its
///   outcome (bounded by their own deadline and cancellation).
/// - A successful outcome is remembered for `ttl`; duplicates within it get the remembered value
///   without executing.
/// - Failures are not remembered, so a later duplicate (a client retrying) executes again; nor
///   are compensated successes (``forget(_:)``).
///   Duplicates waiting on a failed execution receive its error, unless the execution was given up
///   by its caller (cancelled, or out of time): then they contend again and one of them executes.
public protocol IdempotencyStore: Sendable {
    /// Runs `operation` unless an execution for `key` is running (then waits for its outcome) or
    /// succeeded within its TTL (then returns its value).
    ///
    /// - Parameters:
    ///   - key: The scoped key of the logical operation.
    ///   - ttl: How long a success is remembered; zero or less remembers nothing (duplicates are
    ///     still coalesced while the execution runs).
    ///   - operation: The whole call, with its retries; runs in the caller's task.
    /// - Returns: The value of this or the coalesced execution.
    /// - Throws: The operation's error, the error of the execution this call waited for, or
    ///   `CancellationError` / ``TimeoutError`` when the caller gave up waiting.
    func execute<T: Sendable>(
        key: IdempotencyKey,
        ttl: Duration,
        operation: () async throws -> T
    ) async throws -> T

    /// Drops the remembered outcome of `key`, if any, so the next execution runs again.
    ///
    /// The executor calls it when it compensates a step: the step's effect was undone, so a
    /// duplicate (the client retrying the whole workflow) must not be answered with the outcome
    /// of a write that no longer stands. A running execution is not affected.
    func forget(_ key: IdempotencyKey) async
}

/// How a step deduplicates its call: the store, the operation's scope and how long successes are
/// remembered. Used only when the step's `idempotencyKey` gives a value.
public struct StepIdempotency: Sendable {
    /// Where executions are claimed and outcomes remembered.
    public var store: any IdempotencyStore
    /// The operation, as `service.operation`: the key's ``IdempotencyKey/scope``.
    public var scope: String
    /// How long a success is remembered.
    public var ttl: Duration

    /// - Parameters:
    ///   - store: Usually ``OrchestratorOptions/idempotencyStore``.
    ///   - scope: The step's operation, `service.operation`.
    ///   - ttl: Usually ``OrchestratorOptions/idempotencyTTL``.
    public init(store: any IdempotencyStore, scope: String, ttl: Duration) {
        self.store = store
        self.scope = scope
        self.ttl = ttl
    }

    /// Forgets the outcome remembered under `key`, when set.
    func forget(key: String?) async {
        guard let key else { return }
        await store.forget(IdempotencyKey(scope: scope, value: key))
    }

    /// Runs `body` through the store when `key` is set, else directly.
    func run<T: Sendable>(key: String?, _ body: () async throws -> T) async throws -> T {
        guard let key else { return try await body() }
        return try await store.execute(key: IdempotencyKey(scope: scope, value: key), ttl: ttl, operation: body)
    }
}
