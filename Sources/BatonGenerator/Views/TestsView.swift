import BatonNaming
import BatonSpec

/// What `tests.mustache` renders: a test world and, per workflow, the tests its spec implies.
struct TestsView {
    struct Service {
        var identifier: String
        var label: String
        var mockName: String
        var last: Bool
        var operations: [Operation]
    }

    struct Operation {
        /// `label: BatonTesting.MockScript.behaviours(…)`, at sixteen spaces.
        var argument: String
    }

    struct Workflow {
        var workflowName: String
        var latencyName: String
        /// The latency dictionary, continuing a line at four spaces.
        var latencyTable: String?
        var tests: [Test]
    }

    /// One `@Test` function.
    struct Test {
        var docComment: String
        var name: String
        /// The statements, at eight spaces.
        var body: String
    }

    var header: String
    var module: String
    var typeImports: [String]
    var worldName: String
    var suiteName: String
    var orchestratorName: String
    /// `self.orchestrator = …(…)`, at eight spaces.
    var orchestratorInitialisation: String
    var services: [Service]
    var workflows: [Workflow]

    init(spec: ResolvedSpec, options: GeneratorOptions) throws {
        header = options.header(for: spec)
        module = options.testedModule ?? spec.name
        typeImports = TypeImports.scoped(spec, module: module)
        worldName = GeneratedNames.testWorld(spec: spec.name)
        suiteName = GeneratedNames.testSuite(spec: spec.name)
        orchestratorName = GeneratedNames.orchestrator(spec: spec.name)
        let fixtures = FixtureValues(spec: spec)
        let renderer = SwiftRenderer()
        services = spec.services.enumerated().map { index, service in
            Service(
                identifier: SwiftIdentifier.escaped(service.name),
                label: SwiftIdentifier.label(service.name),
                mockName: GeneratedNames.serviceMock(service.name),
                last: index == spec.services.count - 1,
                operations: service.operations.map { operation in
                    let behaviours = SwiftExpr.call("BatonTesting.MockScript.behaviours", [
                        .value(.text("scripts[\(SwiftLiteral.string(operation.ref.description))]")),
                        SwiftArgument("returning", fixtures.value(of: operation.output, path: [])),
                        SwiftArgument("after", .infix(.text("latency[\(SwiftLiteral.string(operation.ref.description))]"), "??", .text(".zero"))),
                    ])
                    let label = SwiftIdentifier.label(operation.name) + ": "
                    return Operation(argument: label + renderer.render(behaviours, indent: 16, column: 16 + label.count, trailing: 1))
                }
            )
        }
        let orchestrator = SwiftExpr.call(orchestratorName, spec.services.map {
            SwiftArgument(SwiftIdentifier.label($0.name), .text("mocks.\(SwiftIdentifier.escaped($0.name))"))
        } + [SwiftArgument("options", .text("options"))])
        orchestratorInitialisation = renderer.render(.assignment(.text("self.orchestrator"), orchestrator), indent: 8)
        let world = worldName
        workflows = try spec.workflows.map { workflow in
            let writer = WorkflowTestWriter(spec: spec, workflow: workflow, world: world, fixtures: fixtures)
            let latency = "    static let \(writer.latencyName): [Swift.String: Swift.Duration] = "
            return Workflow(
                workflowName: workflow.name,
                latencyName: writer.latencyName,
                latencyTable: writer.plan.isTimed ? renderer.render(writer.latencyTable, indent: 4, column: latency.count) : nil,
                tests: try writer.tests().map { test in
                    Test(
                        docComment: SwiftLiteral.docComment(test.summary, indent: "    "),
                        name: SwiftIdentifier.lowerCamel(workflow.name) + test.name,
                        body: renderer.render(test.body, indent: 8)
                    )
                }
            )
        }
    }
}

/// One generated test as data: what the scenario is called, what it promises, and its statements.
struct TestScenario {
    /// Appended to the workflow's name: `HappyPath` → `checkoutHappyPath()`.
    var name: String
    /// The doc comment: the promise the test checks, in a sentence.
    var summary: String
    var body: [SwiftStatement]
}

/// Lowers the tests one workflow's spec implies to ``TestScenario`` values: which scenarios apply
/// is decided from the spec and the ``TestPlan`` timeline, and each becomes statements.
private struct WorkflowTestWriter {
    let spec: ResolvedSpec
    let workflow: ResolvedWorkflow
    let world: String
    let fixtures: FixtureValues
    let plan: TestPlan

    init(spec: ResolvedSpec, workflow: ResolvedWorkflow, world: String, fixtures: FixtureValues) {
        self.spec = spec
        self.workflow = workflow
        self.world = world
        self.fixtures = fixtures
        plan = TestPlan(spec: spec, workflow: workflow)
    }

