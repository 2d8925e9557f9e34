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
        var label: String
        var key: String
        var fixture: String
    }

    struct Workflow {
        var workflowName: String
        var latencyName: String
        var latencyTable: String?
        var tests: [String]
    }

    var header: String
    var module: String
    var typeImports: [String]
    var worldName: String
    var suiteName: String
    var orchestratorName: String
    var orchestratorArguments: String
    var services: [Service]
    var workflows: [Workflow]

    init(spec: ResolvedSpec, options: GeneratorOptions) {
        header = options.header(for: spec)
        module = options.testedModule ?? spec.name
        typeImports = Naming.typeImports(spec, module: module)
        worldName = spec.name + "TestWorld"
        suiteName = spec.name + "GeneratedTests"
        orchestratorName = Naming.orchestrator(spec.name)
        let fixtures = FixtureValues(spec: spec)
        services = spec.services.enumerated().map { index, service in
            Service(
                identifier: SwiftIdentifier.escaped(service.name),
                label: SwiftIdentifier.label(service.name),
                mockName: Naming.serviceMock(service.name),
                last: index == spec.services.count - 1,
                operations: service.operations.map { operation in
                    Operation(
                        label: SwiftIdentifier.label(operation.name),
                        key: SwiftLiteral.string(operation.ref.description),
                        fixture: fixtures.value(of: operation.output, path: [])
                    )
                }
            )
        }
        orchestratorArguments = spec.services
            .map { "\(SwiftIdentifier.label($0.name)): mocks.\(SwiftIdentifier.escaped($0.name))" }
            .joined(separator: ", ")
        let world = worldName
        workflows = spec.workflows.map { workflow in
            let writer = WorkflowTestWriter(spec: spec, workflow: workflow, world: world, fixtures: fixtures)
            return Workflow(
                workflowName: workflow.name,
                latencyName: writer.latencyName,
                latencyTable: writer.plan.isTimed ? writer.latencyTable : nil,
                tests: writer.tests()
            )
        }
    }
}

