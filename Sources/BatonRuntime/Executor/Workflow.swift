import Logging
import Tracing

/// A workflow ready to run: its steps as a dependency graph, built once per orchestrator by
/// ``WorkflowBuilder``.
///
/// Each ``run(_:correlationID:timeout:)`` executes the graph in one task group: a step is added to the
/// group the moment its last dependency finishes (never level by level), under one absolute
/// deadline carried in ``Deadline/current``. When a required step fails the run stops starting
/// steps, cancels the running ones, compensates the completed ones in reverse order of completion
/// and throws ``WorkflowError``.
public struct Workflow<Input: Sendable, Output: Sendable>: Sendable {
    let plan: WorkflowPlan<Input, Output>

    /// The workflow's name in the spec.
    public var name: String { plan.environment.workflow }

    /// The names of the steps, in declaration order.
    public var stepNames: [String] { plan.nodes.map(\.name) }

    /// Runs the workflow once.
    ///
    /// - Parameters:
    ///   - input: The workflow's input.
    ///   - correlationID: Ties the run's calls and logs together; a random UUID-shaped id is made
    ///     when `nil`.
    ///   - timeout: The caller's own budget (an HTTP caller's `X-Request-Timeout-Ms`): it shortens
    ///     the workflow's deadline, never lengthens it. `nil` keeps the deadline.
    /// - Returns: The output and the run's report (which says whether the run is complete).
    /// - Throws: ``WorkflowError`` when a required step failed (after retries and fallback), the
    ///   deadline passed before a required step finished, or the caller cancelled the run. The
    ///   completed steps have been compensated by the time it is thrown.
    public func run(_ input: Input, correlationID: String? = nil, timeout: Duration? = nil) async throws -> WorkflowResult<Output> {
        let environment = plan.environment
        let correlationID = correlationID ?? CorrelationID.make(using: plan.random)
        let result: Result<WorkflowResult<Output>, WorkflowError>
        if environment.telemetry.tracesEnabled {
            result = await withWorkflowSpan(tracer: environment.telemetry.tracer, correlationID: correlationID) {
                await plan.execute(input, correlationID: correlationID, timeout: timeout)
            }
        } else {
            result = await plan.execute(input, correlationID: correlationID, timeout: timeout)
        }
        return try result.get()
    }

    /// Runs the workflow once if admission control admits the call, holding its slot for the
    /// run; a refused call is counted in `baton_workflow_duration_seconds` with the outcome
    /// `rejected` (and zero latency), so service level objectives see it.
    ///
    /// - Parameters:
    ///   - input: The workflow's input.
    ///   - correlationID: Ties the run's calls and logs together; a random UUID-shaped id is made
    ///     when `nil`.
    ///   - admission: The workflow's admission control.
    ///   - admissionClass: The caller's class; `nil` or an unknown name is the first class.
    ///   - timeout: The caller's own budget; it shortens the workflow's deadline, never lengthens it.
    /// - Returns: The output and the run's report.
    /// - Throws: ``OverloadedError`` when admission control refuses the call (nothing runs), or
    ///   what ``run(_:correlationID:timeout:)`` throws.
    public func run(
        _ input: Input,
        correlationID: String? = nil,
        admission: AdmissionController,
        admissionClass: String? = nil,
        timeout: Duration? = nil
    ) async throws -> WorkflowResult<Output> {
        let permit: AdmissionController.Permit
        do {
            permit = try admission.tryAdmit(class: admissionClass)
        } catch {
            plan.instruments.record(.rejected, latency: .zero)
            throw error
        }
        do {
            let result = try await run(input, correlationID: correlationID, timeout: timeout)
            permit.release()
            return result
        } catch {
            permit.release()
            throw error
        }
    }