    var latencyName: String { SwiftIdentifier.lowerCamel(workflow.name) + "Latency" }
    var method: String { SwiftIdentifier.escaped(workflow.name) }
    var inputFixture: SwiftExpr { fixtures.value(of: workflow.input, path: []) }

    var latencyTable: SwiftExpr {
        .dictionary(plan.latency.keys.sorted().compactMap { operation in
            plan.latency[operation].map { SwiftDictionaryEntry(key: .text(SwiftLiteral.string(operation.description)), value: PolicyPlan.duration($0)) }
        })
    }

    func tests() throws -> [TestScenario] {
        var tests = [try happyPath()]
        for step in workflow.steps where isolated(step) {
            if step.optional && step.fallback == nil { tests.append(try optionalFailure(step)) }
            if let fallback = step.fallback, let test = try fallbackTaken(step, fallback) { tests.append(test) }
            if !step.optional && step.fallback == nil && plan.isTimed, let test = requiredFailure(step) { tests.append(test) }
            if step.when != nil, let test = try conditionFalse(step) { tests.append(test) }
        }
        if let step = workflow.steps.first(where: { isolated($0) && retriesTransientAtOnce($0) && budgetAllowsAnExtraAttempt($0) }) {
            tests.append(transientRetried(step))
        }
        if let step = workflow.steps.first(where: { isolated($0) && $0.policies.retry == nil && $0.fallback == nil && isWrite($0) }) {
            tests.append(writeNotRetried(step))
        }
        if let step = workflow.steps.first(where: { isolated($0) && !$0.optional && $0.fallback == nil && $0.dependencies.isEmpty }) {
            tests.append(hangingStep(step))
        }
        if let step = workflow.steps.first(where: { isolated($0) && spec.operation($0.call)?.idempotencyKey != nil }) {
            tests.append(idempotentWrite(step))
        }
        if let step = workflow.steps.first(where: { isolated($0) && spec.operation($0.call)?.cache != nil && !invalidatedByTheRun($0) }) {
            tests.append(cacheHit(step))
            if let cache = spec.operation(step.call)?.cache, cache.staleWhileRevalidate > .zero {
                tests.append(staleWhileRevalidate(step, cache: cache))
            }
        }
        if let (step, scenario) = workflow.steps.lazy.compactMap({ step in
            self.isolated(step) ? RoutingRuleScenario(spec: spec, workflow: workflow, step: step).map { (step, $0) } : nil
        }).first {
            tests.append(ruleSwitches(step, scenario))
        }
        if let step = workflow.steps.first(where: { isolated($0) && fixedHedgeDelay($0) != nil && budgetAllowsAnExtraAttempt($0) }),
           let delay = fixedHedgeDelay(step) {
            tests.append(hedgeWins(step, delay: delay))
        }
        if let admission = workflow.admission, let test = admissionRefuses(admission) {
            tests.append(test)
        }
        return tests
    }

    // MARK: Scenario helpers

    /// An awaited step that runs in the happy path and is the only user of its operation, so its
    /// mock's calls are its own.
    private func isolated(_ step: ResolvedStep) -> Bool {
        step.mode == .await && plan.timing[step.name]?.runs == true && plan.useCount(of: step.call) == 1
    }

    /// Whether a fresh orchestrator's retry budget grants `step` a retry or hedge on its first
    /// call: the budget allows `ratio × calls + minPerSecond × window` extra attempts, and only the
    /// step's own first attempt is certain to have been counted.
    private func budgetAllowsAnExtraAttempt(_ step: ResolvedStep) -> Bool {
        guard let budget = step.policies.retry?.budget else { return true }
        return budget.ratio + Double(budget.minPerSecond) * Double(PolicyPlan.retryBudgetWindow.components.seconds) >= 1
    }

    /// Whether a step of the workflow writes to an operation whose `invalidates` names `step`'s
    /// cached read, so that a second run may find the entry gone.
    private func invalidatedByTheRun(_ step: ResolvedStep) -> Bool {
        workflow.steps.contains { spec.operation($0.call)?.invalidates.contains(step.call) == true }
    }

    private func isWrite(_ step: ResolvedStep) -> Bool {
        spec.operation(step.call)?.access == .write
    }

    private func retriesTransientAtOnce(_ step: ResolvedStep) -> Bool {
        guard let retry = step.policies.retry else { return false }
        return retry.maxAttempts >= 2 && retry.retryOn.contains(.transient) && retry.backoff.jitter == .full
    }

    /// An error class the step does not retry, for failures that must stick.
    private func stickyClass(_ step: ResolvedStep) -> String {
        let retried = Set(step.policies.retry?.retryOn.map(\.rawValue) ?? [])
        return ["permanent", "unknown", "unavailable", "transient"].first { !retried.contains($0) } ?? "permanent"
    }

