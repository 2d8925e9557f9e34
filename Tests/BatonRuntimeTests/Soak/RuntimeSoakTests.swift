import BatonRuntime
import BatonTesting
import Foundation
import Synchronization
import Testing


/// Chaos soak of the workflow executor (issue #8 item 3).
///
/// Each run builds a random workflow from a seeded generator (random dependencies; optional,
/// `when` and async steps; compensations, fallbacks, retries, attempt timeouts) whose fake calls
/// take random latencies on a manual clock, fail with every error class, hang (honouring
/// cancellation) or ignore cancellation for a while; some runs are cancelled by their caller.
/// Time moves only when every task of the run is suspended (see ``SerialTaskExecutor``), to the
/// next sleeper's deadline, so a run is a function of its seed.
///
/// After every run it checks:
/// - **no leak**: every call body that started has finished, nothing sleeps on the clock any
///   more, the executor is idle, and (after the background queue drained) the run's input was
///   freed;
/// - **deadline**: no attempt started at or after the deadline; the run's steps ended by the
///   deadline, or by the end of a call that ignored cancellation (the only legitimate overrun);
///   the compensations that follow take at most the compensation timeout each;
/// - **saga**: a failed run compensated exactly the steps that succeeded and have a compensation,
///   each once (one contiguous series of attempts, all with the derived key), in reverse order of
///   completion, all after the steps ended; a run that did not fail compensated nothing;
/// - **optional failures never fail a run**: the run fails if and only if a required step is
///   missing, and the failed step it names is required and missing;
/// - **report**: outcomes agree with the calls made (no call for skipped or not-started steps, a
///   succeeded step had a successful call, attempts ≥ calls).
///
/// Memory must stay flat: besides the exact per-run check that the run released its input (and
/// with it the run's context, values and closures), the heap in use (glibc's `malloc_info`) after
/// the warm-up and at the end of the soak must not differ by more than 4 MiB — asserted when
/// `BATON_MEMORY_CHECKS` is set (the soak then runs in a process of its own: other suites move the
/// process-wide heap), printed otherwise, and not measured under Thread Sanitizer (which replaces
/// the allocator).
///
/// `BATON_SOAK_RUNS` (default 10,000), `BATON_SOAK_SEED` (default: random, printed with any
/// failure) and `BATON_SOAK_FIRST` (index of the first run) reproduce a failure: run
/// `BATON_SOAK_SEED=s BATON_SOAK_FIRST=i BATON_SOAK_RUNS=1 swift test --filter RuntimeSoakTests`.
@Suite struct RuntimeSoakTests {
    static let environment = ProcessInfo.processInfo.environment

    @Test func chaosSoakOfTheExecutorKeepsItsInvariants() async throws {
        let runs = Int(Self.environment["BATON_SOAK_RUNS"] ?? "") ?? 10_000
        let first = Int(Self.environment["BATON_SOAK_FIRST"] ?? "") ?? 0
        let seed = UInt64(Self.environment["BATON_SOAK_SEED"] ?? "") ?? UInt64.random(in: 1...UInt64(UInt32.max))
        let executor = SerialTaskExecutor()
        defer { executor.stop() }
        let queue = AsyncStepQueue(capacity: 2, maxConcurrent: 1, telemetry: .disabled)
        let warmUp = min(runs / 5, 1_000)
        var heapAfterWarmUp: Int?
        let started = ContinuousClock.now
        let tally = SoakTally()

        for index in first..<(first + runs) {
            #if !BATON_TSAN_VISIBLE_LOCKS
            if index - first == warmUp { heapAfterWarmUp = Self.heapInUse() }
            #endif
            let runSeed = SoakRandom.runSeed(seed, index: index)
            let plan = SoakRunPlan(seed: runSeed)
            let problems = await SoakRun(plan: plan, seed: runSeed, executor: executor, queue: queue, tally: tally).execute()
            if !problems.isEmpty {
                Issue.record(
                    """
                    soak failed: BATON_SOAK_SEED=\(seed) BATON_SOAK_FIRST=\(index) BATON_SOAK_RUNS=1
                      \(problems.joined(separator: "\n  "))
                    plan: \(plan)
                    """
                )
                return
            }
        }
        await queue.shutdown()
        #expect(SoakToken.live.load(ordering: .relaxed) == 0, "seed \(seed): inputs still alive after the soak")
        let elapsed = started.duration(to: .now)
        // The heap is process-wide: other suites running beside the soak move it by tens of MiB,
        // so the bound is asserted only in a process of its own (`BATON_MEMORY_CHECKS`, a step of
        // `.ci/run`); otherwise the figures are printed. Under Thread Sanitizer (CI builds it with
        // BATON_TSAN_VISIBLE_LOCKS) the sanitizer's allocator replaces glibc's: no figure.
        #if BATON_TSAN_VISIBLE_LOCKS
        let heapAfterSoak: Int? = nil
        #else
        let heapAfterSoak = Self.heapInUse()
        #endif
        let assertsMemory = Self.environment["BATON_MEMORY_CHECKS"] != nil
        if let before = heapAfterWarmUp, let after = heapAfterSoak {
            // A leak of 500 bytes per run (one continuation, a task's error) over 8,000 runs
            // exceeds this.
            let growth = after - before
            print("soak: \(runs) runs, seed \(seed), \(elapsed), heap in use \(before >> 10) → \(after >> 10) KiB; \(tally)")
            if assertsMemory {
                #expect(growth < 4 << 20, "seed \(seed): the heap in use grew by \(growth) bytes over the soak")
            }
        } else {
            print("soak: \(runs) runs, seed \(seed), \(elapsed); \(tally)")
        }
    }