    private func withWorkflowSpan<T: Tracer>(
        tracer: T,
        correlationID: String,
        _ body: () async -> Result<WorkflowResult<Output>, WorkflowError>
    ) async -> Result<WorkflowResult<Output>, WorkflowError> {
        let span = tracer.startSpan(TelemetryNames.workflowSpan, context: ServiceContext.current ?? .topLevel, ofKind: .internal)
        span.attributes[TelemetryNames.workflowAttribute] = plan.environment.workflow
        span.attributes["baton.correlation_id"] = correlationID
        defer { span.end() }
        let result = await ServiceContext.$current.withValue(span.context) { await body() }
        switch result {
        case .success(let success):
            let outcome: RunOutcome = success.report.isComplete ? .complete : .incomplete
            span.attributes[TelemetryNames.outcomeAttribute] = outcome.rawValue
        case .failure(let error):
            span.attributes[TelemetryNames.outcomeAttribute] = RunOutcome.failed.rawValue
            span.recordError(error)
            span.setStatus(SpanStatus(code: .error, message: "\(error.failedStep): \(error.errorClass)"))
        }
        return result
    }
}

/// What every run of a workflow shares; one instance per workflow, referenced by every step task.
final class RunEnvironment: Sendable {
    let workflow: String
    let clock: AnyClock
    let telemetry: Telemetry
    let asyncQueue: AsyncStepQueue?
    let compensationTimeout: Duration
    let classifier: ErrorClassifier
    let sagaJournal: any SagaJournal
    let invalidationBus: any CacheInvalidationBus

    init(
        workflow: String,
        clock: AnyClock,
        telemetry: Telemetry,
        asyncQueue: AsyncStepQueue?,
        compensationTimeout: Duration,
        classifier: ErrorClassifier,
        sagaJournal: any SagaJournal = InMemorySagaJournal(),
        invalidationBus: any CacheInvalidationBus = LocalInvalidationBus()
    ) {
        self.classifier = classifier
        self.sagaJournal = sagaJournal
        self.invalidationBus = invalidationBus
        self.workflow = workflow
        self.clock = clock
        self.telemetry = telemetry
        self.asyncQueue = asyncQueue
        self.compensationTimeout = compensationTimeout
    }

    /// Logs with the run's correlation id in the metadata. Message and metadata are autoclosures
    /// in swift-log, so nothing is built unless the level is enabled.
    func log(_ level: Logger.Level, _ message: @autoclosure () -> Logger.Message, correlationID: String, step: String? = nil) {
        telemetry.logger.log(level: level, message(), metadata: metadata(correlationID: correlationID, step: step))
    }

    private func metadata(correlationID: String, step: String?) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            Telemetry.correlationIDMetadataKey: .string(correlationID),
            "baton.workflow": .string(workflow),
        ]
        if let step { metadata["baton.step"] = .string(step) }
        return metadata
    }
}

/// The per-run values every step task of a run shares: one allocation per run, passed to step
/// tasks by reference.
final class RunContext<Input: Sendable>: Sendable {
    let environment: RunEnvironment
    let input: Input
    let values: StepValues
    let correlationID: String
    let deadline: Deadline
    /// The run's saga in the journal; `nil` for workflows without journaled compensations.
    let saga: RunSaga?

    init(environment: RunEnvironment, input: Input, values: StepValues, correlationID: String, deadline: Deadline, saga: RunSaga? = nil) {
        self.environment = environment
        self.input = input
        self.values = values
        self.correlationID = correlationID
        self.deadline = deadline
        self.saga = saga
    }
}

/// The journal bookkeeping of one run: its id, the order of its records, the steps recorded.
final class RunSaga: Sendable {
    let id: String
    private let state = Lock((sequence: 0, recorded: [String]()))

    init(id: String) {
        self.id = id
    }

    /// The next record's place in the completion order.
    func nextSequence() -> Int {
        state.withLock { state in
            state.sequence += 1
            return state.sequence
        }
    }

    func markRecorded(_ step: String) {
        state.withLock { $0.recorded.append(step) }
    }

    func isRecorded(_ step: String) -> Bool {
        state.withLock { $0.recorded.contains(step) }
    }

    /// The steps recorded, in order; empty when the run wrote nothing to the journal.
    var recorded: [String] { state.withLock { $0.recorded } }
}