    private func fixedHedgeDelay(_ step: ResolvedStep) -> Duration? {
        guard case .fixed(let delay)? = step.policies.hedge?.delay, delay > .zero else { return nil }
        return delay
    }

    // MARK: Statement builders

    private func text(_ code: String) -> SwiftExpr { .text(code) }

    private func string(_ text: String) -> SwiftExpr { .text(SwiftLiteral.string(text)) }

    /// `#expect(condition)` or `#expect(condition, "message")`.
    private func expect(_ condition: SwiftExpr, _ message: String? = nil) -> SwiftStatement {
        .expression(.call("#expect", [.value(condition)] + (message.map { [.value(string($0))] } ?? [])))
    }

    /// `#expect(lhs == rhs)`.
    private func expect(_ lhs: SwiftExpr, equals rhs: SwiftExpr, _ message: String? = nil) -> SwiftStatement {
        expect(.infix(lhs, "==", rhs), message)
    }

    /// `let error = try #require(await #expect(throws: T.self) { try await body })`.
    private func expectError(_ type: String, from body: SwiftExpr) -> SwiftStatement {
        let thrown = SwiftExpr.call(.text("#expect"), [SwiftArgument("throws", text("\(type).self"))], trailing: SwiftClosure(nil, [.expression(.tryAwait(body))]))
        return .let("error", nil, .prefix("try ", .call("#require", [.value(.prefix("await ", thrown))])))
    }

    /// `report[step: "name"]?.member`.
    private func report(_ report: String, _ step: ResolvedStep, _ member: String) -> SwiftExpr {
        text("\(report)[step: \(SwiftLiteral.string(step.name))]?.\(member)")
    }

    private func mock(_ call: OperationRef) -> String {
        "world.mocks.\(SwiftIdentifier.escaped(call.service)).\(SwiftIdentifier.escaped(call.operation))"
    }

    private func mock(_ call: OperationRef, _ member: String) -> SwiftExpr {
        text(mock(call) + "." + member)
    }

    private func instant(_ duration: Duration) -> SwiftExpr {
        .call("BatonRuntime.BatonInstant.zero.advanced", [SwiftArgument("by", PolicyPlan.duration(duration))])
    }

    private func local(_ step: String) -> String {
        SwiftIdentifier.escaped(SwiftIdentifier.lowerCamel(step) + "Value")
    }

    /// `world.orchestrator.workflow(input…)`.
    private func call(_ input: SwiftExpr? = nil, _ more: [SwiftArgument] = []) -> SwiftExpr {
        .call("world.orchestrator.\(method)", [.value(input ?? inputFixture)] + more)
    }

    /// `let result = try await world.orchestrator.workflow(fixture)`.
    private func runOnce(_ name: String = "result") -> SwiftStatement {
        .let(name, nil, .tryAwait(call()))
    }

    /// `let xValue: T = fixture` for every awaited step whose value can be referenced; `absent`
    /// steps are nil, `replaced` ones take the given expression.
    private func expectedValues(for expressions: [TypedExpression], absent: Set<String> = [], replaced: [String: SwiftExpr] = [:]) -> [SwiftStatement] {
        let needed = Set(expressions.flatMap(\.referencedSteps))
        var statements: [SwiftStatement] = []
        if expressions.contains(where: \.readsInput) { statements.append(.let("input", nil, inputFixture)) }
        return statements + workflow.steps.filter { $0.mode == .await && needed.contains($0.name) }.map { step in
            let type = SwiftType.name(step.valueIsOptional ? step.outputType.optional : step.outputType)
            let runs = plan.timing[step.name]?.runs == true
            let value = !runs || absent.contains(step.name) ? text("nil") : replaced[step.name] ?? fixtures.value(of: step.outputType, path: [])
            return .let(local(step.name), type, value)
        }
    }

    private func expressions(at location: SourceLocation) -> ExpressionRenderer {
        ExpressionRenderer(spec: spec, stepValue: { step, _ in .text(local(step)) }, location: location)
    }

    private func expectedOutput() throws -> SwiftExpr {
        try expressions(at: workflow.location).expression(workflow.result)
    }

    /// `let world = CheckoutTestWorld(clock: clock, latency: …, scripts: […])`.
    private func worldDeclaration(timed: Bool, scripts: [(OperationRef, SwiftExpr)] = []) -> SwiftStatement {
        var arguments = [SwiftArgument("clock", text("clock"))]
        // The suite's name, not `Self`: a spec type may be called `Self`.
        if timed { arguments.append(SwiftArgument("latency", text("\(GeneratedNames.testSuite(spec: spec.name)).\(latencyName)"))) }
        if !scripts.isEmpty {
            arguments.append(SwiftArgument("scripts", .dictionary(scripts.map { SwiftDictionaryEntry(key: string($0.0.description), value: $0.1) })))
        }
        return .let("world", nil, .call(world, arguments))
    }