    /// Bytes allocated on the heap and not freed, process-wide, from glibc's `malloc_info` (the
    /// totals after the last arena: arena size minus free chunks, plus mmapped chunks); `nil`
    /// where it is not available.
    ///
    /// Unlike resident memory, this falls back when other suites running in the same process
    /// free what they allocated, so growth over the soak points at the soak's own leaks.
    static func heapInUse() -> Int? {
        typealias MallocInfo = @convention(c) (Int32, UnsafeMutablePointer<FILE>?) -> Int32
        guard let symbol = dlsym(nil, "malloc_info") else { return nil }
        let mallocInfo = unsafeBitCast(symbol, to: MallocInfo.self)
        var buffer: UnsafeMutablePointer<CChar>?
        var size = 0
        guard let stream = open_memstream(&buffer, &size) else { return nil }
        let status = mallocInfo(0, stream)
        fclose(stream)
        defer { free(buffer) }
        guard status == 0, let buffer else { return nil }
        let xml = String(cString: buffer)
        guard let lastHeap = xml.range(of: "</heap>", options: .backwards) else { return nil }
        let totals = xml[lastHeap.upperBound...]
        func value(_ tag: String) -> Int? {
            guard let start = totals.range(of: tag) else { return nil }
            let rest = totals[start.upperBound...]
            guard let open = rest.range(of: "size=\""), let close = rest[open.upperBound...].firstIndex(of: "\"") else { return nil }
            return Int(rest[open.upperBound..<close])
        }
        guard let system = value("<system type=\"current\""),
              let fast = value("<total type=\"fast\""),
              let free = value("<total type=\"rest\""),
              let mmap = value("<total type=\"mmap\"") else { return nil }
        return system - fast - free + mmap
    }
}

/// How a soak run ended, and when.
struct RunEnd: Sendable {
    var result: Result<WorkflowResult<Void>, any Error>
    var returnedAt: BatonInstant
}

/// One run of the soak: builds the plan's workflow, drives it on the manual clock and checks it.
struct SoakRun {
    let plan: SoakRunPlan
    let seed: UInt64
    let executor: SerialTaskExecutor
    let queue: AsyncStepQueue
    let clock = ManualClock()
    let ledger = SoakLedger()
    let tally: SoakTally

