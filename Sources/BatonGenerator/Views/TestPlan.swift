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
    /// inside the deadline, no two finish times equal, and every mock call one of the timeline's.
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
        isTimed = firstClash() == nil && fitsBudget() && mockCallsFollowTheTimeline
    }

    /// Whether each awaited step that runs makes exactly one call of its operation's mock, so that
    /// a test can wait for the calls the timeline predicts. Not so when a background (`mode:
    /// async`) step calls the same operation (its calls count too, and would sleep on the clock),
    /// nor when a cached operation is called by two steps (the second may be served from the
    /// cache, or share the first one's call).
    private var mockCallsFollowTheTimeline: Bool {
        let awaited = workflow.steps.filter { $0.mode == .await }.map(\.call)
        for step in workflow.steps where step.mode == .async && awaited.contains(step.call) { return false }
        for call in Set(awaited) where spec.operation(call)?.cache != nil && awaited.count(where: { $0 == call }) > 1 {
            return false
        }
        return true
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

/// Decides `when` conditions for the fixture values, as the generated tests will see them: the
/// same comparison Swift makes, on the values `FixtureValues` builds.
struct FixtureEvaluator {
    let spec: ResolvedSpec
    let workflow: ResolvedWorkflow
    let plan: TestPlan

    /// A fixture's scalar in a form a literal compares with exactly: numbers and dates as
    /// canonical decimal text, UUIDs as 32 lowercase hex digits.
    enum Scalar: Equatable {
        case bool(Bool)
        case string(String)
        case int(Int)
        case double(Double)
        case decimal(String)
        case date(String)
        case uuid(String)
        case enumCase(String)
    }

    func holds(_ condition: StepCondition) -> Bool {
        // An absent value (a skipped step, an optional the fixture leaves nil) fails every test,
        // as the generated comparison of an optional does.
        guard let (value, type) = fixture(at: condition.reference) else { return false }
        switch condition.test {
        case .isTrue: return value == .bool(true)
        case .isFalse: return value == .bool(false)
        case .equals(let literal): return Self.scalar(literal, as: type).map { $0 == value } ?? false
        case .notEquals(let literal): return Self.scalar(literal, as: type).map { $0 != value } ?? true
        }
    }

    /// The fixture's scalar at the end of a reference and its type, or nil when it is absent or
    /// not a scalar.
    func fixture(at reference: ValueReference) -> (Scalar, TypeRef)? {
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
        var building: [String] = []
        for element in reference.path {
            guard case .field(let name) = element,
                  let record = type.unwrapped.namedCore.flatMap({ spec.type(named: $0) }),
                  let index = record.fields.firstIndex(where: { $0.name == name })
            else { return nil }
            building.append(record.name)
            type = record.fields[index].type
            // The fixtures stop recursion with nil (see FixtureValues.value(of:path:)).
            if type.isOptional, let core = type.unwrapped.namedCore, building.contains(core) { return nil }
            label = "\(record.name).\(name)"
            seed = index + 1
        }
        let scalar: Scalar
        switch type.unwrapped {
        case .bool: scalar = .bool(true)
        case .string: scalar = .string(label)
        case .int: scalar = .int(seed)
        case .double: scalar = .double(FixtureValues.double(seed: seed))
        case .decimal: scalar = .decimal(Self.canonicalDecimal("\(FixtureValues.decimalHundredths(seed: seed))e-2") ?? "")
        case .date: scalar = .date("\(FixtureValues.dateSeconds(seed: seed))")
        case .uuid: scalar = .uuid(FixtureValues.uuidBytes(seed: seed).map { String($0, radix: 16).leftPadded(to: 2) }.joined())
        case .named(let name):
            guard let first = spec.type(named: name)?.cases.first else { return nil }
            scalar = .enumCase(first.name)
        default: return nil
        }
        return (scalar, type.unwrapped)
    }

    /// A literal the checker accepted for `type`, as a ``Scalar`` of that type.
    static func scalar(_ literal: LiteralValue, as type: TypeRef) -> Scalar? {
        switch (type, literal) {
        case (.double, .double(let number)): .double(number)
        case (.double, .int(let number)): .double(Double(number))
        case (.decimal, .decimal(let text)): canonicalDecimal(text).map(Scalar.decimal)
        case (.decimal, .int(let number)): canonicalDecimal("\(number)").map(Scalar.decimal)
        case (.decimal, .double(let number)): canonicalDecimal("\(number)").map(Scalar.decimal)
        case (.date, .date(let text)), (.date, .string(let text)): RFC3339.epochSeconds(text).map(Scalar.date)
        case (.uuid, .uuid(let text)), (.uuid, .string(let text)):
            .uuid(String(text.lowercased().unicodeScalars.filter { $0 != "-" }))
        case (_, .bool(let flag)): .bool(flag)
        case (_, .string(let text)): .string(text)
        case (_, .int(let number)): .int(number)
        case (_, .double(let number)): .double(number)
        case (_, .enumCase(let name)): .enumCase(name)
        case (_, .decimal(let text)): canonicalDecimal(text).map(Scalar.decimal)
        case (_, .date(let text)): RFC3339.epochSeconds(text).map(Scalar.date)
        case (_, .uuid(let text)): .uuid(String(text.lowercased().unicodeScalars.filter { $0 != "-" }))
        }
    }

    /// Decimal text (`-012.50`, `1.5e3`, `125e-2`) in one canonical form (`-12.5`, `1500`,
    /// `1.25`), so that equal numbers compare equal; nil when it is not a number.
    static func canonicalDecimal(_ text: String) -> String? {
        var rest = Substring(text)
        var negative = false
        if let sign = rest.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            rest = rest.dropFirst()
        }
        var exponent = 0
        if let e = rest.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            guard let value = Int(rest[rest.index(after: e)...]) else { return nil }
            exponent = value
            rest = rest[..<e]
        }
        let parts = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !(parts[0].isEmpty && parts.count == 1) else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        var digits = Array(parts[0] + fraction)
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        // value = digits × 10^(exponent − fraction digits)
        var scale = fraction.count - exponent
        while scale < 0 { digits.append("0"); scale += 1 }
        while scale > 0, digits.last == "0" { digits.removeLast(); scale -= 1 }
        while digits.count <= scale { digits.insert("0", at: 0) }
        var whole = String(digits[..<(digits.count - scale)])
        while whole.count > 1, whole.first == "0" { whole.removeFirst() }
        let decimals = String(digits[(digits.count - scale)...])
        let magnitude = decimals.isEmpty ? whole : whole + "." + decimals
        return negative && magnitude != "0" ? "-" + magnitude : magnitude
    }
}