    /// `.fail(BatonTesting.ScriptedError(.class))`.
    private func failing(_ errorClass: String, first: Bool = false) -> SwiftExpr {
        .call(first ? ".failFirst" : ".fail", [.value(.call("BatonTesting.ScriptedError", [.value(text(".\(errorClass)"))]))])
    }

    /// A scenario: the clock and world every generated test starts with, the statements, and the
    /// orchestrator's shutdown.
    private func scenario(_ name: String, _ summary: String, world: SwiftStatement, _ body: [SwiftStatement]) -> TestScenario {
        TestScenario(
            name: name,
            summary: summary,
            body: [.let("clock", nil, .call("BatonTesting.ManualClock")), world] + body
                + [.expression(.prefix("await ", .call("world.orchestrator.shutdown")))]
        )
    }

    /// Moves the clock through the timeline up to `end`, waiting before each move for every step
    /// that has started by then to have called its mock.
    private func drive(until end: Duration) -> [SwiftStatement] {
        let times = Set(workflow.steps.compactMap { step -> Duration? in
            guard step.mode == .await, let time = plan.timing[step.name], time.runs, time.finish <= end, time.finish > .zero else { return nil }
            return time.finish
        }).sorted()
        var statements: [SwiftStatement] = []
        var awaited: [OperationRef: Int] = [:]
        for time in times {
            for (call, count) in plan.callsStarted(before: time) where awaited[call, default: 0] < count {
                statements.append(waitForCalls(call, count))
                awaited[call] = count
            }
            statements.append(.expression(.call("clock.advance", [SwiftArgument("to", instant(time))])))
        }
        return statements
    }

    /// `try await world.mocks.s.o.waitForCalls(count: n)`: bounded by BatonTesting.
    private func waitForCalls(_ call: OperationRef, _ count: Int) -> SwiftStatement {
        .expression(.tryAwait(.call("\(mock(call)).waitForCalls", [SwiftArgument("count", text("\(count)"))])))
    }

    /// `let run = Swift.Task { try await world.orchestrator.workflow(fixture, correlationID: "generated-test") }`.
    private var startRun: SwiftStatement {
        let body = SwiftClosure(nil, [.expression(.tryAwait(call(nil, [SwiftArgument("correlationID", string("generated-test"))])))])
        return .let("run", nil, .call(.text("Swift.Task"), [], trailing: body))
    }

    /// The started run's value, waited for at most BatonTesting's bound (a run the test's clock
    /// moves never stops would otherwise hang the test).
    private var runValue: SwiftExpr {
        .call("run.value", [SwiftArgument("waitingFor", string("the `\(workflow.name)` run"))])
    }

    /// `let endpoints = …`: the endpoint of each call of `step`'s operation, required to be two
    /// (the first call and its retry or hedge) before they are compared.
    private func endpoints(_ step: ResolvedStep) -> [SwiftStatement] {
        [
            .let("endpoints", nil, mock(step.call, "calls.map(\\.context.endpoint)")),
            .expression(.prefix("try ", .call("#require", [.value(.infix(text("endpoints.count"), "==", text("2")))]))),
        ]
    }

    /// Where a retry or hedge of `step` went compared with the first call, as far as the spec
    /// decides it (nothing when it depends on live state).
    private func endpointComparison(_ step: ResolvedStep, moved: String) -> [SwiftStatement] {
        switch RoutingPrediction.retryMovesElsewhere(spec: spec, workflow: workflow, step: step) {
        case true?: [expect(.infix(text("endpoints[0]"), "!=", text("endpoints[1]")), moved)]
        case false?: [expect(text("endpoints[0]"), equals: text("endpoints[1]"), "the first endpoint is the only candidate")]
        case nil: []
        }
    }

    // MARK: Tests