/// How a step run ended, sent from its task to the run loop.
struct StepCompletion: Sendable {
    var index: Int
    var outcome: StepOutcome
    var attempts: Int = 0
    var endpoint: Endpoint? = nil
    var errorClass: ErrorClass? = nil
    var error: (any Error)? = nil
    var startedAt: BatonInstant? = nil
    var finishedAt: BatonInstant? = nil
    /// The step's effect happened although the step failed (its journal record could not be
    /// written): compensate it with the run.
    var mustCompensate = false
}

/// What the run's task group hears from its children.
enum RunEvent: Sendable {
    case step(StepCompletion)
    case deadlinePassed
    case watcherStopped
}

/// The immutable graph of a workflow plus the run loop.
final class WorkflowPlan<Input: Sendable, Output: Sendable>: Sendable {
    let environment: RunEnvironment
    let deadline: Duration
    let random: RandomSource
    let nodes: [StepNode<Input>]
    /// For each step, the steps that depend on it.
    let dependents: [[Int]]
    /// For each step, how many dependencies it waits for.
    let dependencyCounts: [Int]
    /// Steps without dependencies, in declaration order.
    let roots: [Int]
    let result: @Sendable (Input, StepValues) -> Output
    let instruments: WorkflowInstruments
    /// Whether some step's policy does not end its attempts by the deadline, so the run needs a
    /// watcher task to cancel it there.
    let needsDeadlineWatcher: Bool
    /// Whether some step's compensation is written to the saga journal.
    let journaled: Bool

    init(builder: WorkflowBuilder<Input>, result: @escaping @Sendable (Input, StepValues) -> Output) {
        environment = RunEnvironment(
            workflow: builder.name,
            clock: builder.clock,
            telemetry: builder.telemetry,
            asyncQueue: builder.asyncQueue,
            compensationTimeout: builder.compensationTimeout,
            classifier: builder.classifier,
            sagaJournal: builder.sagaJournal,
            invalidationBus: builder.invalidationBus
        )
        deadline = builder.deadline
        random = builder.random
        nodes = builder.nodes
        var dependents = Array(repeating: [Int](), count: builder.nodes.count)
        for (index, node) in builder.nodes.enumerated() {
            for dependency in node.dependencies { dependents[dependency].append(index) }
        }
        self.dependents = dependents
        dependencyCounts = builder.nodes.map(\.dependencies.count)
        roots = builder.nodes.indices.filter { builder.nodes[$0].dependencies.isEmpty }
        self.result = result
        needsDeadlineWatcher = builder.nodes.contains { !$0.isAsync && !$0.boundedByDeadline }
        journaled = builder.nodes.contains(where: \.journaled)
        instruments = WorkflowInstruments(workflow: builder.name, telemetry: builder.telemetry)
    }

