import Foundation

/// A task executor that runs every job on one dedicated thread and can tell when it has nothing
/// left to run.
///
/// The soak runs each workflow with this executor as its task executor preference: the run's
/// task, its step tasks and every structured child the runtime creates (attempt timeouts, the
/// deadline watcher) inherit it. "No job queued and none running" then means every task of the
/// run is suspended — sleeping on the manual clock or waiting for another task — which is the
/// exact moment time may move. No yields, no wall-clock waits.
final class SerialTaskExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var jobs: [UnownedJob] = []
    private var head = 0
    private var running = false
    private var stopped = false
    private var paused = false
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []
    private var thread: Thread?

    init(name: String = "baton.soak.executor") {
        let thread = Thread { [unowned self] in self.loop() }
        thread.name = name
        self.thread = thread
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.broadcast()
        condition.unlock()
    }

    /// Returns once no job is queued and none is running.
    func waitUntilIdle() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            condition.lock()
            if head == jobs.count, !running {
                condition.unlock()
                continuation.resume()
                return
            }
            idleWaiters.append(continuation)
            condition.unlock()
        }
    }

    /// Runs `body` (which may enqueue jobs, e.g. by moving the clock or cancelling a task) while no
    /// job runs, so the jobs it enqueues run in the order it enqueued them rather than racing it.
    func whilePaused(_ body: () -> Void) {
        condition.lock()
        paused = true
        while running { condition.wait() }
        condition.unlock()
        body()
        condition.lock()
        paused = false
        condition.broadcast()
        condition.unlock()
    }

    /// Ends the thread once the queue is empty.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private func loop() {
        let executor = asUnownedTaskExecutor()
        while true {
            condition.lock()
            while (head == jobs.count || paused), !stopped { condition.wait() }
            if head == jobs.count {
                condition.unlock()
                return
            }
            let job = jobs[head]
            head += 1
            if head == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                head = 0
            }
            running = true
            condition.unlock()

            job.runSynchronously(on: executor)

            condition.lock()
            running = false
            condition.broadcast()
            var waiters: [CheckedContinuation<Void, Never>] = []
            if head == jobs.count {
                waiters = idleWaiters
                idleWaiters.removeAll()
            }
            condition.unlock()
            for waiter in waiters { waiter.resume() }
        }
    }
}