    private func happyPath() throws -> TestScenario {
        let timed = plan.isTimed
        var body = [startRun]
        if timed { body += drive(until: plan.timing.values.map(\.finish).max() ?? .zero) }
        body.append(.let("result", nil, .tryAwait(runValue)))
        let checkedInputs = workflow.steps.filter { $0.mode == .await && plan.useCount(of: $0.call) == 1 && plan.timing[$0.name]?.runs == true }
        body += expectedValues(for: [workflow.result] + checkedInputs.map(\.with))
        body.append(expect(text("result.output"), equals: try expectedOutput()))
        body.append(expect(text("result.report.isComplete")))
        for step in workflow.steps where plan.useCount(of: step.call) == 1 {
            guard let time = plan.timing[step.name] else { continue }
            if !time.runs {
                body.append(expect(mock(step.call, "callCount"), equals: text("0"), "`\(step.name)` is skipped by its condition"))
                continue
            }
            guard step.mode == .await else { continue }
            body.append(expect(mock(step.call, "inputs"), equals: .array([try expressions(at: step.location).expression(step.with)])))
            if timed {
                body.append(expect(mock(step.call, "calls.map(\\.startedAt)"), equals: .array([instant(time.start)])))
            }
        }
        let summary = "Every step succeeds: the output is what `result` maps, each step got what its `with` maps"
            + (timed ? ", and each step started exactly when its last dependency finished." : ".")
        return scenario("HappyPath", summary, world: worldDeclaration(timed: timed), body)
    }

    /// `missing` and the steps skipped because of it: a `when` that reads a missing value is
    /// false, whatever it compares, so its step is missing too (and so on down the graph).
    private func missingWith(_ missing: String) -> Set<String> {
        var absent: Set<String> = [missing]
        for name in workflow.graph.topologicalOrder {
            guard case .step(let root)? = workflow.step(name)?.when?.reference.root, absent.contains(root) else { continue }
            absent.insert(name)
        }
        return absent
    }

    /// Whether a `when` reads `step`'s value, directly or through the steps it skips.
    private func conditionsRead(_ step: ResolvedStep) -> Bool {
        missingWith(step.name).count > 1
    }

    private func optionalFailure(_ step: ResolvedStep) throws -> TestScenario {
        let errorClass = stickyClass(step)
        var body = [runOnce()]
        body += expectedValues(for: [workflow.result], absent: missingWith(step.name))
        body += [
            expect(text("result.output"), equals: try expectedOutput()),
            expect(.prefix("!", text("result.report.isComplete"))),
            expect(text("result.report.missing.map(\\.step)"), equals: .array([string(step.name)])),
            expect(report("result.report", step, "errorClass"), equals: text(".\(errorClass)")),
        ]
        return scenario(
            "Without\(SwiftIdentifier.upperCamel(step.name))",
            "The optional step `\(step.name)` fails: the run completes without its value and says so.",
            world: worldDeclaration(timed: false, scripts: [(step.call, failing(errorClass))]), body
        )
    }

    private func fallbackTaken(_ step: ResolvedStep, _ fallback: Fallback) throws -> TestScenario? {
        let errorClass = stickyClass(step)
        var replaced: [String: SwiftExpr] = [:]
        var checks: [SwiftStatement] = []
        switch fallback {
        case .value(let value):
            // The fallback value is not the fixture a `when` was decided on.
            guard !conditionsRead(step) else { return nil }
            replaced[step.name] = try expressions(at: step.location).expression(value)
        case .call(let target, _, _):
            guard plan.useCount(of: target) == 1, target != step.call else { return nil }
            checks.append(expect(mock(target, "callCount"), equals: text("1")))
        case .stale:
            return nil
        }
        var body = [runOnce()]
        body += expectedValues(for: [workflow.result], replaced: replaced)
        body += [
            expect(text("result.output"), equals: try expectedOutput()),
            expect(report("result.report", step, "outcome"), equals: text(".fallback")),
            expect(.call(.text("result.report.degraded.map(\\.step).contains"), [.value(string(step.name))], trailing: nil)),
        ]
        return scenario(
            "\(SwiftIdentifier.upperCamel(step.name))FallsBack",
            "`\(step.name)` fails: its fallback provides the value and the report marks it degraded.",
            world: worldDeclaration(timed: false, scripts: [(step.call, failing(errorClass))]), body + checks
        )
    }