    func execute() async -> [String] {
        let workflow = build()
        let start = clock.now
        let deadline = start.advanced(by: .milliseconds(plan.deadline))
        let cancelAt = plan.cancelAfter.map { start.advanced(by: .milliseconds($0)) }
        let finished = Atomic<Bool>(false)
        let clock = self.clock
        let token = WeakToken()
        let runTask = Task<RunEnd, Never>(executorPreference: executor) {
            let input = SoakInput(token: SoakToken())
            token.set(input.token)
            let result: Result<WorkflowResult<Void>, any Error>
            do {
                result = .success(try await workflow.run(input, correlationID: "run"))
            } catch {
                result = .failure(error)
            }
            finished.store(true, ordering: .sequentiallyConsistent)
            return RunEnd(result: result, returnedAt: clock.now)
        }
        var cancelled = false
        var steps = 0
        var idleYields = 0
        while !finished.load(ordering: .sequentiallyConsistent) {
            await executor.waitUntilIdle()
            if finished.load(ordering: .sequentiallyConsistent) { break }
            if steps > 100_000 { return ["no progress after 100,000 clock steps (now \(clock.now), \(clock.sleeperCount) sleepers, next \(clock.nextDeadline.map { "\($0)" } ?? "-"))", "calls: " + ledger.calls.map { "s\($0.step) \($0.role) #\($0.attempt) \($0.startedAt)–\($0.endedAt.map { "\($0)" } ?? "running")" }.suffix(12).joined(separator: "; ")] }
            guard let next = clock.nextDeadline else {
                // Nothing sleeps and the executor is idle: the compensations are running on the
                // global pool (they are shielded from cancellation in an unstructured task).
                // They sleep on the clock or end the run; wait for either, a bounded number of
                // yields (they do no more than a few mock calls before either happens).
                idleYields += 1
                if idleYields > 1_000_000 {
                    return ["stuck: gave up after 1,000,000 yields waiting for the run to end or sleep on the clock (now \(clock.now))"]
                }
                await Task.yield()
                continue
            }
            idleYields = 0
            steps += 1
            if !cancelled, let cancelAt, cancelAt <= next {
                executor.whilePaused { clock.advance(to: cancelAt) }
                await executor.waitUntilIdle()
                executor.whilePaused { runTask.cancel() }
                cancelled = true
                continue
            }
            executor.whilePaused { clock.advance(to: next) }
        }
        let end = await runTask.value
        await executor.waitUntilIdle()
        await queue.drain()
        var problems = check(end.result, start: start, deadline: deadline, returnedAt: end.returnedAt)
        if token.isAlive { problems.insert("the run's input is still alive after the run returned and the queue drained", at: 0) }
        return problems
    }

    private func build() -> Workflow<SoakInput, Void> {
        let anyClock = clock.asAnyClock
        var builder = WorkflowBuilder<SoakInput>(
            workflow: "soak",
            deadline: .milliseconds(plan.deadline),
            compensationTimeout: .milliseconds(plan.compensationTimeout),
            clock: anyClock,
            random: .seeded(seed),
            telemetry: .disabled,
            asyncQueue: queue
        )
        var ids: [StepID] = []
        for (index, step) in plan.steps.enumerated() {
            let dependencies = step.dependencies.map { ids[$0] }
            var condition: (@Sendable (SoakInput, StepValues) -> Bool)?
            if let value = step.condition {
                condition = { _, _ in value }
            }
            let policy = step.policy.make(clock: anyClock, seed: seed &+ UInt64(index))
            let behaviours = step.behaviours
            if step.isAsync {
                ids.append(builder.asyncStep(step.name, service: "svc", dependsOn: dependencies, when: condition, policy: policy) { [self] _, _, context in
                    _ = try await call(step: index, role: .background, behaviours, context)
                })
                continue
            }
            var fallback: StepFallback<SoakInput, Int>?
            switch step.fallback {
            case nil: break
            case .value: fallback = .value(-1)
            case .call(let timeout, let behaviour):
                fallback = .call(policy: SoakPolicy.single(timeout: timeout).make(clock: anyClock, seed: 0)) { [self] _, _, context in
                    try await call(step: index, role: .fallback, [behaviour], context)
                }
            }
            var compensation: StepCompensation<SoakInput, Int>?
            if let undo = step.compensation {
                compensation = StepCompensation(policy: RetryImmediately(maxAttempts: step.compensationAttempts)) { [self] _, _, _, context in
                    _ = try await call(step: index, role: .compensation, undo, context)
                }
            }
            let key: StepKey<Int> = builder.step(
                step.name,
                service: "svc",
                dependsOn: dependencies,
                optional: step.optional,
                when: condition,
                policy: policy,
                fallback: fallback,
                compensation: compensation
            ) { [self] _, _, context in
                try await call(step: index, role: .primary, behaviours, context)
            }
            ids.append(key.id)
        }
        return builder.build { _, _ in () }
    }

