import BatonLowering
import BatonRuntime
import BatonSpec
import BatonTesting
import Synchronization

/// How many runs, how many at a time, and the seed (spec-v1 §16 options).
public struct SimulationOptions: Sendable, Hashable {
    /// Runs of the workflow (default 10,000).
    public var runs: Int
    /// Callers running the workflow at the same time, each starting its next run as soon as its
    /// last one ended (default 1).
    public var concurrency: Int
    /// Seeds every random draw: latencies, failures, `when` shares and the runtime's own jitter.
    public var seed: UInt64

    /// Options; the defaults are spec-v1 §16's (10,000 runs, one caller) and seed 1.
    public init(runs: Int = 10_000, concurrency: Int = 1, seed: UInt64 = 1) {
        self.runs = runs
        self.concurrency = concurrency
        self.seed = seed
    }
}

/// A problem that stops a simulation before it starts (not a profile problem).
public struct SimulationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong and what to do about it.
    public var message: String

    /// An error with `message`.
    public init(_ message: String) {
        self.message = message
    }

    /// The message.
    public var description: String { message }
}

/// The input of one simulated run: its number (which keys every random draw of the run, so two
/// variants of a spec see the same latencies run by run) and the synthesized workflow input.
struct RunInput: Sendable {
    let run: UInt64
    let value: Value
}

/// Runs a workflow of a resolved model (spec-v1 §16) with the runtime's own policies, built from
/// the same lowering generated code is rendered from, against simulated services, on a virtual
/// clock.
///
/// No Swift is compiled: steps become `WorkflowBuilder` steps whose closures evaluate the spec's
/// expressions on dynamic values; simulated services sleep a latency drawn from the profile and
/// answer with a synthesized output or fail with the profile's error class.
public struct Simulator: Sendable {
    /// The spec simulated.
    public let spec: ResolvedSpec
    /// The workflow run.
    public let workflow: ResolvedWorkflow
    /// How the simulated services behave.
    public let profile: Profile
    let lowering: SpecLowering

    /// Prepares the simulation of `workflow`; throws when the spec has no such workflow.
    public init(spec: ResolvedSpec, workflow: String, profile: Profile) throws(SimulationError) {
        guard let resolved = spec.workflow(named: workflow) else {
            let hint = Suggest.didYouMean(workflow, in: spec.workflows.map(\.name)).map { " (\($0))" } ?? ""
            throw SimulationError("the spec has no workflow '\(workflow)'\(hint); its workflows are \(spec.workflows.map { "'\($0.name)'" }.joined(separator: ", "))")
        }
        self.spec = spec
        self.workflow = resolved
        self.profile = profile
        do {
            lowering = try SpecLowering(spec: spec)
        } catch {
            throw SimulationError(error.message)
        }
    }

    /// The operations the workflow can call (steps, fallbacks, compensations), in spec order.
    public var operations: [OperationRef] {
        var used = Set<OperationRef>()
        for step in workflow.steps {
            used.insert(step.call)
            if case .call(let target, _, _) = step.fallback { used.insert(target) }
            if let compensation = step.compensate { used.insert(compensation.call) }
        }
        return spec.services.flatMap { service in service.operations.map(\.ref).filter(used.contains) }
    }

    /// Runs the simulation in virtual time and returns its figures.
    public func run(_ options: SimulationOptions) async -> SimulationResult {
        let simulator = self
        return await VirtualTimeExecutor.run { clock in
            await simulator.simulate(options, clock: clock)
        }
    }

