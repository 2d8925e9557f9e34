@testable import BatonGenerator
import BatonSpec
import Testing

/// What each kind of generated test looks like: a small spec in, the rendered test function out,
/// one test per scenario kind, so a reviewer sees what the lowering produces without reading the
/// golden files. (`scripts/check-generated` compiles and runs the goldens' equivalents.)
@Suite struct ScenarioSnippetTests {
    /// A saga with a cached read behind a fallback, an idempotent write with a compensation, a
    /// conditional write, an optional read and admission control.
    static let shop = """
        baton: 1
        name: Shop
        types:
          Level: { count: int }
        services:
          stock:
            timeout: 50ms
            operations:
              level:
                input: { sku: string }
                output: Level
                cache: { ttl: 10s, staleWhileRevalidate: 20s }
                retry: { maxAttempts: 2 }
              hold:
                input: { sku: string }
                output: { id: string }
                access: write
                idempotencyKey: sku
              release:
                input: { id: string }
                output: { id: string }
                access: write
          notes:
            timeout: 50ms
            operations:
              add: { input: { sku: string }, output: { id: string }, access: write }
              guess: { input: { sku: string }, output: Level }
              hint: { input: { sku: string }, output: { text: string } }
        workflows:
          buy:
            input: { sku: string, gift: bool }
            output: { count: int, hold: string, hint: string? }
            deadline: 1s
            admission: { rate: 10/s, burst: 3 }
            steps:
              level:
                call: stock.level
                with: { sku: $input.sku }
                fallback: { call: notes.guess, with: { sku: $input.sku } }
              hold:
                call: stock.hold
                with: { sku: $input.sku }
                after: [level]
                compensate: { call: stock.release, with: { id: $hold.id } }
              note:
                call: notes.add
                with: { sku: $input.sku }
                after: [hold]
                when: $input.gift
              hint:
                call: notes.hint
                with: { sku: $input.sku }
                optional: true
            result: { count: $level.count, hold: $hold.id, hint: $hint.text }
        """

    /// A routed, hedged read with a routing rule.
    static let maps = """
        baton: 1
        name: Maps
        services:
          routes:
            endpoints:
              - { url: "http://a", variant: fast }
              - { url: "http://b", variant: full }
            routing:
              rules:
                - { name: shed, when: "errorRate > 50%", use: { variant: fast } }
            timeout: 100ms
            operations:
              eta:
                input: { from: string }
                output: { minutes: int }
                hedge: { delay: 20ms }
        workflows:
          plan:
            input: { from: string }
            output: { minutes: int }
            deadline: 500ms
            steps:
              eta: { call: routes.eta, with: { from: $input.from } }
            result: { minutes: $eta.minutes }
        """

    /// The generated test function `name` (its doc comment included) from `spec`.
    func test(_ name: String, in spec: String) throws -> String {
        let code = try generate(resolve(spec), options: GeneratorOptions(testedModule: "Shop"))
        let tests = try #require(code.tests.first { $0.name.hasSuffix(".Tests.swift") }).contents
        let signature = try #require(tests.range(of: "    @Test(.timeLimit(.minutes(1))) func \(name)() async throws {\n"))
        let docStart = tests[..<signature.lowerBound].range(of: "\n\n", options: .backwards).map { tests.index($0.lowerBound, offsetBy: 2) }
        let end = try #require(tests[signature.upperBound...].range(of: "\n    }\n"))
        return String(tests[(docStart ?? signature.lowerBound)..<end.upperBound].dropLast())
    }

