import Tracing

/// Runs one step (or its compensation, or its background call) with its output type known.
///
/// The closures stored in `StepNode` call these with their generic parameters bound, so the
/// policy call, the fallback and the slot write are specialised per step type; only the slot
/// store is type-erased.
enum StepRunner {
    /// Runs an awaited step to its outcome: the call under its policy, then the fallback.
    static func execute<Input: Sendable, Output: Sendable>(
        _ spec: StepSpec<Input>,
        _ call: @escaping @Sendable (Input, StepValues, CallContext) async throws -> Output,
        _ fallback: StepFallback<Input, Output>?,
        _ cached: CachedStep<Input, Output>?,
        _ run: RunContext<Input>
    ) async -> StepCompletion {
        let environment = run.environment
        let clock = environment.clock
        let startedAt = clock.now
        let context = CallContext(
            workflow: spec.workflow,
            step: spec.step,
            deadline: run.deadline,
            correlationID: run.correlationID,
            idempotencyKey: spec.idempotencyKey?(run.input, run.values)
        )
        let log = AttemptLog()
        let primaryError: any Error
        if let cache = cached?.cache {
            // Cache outermost (spec-v1 §7.4): a miss makes the call under the step's policy in
            // this task; a background refresh makes it with a context of its own.
            let attemptCall = attempt(call, spec: spec, run: run)
            let policy = spec.policy
            do {
                let response = try await cache.fetch(
                    run.input,
                    run.values,
                    { [idempotency = spec.idempotency] in
                        guard let idempotency else { return try await policy.run(context, log: log, attemptCall) }
                        return try await idempotency.run(key: context.idempotencyKey) { try await policy.run(context, log: log, attemptCall) }
                    },
                    backgroundRefresh(attemptCall, spec: spec, context: context, run: run)
                )
                run.values.store(response.value, at: spec.index)
                guard let freshness = response.source.freshness else {
                    return await succeeded(spec, cached, startedAt: startedAt, clock: clock, log: log, run: run)
                }
                return finish(
                    spec,
                    .cached(freshness),
                    errorClass: response.error.map { errorClass(of: $0, run: run) },
                    startedAt: startedAt,
                    clock: clock,
                    log: log
                )
            } catch {
                primaryError = error
            }
        } else {
            do {
                let value: Output
                if let idempotency = spec.idempotency {
                    let attemptCall = attempt(call, spec: spec, run: run)
                    value = try await idempotency.run(key: context.idempotencyKey) { try await spec.policy.run(context, log: log, attemptCall) }
                } else {
                    value = try await spec.policy.run(context, log: log, attempt(call, spec: spec, run: run))
                }
                run.values.store(value, at: spec.index)
                return await succeeded(spec, cached, startedAt: startedAt, clock: clock, log: log, run: run)
            } catch {
                primaryError = error
            }
        }

        let primaryClass = errorClass(of: primaryError, run: run)
        // A fallback is a new piece of work: it is not started once the run is cancelled (saga or
        // caller) or out of time.
        if let fallback, primaryClass != .cancelled, !Task.isCancelled, !run.deadline.hasExpired {
            switch fallback.kind {
            case .value(let value):
                run.values.store(value, at: spec.index)
                return finish(spec, .fallback, errorClass: primaryClass, startedAt: startedAt, clock: clock, log: log)
            case .stale:
                if let cache = cached?.cache, let value = await cache.stale(run.input, run.values) {
                    run.values.store(value, at: spec.index)
                    return finish(spec, .cached(.stale), errorClass: primaryClass, startedAt: startedAt, clock: clock, log: log)
                }
            case .call(let policy, let fallbackCall):
                let fallbackLog = AttemptLog()
                do {
                    let value = try await policy.run(context, log: fallbackLog, attempt(fallbackCall, spec: spec, run: run))
                    run.values.store(value, at: spec.index)
                    return finish(
                        spec,
                        .fallback,
                        errorClass: primaryClass,
                        startedAt: startedAt,
                        clock: clock,
                        log: log,
                        fallbackLog: fallbackLog
                    )
                } catch {
                    // The step reports the primary call's error: it says why the step failed; the
                    // fallback's attempts still count.
                    return finish(
                        spec,
                        outcome(for: errorClass(of: primaryError, run: run)),
                        errorClass: errorClass(of: primaryError, run: run),
                        error: primaryError,
                        startedAt: startedAt,
                        clock: clock,
                        log: log,
                        fallbackLog: fallbackLog
                    )
                }
            }
        }
        return finish(
            spec,
            outcome(for: primaryClass),
            errorClass: primaryClass,
            error: primaryError,
            startedAt: startedAt,
            clock: clock,
            log: log
        )
    }