/// Writes the generated tests of one workflow.
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

    var upper: String { SwiftIdentifier.upperCamel(workflow.name) }
    var latencyName: String { SwiftIdentifier.lowerCamel(workflow.name) + "Latency" }
    var method: String { SwiftIdentifier.escaped(workflow.name) }
    var inputFixture: String { fixtures.value(of: workflow.input, path: []) }

    var latencyTable: String {
        let entries = plan.latency.keys.sorted().map { "\(SwiftLiteral.string($0.description)): \(PolicyPlan.duration(plan.latency[$0] ?? .zero))" }
        return "[" + entries.joined(separator: ", ") + "]"
    }

    func tests() -> [String] {
        var tests = [happyPath()]
        for step in workflow.steps where isolated(step) {
            if step.optional && step.fallback == nil { tests.append(optionalFailure(step)) }
            if let fallback = step.fallback, let test = fallbackTaken(step, fallback) { tests.append(test) }
            if !step.optional && step.fallback == nil && plan.isTimed, let test = requiredFailure(step) { tests.append(test) }
            if step.when != nil, let test = conditionFalse(step) { tests.append(test) }
        }
        if let step = workflow.steps.first(where: { isolated($0) && retriesTransientAtOnce($0) }) {
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
        if let step = workflow.steps.first(where: { isolated($0) && spec.operation($0.call)?.cache != nil }) {
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
        if let step = workflow.steps.first(where: { isolated($0) && fixedHedgeDelay($0) != nil }), let delay = fixedHedgeDelay(step) {
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

    /// The step's name as a Swift string literal, for `report[step:]`.
    private func stepName(_ step: ResolvedStep) -> String { SwiftLiteral.string(step.name) }

    private func mock(_ call: OperationRef) -> String {
        "world.mocks.\(SwiftIdentifier.escaped(call.service)).\(SwiftIdentifier.escaped(call.operation))"
    }

    private func instant(_ duration: Duration) -> String {
        "BatonRuntime.BatonInstant.zero.advanced(by: \(PolicyPlan.duration(duration)))"
    }

    private func local(_ step: String) -> String {
        SwiftIdentifier.escaped(SwiftIdentifier.lowerCamel(step) + "Value")
    }

    /// `let xValue: T = fixture` for every awaited step whose value can be referenced; `absent`
    /// steps are nil, `replaced` ones take the given expression.
    private func expectedValues(for expressions: [TypedExpression], absent: Set<String> = [], replaced: [String: String] = [:]) -> [String] {
        let needed = Set(expressions.flatMap(\.referencedSteps))
        var lines: [String] = []
        if expressions.contains(where: \.readsInput) { lines.append("let input = \(inputFixture)") }
        return lines + workflow.steps.filter { $0.mode == .await && needed.contains($0.name) }.map { step in
            let type = SwiftType.name(step.valueIsOptional ? step.outputType.optional : step.outputType)
            let runs = plan.timing[step.name]?.runs == true
            let value = !runs || absent.contains(step.name) ? "nil" : replaced[step.name] ?? fixtures.value(of: step.outputType, path: [])
            return "let \(local(step.name)): \(type) = \(value)"
        }
    }

    private var renderer: ExpressionRenderer {
        ExpressionRenderer(spec: spec) { step, _ in local(step) }
    }

    private var expectedOutput: String { renderer.render(workflow.result) }

    /// Every test has a time limit: a wrong expectation must fail, never hang the test process.
    private func header(_ name: String, _ summary: String) -> [String] {
        ["    /// \(summary)", "    @Test(.timeLimit(.minutes(1))) func \(SwiftIdentifier.lowerCamel(workflow.name) + name)() async throws {"]
    }

    private func worldLine(timed: Bool, scripts: [(OperationRef, String)] = []) -> String {
        var arguments = ["clock: clock"]
        // The suite's name, not `Self`: a spec type may be called `Self`.
        if timed { arguments.append("latency: \(spec.name)GeneratedTests.\(latencyName)") }
        if !scripts.isEmpty {
            arguments.append("scripts: [" + scripts.map { "\(SwiftLiteral.string($0.0.description)): \($0.1)" }.joined(separator: ", ") + "]")
        }
        return "        let world = \(world)(\(arguments.joined(separator: ", ")))"
    }

    /// The doc comment, signature, clock and world every generated test starts with.
    private func opening(_ name: String, _ summary: String, world: String) -> [String] {
        header(name, summary) + ["        let clock = BatonTesting.ManualClock()", world]
    }

    /// Moves the clock through the timeline up to `end`, waiting before each move for every step
    /// that has started by then to have called its mock.
    private func drive(until end: Duration) -> [String] {
        let times = Set(workflow.steps.compactMap { step -> Duration? in
            guard step.mode == .await, let time = plan.timing[step.name], time.runs, time.finish <= end, time.finish > .zero else { return nil }
            return time.finish
        }).sorted()
        var lines: [String] = []
        var awaited: [OperationRef: Int] = [:]
        for time in times {
            for (call, count) in plan.callsStarted(before: time) where awaited[call, default: 0] < count {
                lines.append("        try await \(mock(call)).waitForCalls(count: \(count))")
                awaited[call] = count
            }
            lines.append("        clock.advance(to: \(instant(time)))")
        }
        return lines
    }

    /// The started run's value, waited for at most BatonTesting's bound (a run the test's clock
    /// moves never stops would otherwise hang the test).
    private var runValue: String {
        "run.value(waitingFor: \(SwiftLiteral.string("the `\(workflow.name)` run")))"
    }

    private var run: String {
        "        let run = Swift.Task { try await world.orchestrator.\(method)(\(inputFixture), correlationID: \"generated-test\") }"
    }

    private func finish(_ lines: [String]) -> String {
        (lines + ["        await world.orchestrator.shutdown()", "    }"]).joined(separator: "\n")
    }

    private func fixedHedgeDelay(_ step: ResolvedStep) -> Duration? {
        guard case .fixed(let delay)? = step.policies.hedge?.delay, delay > .zero else { return nil }
        return delay
    }

    // MARK: Tests

    private func happyPath() -> String {
        let timed = plan.isTimed
        var lines = opening("HappyPath", "Every step succeeds: the output is what `result` maps, each step got what its `with` maps\(timed ? ", and each step started exactly when its last dependency finished" : "").", world: worldLine(timed: timed))
        lines.append(run)
        if timed { lines += drive(until: plan.timing.values.map(\.finish).max() ?? .zero) }
        lines.append("        let result = try await \(runValue)")
        let checkedInputs = workflow.steps.filter { $0.mode == .await && plan.useCount(of: $0.call) == 1 && plan.timing[$0.name]?.runs == true }
        lines += expectedValues(for: [workflow.result] + checkedInputs.map(\.with)).map { "        " + $0 }
        lines.append("        #expect(result.output == \(expectedOutput))")
        lines.append("        #expect(result.report.isComplete)")
        for step in workflow.steps where plan.useCount(of: step.call) == 1 {
            guard let time = plan.timing[step.name] else { continue }
            if !time.runs {
                lines.append("        #expect(\(mock(step.call)).callCount == 0, \"`\(step.name)` is skipped by its condition\")")
                continue
            }
            guard step.mode == .await else { continue }
            lines.append("        #expect(\(mock(step.call)).inputs == [\(renderer.render(step.with))])")
            if timed {
                lines.append("        #expect(\(mock(step.call)).calls.map(\\.startedAt) == [\(instant(time.start))])")
            }
        }
        return finish(lines)
    }

    private func optionalFailure(_ step: ResolvedStep) -> String {
        let errorClass = stickyClass(step)
        var lines = opening("Without\(SwiftIdentifier.upperCamel(step.name))", "The optional step `\(step.name)` fails: the run completes without its value and says so.", world: worldLine(timed: false, scripts: [(step.call, ".fail(BatonTesting.ScriptedError(.\(errorClass)))")]))
        lines.append("        let result = try await world.orchestrator.\(method)(\(inputFixture))")
        lines += expectedValues(for: [workflow.result], absent: [step.name]).map { "        " + $0 }
        lines.append("        #expect(result.output == \(expectedOutput))")
        lines.append("        #expect(!result.report.isComplete)")
        lines.append("        #expect(result.report.missing.map(\\.step) == [\(SwiftLiteral.string(step.name))])")
        lines.append("        #expect(result.report[step: \(stepName(step))]?.errorClass == .\(errorClass))")
        return finish(lines)
    }

    private func fallbackTaken(_ step: ResolvedStep, _ fallback: Fallback) -> String? {
        let errorClass = stickyClass(step)
        var replaced: [String: String] = [:]
        var checks: [String] = []
        switch fallback {
        case .value(let value):
            replaced[step.name] = renderer.render(value)
        case .call(let target, _, _):
            guard plan.useCount(of: target) == 1, target != step.call else { return nil }
            checks.append("        #expect(\(mock(target)).callCount == 1)")
        case .stale:
            return nil
        }
        var lines = opening("\(SwiftIdentifier.upperCamel(step.name))FallsBack", "`\(step.name)` fails: its fallback provides the value and the report marks it degraded.", world: worldLine(timed: false, scripts: [(step.call, ".fail(BatonTesting.ScriptedError(.\(errorClass)))")]))
        lines.append("        let result = try await world.orchestrator.\(method)(\(inputFixture))")
        lines += expectedValues(for: [workflow.result], replaced: replaced).map { "        " + $0 }
        lines.append("        #expect(result.output == \(expectedOutput))")
        lines.append("        #expect(result.report[step: \(stepName(step))]?.outcome == .fallback)")
        lines.append("        #expect(result.report.degraded.map(\\.step).contains(\(SwiftLiteral.string(step.name))))")
        lines += checks
        return finish(lines)
    }

    private func requiredFailure(_ step: ResolvedStep) -> String? {
        let errorClass = stickyClass(step)
        guard let failAt = plan.timing[step.name]?.finish else { return nil }
        let completed = plan.awaitedInFinishOrder.filter { (plan.timing[$0.name]?.finish ?? .zero) < failAt }
        let compensated = completed.filter { $0.compensate != nil }.reversed().map(\.name)
        let neverStarted = workflow.steps.filter { other in
            other.mode == .await && plan.useCount(of: other.call) == 1 && (plan.timing[other.name]?.start ?? .zero) > failAt
        }
        var lines = opening("Fails\(SwiftIdentifier.upperCamel(step.name))", "The required step `\(step.name)` fails: the run throws naming it, compensates what completed in reverse order exactly once, and starts nothing new.", world: worldLine(timed: true, scripts: [(step.call, ".fail(BatonTesting.ScriptedError(.\(errorClass)))")]))
        lines.append(run)
        lines += drive(until: failAt)
        lines.append("        let error = try #require(await #expect(throws: BatonRuntime.WorkflowError.self) { try await \(runValue) })")
        lines.append("        #expect(error.failedStep == \(SwiftLiteral.string(step.name)))")
        lines.append("        #expect(error.errorClass == .\(errorClass))")
        // Exactly the completed compensable steps, each once; where one of them depends on another
        // the order is forced (reverse completion), independent ones may have finished either way.
        lines.append("        let compensated = error.compensations.map(\\.step)")
        lines.append("        #expect(compensated.sorted() == [\(compensated.sorted().map(SwiftLiteral.string).joined(separator: ", "))])")
        for later in compensated {
            for earlier in workflow.graph.transitiveDependencies(of: later).sorted() where compensated.contains(earlier) {
                lines.append("        #expect(compensated.firstIndex(of: \(SwiftLiteral.string(later)))! < compensated.firstIndex(of: \(SwiftLiteral.string(earlier)))!, \"`\(later)` completed after `\(earlier)`, so it is compensated first\")")
            }
        }
        for name in compensated {
            guard let compensation = workflow.step(name)?.compensate, plan.useCount(of: compensation.call) == 1 else { continue }
            lines.append("        #expect(\(mock(compensation.call)).callCount == 1)")
        }
        for other in neverStarted {
            lines.append("        #expect(\(mock(other.call)).callCount == 0, \"`\(other.name)` starts after the failure\")")
        }
        return finish(lines)
    }

    private func conditionFalse(_ step: ResolvedStep) -> String? {
        guard let condition = step.when, case .input = condition.reference.root,
              let assignment = falsifying(condition) else { return nil }
        var lines = opening("Skips\(SwiftIdentifier.upperCamel(step.name))", "The condition of `\(step.name)` is false: the step is skipped and never called.", world: worldLine(timed: false))
        lines.append("        var input = \(inputFixture)")
        lines.append("        \(assignment)")
        lines.append("        let result = try await world.orchestrator.\(method)(input)")
        lines.append("        #expect(\(mock(step.call)).callCount == 0)")
        lines.append("        #expect(result.report[step: \(stepName(step))]?.outcome == .skipped)")
        return finish(lines)
    }

    /// `input.a.b = value` making the condition false, or nil when no such value is at hand.
    private func falsifying(_ condition: StepCondition) -> String? {
        var target = "input"
        var type = workflow.input
        for element in condition.reference.path {
            guard case .field(let name) = element,
                  let record = type.unwrapped.namedCore.flatMap({ spec.type(named: $0) }),
                  let field = record.field(name) else { return nil }
            target += (type.isOptional ? "?." : ".") + SwiftIdentifier.escaped(name)
            type = field.type
        }
        let value: String
        switch condition.test {
        case .isTrue: value = "false"
        case .isFalse: value = "true"
        case .notEquals(let literal): value = renderer.literal(literal, type: type)
        case .equals(let literal):
            switch literal {
            case .bool(let flag): value = flag ? "false" : "true"
            case .int(let number): value = "\(number &+ 1)"
            case .string(let text): value = SwiftLiteral.string(text + "-other")
            case .enumCase(let name):
                guard let other = type.unwrapped.namedCore.flatMap({ spec.type(named: $0) })?.cases.first(where: { $0.name != name }) else { return nil }
                value = renderer.literal(.enumCase(other.name), type: type)
            default: return nil
            }
        }
        return "\(target) = \(value)"
    }

    private func transientRetried(_ step: ResolvedStep) -> String {
        var lines = opening("Retries\(SwiftIdentifier.upperCamel(step.name))", "A transient failure of `\(step.name)` is retried, as its retry policy allows.", world: worldLine(timed: false, scripts: [(step.call, ".failFirst(BatonTesting.ScriptedError(.transient))")]))
        lines.append("        let result = try await world.orchestrator.\(method)(\(inputFixture))")
        lines.append("        #expect(\(mock(step.call)).callCount == 2)")
        lines.append("        #expect(\(mock(step.call)).calls.map(\\.context.attempt) == [1, 2])")
        if spec.service(named: step.call.service)?.endpoints.isEmpty == false {
            lines.append("        let endpoints = \(mock(step.call)).calls.map(\\.context.endpoint)")
            lines.append("        #expect(endpoints.allSatisfy { $0 != nil }, \"every attempt is routed\")")
            switch RoutingPrediction.retryMovesElsewhere(spec: spec, workflow: workflow, step: step) {
            case true?: lines.append("        #expect(endpoints[0] != endpoints[1], \"the retry goes to another endpoint\")")
            case false?: lines.append("        #expect(endpoints[0] == endpoints[1], \"the first endpoint is the only candidate\")")
            case nil: break
            }
        }
        lines.append("        #expect(result.report[step: \(stepName(step))]?.outcome == .succeeded)")
        lines.append("        #expect(result.report[step: \(stepName(step))]?.attempts == 2)")
        return finish(lines)
    }

    private func writeNotRetried(_ step: ResolvedStep) -> String {
        var lines = opening("DoesNotRetry\(SwiftIdentifier.upperCamel(step.name))", "`\(step.name)` is a write without an idempotency key: a transient failure is not retried.", world: worldLine(timed: false, scripts: [(step.call, ".failFirst(BatonTesting.ScriptedError(.transient))")]))
        if step.optional {
            lines.append("        let result = try await world.orchestrator.\(method)(\(inputFixture))")
            lines.append("        #expect(result.report[step: \(stepName(step))]?.outcome == .failed)")
        } else {
            lines.append("        let error = try #require(await #expect(throws: BatonRuntime.WorkflowError.self) { try await world.orchestrator.\(method)(\(inputFixture)) })")
            lines.append("        #expect(error.failedStep == \(SwiftLiteral.string(step.name)))")
        }
        lines.append("        #expect(\(mock(step.call)).callCount == 1)")
        return finish(lines)
    }

    private func idempotentWrite(_ step: ResolvedStep) -> String {
        var lines = opening(
            "Deduplicates\(SwiftIdentifier.upperCamel(step.name))",
            "A second run with the same input carries `\(step.name)`'s idempotency key again: the remembered outcome is used and the operation is not called twice.",
            world: worldLine(timed: false)
        )
        lines.append("        _ = try await world.orchestrator.\(method)(\(inputFixture))")
        lines.append("        let second = try await world.orchestrator.\(method)(\(inputFixture))")
        lines.append("        #expect(second.report[step: \(stepName(step))]?.outcome == .succeeded)")
        lines.append("        #expect(second.report[step: \(stepName(step))]?.attempts == 0)")
        lines.append("        #expect(\(mock(step.call)).callCount == 1)")
        return finish(lines)
    }

    /// With the clock standing still, the default class's bucket admits exactly its burst; the
    /// next call is refused with a retry-after, while another class (with a bucket of its own)
    /// still gets in.
    private func admissionRefuses(_ admission: Admission) -> String? {
        guard let limit = admission.limit ?? admission.classes.first?.limit else { return nil }
        let other = admission.classes.dropFirst().first
        let summary = "Admission control admits a burst of \(limit.burst) calls at one instant and refuses the next with a retry-after"
            + (other.map { "; the `\($0.name)` class has its own rate" } ?? "") + "."
        var lines = opening("AdmissionRefusesBeyondTheBurst", summary, world: worldLine(timed: false))
        lines.append("        for _ in 0..<\(limit.burst) {")
        lines.append("            _ = try await world.orchestrator.\(method)(\(inputFixture))")
        lines.append("        }")
        lines.append("        let error = try #require(await #expect(throws: BatonRuntime.OverloadedError.self) { try await world.orchestrator.\(method)(\(inputFixture)) })")
        lines.append("        #expect(error.reason == .admissionRate)")
        lines.append("        #expect((error.retryAfter ?? .zero) > .zero)")
        if let other {
            lines.append("        _ = try await world.orchestrator.\(method)(\(inputFixture), admissionClass: .\(SwiftIdentifier.escaped(other.name)))")
        }
        return finish(lines)
    }

    private func cacheHit(_ step: ResolvedStep) -> String {
        var lines = opening("Caches\(SwiftIdentifier.upperCamel(step.name))", "A second run within the ttl serves `\(step.name)` from the cache without calling it.", world: worldLine(timed: false))
        lines.append("        let first = try await world.orchestrator.\(method)(\(inputFixture))")
        lines.append("        let second = try await world.orchestrator.\(method)(\(inputFixture))")
        lines.append("        #expect(second.output == first.output)")
        lines.append("        #expect(second.report[step: \(stepName(step))]?.outcome == .cached(.fresh))")
        lines.append("        #expect(\(mock(step.call)).callCount == 1)")
        return finish(lines)
    }

    private func staleWhileRevalidate(_ step: ResolvedStep, cache: CachePolicy) -> String {
        let pastTTL = cache.ttl + cache.staleWhileRevalidate / 2
        var lines = opening("Revalidates\(SwiftIdentifier.upperCamel(step.name))", "Past its ttl, `\(step.name)` is served stale while one background refresh runs.", world: worldLine(timed: false))
        lines.append("        let first = try await world.orchestrator.\(method)(\(inputFixture))")
        lines.append("        clock.advance(by: \(PolicyPlan.duration(pastTTL)))")
        lines.append("        let second = try await world.orchestrator.\(method)(\(inputFixture))")
        lines.append("        #expect(second.output == first.output)")
        lines.append("        #expect(second.report[step: \(stepName(step))]?.outcome == .cached(.stale))")
        return finish(lines)
    }

    private func ruleSwitches(_ step: ResolvedStep, _ scenario: RoutingRuleScenario) -> String {
        let service = step.call.service
        let rules = spec.service(named: service)?.routing?.rules ?? []
        let name = RoutingRuleScenario.name(of: rules, at: scenario.failingRule)
        let before = scenario.healthyRule.map { "`\(RoutingRuleScenario.name(of: rules, at: $0))`" } ?? "no rule"
        let snapshot = "world.orchestrator.routingSnapshots[\(SwiftLiteral.string(service))]?.activeRule"
        var lines = opening(
            "Routes\(SwiftIdentifier.upperCamel(step.name))ByRule",
            "While `\(service)` is healthy \(before) routes it; once it fails every call, its rule `\(name)` takes over at the next evaluation.",
            world: worldLine(timed: false, scripts: [(step.call, ".fail(BatonTesting.ScriptedError(.\(scenario.errorClass.rawValue)))")])
        )
        lines.append("        _ = try? await world.orchestrator.\(method)(\(inputFixture))")
        lines.append("        #expect(\(snapshot) == \(scenario.healthyRule.map { SwiftLiteral.string(RoutingRuleScenario.name(of: rules, at: $0)) } ?? "nil"))")
        lines.append("        clock.advance(by: Swift.Duration.seconds(1))")
        lines.append("        _ = try? await world.orchestrator.\(method)(\(inputFixture))")
        lines.append("        #expect(\(snapshot) == \(SwiftLiteral.string(name)))")
        let rule = rules[scenario.failingRule]
        if rule.action.kind == .use {
            let check: String = switch rule.action.target {
            case .variant(let variant): "last.context.endpoint?.variant == \(SwiftLiteral.string(variant))"
            case .region(let region): "last.context.endpoint?.region == \(SwiftLiteral.string(region))"
            }
            lines.append("        let last = try #require(\(mock(step.call)).calls.last)")
            lines.append("        #expect(\(check), \"calls go where the rule sends them\")")
        }
        return finish(lines)
    }

    private func hedgeWins(_ step: ResolvedStep, delay: Duration) -> String {
        let slow = delay * 10
        var lines = opening("Hedges\(SwiftIdentifier.upperCamel(step.name))", "A slow first call of `\(step.name)` is overtaken by a hedge sent after \(delay.specText).", world: worldLine(timed: false, scripts: [(step.call, ".slowFirst(\(PolicyPlan.duration(slow)))")]))
        lines.append(run)
        lines.append("        try await \(mock(step.call)).waitForCalls(count: 1)")
        lines.append("        clock.advance(by: \(PolicyPlan.duration(delay)))")
        lines.append("        let result = try await \(runValue)")
        lines.append("        #expect(\(mock(step.call)).callCount == 2)")
        lines.append("        #expect(\(mock(step.call)).calls.map(\\.startedAt) == [BatonRuntime.BatonInstant.zero, \(instant(delay))])")
        lines.append("        #expect(result.report[step: \(stepName(step))]?.outcome == .succeeded)")
        lines.append("        #expect(result.report[step: \(stepName(step))]?.attempts == 2)")
        if spec.service(named: step.call.service)?.endpoints.isEmpty == false {
            // A hedge avoids the endpoints in use as a retry avoids the one that failed.
            switch RoutingPrediction.retryMovesElsewhere(spec: spec, workflow: workflow, step: step) {
            case true?:
                lines.append("        let endpoints = \(mock(step.call)).calls.map(\\.context.endpoint)")
                lines.append("        #expect(endpoints[0] != endpoints[1], \"the hedge goes to another endpoint\")")
            case false?:
                lines.append("        let endpoints = \(mock(step.call)).calls.map(\\.context.endpoint)")
                lines.append("        #expect(endpoints[0] == endpoints[1], \"the first endpoint is the only candidate\")")
            case nil: break
            }
        }
        return finish(lines)
    }

    private func hangingStep(_ step: ResolvedStep) -> String {
        let deadline = instant(workflow.deadline)
        var lines = opening("Hanging\(SwiftIdentifier.upperCamel(step.name))MeetsTheDeadline", "`\(step.name)` hangs: the run ends by its \(workflow.deadline.specText) deadline with a timeout.", world: worldLine(timed: false, scripts: [(step.call, ".hang")]))
        lines.append(run)
        lines.append("        try await \(mock(step.call)).waitForCalls(count: 1)")
        lines.append("        clock.advance(to: \(deadline))")
        lines.append("        let error = try #require(await #expect(throws: BatonRuntime.WorkflowError.self) { try await \(runValue) })")
        lines.append("        #expect(error.errorClass == .timeout)")
        lines.append("        #expect(clock.now == \(deadline))")
        return finish(lines)
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