    func execute(_ input: Input, correlationID: String, timeout: Duration? = nil) async -> Result<WorkflowResult<Output>, WorkflowError> {
        let clock = environment.clock
        let startedAt = clock.now
        let budget = timeout.map { min($0, self.deadline) } ?? self.deadline
        let deadline = Deadline(startedAt.advanced(by: budget), clock: clock)
        let slots = RunSlots.make(count: nodes.count)
        // Not from `random`: a seeded source must give the same correlation ids with or without a journal.
        let saga = journaled ? RunSaga(id: CorrelationID.make(using: .system)) : nil
        let run = RunContext(environment: environment, input: input, values: slots.values, correlationID: correlationID, deadline: deadline, saga: saga)
        environment.log(.debug, "workflow started, deadline \(deadline)", correlationID: correlationID)

        var state = await Deadline.$current.withValue(deadline) {
            await withTaskGroup(of: RunEvent.self) { group in
                var state = RunState(plan: self, deadline: deadline)
                // Steps whose policies clip every attempt to `Deadline.current` end at the deadline
                // by themselves. Otherwise one sleeper per run enforces it: when it fires, running
                // steps are cancelled. Either way nothing starts once it has passed.
                if needsDeadlineWatcher {
                    group.addTask {
                        do {
                            try await clock.sleep(until: deadline.instant, tolerance: nil)
                            return .deadlinePassed
                        } catch {
                            return .watcherStopped
                        }
                    }
                }
                state.schedule(roots, run: run)
                while true {
                    // A step that is alone (ready by itself, nothing else running) runs in this
                    // task: there is nothing to overlap it with, and a child task would only add
                    // a thread hop each way. Only for steps whose policies end them at the
                    // deadline, since the watcher's event is not read while it runs.
                    if let alone = state.launchReady(group: &group, run: run) {
                        let completion = await nodes[alone].execute(run)
                        state.handle(.step(completion), group: &group, run: run)
                        continue
                    }
                    guard state.running > 0, let event = await group.next() else { break }
                    state.handle(event, group: &group, run: run)
                }
                // Stops the watcher; the group waits for it before returning.
                group.cancelAll()
                return state
            }
        }
        state.settleUnfinished(run: run)
        let finishedAt = clock.now
        let latency = startedAt.duration(to: finishedAt)

        // A run that recorded steps is finished in the journal before it returns: an unfinished
        // run is compensated by recovery once its lease expires.
        var journalFailure: (any Error)?
        if state.failure == nil, let saga, !saga.recorded.isEmpty {
            do {
                try await environment.sagaJournal.finish(runID: saga.id, outcome: .finished)
            } catch {
                journalFailure = error
            }
        }

        guard let failed = state.failure else {
            if let journalFailure, let saga {
                return await failOnJournal(journalFailure, saga: saga, state: state, run: run, latency: latency)
            }
            let report = state.report(correlationID: correlationID, latency: latency)
            let outcome: RunOutcome = report.isComplete ? .complete : .incomplete
            instruments.record(outcome, latency: latency)
            if outcome == .incomplete {
                environment.log(
                    .info,
                    "workflow incomplete; missing: \(report.missing.map(\.step).joined(separator: ", "))",
                    correlationID: correlationID
                )
            }
            return .success(WorkflowResult(output: result(input, run.values), report: report))
        }

        let compensations = await compensate(state.compensationOrder, run: run)
        await finishCompensated(run)
        let report = state.report(correlationID: correlationID, latency: latency)
        instruments.record(.failed, latency: latency)
        let completion = state.completions[failed]!
        let errorClass = completion.errorClass ?? .unknown
        let error = WorkflowError(
            workflow: environment.workflow,
            failedStep: nodes[failed].name,
            errorClass: errorClass,
            underlying: completion.error ?? CancellationError(),
            compensations: compensations,
            report: report
        )
        environment.log(.error, "\(error)", correlationID: correlationID, step: nodes[failed].name)
        return .failure(error)
    }

    /// Marks a failed run's saga compensated, when it recorded steps (a failure is logged: the
    /// recovery service finds nothing left to compensate and finishes it).
    private func finishCompensated(_ run: RunContext<Input>) async {
        guard let saga = run.saga, !saga.recorded.isEmpty else { return }
        do {
            try await environment.sagaJournal.finish(runID: saga.id, outcome: .compensated)
        } catch {
            environment.log(.warning, "saga journal: could not finish compensated run \(saga.id): \(error)", correlationID: run.correlationID)
        }
    }

    /// A run whose steps all succeeded but whose end could not be written to the journal: it
    /// fails and is compensated now, since recovery would compensate it after the caller was
    /// told it succeeded.
    private func failOnJournal(
        _ error: any Error,
        saga: RunSaga,
        state: RunState<Input, Output>,
        run: RunContext<Input>,
        latency: Duration
    ) async -> Result<WorkflowResult<Output>, WorkflowError> {
        let compensations = await compensate(state.compensationOrder, run: run)
        await finishCompensated(run)
        let report = state.report(correlationID: run.correlationID, latency: latency)
        instruments.record(.failed, latency: latency)
        let errorClass = environment.classifier.classify(error).errorClass
        let failure = WorkflowError(
            workflow: environment.workflow,
            failedStep: saga.recorded.last ?? "",
            errorClass: errorClass,
            underlying: error,
            compensations: compensations,
            report: report
        )
        environment.log(.error, "saga journal: could not finish the run (\(errorClass)); compensated: \(failure)", correlationID: run.correlationID)
        return .failure(failure)
    }

