/// What a step does when its call fails for good (after its retries): spec-v1 §6.1 `fallback`.
public struct StepFallback<Input: Sendable, Output: Sendable>: Sendable {
    enum Kind: Sendable {
        case value(Output)
        case call(policy: any CallPolicy, call: @Sendable (Input, StepValues, CallContext) async throws -> Output)
        case stale
    }

    let kind: Kind

    /// Whether the fallback ends by the run's deadline on its own (a value always does).
    var boundedByDeadline: Bool {
        switch kind {
        case .value, .stale: true
        case .call(let policy, _): policy.boundsAttemptsByRunDeadline
        }
    }

    /// Use `value` as the step's output (`fallback: { value: … }`).
    public static func value(_ value: Output) -> StepFallback {
        StepFallback(kind: .value(value))
    }

    /// Make an alternate call (`fallback: { call: …, with: … }`) under its own policy. The call
    /// gets the step's context (same step name, correlation id and idempotency key).
    public static func call(
        policy: any CallPolicy,
        _ call: @escaping @Sendable (Input, StepValues, CallContext) async throws -> Output
    ) -> StepFallback {
        StepFallback(kind: .call(policy: policy, call: call))
    }

    /// Serve the step's cached value whatever its age (`fallback: { stale: true }`). The step
    /// must be declared with a `cache:`; without a cached entry the step fails with the call's
    /// error. A stale value served this way gives the outcome `cached(stale)` with the failed
    /// call's error class.
    public static var stale: StepFallback {
        StepFallback(kind: .stale)
    }
}

/// How to undo a completed step when a later required step fails: spec-v1 §6 `compensate`.
///
/// The call receives the step's own output (e.g. to release the reservation it made) besides the
/// run's input and the values of the other steps. It runs under its own policy (its own retries),
/// at most once per run, with an idempotency key derived from the run's correlation id and the
/// step (`<correlation id>:<step>:compensate`).
public struct StepCompensation<Input: Sendable, Output: Sendable>: Sendable {
    let policy: any CallPolicy
    let call: @Sendable (Input, Output, StepValues, CallContext) async throws -> Void
    /// The compensation's registry name and request encoder, for the saga journal; `nil` for a
    /// compensation declared with a closure (run only by the process that ran the step).
    let journal: (operation: String, encode: @Sendable (Input, Output, StepValues) throws -> [UInt8])?

    /// Creates a compensation.
    ///
    /// - Parameters:
    ///   - policy: The compensating call's own policy (retries, timeout). It runs under a fresh
    ///     deadline of the workflow's compensation timeout, not the run's, and is not cancelled
    ///     with the caller.
    ///   - call: Undoes the step: receives the run's input, the step's own output, the values of
    ///     the other steps and a context carrying the compensation's idempotency key.
    public init(
        policy: any CallPolicy,
        _ call: @escaping @Sendable (Input, Output, StepValues, CallContext) async throws -> Void
    ) {
        self.policy = policy
        self.call = call
        self.journal = nil
    }

    /// Creates a compensation that calls `handler` with the request `request` builds: the form
    /// generated orchestrators use. The step's completion is recorded in the
    /// ``OrchestratorOptions/sagaJournal`` with the handler's name and the encoded request, so a
    /// recovery process can call it through the orchestrator's compensation ``CallRegistry``.
    ///
    /// - Parameters:
    ///   - handler: The compensating operation, with its policy.
    ///   - request: Builds its request from the run's input, the step's output and the values.
    public init<Request: Codable & Sendable>(
        _ handler: OperationHandler<Request>,
        request: @escaping @Sendable (Input, Output, StepValues) -> Request
    ) {
        self.policy = handler.policy
        let call = handler.call
        self.call = { input, output, values, context in try await call(request(input, output, values), context) }
        self.journal = (handler.name, { input, output, values in try handler.encode(request(input, output, values)) })
    }
}

