import BatonRuntime
import BatonTesting
import Testing

/// Prints the executor's overhead on a 5-step diamond (a → b, c, d → e) against the same graph
/// written by hand with a task group. Never asserts on time: numbers depend on the machine and
/// the build configuration (run with `-c release` for meaningful figures).
/// DirectCall that claims to bound its attempts by the deadline: isolates the executor's own
/// cost from the deadline watcher's.
struct TrustedDirectCall: CallPolicy {
    var boundsAttemptsByRunDeadline: Bool { true }
    func run<T: Sendable>(_ context: CallContext, log: AttemptLog, _ call: @escaping @Sendable (CallContext) async throws -> T) async throws -> T {
        var context = context
        context.attempt = log.beginAttempt()
        return try await call(context)
    }
}

@Suite struct ExecutorOverheadMeasurement {
    @Sendable static func service(_ value: Int, context: CallContext) async throws -> Int { value + 1 }

    static func handWritten(_ input: Int) async throws -> Int {
        let a = try await service(input, context: CallContext(workflow: "w", step: "a", correlationID: "c"))
        let sum = try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask { try await service(a, context: CallContext(workflow: "w", step: "b", correlationID: "c")) }
            group.addTask { try await service(a, context: CallContext(workflow: "w", step: "c", correlationID: "c")) }
            group.addTask { try await service(a, context: CallContext(workflow: "w", step: "d", correlationID: "c")) }
            var sum = 0
            for try await value in group { sum += value }
            return sum
        }
        return try await service(sum, context: CallContext(workflow: "w", step: "e", correlationID: "c"))
    }

    /// The hand-written graph plus what any deadline-enforcing version needs: a child task
    /// sleeping until the deadline, cancelled at the end.
    static func handWrittenWithDeadlineWatcher(_ input: Int) async throws -> Int {
        let clock = AnyClock.continuous
        let deadline = clock.now.advanced(by: .seconds(10))
        return try await withThrowingTaskGroup(of: Int?.self) { outer in
            outer.addTask {
                try? await clock.sleep(until: deadline, tolerance: nil)
                return nil
            }
            let value = try await handWritten(input)
            outer.cancelAll()
            return value
        }
    }

    static func diamond(policy: any CallPolicy, telemetry: Telemetry) -> Workflow<Int, Int> {
        var builder = WorkflowBuilder<Int>(workflow: "w", deadline: .seconds(10), random: .seeded(1), telemetry: telemetry)
        let a: StepKey<Int> = builder.step("a", service: "s", policy: policy) { input, _, context in
            try await service(input, context: context)
        }
        let b: StepKey<Int> = builder.step("b", service: "s", dependsOn: [a.id], policy: policy) { _, values, context in
            try await service(values[a], context: context)
        }
        let c: StepKey<Int> = builder.step("c", service: "s", dependsOn: [a.id], policy: policy) { _, values, context in
            try await service(values[a], context: context)
        }
        let d: StepKey<Int> = builder.step("d", service: "s", dependsOn: [a.id], policy: policy) { _, values, context in
            try await service(values[a], context: context)
        }
        let e: StepKey<Int> = builder.step("e", service: "s", dependsOn: [b.id, c.id, d.id], policy: policy) { _, values, context in
            try await service(values[b] + values[c] + values[d], context: context)
        }
        return builder.build { _, values in values[e] }
    }

    static func measure(_ label: String, iterations: Int, _ body: () async throws -> Void) async rethrows -> Duration {
        for _ in 0..<(iterations / 10) { try await body() }  // warm up
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<iterations { try await body() }
        let perRun = (clock.now - start) / iterations
        print("[executor-overhead] \(label): \(perRun) per run")
        return perRun
    }

    @Test func diamondVersusHandWrittenTaskGroup() async throws {
        let iterations = 3_000
        let direct = Self.diamond(policy: DirectCall(), telemetry: .disabled)
        let trusted = Self.diamond(policy: TrustedDirectCall(), telemetry: .disabled)
        let singleAttempt = Self.diamond(policy: SingleAttempt(clock: .continuous), telemetry: .disabled)
        let correlationID = "bench"

        let baseline = try await Self.measure("hand-written task group", iterations: iterations) {
            _ = try await Self.handWritten(1)
        }
        let watched = try await Self.measure("hand-written + deadline watcher task", iterations: iterations) {
            _ = try await Self.handWrittenWithDeadlineWatcher(1)
        }
        let executor = try await Self.measure("executor, DirectCall policy, telemetry off", iterations: iterations) {
            _ = try await direct.run(1, correlationID: correlationID)
        }
        let noWatcher = try await Self.measure("executor, no deadline watcher (policies bound attempts)", iterations: iterations) {
            _ = try await trusted.run(1, correlationID: correlationID)
        }
        let generatedID = try await Self.measure("executor, generated correlation id", iterations: iterations) {
            _ = try await direct.run(1)
        }
        let withTimeouts = try await Self.measure("executor, SingleAttempt (attempts clipped to the deadline)", iterations: iterations) {
            _ = try await singleAttempt.run(1, correlationID: correlationID)
        }
        func ratio(_ value: Duration) -> String {
            let scaled = Int((value / baseline) * 100)
            return "\(scaled / 100).\(scaled % 100 < 10 ? "0" : "")\(scaled % 100)x"
        }
        print("[executor-overhead] ratios vs hand-written: with watcher \(ratio(watched)), executor \(ratio(executor)), executor without watcher \(ratio(noWatcher)), generated id \(ratio(generatedID)), with attempt timeouts \(ratio(withTimeouts))")
        #expect(try await direct.run(1).output == 10)
    }
}