    /// The fake downstream call: plays the behaviour of its attempt and logs start and end.
    private func call(step: Int, role: SoakLedger.Role, _ behaviours: [SoakBehaviour], _ context: CallContext) async throws -> Int {
        let startedAt = clock.now
        let behaviour = behaviours[min(max(context.attempt, 1), behaviours.count) - 1]
        var isStubborn = false
        if case .stubborn = behaviour { isStubborn = true }
        let entry = ledger.begin(step: step, role: role, context: context, at: startedAt, stubborn: isStubborn)
        var succeeded = false
        defer { ledger.end(entry, succeeded: succeeded, at: clock.now) }
        // A compensation's wait ends at its own deadline (it runs past the run's).
        let limit = role == .compensation ? context.deadline?.instant : nil
        func wait(_ milliseconds: Int) async throws {
            var until = startedAt.advanced(by: .milliseconds(milliseconds))
            if let limit, limit < until {
                until = limit
                if until > clock.now { try await clock.sleep(until: until) }
                throw TimeoutError(limit: .milliseconds(milliseconds))
            }
            if until > clock.now { try await clock.sleep(until: until) }
        }
        switch behaviour {
        case .succeed(let milliseconds):
            try await wait(milliseconds)
        case .fail(let errorClass, let milliseconds):
            try await wait(milliseconds)
            throw ScriptedError(errorClass, tag: step + 1)
        case .hang:
            try await wait(365 * 86_400_000)
        case .stubborn(let milliseconds):
            let clock = self.clock
            let until = startedAt.advanced(by: .milliseconds(milliseconds))
            await Task(executorPreference: executor) { try? await clock.sleep(until: until) }.value
        }
        succeeded = true
        return step
    }

    // MARK: - Invariants

    private func check(_ result: Result<WorkflowResult<Void>, any Error>, start: BatonInstant, deadline: BatonInstant, returnedAt: BatonInstant) -> [String] {
        var problems: [String] = []
        let calls = ledger.calls
        let report: RunReport
        var compensations: [CompensationReport] = []
        var failedStep: String?
        switch result {
        case .success(let success):
            report = success.report
        case .failure(let error as WorkflowError):
            report = error.report
            compensations = error.compensations
            failedStep = error.failedStep
        case .failure(let error):
            return ["the run threw \(type(of: error)) (\(error)), not WorkflowError"]
        }
        let describe = "report: \(report)\n  compensations: \(compensations)\n  calls: "
            + calls.map { "s\($0.step) \($0.role) #\($0.attempt) \($0.startedAt)–\($0.endedAt.map { "\($0)" } ?? "running") \($0.succeeded ? "ok" : "failed")" }.joined(separator: "; ")

        // No leak: every call ended, nothing sleeps, the input was released.
        if calls.contains(where: { $0.endedAt == nil }) { problems.append("a call is still running after the run returned") }
        if clock.sleeperCount != 0 { problems.append("\(clock.sleeperCount) tasks still sleep on the clock after the run returned") }

        // Deadline.
        let stepCalls = calls.filter { $0.role == .primary || $0.role == .fallback }
        for call in stepCalls where call.startedAt >= deadline {
            problems.append("s\(call.step) \(call.role) attempt \(call.attempt) started at \(call.startedAt), at or past the deadline \(deadline)")
        }
        let stepsEnded = start.advanced(by: report.latency)
        let overrun = stepCalls.filter(\.stubborn).compactMap(\.endedAt).max() ?? deadline
        if stepsEnded > max(deadline, overrun) {
            problems.append("steps ended at \(stepsEnded), after the deadline \(deadline) (calls ignoring cancellation ended by \(overrun))")
        }
        let compensationBudget = Duration.milliseconds(plan.compensationTimeout) * compensations.count
        if returnedAt > stepsEnded.advanced(by: compensationBudget) {
            problems.append("returned at \(returnedAt): compensations took longer than \(compensations.count) × the compensation timeout after \(stepsEnded)")
        }

        // Optional failures never fail the run; a failure names a required, missing step.
        let requiredMissing = plan.steps.indices.filter { !plan.steps[$0].optional && !plan.steps[$0].isAsync && report.steps[$0].isMissing }
        if let failedStep {
            guard let index = plan.steps.firstIndex(where: { $0.name == failedStep }) else {
                return problems + ["failed step \(failedStep) is unknown", describe]
            }
            if plan.steps[index].optional || plan.steps[index].isAsync { problems.append("the run failed at optional step \(failedStep)") }
            if !report.steps[index].isMissing { problems.append("the failed step \(failedStep) is \(report.steps[index].outcome)") }
        } else if !requiredMissing.isEmpty {
            problems.append("the run succeeded though required steps are missing: \(requiredMissing.map { plan.steps[$0].name })")
        }

        // Saga.
        let compensationCalls = calls.filter { $0.role == .compensation }
        if failedStep == nil {
            if !compensationCalls.isEmpty { problems.append("a run that did not fail compensated \(Set(compensationCalls.map(\.step)))") }
        } else {
            let expected = plan.steps.indices.filter { plan.steps[$0].compensation != nil && report.steps[$0].outcome == .succeeded }
            let reported = compensations.map(\.step)
            if Set(reported) != Set(expected.map { plan.steps[$0].name }) || reported.count != expected.count {
                problems.append("compensated \(reported), expected each of \(expected.map { plan.steps[$0].name }) once")
            }
            let finishes = reported.compactMap { name in report.steps.first { $0.step == name }?.finishedAt }
            if finishes.count == reported.count, zip(finishes, finishes.dropFirst()).contains(where: { $0 < $1 }) {
                problems.append("compensations \(reported) are not in reverse order of completion \(finishes)")
            }
            // The calls: one contiguous series per compensated step, in the reported order.
            var series: [Int] = []
            for call in compensationCalls where series.last != call.step { series.append(call.step) }
            if series.map({ plan.steps[$0].name }) != reported {
                problems.append("compensation calls went to \(series.map { plan.steps[$0].name }), reported \(reported)")
            }
            for call in compensationCalls {
                if call.key != "run:\(plan.steps[call.step].name):compensate" { problems.append("compensation of s\(call.step) carried key \(call.key ?? "nil")") }
                if call.startedAt < stepsEnded { problems.append("compensation of s\(call.step) started at \(call.startedAt), before the steps ended at \(stepsEnded)") }
            }
            for compensation in compensations {
                let made = compensationCalls.filter { plan.steps[$0.step].name == compensation.step }.count
                if made != compensation.attempts { problems.append("compensation of \(compensation.step) reports \(compensation.attempts) attempts, made \(made) calls") }
            }
        }

        // Report against the calls.
        for (index, step) in plan.steps.enumerated() where !step.isAsync {
            let stepReport = report.steps[index]
            let mine = stepCalls.filter { $0.step == index }
            switch stepReport.outcome {
            case .skipped, .notStarted:
                if !mine.isEmpty { problems.append("\(step.name) is \(stepReport.outcome) but made \(mine.count) calls") }
            case .succeeded:
                if !mine.contains(where: { $0.role == .primary && $0.succeeded }) { problems.append("\(step.name) succeeded without a successful call") }
            default:
                break
            }
            if mine.count > stepReport.attempts { problems.append("\(step.name) reports \(stepReport.attempts) attempts but made \(mine.count) calls") }
            if step.condition == false, stepReport.outcome != .skipped, stepReport.outcome != .notStarted, !stepReport.isMissing {
                problems.append("\(step.name) has a false condition but is \(stepReport.outcome)")
            }
        }
        tally.record(failed: failedStep != nil, compensations: compensations.count, calls: calls, cancelled: plan.cancelAfter != nil, incomplete: !report.isComplete)
        return problems.isEmpty ? [] : problems + [describe]
    }
}