    private func requiredFailure(_ step: ResolvedStep) -> TestScenario? {
        let errorClass = stickyClass(step)
        guard let failAt = plan.timing[step.name]?.finish else { return nil }
        let completed = plan.awaitedInFinishOrder.filter { (plan.timing[$0.name]?.finish ?? .zero) < failAt }
        let compensated = completed.filter { $0.compensate != nil }.reversed().map(\.name)
        let neverStarted = workflow.steps.filter { other in
            other.mode == .await && plan.useCount(of: other.call) == 1 && (plan.timing[other.name]?.start ?? .zero) > failAt
        }
        var body = [startRun]
        body += drive(until: failAt)
        body += [
            expectError("BatonRuntime.WorkflowError", from: runValue),
            expect(text("error.failedStep"), equals: string(step.name)),
            expect(text("error.errorClass"), equals: text(".\(errorClass)")),
            // Exactly the completed compensable steps, each once; where one of them depends on
            // another the order is forced (reverse completion), independent ones may have finished
            // either way.
            .let("compensated", nil, text("error.compensations.map(\\.step)")),
            expect(text("compensated.sorted()"), equals: .array(compensated.sorted().map(string))),
        ]
        for later in compensated {
            for earlier in workflow.graph.transitiveDependencies(of: later).sorted() where compensated.contains(earlier) {
                let position = { (name: String) in SwiftExpr.postfix(.call("compensated.firstIndex", [SwiftArgument("of", string(name))]), "!") }
                body.append(expect(.infix(position(later), "<", position(earlier)), "`\(later)` completed after `\(earlier)`, so it is compensated first"))
            }
        }
        for name in compensated {
            guard let compensation = workflow.step(name)?.compensate, plan.useCount(of: compensation.call) == 1 else { continue }
            body.append(expect(mock(compensation.call, "callCount"), equals: text("1")))
        }
        for other in neverStarted {
            body.append(expect(mock(other.call, "callCount"), equals: text("0"), "`\(other.name)` starts after the failure"))
        }
        return scenario(
            "Fails\(SwiftIdentifier.upperCamel(step.name))",
            "The required step `\(step.name)` fails: the run throws naming it, compensates what completed in reverse order exactly once, and starts nothing new.",
            world: worldDeclaration(timed: true, scripts: [(step.call, failing(errorClass))]), body
        )
    }

    private func conditionFalse(_ step: ResolvedStep) throws -> TestScenario? {
        guard let condition = step.when, case .input = condition.reference.root,
              let assignment = try falsifying(condition, at: step.location) else { return nil }
        let body: [SwiftStatement] = [
            .declaration(keyword: "var", name: "input", type: nil, value: inputFixture),
            assignment,
            .let("result", nil, .tryAwait(call(text("input")))),
            expect(mock(step.call, "callCount"), equals: text("0")),
            expect(report("result.report", step, "outcome"), equals: text(".skipped")),
        ]
        return scenario(
            "Skips\(SwiftIdentifier.upperCamel(step.name))",
            "The condition of `\(step.name)` is false: the step is skipped and never called.",
            world: worldDeclaration(timed: false), body
        )
    }

    /// `input.a.b = value` making the condition false, or nil when no such value is at hand.
    private func falsifying(_ condition: StepCondition, at location: SourceLocation) throws -> SwiftStatement? {
        var target = text("input")
        var type = workflow.input
        for element in condition.reference.path {
            guard case .field(let name) = element,
                  let record = type.unwrapped.namedCore.flatMap({ spec.type(named: $0) }),
                  let field = record.field(name) else { return nil }
            target = .member(type.isOptional ? .postfix(target, "?") : target, SwiftIdentifier.escaped(name))
            type = field.type
        }
        let value: SwiftExpr
        switch condition.test {
        case .isTrue: value = text("false")
        case .isFalse: value = text("true")
        case .notEquals(let literal): value = try expressions(at: location).literal(literal, type: type)
        case .equals(let literal):
            switch literal {
            case .bool(let flag): value = text(flag ? "false" : "true")
            case .int(let number): value = text("\(number &+ 1)")
            case .string(let text): value = string(text + "-other")
            case .enumCase(let name):
                guard let other = type.unwrapped.namedCore.flatMap({ spec.type(named: $0) })?.cases.first(where: { $0.name != name }) else { return nil }
                value = try expressions(at: location).literal(.enumCase(other.name), type: type)
            default: return nil
            }
        }
        return .assignment(target, value)
    }

    private func transientRetried(_ step: ResolvedStep) -> TestScenario {
        var body = [
            runOnce(),
            expect(mock(step.call, "callCount"), equals: text("2")),
            expect(mock(step.call, "calls.map(\\.context.attempt)"), equals: .array([text("1"), text("2")])),
        ]
        if spec.service(named: step.call.service)?.endpoints.isEmpty == false {
            body += endpoints(step)
            body.append(expect(text("endpoints.allSatisfy { $0 != nil }"), "every attempt is routed"))
            body += endpointComparison(step, moved: "the retry goes to another endpoint")
        }
        body += [
            expect(report("result.report", step, "outcome"), equals: text(".succeeded")),
            expect(report("result.report", step, "attempts"), equals: text("2")),
        ]
        return scenario(
            "Retries\(SwiftIdentifier.upperCamel(step.name))",
            "A transient failure of `\(step.name)` is retried, as its retry policy allows.",
            world: worldDeclaration(timed: false, scripts: [(step.call, failing("transient", first: true))]), body
        )
    }