    /// Runs the compensations of `steps` (already in reverse completion order), one after the
    /// other.
    ///
    /// They run in an unstructured task that this function awaits: cancelling the caller does not
    /// propagate into it (unstructured tasks do not inherit cancellation), so compensations run
    /// to completion even when the caller gave up, each bounded by its own policy and the
    /// compensation timeout. Awaiting `value` of a non-throwing task cannot be interrupted, so
    /// the workflow returns only once every compensation has ended.
    private func compensate(_ steps: [Int], run: RunContext<Input>) async -> [CompensationReport] {
        guard !steps.isEmpty else { return [] }
        let nodes = self.nodes
        let task = Task(executorPreference: inheritedTaskExecutor()) {
            var reports: [CompensationReport] = []
            reports.reserveCapacity(steps.count)
            for index in steps {
                if let compensate = nodes[index].compensate, let report = await compensate(run) {
                    reports.append(report)
                }
            }
            return reports
        }
        return await task.value
    }
}

/// The mutable bookkeeping of one run, owned by the run loop (never shared with step tasks).
struct RunState<Input: Sendable, Output: Sendable> {
    let plan: WorkflowPlan<Input, Output>
    /// Dependencies each step still waits for.
    var waitingOn: [Int]
    var completions: [StepCompletion?]
    /// Steps that succeeded and have a compensation, in completion order.
    var completedCompensable: [Int] = []
    var running = 0
    /// The required step whose failure stopped the run.
    var failure: Int?
    let deadline: Deadline
    var deadlinePassed = false
    /// Reused between scheduling rounds to avoid allocating per completion.
    private var worklist: [Int] = []
    /// Awaited steps whose dependencies are done, to be launched by `launchReady`. Indices, not
    /// the steps' closures: an array of a concrete element type keeps its operations specialised
    /// in this generic code, and closures stored in a generic container are reabstracted through
    /// thunks that allocate.
    private var ready: [Int] = []

    init(plan: WorkflowPlan<Input, Output>, deadline: Deadline) {
        self.plan = plan
        self.deadline = deadline
        waitingOn = plan.dependencyCounts
        completions = Array(repeating: nil, count: plan.nodes.count)
        // At most every step is ready at once: one allocation per run instead of one per growth.
        ready.reserveCapacity(plan.nodes.count)
    }

    /// Whether new steps may still start (reads the clock: checked once per scheduling round).
    var isAccepting: Bool {
        guard failure == nil, !deadlinePassed, !Task.isCancelled else { return false }
        return !deadline.hasExpired
    }

    /// Compensable steps in reverse order of completion.
    var compensationOrder: [Int] { completedCompensable.reversed() }

    /// Starts the steps in `ready` (all dependencies done), resolving skipped and async steps at
    /// once and, transitively, the steps they release.
    mutating func schedule(_ ready: [Int], run: RunContext<Input>) {
        worklist.removeAll(keepingCapacity: true)
        worklist.append(contentsOf: ready)
        drainWorklist(run: run)
    }

    /// Launches the ready steps as child tasks — or, when a single step is ready, nothing else
    /// runs and its policies end it at the deadline, returns it for the caller to run inline.
    mutating func launchReady(group: inout TaskGroup<RunEvent>, run: RunContext<Input>) -> Int? {
        guard !ready.isEmpty else { return nil }
        defer { ready.removeAll(keepingCapacity: true) }
        running += ready.count
        if ready.count == 1, running == 1, plan.nodes[ready[0]].boundedByDeadline {
            return ready[0]
        }
        for index in ready {
            let node = plan.nodes[index]
            group.addTask { .step(await node.execute(run)) }
        }
        return nil
    }

