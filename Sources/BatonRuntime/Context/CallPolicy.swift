import Synchronization

/// What the attempts of one step amounted to, for the run report.
package struct AttemptSummary: Sendable, Hashable {
    /// Attempts started, hedges included.
    package var attempts: Int
    /// How many of ``attempts`` were hedges (sent while an earlier attempt still ran); the others
    /// are the first attempt and its retries, which is what `baton_retries_total` counts.
    package var hedges: Int
    /// The endpoint of the last attempt, when the service declares endpoints.
    package var endpoint: Endpoint?
    /// The class of each failed attempt, in order.
    package var failures: [ErrorClass]

    /// Creates a summary; the defaults describe a step that made no attempt.
    ///
    /// - Parameters:
    ///   - attempts: Attempts started, hedges included. Default 0.
    ///   - hedges: How many of them were hedges. Default 0.
    ///   - endpoint: The endpoint the result came from. Default `nil`.
    ///   - failures: The class of each failed attempt, in order. Default empty.
    package init(attempts: Int = 0, hedges: Int = 0, endpoint: Endpoint? = nil, failures: [ErrorClass] = []) {
        self.attempts = attempts
        self.hedges = hedges
        self.endpoint = endpoint
        self.failures = failures
    }

    /// The attempts that were not hedges, less the first: the retries.
    var retries: Int { max(attempts - hedges - 1, 0) }
}

/// Collects what happens to the attempts of one step while its policies run.
///
/// The graph executor makes one per step and reads it for the report; policies (retry, hedging,
/// routing) write to it. Safe to use from concurrent attempts.
public final class AttemptLog: Sendable {
    private let state = Lock(AttemptSummary())

    /// An empty log: no attempts, no failures.
    public init() {}

    /// Records the start of an attempt and returns its number (1 for the first).
    @discardableResult
    public func beginAttempt(endpoint: Endpoint? = nil) -> Int {
        state.withLock { summary in
            summary.attempts += 1
            if let endpoint { summary.endpoint = endpoint }
            return summary.attempts
        }
    }

    /// Records `endpoint` as the one the step's result came from (hedging: the winner's, which
    /// need not be the last attempt's).
    public func recordEndpoint(_ endpoint: Endpoint) {
        state.withLock { $0.endpoint = endpoint }
    }

    /// Records that the attempt just begun (``beginAttempt(endpoint:)``) is a hedge, not a retry.
    public func recordHedge() {
        state.withLock { $0.hedges += 1 }
    }

    /// Records that an attempt failed with an error of `errorClass`.
    public func recordFailure(_ errorClass: ErrorClass) {
        state.withLock { $0.failures.append(errorClass) }
    }

    /// What has been recorded so far.
    package var summary: AttemptSummary { state.withLock { $0 } }
}

/// Runs one call of a step under its resilience policies (spec-v1 §7.4).
///
/// The graph executor hands each step's call to its policy; the policy decides how many attempts
/// are made, where, and when. Implementations call ``AttemptLog/beginAttempt(endpoint:)`` for each
/// attempt and pass the attempt's number and endpoint on in the ``CallContext``.
public protocol CallPolicy: Sendable {
    /// Makes the step's call under this policy and returns its value.
    ///
    /// - Parameters:
    ///   - context: The step's context; the policy passes a copy to `call` for each attempt, with
    ///     ``CallContext/attempt`` (and ``CallContext/endpoint`` when it routes) set.
    ///   - log: Where the policy records each attempt (``AttemptLog/beginAttempt(endpoint:)``),
    ///     each failure's class and the endpoint of the result, for the run report.
    ///   - call: One attempt of the call; it may be invoked several times, concurrently when
    ///     hedging.
    /// - Returns: The value of the attempt that succeeded.
    /// - Throws: The error of the last attempt (or the one that ended retrying), a
    ///   ``TimeoutError`` when an attempt timeout or the run's deadline expired, or a policy's own
    ///   refusal (``CircuitOpenError``, ``OverloadedError``).
    func run<T: Sendable>(
        _ context: CallContext,
        log: AttemptLog,
        _ call: @escaping @Sendable (CallContext) async throws -> T
    ) async throws -> T

    /// Whether every attempt, backoff sleep and queue wait of this policy ends by the run's
    /// ``Deadline/current`` (timeouts clipped with `withAttemptTimeout`, no sleep past it).
    ///
    /// When all the steps of a workflow have such policies, the graph executor relies on them to
    /// end running steps at the deadline and saves the watcher task it otherwise runs per run.
    /// Defaults to `false` (the executor then enforces the deadline itself).
    var boundsAttemptsByRunDeadline: Bool { get }
}

extension CallPolicy {
    /// `false`: a policy bounds its attempts by the run's deadline only when it says so.
    public var boundsAttemptsByRunDeadline: Bool { false }
}

/// The policy of a step with no resilience settings: one attempt, bounded by `timeout` (if any)
/// and the run's deadline.
public struct SingleAttempt: CallPolicy {
    /// The attempt's timeout (spec `timeout`), clipped to the run's deadline; `nil`: bounded by
    /// the deadline only.
    public var timeout: Duration?
    /// The clock the timeout runs on.
    public var clock: AnyClock
    /// Classifies the attempt's failure for the ``AttemptLog``.
    public var classifier: ErrorClassifier

    /// Creates the policy of a step without resilience settings.
    ///
    /// - Parameters:
    ///   - timeout: The attempt's timeout; `nil` (default) for the run's deadline only.
    ///   - clock: The clock the timeout runs on.
    ///   - classifier: Classifies a failure for the log. Default ``ErrorClassifier/standard``.
    public init(timeout: Duration? = nil, clock: AnyClock = .continuous, classifier: ErrorClassifier = .standard) {
        self.timeout = timeout
        self.clock = clock
        self.classifier = classifier
    }

    /// Its one attempt runs under `withAttemptTimeout`, which clips it to the run's deadline.
    public var boundsAttemptsByRunDeadline: Bool { true }

    public func run<T: Sendable>(
        _ context: CallContext,
        log: AttemptLog,
        _ call: @escaping @Sendable (CallContext) async throws -> T
    ) async throws -> T {
        var context = context
        context.attempt = log.beginAttempt()
        let attemptContext = context
        do {
            return try await withAttemptTimeout(timeout, clock: clock, context: attemptContext, call)
        } catch {
            log.recordFailure(classifier.classify(error).errorClass)
            throw error
        }
    }
}