    /// Undoes a succeeded step under the compensation's own policy and a fresh time budget, then
    /// forgets the step's remembered idempotent outcome.
    static func compensate<Input: Sendable, Output: Sendable>(
        _ spec: StepSpec<Input>,
        _ compensation: StepCompensation<Input, Output>,
        _ run: RunContext<Input>
    ) async -> CompensationReport? {
        let environment = run.environment
        let clock = environment.clock
        let key = CorrelationID.compensationKey(correlationID: run.correlationID, step: spec.step)
        // A journaled step is compensated by whoever claims it: this run, or a recovery process
        // that took the run over from it (then this one was only slow).
        let journal = environment.sagaJournal
        let journaledRun = run.saga.flatMap { $0.isRecorded(spec.step) ? $0 : nil }
        if let saga = journaledRun {
            do {
                guard try await journal.claimCompensation(runID: saga.id, step: spec.step) else {
                    environment.log(.warning, "compensation claimed elsewhere (recovery took the run over); not run here", correlationID: run.correlationID, step: spec.step)
                    return nil
                }
            } catch {
                // The journal is unreachable: undo the effect anyway. If recovery also runs it
                // later, the compensation carries the same idempotency key.
                environment.log(.warning, "saga journal: could not claim the compensation (\(error)); compensating anyway", correlationID: run.correlationID, step: spec.step)
            }
        }
        // The run's deadline may be what failed it; compensations get their own budget.
        let deadline = Deadline.after(environment.compensationTimeout, clock: clock)
        let context = CallContext(
            workflow: spec.workflow,
            step: spec.step,
            deadline: deadline,
            correlationID: run.correlationID,
            idempotencyKey: key
        )
        let output: Output = run.values[StepKey<Output>(id: StepID(index: spec.index))]
        let input = run.input
        let values = run.values
        let call = compensation.call
        let undo: @Sendable (CallContext) async throws -> Void
        if environment.telemetry.tracesEnabled {
            let tracer = environment.telemetry.tracer
            undo = { context in
                try await withAttemptSpan(tracer: tracer, workflow: spec.workflow, step: spec.step, context: context, compensation: true) {
                    try await call(input, output, values, context)
                }
            }
        } else {
            undo = { context in try await call(input, output, values, context) }
        }
        let log = AttemptLog()
        let outcome: CompensationReport.Outcome
        do {
            try await Deadline.$current.withValue(deadline) {
                try await compensation.policy.run(context, log: log, undo)
            }
            outcome = .compensated
            environment.log(.info, "step compensated", correlationID: run.correlationID, step: spec.step)
        } catch {
            let errorClass = environment.classifier.classify(error).errorClass
            outcome = .failed(errorClass, error)
            environment.log(
                .error,
                "compensation failed (\(errorClass)): \(error); the step's effect may remain",
                correlationID: run.correlationID,
                step: spec.step
            )
        }
        if let saga = journaledRun {
            do {
                try await journal.compensationEnded(runID: saga.id, step: spec.step, succeeded: outcome.isCompensated)
            } catch {
                environment.log(.warning, "saga journal: could not record the compensation's end: \(error)", correlationID: run.correlationID, step: spec.step)
            }
        }
        // The step's effect was undone: a duplicate of its call must execute again, not be
        // answered with the remembered outcome.
        if let idempotency = spec.idempotency {
            await idempotency.forget(key: spec.idempotencyKey?(input, values))
        }
        let attempts = log.summary.attempts
        spec.instruments.recordCompensation(succeeded: outcome.isCompensated, attempts: attempts)
        return CompensationReport(step: spec.step, outcome: outcome, attempts: attempts, idempotencyKey: key)
    }