/// Declares a workflow's steps, once per orchestrator, and builds the ``Workflow`` that runs them.
///
/// Steps are declared in an order where every dependency comes first (generated code emits them
/// in topological order, spec order among equals); each declaration returns the key that later
/// steps use to depend on it and read its value.
///
/// ```swift
/// var builder = WorkflowBuilder<CheckoutRequest>(workflow: "checkout", deadline: .milliseconds(800), clock: clock)
/// let cart: StepKey<Cart> = builder.step("cart", service: "cart", policy: cartPolicy) { input, _, context in
///     try await carts.getCart(GetCartInput(cartId: input.cartId), context: context)
/// }
/// let quote: StepKey<Quote> = builder.step("quote", service: "pricing", dependsOn: [cart.id], policy: quotePolicy) { _, values, context in
///     try await pricing.quote(QuoteRequest(items: values[cart].items), context: context)
/// }
/// let checkout = builder.build { input, values in
///     CheckoutSummary(orderId: input.orderId, total: values[quote].total)
/// }
/// ```
public struct WorkflowBuilder<Input: Sendable>: Sendable {
    let name: String
    let deadline: Duration
    let compensationTimeout: Duration
    let clock: AnyClock
    let random: RandomSource
    let telemetry: Telemetry
    let asyncQueue: AsyncStepQueue?
    let classifier: ErrorClassifier
    let sagaJournal: any SagaJournal
    let invalidationBus: any CacheInvalidationBus
    let asyncCallQueue: (any AsyncCallQueue)?
    var nodes: [StepNode<Input>] = []

    /// - Parameters:
    ///   - workflow: The workflow's name in the spec (used in call contexts, telemetry, reports).
    ///   - deadline: The run's budget; the absolute deadline is `now + deadline` at each run's start.
    ///   - compensationTimeout: The budget of each compensation, which runs after the run's
    ///     deadline may have passed (default: the workflow's deadline).
    ///   - clock: The clock every latency, deadline and sleep uses.
    ///   - random: Source of generated correlation ids.
    ///   - telemetry: Where spans, metrics and logs go; metric objects are made here, once.
    ///   - asyncQueue: The background queue `mode: async` steps go to; required when any step is
    ///     declared with ``asyncStep(_:service:dependsOn:when:policy:idempotencyKey:idempotency:invalidates:call:)``.
    ///   - classifier: Classifies a step's final error for its outcome and the report (use the
    ///     same one as the policies).
    ///   - sagaJournal: Where completed compensable steps are recorded (``SagaJournal``);
    ///     default an ``InMemorySagaJournal``.
    ///   - invalidationBus: Where named cache invalidations are published for other replicas;
    ///     default ``LocalInvalidationBus`` (nowhere).
    ///   - asyncCallQueue: A durable queue for async steps declared with a handler; `nil`
    ///     (default) runs them in `asyncQueue`.
    public init(
        workflow: String,
        deadline: Duration,
        compensationTimeout: Duration? = nil,
        clock: AnyClock = .continuous,
        random: RandomSource = .system,
        telemetry: Telemetry = Telemetry(),
        asyncQueue: AsyncStepQueue? = nil,
        classifier: ErrorClassifier = .standard,
        sagaJournal: any SagaJournal = InMemorySagaJournal(),
        invalidationBus: any CacheInvalidationBus = LocalInvalidationBus(),
        asyncCallQueue: (any AsyncCallQueue)? = nil
    ) {
        self.sagaJournal = sagaJournal
        self.invalidationBus = invalidationBus
        self.asyncCallQueue = asyncCallQueue
        self.name = workflow
        self.deadline = deadline
        self.compensationTimeout = compensationTimeout ?? deadline
        self.clock = clock
        self.random = random
        self.telemetry = telemetry
        self.asyncQueue = asyncQueue
        self.classifier = classifier
    }

