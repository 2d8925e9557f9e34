/// Runtime settings of a generated orchestrator, each with a production default.
///
/// Generated orchestrators take one as their last initialiser parameter:
///
/// ```swift
/// let orchestrator = CheckoutOrchestrator(cart: carts, pricing: pricing, ...)          // production
/// let clock = ManualClock()
/// let underTest = CheckoutOrchestrator(cart: mockCart, ..., options: .init(clock: clock.asAnyClock))
/// ```
public struct OrchestratorOptions: Sendable {
    /// Every deadline, timeout, backoff and latency is measured on it.
    public var clock: AnyClock
    /// Jitter and generated correlation ids come from it.
    public var random: RandomSource
    /// Where spans, metrics and logs go (the process-wide bootstrapped backends by default).
    public var telemetry: Telemetry
    /// Classifies failures for retries, breakers and reports.
    public var classifier: ErrorClassifier
    /// How many `mode: async` calls may wait in the background queue before new ones are dropped.
    public var asyncQueueCapacity: Int
    /// How many `mode: async` calls run at once.
    public var asyncQueueConcurrency: Int
    /// Deduplicates the calls of operations that declare `idempotencyKey` (spec-v1 §7.8): a
    /// duplicate of a running call waits for it, a success is remembered for ``idempotencyTTL``.
    /// Default: an ``InMemoryIdempotencyStore`` on ``clock`` (process-local, 10,000 entries);
    /// pass a shared store to deduplicate across replicas.
    public var idempotencyStore: any IdempotencyStore
    /// How long a successful idempotent call is remembered. Default 24 hours.
    public var idempotencyTTL: Duration
    /// Where the completed compensable steps of each run are recorded (``SagaJournal``).
    /// Default: an ``InMemorySagaJournal`` (compensations run in the process that ran the steps);
    /// pass a shared journal, with its recovery service running, so that the compensations of a
    /// replica that died are run by another.
    public var sagaJournal: any SagaJournal
    /// A durable queue for `mode: async` calls (``AsyncCallQueue``). Default `nil`: the calls
    /// wait in the process's ``AsyncStepQueue`` (``asyncQueueCapacity``,
    /// ``asyncQueueConcurrency``) and are lost if it dies.
    public var asyncCallQueue: (any AsyncCallQueue)?
    /// Carries the cache invalidations of writes to the other replicas
    /// (``CacheInvalidationBus``). Default ``LocalInvalidationBus``: none leave the process.
    public var invalidationBus: any CacheInvalidationBus

    /// Creates options; every default is the production one.
    ///
    /// - Parameters:
    ///   - clock: Every deadline, timeout, backoff and latency is measured on it. Default
    ///     ``AnyClock/continuous``; tests pass `ManualClock().asAnyClock`.
    ///   - random: Jitter, random routing and generated correlation ids. Default
    ///     ``RandomSource/system``; tests pass a seeded source for reproducible runs.
    ///   - telemetry: Where spans, metrics and logs go. Default: the process-wide bootstrapped
    ///     backends; ``Telemetry/disabled`` turns everything off.
    ///   - classifier: Classifies failures. Default ``ErrorClassifier/standard``.
    ///   - asyncQueueCapacity: `mode: async` calls that may wait in the background queue; more are
    ///     dropped and counted. 0 or more; default 1 000.
    ///   - asyncQueueConcurrency: `mode: async` calls run at once. Default 4.
    ///   - idempotencyStore: Deduplicates the calls of `idempotencyKey` operations; `nil`
    ///     (default) makes an ``InMemoryIdempotencyStore`` on `clock`.
    ///   - idempotencyTTL: How long a successful idempotent call is remembered. Default 24 hours.
    ///   - sagaJournal: Where completed compensable steps are recorded; `nil` (default) makes an
    ///     ``InMemorySagaJournal``.
    ///   - asyncCallQueue: A durable queue for `mode: async` calls; `nil` (default) keeps them in
    ///     the process.
    ///   - invalidationBus: Carries cache invalidations to other replicas; `nil` (default) is
    ///     ``LocalInvalidationBus``.
    public init(
        clock: AnyClock = .continuous,
        random: RandomSource = .system,
        telemetry: Telemetry = Telemetry(),
        classifier: ErrorClassifier = .standard,
        asyncQueueCapacity: Int = 1_000,
        asyncQueueConcurrency: Int = 4,
        idempotencyStore: (any IdempotencyStore)? = nil,
        idempotencyTTL: Duration = .seconds(86_400),
        sagaJournal: (any SagaJournal)? = nil,
        asyncCallQueue: (any AsyncCallQueue)? = nil,
        invalidationBus: (any CacheInvalidationBus)? = nil
    ) {
        self.clock = clock
        self.random = random
        self.telemetry = telemetry
        self.classifier = classifier
        self.asyncQueueCapacity = asyncQueueCapacity
        self.asyncQueueConcurrency = asyncQueueConcurrency
        self.idempotencyStore = idempotencyStore ?? InMemoryIdempotencyStore(clock: clock)
        self.idempotencyTTL = idempotencyTTL
        self.sagaJournal = sagaJournal ?? InMemorySagaJournal()
        self.asyncCallQueue = asyncCallQueue
        self.invalidationBus = invalidationBus ?? LocalInvalidationBus()
    }
}
