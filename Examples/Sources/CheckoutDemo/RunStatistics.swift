import BatonRuntime
import CheckoutSimulation
import Synchronization

/// How one checkout run ended, as its caller saw it.
enum RunEnding: Sendable {
    /// The workflow returned its output. The report says whether it is complete: an optional step
    /// (`stock`) may be missing, which makes the result partial.
    case succeeded(RunReport)
    /// A required step failed after its retries and fallback; the steps that had completed were
    /// compensated (the error lists how each compensation went).
    case failed(WorkflowError)
    /// Admission control turned the run away before it started (HTTP 429 in a server).
    case rejected(OverloadedError)
    /// Anything else. The generated orchestrator throws only the two errors above, so this
    /// stays at zero.
    case unexpected(any Error)
}

/// The figures behind the summary: every run's ending and latency, collected as runs finish.
///
/// Runs finish on many tasks at once, so the state sits behind a `Mutex`.
final class RunStatistics: Sendable {
    /// Successes and failures of one step's compensation.
    struct CompensationTally: Sendable {
        var succeeded = 0
        var failed = 0
    }

    struct State: Sendable {
        var started = 0
        var succeeded = 0
        /// Succeeded without some optional step's value.
        var partial = 0
        /// Succeeded, but with a fallback value, a stale cached value or a dropped background call.
        var degraded = 0
        var failed = 0
        var rejected = 0
        var unexpected = 0
        /// The first error that was neither a `WorkflowError` nor an `OverloadedError`.
        var firstUnexpectedError: String?
        /// Latency of every successful run, in the order they ended.
        var succeededLatencies: [Duration] = []
        /// Latency of every failed run, in the order they ended.
        var failedLatencies: [Duration] = []
        /// When each run ended (time since the load started) with its latency, for the progress
        /// line's recent percentile; trimmed as it goes.
        var recent: [(endedAt: Duration, latency: Duration)] = []
        /// The steps in the spec's order (taken from the first report).
        var steps: [String] = []
        /// In partial results: how often each (optional) step was missing.
        var missing: [String: Int] = [:]
        /// Count of each outcome (`StepOutcome.label`) of each step.
        var outcomes: [String: [String: Int]] = [:]
        /// The latency of each step that was called (cache hits included), by step.
        var stepLatencies: [String: [Duration]] = [:]
        /// Failed runs by the step that failed and its error class, e.g. `charge (transient)`.
        var failures: [String: Int] = [:]
        /// Compensations by the step they undid.
        var compensations: [String: CompensationTally] = [:]
    }

    private let state = Mutex(State())

    /// Counts a run that is about to start.
    func recordStart() {
        state.withLock { $0.started += 1 }
    }

    /// Records how a run ended, how long it took, and when (time since the load started).
    func record(_ ending: RunEnding, latency: Duration, endedAt: Duration) {
        state.withLock { state in
            switch ending {
            case .succeeded(let report):
                state.succeeded += 1
                if !report.isComplete {
                    state.partial += 1
                    for step in report.missing { state.missing[step.step, default: 0] += 1 }
                }
                if !report.degraded.isEmpty { state.degraded += 1 }
                state.succeededLatencies.append(latency)
                Self.count(report, into: &state)
            case .failed(let error):
                state.failed += 1
                state.failures["\(error.failedStep) (\(error.errorClass))", default: 0] += 1
                for compensation in error.compensations {
                    if compensation.succeeded {
                        state.compensations[compensation.step, default: CompensationTally()].succeeded += 1
                    } else {
                        state.compensations[compensation.step, default: CompensationTally()].failed += 1
                    }
                }
                state.failedLatencies.append(latency)
                Self.count(error.report, into: &state)
            case .rejected:
                state.rejected += 1
                return
            case .unexpected(let error):
                state.unexpected += 1
                if state.firstUnexpectedError == nil { state.firstUnexpectedError = "\(error)" }
                return
            }
            state.recent.append((endedAt, latency))
        }
    }

    private static func count(_ report: RunReport, into state: inout State) {
        if state.steps.isEmpty { state.steps = report.steps.map(\.step) }
        for step in report.steps {
            state.outcomes[step.step, default: [:]][step.outcome.label, default: 0] += 1
            let called = step.startedAt != nil && ![.skipped, .enqueued, .dropped, .notStarted].contains(step.outcome)
            if called {
                state.stepLatencies[step.step, default: []].append(step.latency)
            }
        }
    }

    /// Everything recorded so far.
    var snapshot: State { state.withLock { $0 } }

    /// The figures of the progress line at `now` (time since the load started).
    func progress(at now: Duration, window: Duration = .seconds(1)) -> Progress {
        state.withLock { state in
            state.recent.removeAll { $0.endedAt < now - window }
            let ended = state.succeeded + state.failed + state.rejected + state.unexpected
            return Progress(
                ended: ended,
                inFlight: state.started - ended,
                succeeded: state.succeeded,
                partial: state.partial,
                failed: state.failed,
                rejected: state.rejected,
                recentP99: percentile(0.99, of: state.recent.map(\.latency).sorted())
            )
        }
    }

    /// The figures of one progress line.
    struct Progress: Sendable {
        var ended: Int
        var inFlight: Int
        var succeeded: Int
        var partial: Int
        var failed: Int
        var rejected: Int
        /// The p99 latency of the runs that ended in the last second.
        var recentP99: Duration?
    }
}

/// The `q`-th quantile (0 < q ≤ 1) of `sorted` by the nearest-rank method: the smallest value
/// that at least a share `q` of the values do not exceed. `nil` when there are no values.
func percentile(_ q: Double, of sorted: [Duration]) -> Duration? {
    guard !sorted.isEmpty else { return nil }
    let rank = Int((q * Double(sorted.count)).rounded(.up))
    return sorted[min(max(rank, 1), sorted.count) - 1]
}