    private mutating func drainWorklist(run: RunContext<Input>) {
        guard isAccepting else {
            worklist.removeAll(keepingCapacity: true)
            return
        }
        var cursor = 0
        while cursor < worklist.count {
            let index = worklist[cursor]
            cursor += 1
            let node = plan.nodes[index]
            if let condition = node.condition, !condition(run.input, run.values) {
                let now = run.environment.clock.now
                completions[index] = StepCompletion(index: index, outcome: .skipped, startedAt: now, finishedAt: now)
                node.instruments.record(.skipped, latency: .zero, retries: 0)
                releaseDependents(of: index)
                continue
            }
            switch node.work {
            case .awaited, .durable:
                ready.append(index)
            case .queued(let enqueue):
                let now = run.environment.clock.now
                let accepted = enqueue(run)
                let outcome: StepOutcome = accepted ? .enqueued : .dropped
                completions[index] = StepCompletion(index: index, outcome: outcome, startedAt: now, finishedAt: now)
                node.instruments.record(outcome, latency: .zero, retries: 0)
                if !accepted {
                    run.environment.log(.warning, "async step dropped: queue full or shut down", correlationID: run.correlationID, step: node.name)
                }
                releaseDependents(of: index)
            }
        }
        worklist.removeAll(keepingCapacity: true)
    }

    private mutating func releaseDependents(of index: Int) {
        for dependent in plan.dependents[index] {
            waitingOn[dependent] -= 1
            if waitingOn[dependent] == 0 { worklist.append(dependent) }
        }
    }

    mutating func handle(_ event: RunEvent, group: inout TaskGroup<RunEvent>, run: RunContext<Input>) {
        switch event {
        case .watcherStopped:
            break
        case .deadlinePassed:
            deadlinePassed = true
            group.cancelAll()
            run.environment.log(.warning, "workflow deadline passed; cancelling running steps", correlationID: run.correlationID)
        case .step(let completion):
            running -= 1
            let index = completion.index
            let node = plan.nodes[index]
            completions[index] = completion
            if completion.outcome == .succeeded || completion.mustCompensate, node.compensate != nil {
                completedCompensable.append(index)
            }
            // An async step handed to a durable queue ends `enqueued` or `dropped`: never a value.
            let missing = !completion.outcome.hasValue && !node.isAsync
            if missing {
                if !node.isOptional, failure == nil {
                    failure = index
                    group.cancelAll()
                } else if node.isOptional {
                    run.environment.log(
                        .warning,
                        "optional step \(completion.outcome) (\(completion.errorClass ?? .unknown)); continuing without its value",
                        correlationID: run.correlationID,
                        step: node.name
                    )
                }
            }
            if failure == nil {
                releaseDependents(of: index)
                drainWorklist(run: run)
            }
        }
    }

    /// Gives every step that never ran its outcome, and finds the failure when a required step
    /// could not run (deadline passed, caller cancelled).
    mutating func settleUnfinished(run: RunContext<Input>) {
        let outOfTime = deadlinePassed || deadline.hasExpired
        for index in completions.indices where completions[index] == nil {
            let node = plan.nodes[index]
            let completion: StepCompletion
            if failure == nil, outOfTime {
                completion = StepCompletion(
                    index: index,
                    outcome: .timedOut,
                    errorClass: .timeout,
                    error: TimeoutError(limit: plan.deadline)
                )
            } else if failure == nil {
                completion = StepCompletion(index: index, outcome: .notStarted, errorClass: .cancelled, error: CancellationError())
            } else {
                completion = StepCompletion(index: index, outcome: .notStarted)
            }
            completions[index] = completion
            node.instruments.record(completion.outcome, latency: .zero, retries: 0)
            if failure == nil, !node.isOptional {
                failure = index
            }
        }
    }

    func report(correlationID: String, latency: Duration) -> RunReport {
        var steps: [StepReport] = []
        steps.reserveCapacity(plan.nodes.count)
        for (index, node) in plan.nodes.enumerated() {
            let completion = completions[index] ?? StepCompletion(index: index, outcome: .notStarted)
            steps.append(
                StepReport(
                    step: node.name,
                    service: node.service,
                    isOptional: node.isOptional,
                    outcome: completion.outcome,
                    attempts: completion.attempts,
                    endpoint: completion.endpoint,
                    errorClass: completion.errorClass,
                    startedAt: completion.startedAt,
                    finishedAt: completion.finishedAt
                )
            )
        }
        return RunReport(workflow: plan.environment.workflow, correlationID: correlationID, steps: steps, latency: latency)
    }
}
