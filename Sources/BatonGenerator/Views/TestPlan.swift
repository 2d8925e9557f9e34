import BatonSpec

/// The scenario behind a workflow's generated tests: a latency per operation, the resulting
/// timeline of every step, and which `when` conditions hold for the fixtures.
///
/// Latencies are small and chosen so that no two steps finish at the same instant (each step's
/// operation gets `(index + 1) × 100µs`, nudged until finish times are distinct), which makes
/// completion order — and so compensation order — a fact the tests can state.
struct TestPlan {
    struct Timing {
        var start: Duration
        var finish: Duration
        /// False for `when` steps whose condition is false for the fixtures.
        var runs: Bool
    }

    let spec: ResolvedSpec
    let workflow: ResolvedWorkflow
    /// Latency of each operation's mock, by `service.operation`.
    private(set) var latency: [OperationRef: Duration] = [:]
    /// Each step's timing under the happy-path scenario.
    private(set) var timing: [String: Timing] = [:]
    /// Whether the timeline is usable: every latency inside its step's timeout, the whole run
    /// inside the deadline, and no two finish times equal.
    private(set) var isTimed = false

    init(spec: ResolvedSpec, workflow: ResolvedWorkflow) {
        self.spec = spec
        self.workflow = workflow
        // Only awaited steps get a latency: background (`mode: async`) calls must finish without
        // the clock moving, so that shutting the orchestrator down never waits on it.
        let calls = workflow.steps.filter { $0.mode == .await }.map(\.call)
        var distinct: [OperationRef] = []
        for call in calls where !distinct.contains(call) { distinct.append(call) }
        for (index, call) in distinct.enumerated() {
            latency[call] = .microseconds(100 * (index + 1))
        }
        // Nudge latencies until finish times are distinct (a handful of rounds at most).
        for round in 0..<64 {
            computeTimeline()
            guard let clash = firstClash() else { break }
            latency[clash, default: .zero] += .microseconds(7 + round)
        }
        isTimed = firstClash() == nil && fitsBudget()
    }

    private mutating func computeTimeline() {
        timing = [:]
        for name in workflow.graph.topologicalOrder {
            guard let step = workflow.step(name) else { continue }
            let start = step.dependencies.compactMap { timing[$0]?.finish }.max() ?? .zero
            let runs = step.when.map { FixtureEvaluator(spec: spec, workflow: workflow, plan: self).holds($0) } ?? true
            let duration = runs && step.mode == .await ? latency[step.call] ?? .zero : .zero
            timing[name] = Timing(start: start, finish: start + duration, runs: runs)
        }
    }

    /// An operation of a step whose finish time equals another's, if any.
    private func firstClash() -> OperationRef? {
        var seen: [Duration: String] = [:]
        for name in workflow.graph.topologicalOrder {
            guard let step = workflow.step(name), step.mode == .await, let time = timing[name], time.runs else { continue }
            if seen[time.finish] != nil { return step.call }
            seen[time.finish] = name
        }
        return nil
    }

    private func fitsBudget() -> Bool {
        for step in workflow.steps where step.mode == .await {
            if let timeout = step.policies.timeout, let latency = latency[step.call], latency * 2 > timeout { return false }
        }
        let end = timing.values.map(\.finish).max() ?? .zero
        return end * 2 <= workflow.deadline
    }

    /// Steps that run in the happy path and are awaited, by finish time.
    var awaitedInFinishOrder: [ResolvedStep] {
        workflow.steps
            .filter { $0.mode == .await && timing[$0.name]?.runs == true }
            .sorted { (timing[$0.name]?.finish ?? .zero) < (timing[$1.name]?.finish ?? .zero) }
    }

    /// How many times each operation is called by awaited steps that started before `instant`.
    func callsStarted(before instant: Duration) -> [(OperationRef, Int)] {
        var counts: [OperationRef: Int] = [:]
        var order: [OperationRef] = []
        for step in workflow.steps where step.mode == .await {
            guard let time = timing[step.name], time.runs, time.start < instant else { continue }
            if counts[step.call] == nil { order.append(step.call) }
            counts[step.call, default: 0] += 1
        }
        return order.map { ($0, counts[$0] ?? 0) }
    }

    /// How many call sites (steps, fallbacks, compensations) of the workflow use `operation`.
    func useCount(of operation: OperationRef) -> Int {
        var count = 0
        for step in workflow.steps {
            if step.call == operation { count += 1 }
            if case .call(let target, _, _) = step.fallback, target == operation { count += 1 }
            if step.compensate?.call == operation { count += 1 }
        }
        return count
    }
}

/// Decides `when` conditions for the fixture values, as the generated tests will see them.
struct FixtureEvaluator {
    let spec: ResolvedSpec
    let workflow: ResolvedWorkflow
    let plan: TestPlan

    func holds(_ condition: StepCondition) -> Bool {
        guard let value = value(of: condition.reference) else { return false }
        switch condition.test {
        case .isTrue: return value == .bool(true)
        case .isFalse: return value == .bool(false)
        case .equals(let literal): return value == literal
        case .notEquals(let literal): return value != literal
        }
    }

    /// The fixture value at the end of a reference, or nil when it is absent or not a scalar.
    func value(of reference: ValueReference) -> LiteralValue? {
        var type: TypeRef
        switch reference.root {
        case .input:
            type = workflow.input
        case .step(let name):
            guard let step = workflow.step(name), plan.timing[name]?.runs != false else { return nil }
            type = step.outputType
        }
        var label = "value"
        var seed = 1
        for element in reference.path {
            guard case .field(let name) = element,
                  let record = type.unwrapped.namedCore.flatMap({ spec.type(named: $0) }),
                  let index = record.fields.firstIndex(where: { $0.name == name })
            else { return nil }
            type = record.fields[index].type
            label = "\(record.name).\(name)"
            seed = index + 1
        }
        switch type.unwrapped {
        case .bool: return .bool(true)
        case .string: return .string(label)
        case .int: return .int(seed)
        case .named(let name):
            guard let first = spec.type(named: name)?.cases.first else { return nil }
            return .enumCase(first.name)
        default: return nil
        }
    }
}