    /// Declares an awaited step and returns its key.
    ///
    /// - Parameters:
    ///   - name: The step's name in the spec.
    ///   - service: The service it calls (a metric label).
    ///   - dependencies: Steps that must finish first (data references, `when` references and
    ///     `after`). They must have been declared already. A dependency that ends without a value
    ///     (skipped, failed optional) still counts as finished.
    ///   - optional: When `true` a failure leaves the value absent and the run incomplete instead
    ///     of failing the workflow.
    ///   - condition: Evaluated once the dependencies are done; `false` skips the step (never
    ///     called).
    ///   - policy: Retries, timeouts, breakers... for the call (``SingleAttempt`` for none).
    ///   - idempotencyKey: The operation's idempotency key value, computed once per step run and
    ///     carried by every attempt's ``CallContext``.
    ///   - idempotency: Deduplicates the call (with all its retries) on the idempotency key's value
    ///     through an ``IdempotencyStore``: duplicates of a running call wait for it, a success
    ///     is remembered for a TTL. Unused when the key is `nil`.
    ///   - cache: Serves the step through its operation's response cache, outside the fallback
    ///     and the policy (see ``StepCache``).
    ///   - invalidates: Cached reads to drop entries of once the step succeeded (a write's
    ///     `invalidates`, see ``CacheInvalidation``). They run before the step completes.
    ///   - fallback: What to do when the call fails for good (not on cancellation or once the
    ///     run's deadline has passed).
    ///   - compensation: How to undo the step if a later required step fails.
    ///   - call: Makes one attempt: build the request from the input and dependency values and
    ///     call the service with the given context.
    @discardableResult
    public mutating func step<Output: Sendable>(
        _ name: String,
        service: String,
        dependsOn dependencies: [StepID] = [],
        optional: Bool = false,
        when condition: (@Sendable (Input, StepValues) -> Bool)? = nil,
        policy: any CallPolicy,
        idempotencyKey: (@Sendable (Input, StepValues) -> String?)? = nil,
        idempotency: StepIdempotency? = nil,
        cache: StepCache<Input, Output>? = nil,
        invalidates: [CacheInvalidation<Input>] = [],
        fallback: StepFallback<Input, Output>? = nil,
        compensation: StepCompensation<Input, Output>? = nil,
        call: @escaping @Sendable (Input, StepValues, CallContext) async throws -> Output
    ) -> StepKey<Output> {
        if case .stale? = fallback?.kind {
            precondition(cache != nil, "step \(name) has fallback: { stale: true } but no cache")
        }
        let id = StepID(index: nodes.count)
        var journal: SagaEntry<Input>?
        if let entry = compensation?.journal {
            let encode = entry.encode
            journal = SagaEntry(operation: entry.operation) { input, values in
                try encode(input, values[StepKey<Output>(id: id)], values)
            }
        }
        let spec = StepSpec<Input>(
            workflow: self.name,
            step: name,
            index: id.index,
            policy: policy,
            idempotencyKey: idempotencyKey,
            idempotency: idempotency,
            instruments: StepInstruments(
                workflow: self.name,
                step: name,
                service: service,
                compensable: compensation != nil,
                telemetry: telemetry
            ),
            saga: journal
        )
        let cached: CachedStep<Input, Output>? =
            cache == nil && invalidates.isEmpty ? nil : CachedStep(cache: cache, invalidates: invalidates)
        var compensate: (@Sendable (RunContext<Input>) async -> CompensationReport?)?
        if let compensation {
            compensate = { run in await StepRunner.compensate(spec, compensation, run) }
        }
        nodes.append(
            StepNode(
                name: name,
                service: service,
                isOptional: optional,
                dependencies: checkedDependencies(dependencies, of: name),
                condition: condition,
                boundedByDeadline: policy.boundsAttemptsByRunDeadline && (fallback?.boundedByDeadline ?? true),
                instruments: spec.instruments,
                work: .awaited(AwaitedWork(
                    execute: { run in await StepRunner.execute(spec, call, fallback, cached, run) },
                    compensate: compensate,
                    journaled: journal != nil
                ))
            )
        )
        return StepKey(id: id)
    }

    /// Declares a `mode: async` step: once its dependencies are done (and its `when` holds) the
    /// call is handed to the background ``AsyncStepQueue`` and the run moves on without waiting.
    /// Its output cannot be referenced; steps may still order themselves after it (`after:`),
    /// which waits only for it to be queued. With `idempotency`, the background call is
    /// deduplicated on its key like an awaited step's.
    ///
    /// - Parameters:
    ///   - name: The step's name in the spec.
    ///   - service: The service it calls (a metric label).
    ///   - dependencies: Steps that must finish before the call is queued; declared already.
    ///   - condition: Evaluated once the dependencies are done; `false` skips the step.
    ///   - policy: Retries and timeouts of the background call. The call carries no run deadline
    ///     (it outlives the run), so give the policy a timeout.
    ///   - idempotencyKey: The operation's idempotency key value, computed when the step is
    ///     queued.
    ///   - idempotency: Deduplicates the background call (with its retries) on the key's value
    ///     through an ``IdempotencyStore``; unused when the key is `nil`. Default `nil`: none.
    ///   - invalidates: Cached reads to drop entries of once the background call succeeded (a
    ///     write's `invalidates`, see ``CacheInvalidation``); they run in the queue's worker.
    ///   - call: Makes one attempt, in the background queue's worker.
    /// - Returns: The step's id, for `after:` dependencies of later steps.
    @discardableResult
    public mutating func asyncStep(
        _ name: String,
        service: String,
        dependsOn dependencies: [StepID] = [],
        when condition: (@Sendable (Input, StepValues) -> Bool)? = nil,
        policy: any CallPolicy,
        idempotencyKey: (@Sendable (Input, StepValues) -> String?)? = nil,
        idempotency: StepIdempotency? = nil,
        invalidates: [CacheInvalidation<Input>] = [],
        call: @escaping @Sendable (Input, StepValues, CallContext) async throws -> Void
    ) -> StepID {
        precondition(asyncQueue != nil, "step \(name) is mode: async but the workflow has no AsyncStepQueue")
        let id = StepID(index: nodes.count)
        let spec = StepSpec<Input>(
            workflow: self.name,
            step: name,
            index: id.index,
            policy: policy,
            idempotencyKey: idempotencyKey,
            idempotency: idempotency,
            instruments: StepInstruments(workflow: self.name, step: name, service: service, compensable: false, telemetry: telemetry),
            saga: nil
        )
        nodes.append(
            StepNode(
                name: name,
                service: service,
                isOptional: true,
                dependencies: checkedDependencies(dependencies, of: name),
                condition: condition,
                boundedByDeadline: true,
                instruments: spec.instruments,
                work: .queued(enqueue: { run in StepRunner.enqueue(spec, call, invalidates: invalidates, run) })
            )
        )
        return id
    }

