import Synchronization

/// Decides whether an incoming workflow call may start (spec-v1 §6 `admission`), so an
/// orchestrator under more load than it can serve turns callers away quickly instead of making
/// everybody slow.
///
/// Two limits apply: at most ``maxConcurrent`` calls run at once, and each *caller class* has its
/// own token bucket (rate and burst). Because the buckets are separate, a flood of `batch` calls
/// spends only the `batch` bucket and cannot starve `interactive` callers of rate. (Concurrency is
/// one shared pool, as in the spec; size the class rates so their sum fits it.)
///
/// A refused call fails at once — nothing queues — with ``OverloadedError``: reason
/// ``OverloadedError/Reason/admissionRate`` with `retryAfter` = time until the class's next
/// token, or ``OverloadedError/Reason/admissionConcurrency`` without a retry-after. A server in
/// front answers 429 with `Retry-After`.
///
/// ```swift
/// let admission = AdmissionController(
///     name: "checkout", maxConcurrent: 200,
///     classes: [.init("interactive", rate: .perSecond(500), burst: 100),
///               .init("batch", rate: .perSecond(50), burst: 10)],
///     clock: .continuous)
/// let summary = try await admission.admit(class: "batch") { try await orchestrator.checkout(input) }
/// ```
public final class AdmissionController: Sendable {
    /// A kind of caller with its own rate.
    public struct CallerClass: Sendable, Hashable {
        /// The name callers pass to ``AdmissionController/admit(class:isolation:_:)``.
        public var name: String
        /// Calls per unit of time for this class.
        public var rate: Rate
        /// Calls admitted at once after a quiet period; default one second of `rate`.
        public var burst: Int?

        /// Creates a caller class (spec `classes: { name: { rate, burst } }`).
        ///
        /// - Parameters:
        ///   - name: The name callers pass to ``AdmissionController/admit(class:isolation:_:)``.
        ///   - rate: Calls per unit of time for this class.
        ///   - burst: Calls admitted at once after a quiet period; `nil` (default) for one second
        ///     of `rate`, at least 1.
        public init(_ name: String, rate: Rate, burst: Int? = nil) {
            self.name = name
            self.rate = rate
            self.burst = burst
        }
    }

    /// Proof that a call was admitted; releases its concurrency slot when consumed or dropped.
    public struct Permit: ~Copyable, Sendable {
        fileprivate let controller: AdmissionController?

        /// Ends the admitted call (also happens when the permit goes out of scope).
        public consuming func release() {}

        deinit { controller?.releaseSlot() }
    }

    private struct Bucket {
        var interval: Duration
        var tolerance: Duration
    }

    private struct State {
        var inFlight = 0
        /// Each class's GCRA theoretical arrival time (see ``RateLimiter``).
        var tats: [BatonInstant]
    }

    /// The controller's name (usually the workflow's), used in errors.
    public let name: String
    /// Calls allowed to run at once; `nil` for no limit.
    public let maxConcurrent: Int?
    /// The caller classes; the first is the default.
    public let classes: [CallerClass]
    private let buckets: [Bucket]
    private let classIndex: [String: Int]
    private let clock: AnyClock
    private let storage: Lock<State>

    /// Per-class rates (the spec's `{ maxConcurrent, classes }` form).
    ///
    /// - Parameters:
    ///   - name: names the controller in errors.
    ///   - maxConcurrent: calls allowed to run at once; `nil` for no limit.
    ///   - classes: the caller classes, the first being the default for calls that name none (or
    ///     an unknown one). Empty means no rate limit.
    ///   - clock: buckets refill on it.
    public init(name: String, maxConcurrent: Int?, classes: [CallerClass], clock: AnyClock = .continuous) {
        precondition(maxConcurrent.map { $0 >= 1 } ?? true, "maxConcurrent must be at least 1")
        self.name = name
        self.maxConcurrent = maxConcurrent
        self.classes = classes
        self.clock = clock
        self.buckets = classes.map { callerClass in
            let interval = callerClass.rate.emissionInterval
            let burst = max(1, callerClass.burst ?? callerClass.rate.oneSecondBurst)
            return Bucket(interval: interval, tolerance: interval * (burst - 1))
        }
        var index: [String: Int] = [:]
        for (position, callerClass) in classes.enumerated() where index[callerClass.name] == nil {
            index[callerClass.name] = position
        }
        self.classIndex = index
        let now = clock.now
        self.storage = Lock(State(tats: Array(repeating: now, count: classes.count)))
    }

    /// One rate for every caller (the spec's `{ rate, burst, maxConcurrent }` form).
    ///
    /// - Parameters:
    ///   - name: Names the controller in errors.
    ///   - rate: Calls per unit of time for everyone; `nil` for no rate limit.
    ///   - burst: Calls admitted at once after a quiet period; `nil` (default) for one second of
    ///     `rate`, at least 1.
    ///   - maxConcurrent: Calls allowed to run at once; `nil` for no limit.
    ///   - clock: The bucket refills on it.
    public convenience init(name: String, rate: Rate?, burst: Int? = nil, maxConcurrent: Int?, clock: AnyClock = .continuous) {
        let classes = rate.map { [CallerClass("default", rate: $0, burst: burst)] } ?? []
        self.init(name: name, maxConcurrent: maxConcurrent, classes: classes, clock: clock)
    }

    /// Calls running now.
    public var inFlight: Int { storage.withLock { $0.inFlight } }

    /// Runs `body` if the call is admitted, holding its concurrency slot until `body` returns or
    /// throws.
    ///
    /// - Parameters:
    ///   - callerClass: the caller's class; `nil` or an unknown name uses the first.
    ///   - isolation: the actor `body` runs on; the caller's by default.
    ///   - body: the admitted call.
    /// - Throws: ``OverloadedError`` without running `body`, or `body`'s error.
    public func admit<T>(
        class callerClass: String? = nil,
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> T
    ) async throws -> T {
        try takeSlot(callerClass)
        defer { releaseSlot() }
        return try await body()
    }

    /// Admits a call or refuses it, without running anything; the call ends when the permit is
    /// released or dropped.
    ///
    /// - Throws: ``OverloadedError`` when refused.
    public func tryAdmit(class callerClass: String? = nil) throws(OverloadedError) -> Permit {
        try takeSlot(callerClass)
        return Permit(controller: self)
    }

    private func takeSlot(_ callerClass: String?) throws(OverloadedError) {
        let index = callerClass.flatMap { classIndex[$0] } ?? 0
        let now = clock.now
        let refusal = storage.withLock { state -> OverloadedError? in
            if let maxConcurrent, state.inFlight >= maxConcurrent {
                return OverloadedError(reason: .admissionConcurrency, name: name)
            }
            if index < buckets.count {
                let bucket = buckets[index]
                let tat = max(state.tats[index], now)
                let conformsAt = tat.advanced(by: .zero - bucket.tolerance)
                if conformsAt > now {
                    return OverloadedError(reason: .admissionRate, name: name, retryAfter: now.duration(to: conformsAt))
                }
                state.tats[index] = tat.advanced(by: bucket.interval)
            }
            state.inFlight += 1
            return nil
        }
        if let refusal { throw refusal }
    }

    fileprivate func releaseSlot() {
        storage.withLock { state in
            precondition(state.inFlight > 0, "admission slot released twice")
            state.inFlight -= 1
        }
    }
}