    private func writeNotRetried(_ step: ResolvedStep) -> TestScenario {
        var body: [SwiftStatement]
        if step.optional {
            body = [runOnce(), expect(report("result.report", step, "outcome"), equals: text(".failed"))]
        } else {
            body = [expectError("BatonRuntime.WorkflowError", from: call()), expect(text("error.failedStep"), equals: string(step.name))]
        }
        body.append(expect(mock(step.call, "callCount"), equals: text("1")))
        let why = spec.operation(step.call)?.idempotencyKey == nil ? "is a write without an idempotency key" : "is a write without a retry policy"
        return scenario(
            "DoesNotRetry\(SwiftIdentifier.upperCamel(step.name))",
            "`\(step.name)` \(why): a transient failure is not retried.",
            world: worldDeclaration(timed: false, scripts: [(step.call, failing("transient", first: true))]), body
        )
    }

    private func idempotentWrite(_ step: ResolvedStep) -> TestScenario {
        scenario(
            "Deduplicates\(SwiftIdentifier.upperCamel(step.name))",
            "A second run with the same input carries `\(step.name)`'s idempotency key again: the remembered outcome is used and the operation is not called twice.",
            world: worldDeclaration(timed: false),
            [
                .assignment(text("_"), .tryAwait(call())),
                runOnce("second"),
                expect(report("second.report", step, "outcome"), equals: text(".succeeded")),
                expect(report("second.report", step, "attempts"), equals: text("0")),
                expect(mock(step.call, "callCount"), equals: text("1")),
            ]
        )
    }

    /// With the clock standing still, the default class's bucket admits exactly its burst; the
    /// next call is refused with a retry-after, while another class (with a bucket of its own)
    /// still gets in.
    private func admissionRefuses(_ admission: Admission) -> TestScenario? {
        guard let limit = admission.limit ?? admission.classes.first?.limit else { return nil }
        let other = admission.classes.dropFirst().first
        guard downstreamRateLimitsAdmit(runs: limit.burst + (other == nil ? 0 : 1)) else { return nil }
        let summary = "Admission control admits a burst of \(limit.burst) calls at one instant and refuses the next with a retry-after"
            + (other.map { "; the `\($0.name)` class has its own rate" } ?? "") + "."
        var body: [SwiftStatement] = [
            .forIn(pattern: "_", sequence: text("0..<\(limit.burst)"), body: [.assignment(text("_"), .tryAwait(call()))]),
            expectError("BatonRuntime.OverloadedError", from: call()),
            expect(text("error.reason"), equals: text(".admissionRate")),
            expect(.infix(.parenthesized(.infix(text("error.retryAfter"), "??", text(".zero"))), ">", text(".zero"))),
        ]
        if let other {
            body.append(.assignment(text("_"), .tryAwait(call(nil, [SwiftArgument("admissionClass", text(".\(SwiftIdentifier.escaped(other.name))"))]))))
        }
        return scenario("AdmissionRefusesBeyondTheBurst", summary, world: worldDeclaration(timed: false), body)
    }

    /// Whether every rate limiter the run's calls pass has the burst for `runs` runs at one
    /// instant (a limiter is shared by the steps calling its service with the same setting); a
    /// smaller one would refuse or hold calls on a clock that never moves.
    private func downstreamRateLimitsAdmit(runs: Int) -> Bool {
        let running = workflow.steps.filter { plan.timing[$0.name]?.runs == true }
        return running.allSatisfy { step in
            guard let limit = step.policies.rateLimit else { return true }
            let sharing = running.count { $0.call.service == step.call.service && $0.policies.rateLimit == limit }
            return limit.burst >= runs * sharing
        }
    }

    private func cacheHit(_ step: ResolvedStep) -> TestScenario {
        scenario(
            "Caches\(SwiftIdentifier.upperCamel(step.name))",
            "A second run within the ttl serves `\(step.name)` from the cache without calling it.",
            world: worldDeclaration(timed: false),
            [
                runOnce("first"),
                runOnce("second"),
                expect(text("second.output"), equals: text("first.output")),
                expect(report("second.report", step, "outcome"), equals: text(".cached(.fresh)")),
                expect(mock(step.call, "callCount"), equals: text("1")),
            ]
        )
    }

    private func staleWhileRevalidate(_ step: ResolvedStep, cache: CachePolicy) -> TestScenario {
        let pastTTL = cache.ttl + cache.staleWhileRevalidate / 2
        return scenario(
            "Revalidates\(SwiftIdentifier.upperCamel(step.name))",
            "Past its ttl, `\(step.name)` is served stale while one background refresh runs.",
            world: worldDeclaration(timed: false),
            [
                runOnce("first"),
                .expression(.call("clock.advance", [SwiftArgument("by", PolicyPlan.duration(pastTTL))])),
                runOnce("second"),
                expect(text("second.output"), equals: text("first.output")),
                expect(report("second.report", step, "outcome"), equals: text(".cached(.stale)")),
            ]
        )
    }