    /// Declares a `mode: async` step that calls `handler` with the request `request` builds: the
    /// form generated orchestrators use. Without an `asyncCallQueue` it is the step
    /// ``asyncStep(_:service:dependsOn:when:policy:idempotencyKey:idempotency:invalidates:call:)``
    /// declares; with one, the call is encoded and stored in that durable queue before the run
    /// goes on (`enqueued`, or `dropped` when the queue fails or the deadline passes first), and
    /// the queue's workers deliver it by `handler`'s name through the orchestrator's async-call
    /// ``CallRegistry``. The `invalidates` of a durably queued call are not applied by the
    /// delivering worker: its caches' entries end with their TTL.
    ///
    /// - Parameters:
    ///   - name: The step's name in the spec.
    ///   - service: The service it calls (a metric label).
    ///   - dependencies: Steps that must finish before the call is queued; declared already.
    ///   - condition: Evaluated once the dependencies are done; `false` skips the step.
    ///   - policy: Retries and timeouts of the call (in the process queue).
    ///   - idempotencyKey: The operation's idempotency key value, computed when the step is
    ///     queued; every delivery carries it.
    ///   - idempotency: Deduplicates the call in the process queue (see the other form).
    ///   - invalidates: Cached reads to drop entries of once the call succeeded (process queue).
    ///   - handler: The operation, with its policy and registry name.
    ///   - request: Builds the call's request from the run's input and values.
    /// - Returns: The step's id, for `after:` dependencies of later steps.
    @discardableResult
    public mutating func asyncStep<Request: Codable & Sendable>(
        _ name: String,
        service: String,
        dependsOn dependencies: [StepID] = [],
        when condition: (@Sendable (Input, StepValues) -> Bool)? = nil,
        policy: any CallPolicy,
        idempotencyKey: (@Sendable (Input, StepValues) -> String?)? = nil,
        idempotency: StepIdempotency? = nil,
        invalidates: [CacheInvalidation<Input>] = [],
        handler: OperationHandler<Request>,
        request: @escaping @Sendable (Input, StepValues) -> Request
    ) -> StepID {
        guard let queue = asyncCallQueue else {
            let call = handler.call
            return asyncStep(
                name, service: service, dependsOn: dependencies, when: condition, policy: policy,
                idempotencyKey: idempotencyKey, idempotency: idempotency, invalidates: invalidates
            ) { input, values, context in
                try await call(request(input, values), context)
            }
        }
        let id = StepID(index: nodes.count)
        let spec = StepSpec<Input>(
            workflow: self.name,
            step: name,
            index: id.index,
            policy: policy,
            idempotencyKey: idempotencyKey,
            idempotency: idempotency,
            instruments: StepInstruments(workflow: self.name, step: name, service: service, compensable: false, telemetry: telemetry),
            saga: nil
        )
        let operation = handler.name
        let encode: @Sendable (Input, StepValues) throws -> [UInt8] = { input, values in try handler.encode(request(input, values)) }
        nodes.append(
            StepNode(
                name: name,
                service: service,
                isOptional: true,
                dependencies: checkedDependencies(dependencies, of: name),
                condition: condition,
                boundedByDeadline: true,
                instruments: spec.instruments,
                work: .durable({ run in await StepRunner.enqueueDurably(spec, queue: queue, operation: operation, encode: encode, run) })
            )
        )
        return id
    }

    /// Finishes the declaration: `result` builds the workflow's output from the input and the
    /// step values once every step is done (read possibly missing steps with
    /// ``StepValues/subscript(ifPresent:)``).
    public func build<Output: Sendable>(
        result: @escaping @Sendable (Input, StepValues) -> Output
    ) -> Workflow<Input, Output> {
        Workflow(plan: WorkflowPlan(builder: self, result: result))
    }