    /// Hands an async step's call to the background queue. Returns whether the queue took it.
    /// `invalidates` run once the background call succeeded.
    static func enqueue<Input: Sendable>(
        _ spec: StepSpec<Input>,
        _ call: @escaping @Sendable (Input, StepValues, CallContext) async throws -> Void,
        invalidates: [CacheInvalidation<Input>],
        _ run: RunContext<Input>
    ) -> Bool {
        guard let queue = run.environment.asyncQueue else { return false }
        let environment = run.environment
        let context = CallContext(
            workflow: spec.workflow,
            step: spec.step,
            deadline: nil,
            correlationID: run.correlationID,
            idempotencyKey: spec.idempotencyKey?(run.input, run.values)
        )
        let attemptCall = attempt(call, spec: spec, run: run)
        let input = run.input
        let values = run.values
        // The worker task does not inherit the run's task-locals; carry the trace context over so
        // the background attempts join the run's trace.
        let serviceContext = environment.telemetry.tracesEnabled ? ServiceContext.current : nil
        return queue.submit(label: "\(spec.workflow).\(spec.step)") {
            let clock = environment.clock
            let startedAt = clock.now
            let log = AttemptLog()
            let outcome: StepOutcome
            do {
                try await ServiceContext.$current.withValue(serviceContext) {
                    if let idempotency = spec.idempotency {
                        try await idempotency.run(key: context.idempotencyKey) { try await spec.policy.run(context, log: log, attemptCall) }
                    } else {
                        try await spec.policy.run(context, log: log, attemptCall)
                    }
                }
                for invalidation in invalidates { await invalidation.apply(input, values, bus: environment.invalidationBus) }
                outcome = .succeeded
            } catch {
                let errorClass = environment.classifier.classify(error).errorClass
                outcome = Self.outcome(for: errorClass)
                environment.log(
                    .warning,
                    "async step \(outcome) (\(errorClass)): \(error)",
                    correlationID: context.correlationID,
                    step: spec.step
                )
            }
            spec.instruments.record(outcome, latency: startedAt.duration(to: clock.now), retries: log.summary.retries)
        }
    }

    /// A succeeded step: runs its cache invalidations (a write's `invalidates`, once it
    /// succeeded) and finishes it.
    private static func succeeded<Input: Sendable, Output: Sendable>(
        _ spec: StepSpec<Input>,
        _ cached: CachedStep<Input, Output>?,
        startedAt: BatonInstant,
        clock: AnyClock,
        log: AttemptLog,
        run: RunContext<Input>
    ) async -> StepCompletion {
        if let saga = spec.saga, let runSaga = run.saga {
            do {
                try await record(spec, saga, runSaga, run)
            } catch {
                // The effect happened but could not be journaled: the step fails (a later step
                // must not rely on an effect no other process could undo) and is compensated
                // with the run, here.
                let errorClass = errorClass(of: error, run: run)
                run.environment.log(.error, "saga journal: could not record the step (\(errorClass)): \(error)", correlationID: run.correlationID, step: spec.step)
                var completion = finish(spec, outcome(for: errorClass), errorClass: errorClass, error: error, startedAt: startedAt, clock: clock, log: log)
                completion.mustCompensate = true
                return completion
            }
        }
        if let invalidations = cached?.invalidates {
            for invalidation in invalidations { await invalidation.apply(run.input, run.values, bus: run.environment.invalidationBus) }
        }
        return finish(spec, .succeeded, startedAt: startedAt, clock: clock, log: log)
    }

    /// Writes a succeeded compensable step to the saga journal.
    private static func record<Input: Sendable>(
        _ spec: StepSpec<Input>,
        _ saga: SagaEntry<Input>,
        _ runSaga: RunSaga,
        _ run: RunContext<Input>
    ) async throws {
        let journal = run.environment.sagaJournal
        let input: [UInt8]
        do {
            input = journal.storesInputs ? try saga.encode(run.input, run.values) : []
        } catch {
            throw SagaJournalError.unencodableInput(step: spec.step, reason: "\(error)")
        }
        let record = SagaStepRecord(
            runID: runSaga.id,
            workflow: spec.workflow,
            correlationID: run.correlationID,
            step: spec.step,
            sequence: runSaga.nextSequence(),
            operation: saga.operation,
            idempotencyKey: CorrelationID.compensationKey(correlationID: run.correlationID, step: spec.step),
            input: input
        )
        try await journal.record(record)
        runSaga.markRecorded(spec.step)
    }