    private func ruleSwitches(_ step: ResolvedStep, _ scenario: RoutingRuleScenario) -> TestScenario {
        let service = step.call.service
        let rules = spec.service(named: service)?.routing?.rules ?? []
        let name = RoutingRuleScenario.name(of: rules, at: scenario.failingRule)
        let before = scenario.healthyRule.map { "`\(RoutingRuleScenario.name(of: rules, at: $0))`" } ?? "no rule"
        let snapshot = text("world.orchestrator.routingSnapshots[\(SwiftLiteral.string(service))]?.activeRule")
        let attempt = SwiftStatement.assignment(text("_"), .prefix("try? ", .prefix("await ", call())))
        var body: [SwiftStatement] = [
            attempt,
            expect(snapshot, equals: scenario.healthyRule.map { string(RoutingRuleScenario.name(of: rules, at: $0)) } ?? text("nil")),
            // The router evaluates its rules at most once per interval, on a call; the generated
            // router is given this interval explicitly.
            .expression(.call("clock.advance", [SwiftArgument("by", PolicyPlan.duration(PolicyPlan.ruleEvaluationInterval))])),
            attempt,
            expect(snapshot, equals: string(name)),
        ]
        let rule = rules[scenario.failingRule]
        if rule.action.kind == .use {
            let check: SwiftExpr = switch rule.action.target {
            case .variant(let variant): .infix(text("last.context.endpoint?.variant"), "==", string(variant))
            case .region(let region): .infix(text("last.context.endpoint?.region"), "==", string(region))
            }
            body.append(.let("last", nil, .prefix("try ", .call("#require", [.value(mock(step.call, "calls.last"))]))))
            body.append(expect(check, "calls go where the rule sends them"))
        }
        return self.scenario(
            "Routes\(SwiftIdentifier.upperCamel(step.name))ByRule",
            "While `\(service)` is healthy \(before) routes it; once it fails every call, its rule `\(name)` takes over at the next evaluation.",
            world: worldDeclaration(timed: false, scripts: [(step.call, failing(scenario.errorClass.rawValue))]), body
        )
    }

    private func hedgeWins(_ step: ResolvedStep, delay: Duration) -> TestScenario {
        let slow = delay * 10
        var body = [
            startRun,
            waitForCalls(step.call, 1),
            .expression(.call("clock.advance", [SwiftArgument("by", PolicyPlan.duration(delay))])),
            .let("result", nil, .tryAwait(runValue)),
            expect(mock(step.call, "callCount"), equals: text("2")),
            expect(mock(step.call, "calls.map(\\.startedAt)"), equals: .array([text("BatonRuntime.BatonInstant.zero"), instant(delay)])),
            expect(report("result.report", step, "outcome"), equals: text(".succeeded")),
            expect(report("result.report", step, "attempts"), equals: text("2")),
        ]
        // A hedge avoids the endpoints in use as a retry avoids the one that failed.
        let comparison = endpointComparison(step, moved: "the hedge goes to another endpoint")
        if !comparison.isEmpty { body += endpoints(step) + comparison }
        return scenario(
            "Hedges\(SwiftIdentifier.upperCamel(step.name))",
            "A slow first call of `\(step.name)` is overtaken by a hedge sent after \(delay.specText).",
            world: worldDeclaration(timed: false, scripts: [(step.call, .call(".slowFirst", [.value(PolicyPlan.duration(slow))]))]), body
        )
    }

    private func hangingStep(_ step: ResolvedStep) -> TestScenario {
        let deadline = instant(workflow.deadline)
        return scenario(
            "Hanging\(SwiftIdentifier.upperCamel(step.name))MeetsTheDeadline",
            "`\(step.name)` hangs: the run ends by its \(workflow.deadline.specText) deadline with a timeout.",
            world: worldDeclaration(timed: false, scripts: [(step.call, text(".hang"))]),
            [
                startRun,
                waitForCalls(step.call, 1),
                .expression(.call("clock.advance", [SwiftArgument("to", deadline)])),
                expectError("BatonRuntime.WorkflowError", from: runValue),
                expect(text("error.errorClass"), equals: text(".timeout")),
                expect(text("clock.now"), equals: deadline),
            ]
        )
    }
}

extension TypedExpression {
    /// Whether the expression reads `$input`.
    var readsInput: Bool {
        switch self {
        case .reference(let reference): if case .input = reference.root { true } else { false }
        case .literal, .null: false
        case .record(_, let fields): fields.contains { $0.value.readsInput }
        case .array(let items, _): items.contains(where: \.readsInput)
        case .dictionary(let entries, _): entries.contains { $0.value.readsInput }
        }
    }
}