    private func checkedDependencies(_ dependencies: [StepID], of name: String) -> [Int] {
        var indices: [Int] = []
        indices.reserveCapacity(dependencies.count)
        for dependency in dependencies {
            precondition(dependency.index < nodes.count, "step \(name) depends on a step declared after it")
            if !indices.contains(dependency.index) { indices.append(dependency.index) }
        }
        return indices
    }
}

/// What running a step means, with its output type erased into closures built once: awaited by
/// the run, or handed to the background queue — exactly one of the two, and only an awaited step
/// can be compensated.
enum StepWork<Input: Sendable>: Sendable {
    /// Run by the run loop (in a child task of the run, or inline).
    case awaited(AwaitedWork<Input>)
    /// A `mode: async` step: hands the call to the queue and returns whether it was accepted.
    case queued(enqueue: @Sendable (RunContext<Input>) -> Bool)
    /// A `mode: async` step stored in a durable ``AsyncCallQueue``: run like an awaited step
    /// (the store is awaited), ends `enqueued` or `dropped`.
    case durable(@Sendable (RunContext<Input>) async -> StepCompletion)
}

/// The work of an awaited step: running it, and undoing it.
struct AwaitedWork<Input: Sendable>: Sendable {
    /// Runs the step to its outcome.
    let execute: @Sendable (RunContext<Input>) async -> StepCompletion
    /// Undoes the step once it succeeded; `nil` when the step declares no compensation. Returns
    /// `nil` when the saga journal says the compensation runs elsewhere.
    let compensate: (@Sendable (RunContext<Input>) async -> CompensationReport?)?
    /// Whether the compensation is written to the saga journal.
    var journaled = false
}

/// A declared step.
///
/// A class so that the run loop and step tasks share it by reference instead of copying a dozen
/// fields through generic value witnesses.
final class StepNode<Input: Sendable>: Sendable {
    let name: String
    let service: String
    let isOptional: Bool
    let dependencies: [Int]
    let condition: (@Sendable (Input, StepValues) -> Bool)?
    /// Whether the step's policies end its attempts by the run's deadline on their own.
    let boundedByDeadline: Bool
    let instruments: StepInstruments
    /// Awaited or queued, with the closures that do it.
    let work: StepWork<Input>

    init(
        name: String,
        service: String,
        isOptional: Bool,
        dependencies: [Int],
        condition: (@Sendable (Input, StepValues) -> Bool)?,
        boundedByDeadline: Bool,
        instruments: StepInstruments,
        work: StepWork<Input>
    ) {
        self.name = name
        self.service = service
        self.isOptional = isOptional
        self.dependencies = dependencies
        self.condition = condition
        self.boundedByDeadline = boundedByDeadline
        self.instruments = instruments
        self.work = work
    }

    /// Whether the step is `mode: async` (handed to the queue, never awaited).
    var isAsync: Bool {
        switch work {
        case .queued, .durable: true
        case .awaited: false
        }
    }

    /// Whether the step's compensation is written to the saga journal.
    var journaled: Bool {
        if case .awaited(let awaited) = work { return awaited.journaled }
        return false
    }

    /// Runs an awaited step to its outcome. The run loop makes only awaited steps ready (a queued
    /// one is handed to the queue as soon as its dependencies are done), so a queued step here is
    /// a bug in the run loop.
    func execute(_ run: RunContext<Input>) async -> StepCompletion {
        switch work {
        case .awaited(let awaited): return await awaited.execute(run)
        case .durable(let enqueue): return await enqueue(run)
        case .queued: preconditionFailure("step \(name) is queued, never run by the run loop")
        }
    }

    /// Undoes the step once it succeeded; `nil` for steps without a compensation (and every
    /// async step).
    var compensate: (@Sendable (RunContext<Input>) async -> CompensationReport?)? {
        if case .awaited(let awaited) = work { return awaited.compensate }
        return nil
    }
}

/// What every runner of a step needs that does not depend on its output type.
struct StepSpec<Input: Sendable>: Sendable {
    let workflow: String
    let step: String
    let index: Int
    let policy: any CallPolicy
    let idempotencyKey: (@Sendable (Input, StepValues) -> String?)?
    /// Deduplicates the call on the key's value (outside the policy: one execution is the whole
    /// retried call).
    let idempotency: StepIdempotency?
    let instruments: StepInstruments
    /// The compensation's journal entry; `nil` when the step's compensation is not journaled.
    let saga: SagaEntry<Input>?
}

/// How a step's compensation is written to the saga journal: its registry name and request.
struct SagaEntry<Input: Sendable>: Sendable {
    let operation: String
    /// Encodes the compensation's request (the step's value is in the values by then).
    let encode: @Sendable (Input, StepValues) throws -> [UInt8]
}