    private func simulate(_ options: SimulationOptions, clock: ManualClock) async -> SimulationResult {
        let anyClock = clock.asAnyClock
        let runtimeOptions = OrchestratorOptions(clock: anyClock, random: .seeded(options.seed), telemetry: .disabled)
        let operations = self.operations
        var tallies: [OperationRef: OperationTally] = [:]
        for operation in operations { tallies[operation] = OperationTally() }
        let built = RuntimeObjects(spec: spec, lowering: lowering, options: runtimeOptions)
        let sampler = ProfileSampler(simulator: self, seed: options.seed)
        let services = SimulatedServices(spec: spec, sampler: sampler, clock: anyClock)
        let asyncQueue = AsyncStepQueue(
            capacity: runtimeOptions.asyncQueueCapacity, maxConcurrent: runtimeOptions.asyncQueueConcurrency, telemetry: runtimeOptions.telemetry)
        let runnable = WorkflowInterpreter(
            spec: spec, workflow: workflow, lowering: lowering, built: built, services: services, tallies: tallies,
            options: runtimeOptions, asyncQueue: asyncQueue
        ).build()
        let admission = LoweredAdmission(workflow).map { lowered in
            AdmissionController(
                name: workflow.name, maxConcurrent: lowered.maxConcurrent,
                classes: lowered.classes.map { AdmissionController.CallerClass($0.name, rate: BatonRuntime.Rate($0.rate.count, per: $0.rate.per), burst: $0.burst) },
                clock: anyClock)
        }
        let synthesizer = ValueSynthesizer(spec: spec)
        let inputType = workflow.input
        let state = CallerState()
        let runs = max(options.runs, 0)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<max(options.concurrency, 1) {
                group.addTask {
                    while true {
                        let run = state.next.add(1, ordering: .relaxed).oldValue
                        guard run < runs else { return }
                        let input = RunInput(run: UInt64(run), value: synthesizer.make(inputType, seed: "run\(run)"))
                        let start = anyClock.now
                        var outcome: (success: Bool, complete: Bool) = (false, false)
                        do {
                            let result = if let admission {
                                try await runnable.run(input, correlationID: String(run), admission: admission)
                            } else {
                                try await runnable.run(input, correlationID: String(run))
                            }
                            outcome = (true, result.report.isComplete)
                        } catch {
                            outcome = (false, false)
                        }
                        let latency = start.duration(to: anyClock.now)
                        state.outcomes.withLock { $0.record(success: outcome.success, complete: outcome.complete, latency: latency) }
                    }
                }
            }
        }
        await asyncQueue.shutdown()
        await built.shutdown()
        let recorded = state.outcomes.withLock { $0 }
        return SimulationResult(
            workflow: workflow.name, runs: runs, concurrency: max(options.concurrency, 1), seed: options.seed,
            outcomes: recorded, calls: operations.map { ($0.description, tallies[$0]!.snapshot) })
    }
}

/// What the callers share: the next run's number and the outcomes.
private final class CallerState: Sendable {
    let next = Atomic<Int>(0)
    let outcomes = Mutex(RunOutcomes())
}

/// What the runs came to, before summarising.
struct RunOutcomes: Sendable {
    var successes = 0
    var completes = 0
    /// Latencies of the runs that produced output, in nanoseconds.
    var latencies: [Int64] = []

    mutating func record(success: Bool, complete: Bool, latency: Duration) {
        guard success else { return }
        successes += 1
        if complete { completes += 1 }
        latencies.append(latency.components.seconds * 1_000_000_000 + latency.components.attoseconds / 1_000_000_000)
    }
}

/// The simulated services: each attempt sleeps its latency on the virtual clock, then answers
/// with a synthesized output or fails with the profile's class.
struct SimulatedServices: Sendable {
    let sampler: ProfileSampler
    let outputs: [TypeRef]
    let synthesizer: ValueSynthesizer
    let clock: AnyClock

    init(spec: ResolvedSpec, sampler: ProfileSampler, clock: AnyClock) {
        self.sampler = sampler
        outputs = sampler.operations.map { spec.operation($0)?.output ?? .string }
        synthesizer = ValueSynthesizer(spec: spec)
        self.clock = clock
    }

    /// One attempt of operation number `operation` with `request` from step number `step` of run
    /// `run`. The output is a function of the operation and the request, as a real service's
    /// would be, so a cached value is the one the call would have returned.
    func call(_ operation: Int, request: Value, step: Int, run: UInt64, context: CallContext) async throws -> Value {
        let answer = sampler.attempt(operation: operation, step: step, run: run, attempt: context.attempt, endpoint: context.endpoint?.url)
        if answer.latency > .zero {
            try await clock.sleep(until: clock.now.advanced(by: answer.latency), tolerance: nil)
        }
        if let failure = answer.failure { throw SimulatedFailure(errorClass: failure) }
        return synthesizer.make(outputs[operation], seed: "\(sampler.operations[operation])#" + String(request.digest, radix: 16))
    }
}