/// What the soak exercised, printed at its end to show it covers the interesting paths.
final class SoakTally: Sendable, CustomStringConvertible {
    private struct Counts {
        var runs = 0, failed = 0, incomplete = 0, cancelled = 0, compensations = 0, calls = 0, stubborn = 0, hung = 0
    }

    private let counts = Lock(Counts())

    func record(failed: Bool, compensations: Int, calls: [SoakLedger.Call], cancelled: Bool, incomplete: Bool) {
        counts.withLock { counts in
            counts.runs += 1
            if failed { counts.failed += 1 }
            if incomplete { counts.incomplete += 1 }
            if cancelled { counts.cancelled += 1 }
            counts.compensations += compensations
            counts.calls += calls.count
            counts.stubborn += calls.filter(\.stubborn).count
        }
    }

    var description: String {
        let counts = self.counts.withLock { $0 }
        return "\(counts.failed) failed, \(counts.incomplete) incomplete, \(counts.cancelled) cancelled by the caller, "
            + "\(counts.compensations) compensations, \(counts.calls) calls (\(counts.stubborn) ignoring cancellation)"
    }
}

/// A weak reference to a run's input token.
final class WeakToken: Sendable {
    private let reference = Lock<Reference>(Reference())

    private struct Reference {
        weak var token: SoakToken?
    }

    func set(_ token: SoakToken) { reference.withLock { $0.token = token } }
    var isAlive: Bool { reference.withLock { $0.token != nil } }
}

