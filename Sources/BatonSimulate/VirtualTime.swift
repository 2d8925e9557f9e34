import BatonRuntime
import BatonTesting
import Foundation
import Synchronization

/// Runs async work in virtual time: every task of the work runs on one thread, in the order its
/// jobs were enqueued, and the clock moves — to the next sleeper's deadline — only when no job is
/// left to run, i.e. exactly when every task is parked.
///
/// This is the `Benchmarks/` harness's rule ("move virtual time only when every task is parked")
/// without its bookkeeping: instead of each task announcing how many sleepers it will park on,
/// the executor knows that nothing can run because its queue is empty. Child tasks inherit the
/// executor preference, and the runtime starts its unstructured tasks (compensations, async
/// step workers, cache refreshes) with the preference of the task that starts them, so a whole
/// simulation stays here. One thread and a FIFO queue make it deterministic: the same work gives
/// the same interleaving, the same random draws and the same output, on any machine and load.
final class VirtualTimeExecutor: TaskExecutor, @unchecked Sendable {
    // Why unchecked: `jobs`, `stopped` are only touched under `condition`.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var head = 0
    private var stopped = false
    let clock: ManualClock

    init(clock: ManualClock) {
        self.clock = clock
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Takes the next job, or `nil` when the queue is empty (compacting it then).
    private func next() -> UnownedJob? {
        condition.lock()
        defer { condition.unlock() }
        guard head < jobs.count else {
            jobs.removeAll(keepingCapacity: true)
            head = 0
            return nil
        }
        let job = jobs[head]
        head += 1
        return job
    }

    /// The thread's loop: run every job; when none is left, move the clock to the next deadline
    /// (which resumes the sleepers due then, enqueuing their jobs); when nobody sleeps either,
    /// wait for a job from outside (the work's first job) or the stop.
    private func drive() {
        let executor = asUnownedTaskExecutor()
        while true {
            if let job = next() {
                job.runSynchronously(on: executor)
                continue
            }
            // Once the work is done, time stands still: a background task left sleeping (none
            // of Baton's) stays parked instead of keeping this thread busy.
            if !isStopped, clock.advanceToNextDeadline() { continue }
            condition.lock()
            while head >= jobs.count, !stopped {
                condition.wait()
            }
            let done = stopped && head >= jobs.count
            condition.unlock()
            if done { return }
        }
    }

    private var isStopped: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopped
    }

    private func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    /// Runs `body` on a fresh executor and clock and returns its value. The caller waits (off the
    /// executor's thread) until the body has finished.
    static func run<T: Sendable>(_ body: @escaping @Sendable (ManualClock) async -> T) async -> T {
        let clock = ManualClock()
        let executor = VirtualTimeExecutor(clock: clock)
        let thread = Thread { executor.drive() }
        thread.stackSize = 8 << 20
        thread.start()
        let task = Task(executorPreference: executor) { await body(clock) }
        let value = await task.value
        executor.stop()
        return value
    }
}

/// Virtual time for harnesses: runs `body` with a fresh `ManualClock` (BatonTesting) that moves to
/// the next sleeper's deadline whenever every task of `body` is parked, on one thread, so the
/// same work always gives the same result. `baton simulate` runs in it; so can a generated
/// orchestrator (give it the clock) to compare the two.
public enum VirtualTime {
    /// Runs `body` to completion in virtual time and returns its value.
    public static func run<T: Sendable>(_ body: @escaping @Sendable (ManualClock) async -> T) async -> T {
        await VirtualTimeExecutor.run(body)
    }
}