/// What a profile says one attempt does: how long it takes and whether it fails.
///
/// Every draw is keyed by (seed, run, step, operation, attempt), not taken from a shared stream,
/// so a run's calls see the same latencies whatever else runs beside them and whichever variant
/// of the spec is simulated (common random numbers: `--compare` measures the change, not noise).
/// Public so that a harness around generated code can answer exactly as the simulator's services
/// do (the agreement test of the checkout example does).
public struct ProfileSampler: Sendable {
    /// The operations the workflow can call, in spec order (the simulator's numbering).
    public let operations: [OperationRef]
    let operationNumbers: [OperationRef: Int]
    /// Steps by name, numbered in the order generated code declares them.
    let stepNumbers: [String: Int]
    let behaviours: [Behaviour]
    let endpointBehaviours: [[String: Behaviour]]
    let shares: [String: Double]
    let seed: UInt64

    /// The sampler of `simulator`'s profile under `seed`: the draws its services make.
    public init(simulator: Simulator, seed: UInt64) {
        let spec = simulator.spec
        operations = simulator.operations
        var numbers: [OperationRef: Int] = [:]
        for (index, ref) in operations.enumerated() { numbers[ref] = index }
        operationNumbers = numbers
        var steps: [String: Int] = [:]
        for (index, name) in simulator.workflow.graph.topologicalOrder.enumerated() { steps[name] = index }
        stepNumbers = steps
        behaviours = operations.map { ref in
            (simulator.profile.services[ref.service] ?? ServiceProfile()).behaviour(operation: ref.operation, endpoint: nil)
        }
        endpointBehaviours = operations.map { ref in
            let service = simulator.profile.services[ref.service] ?? ServiceProfile()
            var perEndpoint: [String: Behaviour] = [:]
            for endpoint in spec.service(named: ref.service)?.endpoints ?? [] {
                perEndpoint[endpoint.url] = service.behaviour(operation: ref.operation, endpoint: endpoint.url)
            }
            return perEndpoint
        }
        shares = simulator.profile.when
        self.seed = seed
    }

    /// Attempt number `attempt` of `operation`, made by `step` in run `run` and sent to
    /// `endpoint`: its latency, and its error class when it fails.
    public func attempt(_ operation: OperationRef, step: String, run: UInt64, attempt: Int, endpoint: String?) -> (latency: Duration, failure: ErrorClass?) {
        guard let number = operationNumbers[operation] else { return (.zero, nil) }
        return self.attempt(operation: number, step: stepNumbers[step] ?? -1, run: run, attempt: attempt, endpoint: endpoint)
    }

    func attempt(operation: Int, step: Int, run: UInt64, attempt: Int, endpoint: String?) -> (latency: Duration, failure: ErrorClass?) {
        let behaviour = endpoint.flatMap { endpointBehaviours[operation][$0] } ?? behaviours[operation]
        let key = Draw.key(seed, run, UInt64(bitPattern: Int64(step)), UInt64(operation), UInt64(attempt))
        let latency = behaviour.latency?.sample(Draw.unit(key, 1), Draw.unit(key, 2)) ?? .zero
        let fails = (behaviour.errorRate ?? 0) > Draw.unit(key, 3)
        return (latency, fails ? behaviour.errorClass ?? .transient : nil)
    }

    /// Whether the `when` step `step` runs in run `run` (its profile share of runs; default all).
    public func runs(_ step: String, run: UInt64) -> Bool {
        let share = shares[step] ?? 1
        guard share < 1 else { return true }
        return Draw.unit(Draw.key(seed, run, UInt64(bitPattern: Int64(stepNumbers[step] ?? -1)), 0x5748_454E), 0) < share
    }
}

/// The error a simulated service fails with: of the profile's class.
struct SimulatedFailure: ClassifiedError, CustomStringConvertible {
    var errorClass: ErrorClass
    var description: String { "simulated \(errorClass) failure" }
}

/// Keyed random draws (SplitMix64 finalisers over the key's parts).
enum Draw {
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static func key(_ parts: UInt64...) -> UInt64 {
        parts.reduce(0x6A09_E667_F3BC_C908) { mix($0 ^ mix($1)) }
    }

    /// A uniform draw in [0, 1) for `key` and `salt`.
    static func unit(_ key: UInt64, _ salt: UInt64) -> Double {
        Double(mix(key ^ (salt &* 0xD1B5_4A32_D192_ED03)) >> 11) * 0x1.0p-53
    }
}