    /// Happy path: every step succeeds, inputs and start instants checked.
    @Test func happyPathEveryStepSucceedsInputsAndStartInstantsChecked() throws {
        #expect(try test("planHappyPath", in: Self.maps) == #"""
                /// Every step succeeds: the output is what `result` maps, each step got what its `with` maps, and each step started
                /// exactly when its last dependency finished.
                @Test(.timeLimit(.minutes(1))) func planHappyPath() async throws {
                    let clock = BatonTesting.ManualClock()
                    let world = MapsTestWorld(clock: clock, latency: MapsGeneratedTests.planLatency)
                    let run = Swift.Task {
                        try await world.orchestrator.plan(MapsFixtures.planInput, correlationID: "generated-test")
                    }
                    try await world.mocks.routes.eta.waitForCalls(count: 1)
                    clock.advance(to: BatonRuntime.BatonInstant.zero.advanced(by: Swift.Duration.microseconds(100)))
                    let result = try await run.value(waitingFor: "the `plan` run")
                    let input = MapsFixtures.planInput
                    let etaValue: RoutesEtaOutput = MapsFixtures.routesEtaOutput
                    #expect(result.output == PlanOutput(minutes: etaValue.minutes))
                    #expect(result.report.isComplete)
                    #expect(world.mocks.routes.eta.inputs == [RoutesEtaInput(from: input.from)])
                    #expect(
                        world.mocks.routes.eta.calls.map(\.startedAt) == [
                            BatonRuntime.BatonInstant.zero.advanced(by: Swift.Duration.seconds(0)),
                        ]
                    )
                    await world.orchestrator.shutdown()
                }
            """#)
    }

    /// A required step fails: the run throws, completed steps are compensated.
    @Test func aRequiredStepFailsTheRunThrowsCompletedStepsAreCompensated() throws {
        #expect(try test("buyFailsNote", in: Self.shop) == #"""
                /// The required step `note` fails: the run throws naming it, compensates what completed in reverse order exactly
                /// once, and starts nothing new.
                @Test(.timeLimit(.minutes(1))) func buyFailsNote() async throws {
                    let clock = BatonTesting.ManualClock()
                    let world = ShopTestWorld(
                        clock: clock,
                        latency: ShopGeneratedTests.buyLatency,
                        scripts: ["notes.add": .fail(BatonTesting.ScriptedError(.permanent))]
                    )
                    let run = Swift.Task {
                        try await world.orchestrator.buy(ShopFixtures.buyInput, correlationID: "generated-test")
                    }
                    try await world.mocks.stock.level.waitForCalls(count: 1)
                    try await world.mocks.notes.hint.waitForCalls(count: 1)
                    clock.advance(to: BatonRuntime.BatonInstant.zero.advanced(by: Swift.Duration.microseconds(100)))
                    try await world.mocks.stock.hold.waitForCalls(count: 1)
                    clock.advance(to: BatonRuntime.BatonInstant.zero.advanced(by: Swift.Duration.microseconds(300)))
                    try await world.mocks.notes.add.waitForCalls(count: 1)
                    clock.advance(to: BatonRuntime.BatonInstant.zero.advanced(by: Swift.Duration.microseconds(400)))
                    clock.advance(to: BatonRuntime.BatonInstant.zero.advanced(by: Swift.Duration.microseconds(600)))
                    let error = try #require(
                        await #expect(throws: BatonRuntime.WorkflowError.self) { try await run.value(waitingFor: "the `buy` run") }
                    )
                    #expect(error.failedStep == "note")
                    #expect(error.errorClass == .permanent)
                    let compensated = error.compensations.map(\.step)
                    #expect(compensated.sorted() == ["hold"])
                    #expect(world.mocks.stock.release.callCount == 1)
                    await world.orchestrator.shutdown()
                }
            """#)
    }

    /// An optional step fails: the run completes without its value.
    @Test func anOptionalStepFailsTheRunCompletesWithoutItsValue() throws {
        #expect(try test("buyWithoutHint", in: Self.shop) == #"""
                /// The optional step `hint` fails: the run completes without its value and says so.
                @Test(.timeLimit(.minutes(1))) func buyWithoutHint() async throws {
                    let clock = BatonTesting.ManualClock()
                    let world = ShopTestWorld(clock: clock, scripts: ["notes.hint": .fail(BatonTesting.ScriptedError(.permanent))])
                    let result = try await world.orchestrator.buy(ShopFixtures.buyInput)
                    let levelValue: Level = ShopFixtures.level
                    let holdValue: StockHoldOutput = ShopFixtures.stockHoldOutput
                    let hintValue: NotesHintOutput? = nil
                    #expect(result.output == BuyOutput(count: levelValue.count, hold: holdValue.id, hint: hintValue?.text))
                    #expect(!result.report.isComplete)
                    #expect(result.report.missing.map(\.step) == ["hint"])
                    #expect(result.report[step: "hint"]?.errorClass == .permanent)
                    await world.orchestrator.shutdown()
                }
            """#)
    }

    /// A fallback call provides the value.
    @Test func aFallbackCallProvidesTheValue() throws {
        #expect(try test("buyLevelFallsBack", in: Self.shop) == #"""
                /// `level` fails: its fallback provides the value and the report marks it degraded.
                @Test(.timeLimit(.minutes(1))) func buyLevelFallsBack() async throws {
                    let clock = BatonTesting.ManualClock()
                    let world = ShopTestWorld(clock: clock, scripts: ["stock.level": .fail(BatonTesting.ScriptedError(.permanent))])
                    let result = try await world.orchestrator.buy(ShopFixtures.buyInput)
                    let levelValue: Level = ShopFixtures.level
                    let holdValue: StockHoldOutput = ShopFixtures.stockHoldOutput
                    let hintValue: NotesHintOutput? = ShopFixtures.notesHintOutput
                    #expect(result.output == BuyOutput(count: levelValue.count, hold: holdValue.id, hint: hintValue?.text))
                    #expect(result.report[step: "level"]?.outcome == .fallback)
                    #expect(result.report.degraded.map(\.step).contains("level"))
                    #expect(world.mocks.notes.guess.callCount == 1)
                    await world.orchestrator.shutdown()
                }
            """#)
    }

    /// A `when` condition is false: the step is skipped.
    @Test func aWhenConditionIsFalseTheStepIsSkipped() throws {
        #expect(try test("buySkipsNote", in: Self.shop) == #"""
                /// The condition of `note` is false: the step is skipped and never called.
                @Test(.timeLimit(.minutes(1))) func buySkipsNote() async throws {
                    let clock = BatonTesting.ManualClock()
                    let world = ShopTestWorld(clock: clock)
                    var input = ShopFixtures.buyInput
                    input.gift = false
                    let result = try await world.orchestrator.buy(input)
                    #expect(world.mocks.notes.add.callCount == 0)
                    #expect(result.report[step: "note"]?.outcome == .skipped)
                    await world.orchestrator.shutdown()
                }
            """#)
    }

    /// A transient failure is retried.
    @Test func aTransientFailureIsRetried() throws {
        #expect(try test("buyRetriesLevel", in: Self.shop) == #"""
                /// A transient failure of `level` is retried, as its retry policy allows.
                @Test(.timeLimit(.minutes(1))) func buyRetriesLevel() async throws {
                    let clock = BatonTesting.ManualClock()
                    let world = ShopTestWorld(
                        clock: clock,
                        scripts: ["stock.level": .failFirst(BatonTesting.ScriptedError(.transient))]
                    )
                    let result = try await world.orchestrator.buy(ShopFixtures.buyInput)
                    #expect(world.mocks.stock.level.callCount == 2)
                    #expect(world.mocks.stock.level.calls.map(\.context.attempt) == [1, 2])
                    #expect(result.report[step: "level"]?.outcome == .succeeded)
                    #expect(result.report[step: "level"]?.attempts == 2)
                    await world.orchestrator.shutdown()
                }
            """#)
    }

    /// A write without a retry policy is not retried.
    @Test func aWriteWithoutARetryPolicyIsNotRetried() throws {
        #expect(try test("buyDoesNotRetryHold", in: Self.shop) == #"""
                /// `hold` is a write without a retry policy: a transient failure is not retried.
                @Test(.timeLimit(.minutes(1))) func buyDoesNotRetryHold() async throws {
                    let clock = BatonTesting.ManualClock()
                    let world = ShopTestWorld(
                        clock: clock,
                        scripts: ["stock.hold": .failFirst(BatonTesting.ScriptedError(.transient))]
                    )
                    let error = try #require(
                        await #expect(throws: BatonRuntime.WorkflowError.self) {
                            try await world.orchestrator.buy(ShopFixtures.buyInput)
                        }
                    )
                    #expect(error.failedStep == "hold")
                    #expect(world.mocks.stock.hold.callCount == 1)
                    await world.orchestrator.shutdown()
                }
            """#)
    }

    /// A hanging step meets the deadline.
    @Test func aHangingStepMeetsTheDeadline() throws {
        #expect(try test("planHangingEtaMeetsTheDeadline", in: Self.maps) == #"""
                /// `eta` hangs: the run ends by its 500ms deadline with a timeout.
                @Test(.timeLimit(.minutes(1))) func planHangingEtaMeetsTheDeadline() async throws {
                    let clock = BatonTesting.ManualClock()
                    let world = MapsTestWorld(clock: clock, scripts: ["routes.eta": .hang])
                    let run = Swift.Task {
                        try await world.orchestrator.plan(MapsFixtures.planInput, correlationID: "generated-test")
                    }
                    try await world.mocks.routes.eta.waitForCalls(count: 1)
                    clock.advance(to: BatonRuntime.BatonInstant.zero.advanced(by: Swift.Duration.milliseconds(500)))
                    let error = try #require(
                        await #expect(throws: BatonRuntime.WorkflowError.self) {
                            try await run.value(waitingFor: "the `plan` run")
                        }
                    )
                    #expect(error.errorClass == .timeout)
                    #expect(clock.now == BatonRuntime.BatonInstant.zero.advanced(by: Swift.Duration.milliseconds(500)))
                    await world.orchestrator.shutdown()
                }
            """#)
    }

    /// An idempotency key deduplicates a second run.
    @Test func anIdempotencyKeyDeduplicatesASecondRun() throws {
        #expect(try test("buyDeduplicatesHold", in: Self.shop) == #"""
                /// A second run with the same input carries `hold`'s idempotency key again: the remembered outcome is used and the
                /// operation is not called twice.
                @Test(.timeLimit(.minutes(1))) func buyDeduplicatesHold() async throws {
                    let clock = BatonTesting.ManualClock()
                    let world = ShopTestWorld(clock: clock)
                    _ = try await world.orchestrator.buy(ShopFixtures.buyInput)
                    let second = try await world.orchestrator.buy(ShopFixtures.buyInput)
                    #expect(second.report[step: "hold"]?.outcome == .succeeded)
                    #expect(second.report[step: "hold"]?.attempts == 0)
                    #expect(world.mocks.stock.hold.callCount == 1)
                    await world.orchestrator.shutdown()
                }
            """#)
    }

    /// A cache hit within the ttl.
    @Test func aCacheHitWithinTheTtl() throws {
        #expect(try test("buyCachesLevel", in: Self.shop) == #"""
                /// A second run within the ttl serves `level` from the cache without calling it.
                @Test(.timeLimit(.minutes(1))) func buyCachesLevel() async throws {
                    let clock = BatonTesting.ManualClock()
                    let world = ShopTestWorld(clock: clock)
                    let first = try await world.orchestrator.buy(ShopFixtures.buyInput)
                    let second = try await world.orchestrator.buy(ShopFixtures.buyInput)
                    #expect(second.output == first.output)
                    #expect(second.report[step: "level"]?.outcome == .cached(.fresh))
                    #expect(world.mocks.stock.level.callCount == 1)
                    await world.orchestrator.shutdown()
                }
            """#)
    }

    /// Stale-while-revalidate past the ttl.
    @Test func stalewhilerevalidatePastTheTtl() throws {
        #expect(try test("buyRevalidatesLevel", in: Self.shop) == #"""
                /// Past its ttl, `level` is served stale while one background refresh runs.
                @Test(.timeLimit(.minutes(1))) func buyRevalidatesLevel() async throws {
                    let clock = BatonTesting.ManualClock()
                    let world = ShopTestWorld(clock: clock)
                    let first = try await world.orchestrator.buy(ShopFixtures.buyInput)
                    clock.advance(by: Swift.Duration.seconds(20))
                    let second = try await world.orchestrator.buy(ShopFixtures.buyInput)
                    #expect(second.output == first.output)
                    #expect(second.report[step: "level"]?.outcome == .cached(.stale))
                    await world.orchestrator.shutdown()
                }
            """#)
    }

    /// A routing rule takes over once calls fail.
    @Test func aRoutingRuleTakesOverOnceCallsFail() throws {
        #expect(try test("planRoutesEtaByRule", in: Self.maps) == #"""
                /// While `routes` is healthy no rule routes it; once it fails every call, its rule `shed` takes over at the next
                /// evaluation.
                @Test(.timeLimit(.minutes(1))) func planRoutesEtaByRule() async throws {
                    let clock = BatonTesting.ManualClock()
                    let world = MapsTestWorld(clock: clock, scripts: ["routes.eta": .fail(BatonTesting.ScriptedError(.unknown))])
                    _ = try? await world.orchestrator.plan(MapsFixtures.planInput)
                    #expect(world.orchestrator.routingSnapshots["routes"]?.activeRule == nil)
                    clock.advance(by: Swift.Duration.seconds(1))
                    _ = try? await world.orchestrator.plan(MapsFixtures.planInput)
                    #expect(world.orchestrator.routingSnapshots["routes"]?.activeRule == "shed")
                    let last = try #require(world.mocks.routes.eta.calls.last)
                    #expect(last.context.endpoint?.variant == "fast", "calls go where the rule sends them")
                    await world.orchestrator.shutdown()
                }
            """#)
    }

    /// A hedge overtakes a slow first call.
    @Test func aHedgeOvertakesASlowFirstCall() throws {
        #expect(try test("planHedgesEta", in: Self.maps) == #"""
                /// A slow first call of `eta` is overtaken by a hedge sent after 20ms.
                @Test(.timeLimit(.minutes(1))) func planHedgesEta() async throws {
                    let clock = BatonTesting.ManualClock()
                    let world = MapsTestWorld(clock: clock, scripts: ["routes.eta": .slowFirst(Swift.Duration.milliseconds(200))])
                    let run = Swift.Task {
                        try await world.orchestrator.plan(MapsFixtures.planInput, correlationID: "generated-test")
                    }
                    try await world.mocks.routes.eta.waitForCalls(count: 1)
                    clock.advance(by: Swift.Duration.milliseconds(20))
                    let result = try await run.value(waitingFor: "the `plan` run")
                    #expect(world.mocks.routes.eta.callCount == 2)
                    #expect(
                        world.mocks.routes.eta.calls.map(\.startedAt) == [
                            BatonRuntime.BatonInstant.zero,
                            BatonRuntime.BatonInstant.zero.advanced(by: Swift.Duration.milliseconds(20)),
                        ]
                    )
                    #expect(result.report[step: "eta"]?.outcome == .succeeded)
                    #expect(result.report[step: "eta"]?.attempts == 2)
                    let endpoints = world.mocks.routes.eta.calls.map(\.context.endpoint)
                    try #require(endpoints.count == 2)
                    #expect(endpoints[0] != endpoints[1], "the hedge goes to another endpoint")
                    await world.orchestrator.shutdown()
                }
            """#)
    }

    /// Admission control refuses beyond the burst.
    @Test func admissionControlRefusesBeyondTheBurst() throws {
        #expect(try test("buyAdmissionRefusesBeyondTheBurst", in: Self.shop) == #"""
                /// Admission control admits a burst of 3 calls at one instant and refuses the next with a retry-after.
                @Test(.timeLimit(.minutes(1))) func buyAdmissionRefusesBeyondTheBurst() async throws {
                    let clock = BatonTesting.ManualClock()
                    let world = ShopTestWorld(clock: clock)
                    for _ in 0..<3 {
                        _ = try await world.orchestrator.buy(ShopFixtures.buyInput)
                    }
                    let error = try #require(
                        await #expect(throws: BatonRuntime.OverloadedError.self) {
                            try await world.orchestrator.buy(ShopFixtures.buyInput)
                        }
                    )
                    #expect(error.reason == .admissionRate)
                    #expect((error.retryAfter ?? .zero) > .zero)
                    await world.orchestrator.shutdown()
                }
            """#)
    }
}