    /// Stores an async step's call in a durable queue, within the run's deadline.
    static func enqueueDurably<Input: Sendable>(
        _ spec: StepSpec<Input>,
        queue: any AsyncCallQueue,
        operation: String,
        encode: @escaping @Sendable (Input, StepValues) throws -> [UInt8],
        _ run: RunContext<Input>
    ) async -> StepCompletion {
        let environment = run.environment
        let clock = environment.clock
        let startedAt = clock.now
        let outcome: StepOutcome
        var failure: (ErrorClass, any Error)?
        do {
            let call = AsyncCall(
                workflow: spec.workflow,
                step: spec.step,
                operation: operation,
                correlationID: run.correlationID,
                idempotencyKey: spec.idempotencyKey?(run.input, run.values),
                input: try encode(run.input, run.values)
            )
            try await withAttemptTimeout(nil, clock: clock) { try await queue.enqueue(call) }
            outcome = .enqueued
        } catch {
            let errorClass = errorClass(of: error, run: run)
            failure = (errorClass, error)
            outcome = .dropped
            environment.log(.warning, "async step dropped: the durable queue did not take it (\(errorClass)): \(error)", correlationID: run.correlationID, step: spec.step)
        }
        spec.instruments.record(outcome, latency: .zero, retries: 0)
        return StepCompletion(
            index: spec.index,
            outcome: outcome,
            errorClass: failure?.0,
            error: failure?.1,
            startedAt: startedAt,
            finishedAt: clock.now
        )
    }

    /// The call a cache makes in the background to refresh a step's entry: the step's call under
    /// its policy, with the run's correlation id and idempotency key but a deadline of its own
    /// (the workflow's compensation timeout from the refresh's start), since the run that
    /// triggered it may be long gone.
    private static func backgroundRefresh<Input: Sendable, Output: Sendable>(
        _ attemptCall: @escaping @Sendable (CallContext) async throws -> Output,
        spec: StepSpec<Input>,
        context: CallContext,
        run: RunContext<Input>
    ) -> @Sendable () async throws -> Output {
        let clock = run.environment.clock
        let budget = run.environment.compensationTimeout
        let policy = spec.policy
        return {
            let deadline = Deadline.after(budget, clock: clock)
            var refreshContext = context
            refreshContext.deadline = deadline
            return try await Deadline.$current.withValue(deadline) {
                try await policy.run(refreshContext, log: AttemptLog(), attemptCall)
            }
        }
    }

    /// The closure a policy calls once per attempt: the step's call, inside a `baton.step` span
    /// when tracing is on.
    private static func attempt<Input: Sendable, Output: Sendable>(
        _ call: @escaping @Sendable (Input, StepValues, CallContext) async throws -> Output,
        spec: StepSpec<Input>,
        run: RunContext<Input>
    ) -> @Sendable (CallContext) async throws -> Output {
        let input = run.input
        let values = run.values
        let telemetry = run.environment.telemetry
        guard telemetry.tracesEnabled else {
            return { context in try await call(input, values, context) }
        }
        let tracer = telemetry.tracer
        return { context in
            try await withAttemptSpan(tracer: tracer, workflow: spec.workflow, step: spec.step, context: context) {
                try await call(input, values, context)
            }
        }
    }

    /// The class of a step's final error; a cancellation caused by the run's deadline is a
    /// timeout.
    private static func errorClass<Input>(of error: any Error, run: RunContext<Input>) -> ErrorClass {
        let errorClass = run.environment.classifier.classify(error).errorClass
        if errorClass == .cancelled, run.deadline.hasExpired { return .timeout }
        return errorClass
    }

    private static func outcome(for errorClass: ErrorClass) -> StepOutcome {
        switch errorClass {
        case .timeout: .timedOut
        case .cancelled: .cancelled
        default: .failed
        }
    }

    private static func finish<Input>(
        _ spec: StepSpec<Input>,
        _ outcome: StepOutcome,
        errorClass: ErrorClass? = nil,
        error: (any Error)? = nil,
        startedAt: BatonInstant,
        clock: AnyClock,
        log: AttemptLog,
        fallbackLog: AttemptLog? = nil
    ) -> StepCompletion {
        let finishedAt = clock.now
        let primary = log.summary
        let fallback = fallbackLog?.summary
        let attempts = primary.attempts + (fallback?.attempts ?? 0)
        let retries = primary.retries + (fallback?.retries ?? 0)
        let latency = startedAt.duration(to: finishedAt)
        spec.instruments.record(outcome, latency: latency, retries: retries)
        return StepCompletion(
            index: spec.index,
            outcome: outcome,
            attempts: attempts,
            endpoint: fallback?.endpoint ?? primary.endpoint,
            errorClass: errorClass,
            error: error,
            startedAt: startedAt,
            finishedAt: finishedAt
        )
    }
}

/// A step's cache and the caches its success invalidates, with its output type known.
struct CachedStep<Input: Sendable, Output: Sendable>: Sendable {
    let cache: StepCache<Input, Output>?
    let invalidates: [CacheInvalidation<Input>]
}

extension CompensationReport.Outcome {
    var isCompensated: Bool {
        if case .compensated = self { return true }
        return false
    }
}
