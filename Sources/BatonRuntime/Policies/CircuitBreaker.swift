import Logging
import Synchronization

/// One of the three states of a ``CircuitBreaker``.
public enum CircuitState: String, Sendable, Hashable, CustomStringConvertible {
    /// Calls flow; outcomes are recorded.
    case closed
    /// Calls fail at once with ``CircuitOpenError`` until `openFor` has passed.
    case open
    /// A limited number of probe calls test whether the dependency has recovered.
    case halfOpen

    public var description: String { rawValue }

    /// The value of the `baton_circuit_state` gauge: 0 closed, 1 open, 2 half-open.
    public var gaugeValue: Int {
        switch self {
        case .closed: 0
        case .open: 1
        case .halfOpen: 2
        }
    }
}

/// A state change of a ``CircuitBreaker``, delivered to its observer.
public struct CircuitBreakerTransition: Sendable, Hashable, CustomStringConvertible {
    /// The breaker's name.
    public var breaker: String
    /// The state before the change.
    public var from: CircuitState
    /// The state after the change.
    public var to: CircuitState
    /// When the change happened, on the breaker's clock.
    public var at: BatonInstant
    /// Why, in words fit for a log line (e.g. "failure rate 60% >= 50% over 20 calls").
    public var reason: String

    /// Creates a transition (breakers make them; tests may build expected ones).
    ///
    /// - Parameters:
    ///   - breaker: The breaker's name.
    ///   - from: The state before the change.
    ///   - to: The state after the change.
    ///   - at: When it happened, on the breaker's clock.
    ///   - reason: Why, in words fit for a log line.
    public init(breaker: String, from: CircuitState, to: CircuitState, at: BatonInstant, reason: String) {
        self.breaker = breaker
        self.from = from
        self.to = to
        self.at = at
        self.reason = reason
    }

    public var description: String { "circuit '\(breaker)' \(from) -> \(to) at \(at): \(reason)" }
}

/// Stops calling a dependency that keeps failing, and lets a few probes through once it may
/// have recovered (spec-v1 §4 `circuitBreaker`).
///
/// **States.** *Closed*: calls flow and their outcomes are recorded. When the failure criterion
/// is met the breaker *opens*: calls fail at once with ``CircuitOpenError`` (class
/// `unavailable`, retry-after = time left open). After ``Configuration/openFor`` on the injected
/// clock it is *half-open*: at most ``Configuration/halfOpenProbes`` calls run at a time; once
/// that many have succeeded it closes with a clean slate, and the first probe failure opens it
/// again. The open → half-open move happens lazily, on the first call (or ``state`` read) after
/// `openFor`, so the breaker owns no timer and no task.
///
/// **What counts as a failure.** Errors of class `timeout`, `unavailable`, `overloaded`,
/// `transient` and `unknown` — the classes that say something about the dependency's health.
/// `permanent` errors (a 4xx-like answer: the dependency worked, the request was wrong) and
/// `cancelled` ones (the caller gave up) are *ignored*: not recorded in the window, not counting
/// as success or failure; an ignored probe just frees its half-open slot. A successful call that
/// took at least ``SlowCall/threshold`` is *slow*: in rate mode slow calls have their own share
/// (``SlowCall/rate``); in consecutive mode a slow call counts as a failure.
///
/// **Modes.** ``Mode/rate`` opens when, over the last ``Configuration/window`` recorded calls
/// (and once at least ``Configuration/minCalls`` were seen), the failure share reaches
/// ``Configuration/failureRate`` or the slow share reaches the slow-call rate. While half-open, a
/// slow probe counts as a failed probe in both modes: a few probes are too few for a share.
/// ``Mode/consecutive`` opens after ``Configuration/consecutiveFailures`` failures in a row.
///
/// One breaker object covers one scope (a service, or one endpoint of it) and is shared by every
/// call in that scope. It is thread-safe, holds its lock only for bookkeeping (never across an
/// await), and reports every state change to its observer — the telemetry layer turns those into
/// the `baton_circuit_state` gauge and log lines.
///
/// ```swift
/// // circuitBreaker: { failureRate: 50%, window: 20, minCalls: 10, openFor: 5s }
/// let recorder = telemetry.circuitStateRecorder(breaker: "pricing", service: "pricing")
/// let breaker = CircuitBreaker(name: "pricing", configuration: CircuitBreaker.Configuration(openFor: .seconds(5)),
///                              clock: clock, observer: recorder.observe)
/// let quote = try await breaker.run { try await pricing.quote(request, context: context) }   // or CircuitOpenError
/// ```
public final class CircuitBreaker: Sendable {
    /// How the breaker decides to open.
    public enum Mode: String, Sendable, Hashable {
        /// Failure share over a window of recent calls.
        case rate
        /// A run of consecutive failures.
        case consecutive
    }

    /// Slow calls: successes that took at least `threshold`.
    public struct SlowCall: Sendable, Hashable {
        /// A successful call at least this long is slow.
        public var threshold: Duration
        /// Rate mode: the breaker opens when at least this share (0...1) of the window is slow.
        public var rate: Double

        /// A slow-call rule (spec `slowCall: { threshold: 300ms, rate: 80% }`).
        ///
        /// - Parameters:
        ///   - threshold: A successful call at least this long is slow.
        ///   - rate: Rate mode: the slow share of the window (0...1, so 80% is 0.8) at which the
        ///     breaker opens. Consecutive mode ignores it (a slow call is a failure there).
        public init(threshold: Duration, rate: Double) {
            self.threshold = threshold
            self.rate = rate
        }
    }

    /// A breaker's settings; the defaults are spec-v1's.
    public struct Configuration: Sendable, Hashable {
        /// Default ``Mode/rate``.
        public var mode: Mode
        /// Rate mode: opens at or above this failure share, 0...1. Default 0.5.
        public var failureRate: Double
        /// Rate mode: how many recent calls are considered. Default 20.
        public var window: Int
        /// Rate mode: no decision before this many calls are in the window. Default 10.
        public var minCalls: Int
        /// Slow-call rule; default none.
        public var slowCall: SlowCall?
        /// Consecutive mode: opens after this many failures in a row. Default 5.
        public var consecutiveFailures: Int
        /// Time open before going half-open. Default 5 s.
        public var openFor: Duration
        /// Calls let through at a time while half-open, and successes needed to close. Default 1.
        public var halfOpenProbes: Int
        /// The error classes that count as failures (see the type's documentation).
        public var failureClasses: Set<ErrorClass>

        /// The classes that count as failures by default: everything but `permanent` and
        /// `cancelled`.
        public static let defaultFailureClasses: Set<ErrorClass> = [.timeout, .unavailable, .overloaded, .transient, .unknown]

        /// Creates a configuration; every default is spec-v1's.
        ///
        /// - Parameters:
        ///   - mode: ``Mode/rate`` (default) or ``Mode/consecutive``.
        ///   - failureRate: Rate mode: the failure share (0...1, so 50% is 0.5) at or above which
        ///     the breaker opens. Default 0.5.
        ///   - window: Rate mode: recent calls considered; at least 1. Default 20.
        ///   - minCalls: Rate mode: calls in the window before any decision; at least 1, capped at
        ///     `window`. Default 10.
        ///   - slowCall: Slow calls counted towards opening; `nil` (default) for none.
        ///   - consecutiveFailures: Consecutive mode: failures in a row that open the breaker; at
        ///     least 1. Default 5.
        ///   - openFor: Time open before going half-open. Default 5 s.
        ///   - halfOpenProbes: Calls let through at a time while half-open, and successes needed
        ///     to close; at least 1. Default 1.
        ///   - failureClasses: Error classes that count as failures; others are ignored. Default
        ///     ``defaultFailureClasses``.
        public init(
            mode: Mode = .rate,
            failureRate: Double = 0.5,
            window: Int = 20,
            minCalls: Int = 10,
            slowCall: SlowCall? = nil,
            consecutiveFailures: Int = 5,
            openFor: Duration = .seconds(5),
            halfOpenProbes: Int = 1,
            failureClasses: Set<ErrorClass> = Configuration.defaultFailureClasses
        ) {
            precondition(window >= 1 && minCalls >= 1 && consecutiveFailures >= 1 && halfOpenProbes >= 1,
                         "circuit breaker counts must be at least 1")
            self.mode = mode
            self.failureRate = failureRate
            self.window = window
            self.minCalls = min(minCalls, window)
            self.slowCall = slowCall
            self.consecutiveFailures = consecutiveFailures
            self.openFor = openFor
            self.halfOpenProbes = halfOpenProbes
            self.failureClasses = failureClasses
        }
    }

    /// What became of a call let through by ``acquire()``.
    public enum Outcome: Sendable, Hashable {
        /// The call succeeded, in `duration` (compared with the slow-call threshold).
        case success(duration: Duration)
        /// The call failed with an error of this class.
        case failure(ErrorClass)
    }

    /// Proof that a call was let through; hand it back with the outcome to ``record(_:_:)``.
    public struct Permit: Sendable {
        /// The state generation the call was admitted in: outcomes of calls admitted before the
        /// last state change are not counted against the new state.
        fileprivate let generation: UInt64
        fileprivate let isProbe: Bool
    }

    private enum Recorded: UInt8 {
        case success = 0
        case failure = 1
        case slow = 2
    }

    private struct State {
        var circuit: CircuitState = .closed
        var generation: UInt64 = 0
        // Closed: the window as a ring buffer, and its running counts.
        var ring: [Recorded]
        var ringNext = 0
        var ringCount = 0
        var failures = 0
        var slows = 0
        var consecutive = 0
        // Open: when it may go half-open.
        var openUntil: BatonInstant = .zero
        // Half-open.
        var probesInFlight = 0
        var probeSuccesses = 0
    }

    /// The breaker's name, used in errors, events and logs.
    public let name: String
    /// The breaker's settings.
    public let configuration: Configuration
    private let clock: AnyClock
    private let observer: (@Sendable (CircuitBreakerTransition) -> Void)?
    private let logger: Logger?
    private let storage: Lock<State>

    /// A closed breaker.
    ///
    /// - Parameters:
    ///   - name: names the breaker in errors, events and logs (service, or service@endpoint).
    ///   - configuration: when to open and for how long.
    ///   - clock: `openFor` and slow calls are measured on it.
    ///   - logger: when given, every state change is logged (open at `warning`, others at `info`)
    ///     with the breaker's name in the `baton.breaker` metadata.
    ///   - observer: called with every state change, outside the breaker's lock, on the task that
    ///     caused it. Keep it quick: it runs on the call path.
    public init(
        name: String,
        configuration: Configuration = Configuration(),
        clock: AnyClock = .continuous,
        logger: Logger? = nil,
        observer: (@Sendable (CircuitBreakerTransition) -> Void)? = nil
    ) {
        self.name = name
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.observer = observer
        self.storage = Lock(State(ring: Array(repeating: .success, count: configuration.window)))
    }

    /// The current state (moving from open to half-open first when `openFor` has passed).
    public var state: CircuitState {
        let (circuit, transition) = storage.withLock { state -> (CircuitState, CircuitBreakerTransition?) in
            let transition = self.halfOpenIfDue(&state)
            return (state.circuit, transition)
        }
        if let transition { report(transition) }
        return circuit
    }

    /// Asks to make a call.
    ///
    /// - Returns: a permit to hand back, with the call's outcome, to ``record(_:_:)`` (or
    ///   ``recordIgnored(_:)``) — exactly once, or a half-open slot stays taken.
    /// - Throws: ``CircuitOpenError`` when open, or half-open with every probe slot taken.
    public func acquire() throws(CircuitOpenError) -> Permit {
        // The clock is read only when the state needs it (open), not on the closed fast path.
        let (result, transition) = storage.withLock { state -> (Result<Permit, CircuitOpenError>, CircuitBreakerTransition?) in
            let transition = self.halfOpenIfDue(&state)
            switch state.circuit {
            case .closed:
                return (.success(Permit(generation: state.generation, isProbe: false)), transition)
            case .open:
                return (.failure(CircuitOpenError(breaker: name, retryAfter: clock.now.duration(to: state.openUntil))), transition)
            case .halfOpen:
                guard state.probesInFlight < configuration.halfOpenProbes else {
                    return (.failure(CircuitOpenError(breaker: name, retryAfter: nil)), transition)
                }
                state.probesInFlight += 1
                return (.success(Permit(generation: state.generation, isProbe: true)), transition)
            }
        }
        if let transition { report(transition) }
        return try result.get()
    }

    /// Records the outcome of a call admitted with `permit`.
    ///
    /// A failure whose class is not in ``Configuration/failureClasses`` is ignored
    /// (``recordIgnored(_:)``).
    public func record(_ permit: Permit, _ outcome: Outcome) {
        let recorded: Recorded?
        switch outcome {
        case .success(let duration):
            if let slow = configuration.slowCall, duration >= slow.threshold {
                recorded = .slow
            } else {
                recorded = .success
            }
        case .failure(let errorClass):
            recorded = configuration.failureClasses.contains(errorClass) ? .failure : nil
        }
        let transition = storage.withLock { state -> CircuitBreakerTransition? in
            guard permit.generation == state.generation else { return nil }
            if permit.isProbe {
                return self.recordProbe(recorded, in: &state)
            }
            guard let recorded else { return nil }
            return self.recordClosed(recorded, in: &state)
        }
        if let transition { report(transition) }
    }

    /// Hands back `permit` without an outcome: the call was not made, or its result says nothing
    /// about the dependency (e.g. it was cancelled).
    public func recordIgnored(_ permit: Permit) {
        guard permit.isProbe else { return }
        storage.withLock { state in
            if permit.generation == state.generation { state.probesInFlight -= 1 }
        }
    }

    /// Runs `operation` if the breaker lets it through, and records its outcome.
    ///
    /// - Throws: ``CircuitOpenError`` without running `operation`, or `operation`'s error.
    public func run<T>(
        classifier: ErrorClassifier = .standard,
        isolation: isolated (any Actor)? = #isolation,
        _ operation: () async throws -> T
    ) async throws -> T {
        let permit = try acquire()
        let start = clock.now
        do {
            let value = try await operation()
            record(permit, .success(duration: start.duration(to: clock.now)))
            return value
        } catch {
            record(permit, .failure(classifier.classify(error).errorClass))
            throw error
        }
    }

    // MARK: - State machine (called with the lock held)

    private func halfOpenIfDue(_ state: inout State) -> CircuitBreakerTransition? {
        guard state.circuit == .open else { return nil }
        let now = clock.now
        guard now >= state.openUntil else { return nil }
        state.circuit = .halfOpen
        state.generation &+= 1
        state.probesInFlight = 0
        state.probeSuccesses = 0
        return CircuitBreakerTransition(breaker: name, from: .open, to: .halfOpen, at: now, reason: "open for \(configuration.openFor)")
    }

    private func recordProbe(_ recorded: Recorded?, in state: inout State) -> CircuitBreakerTransition? {
        state.probesInFlight -= 1
        switch recorded {
        case nil:
            return nil
        case .failure?:
            return open(&state, from: .halfOpen, reason: "probe failed")
        case .slow?:
            // A few probes are too few for a share: one slow probe says the dependency is still slow.
            return open(&state, from: .halfOpen, reason: "probe was slow")
        case .success?:
            state.probeSuccesses += 1
            guard state.probeSuccesses >= configuration.halfOpenProbes else { return nil }
            state.circuit = .closed
            state.generation &+= 1
            state.ringNext = 0
            state.ringCount = 0
            state.failures = 0
            state.slows = 0
            state.consecutive = 0
            return CircuitBreakerTransition(
                breaker: name, from: .halfOpen, to: .closed, at: clock.now,
                reason: "\(configuration.halfOpenProbes) probe(s) succeeded")
        }
    }

    private func recordClosed(_ recorded: Recorded, in state: inout State) -> CircuitBreakerTransition? {
        switch configuration.mode {
        case .consecutive:
            let isFailure = recorded != .success
            state.consecutive = isFailure ? state.consecutive + 1 : 0
            guard state.consecutive >= configuration.consecutiveFailures else { return nil }
            return open(&state, from: .closed, reason: "\(state.consecutive) consecutive failures")
        case .rate:
            if state.ringCount == state.ring.count {
                switch state.ring[state.ringNext] {
                case .failure: state.failures -= 1
                case .slow: state.slows -= 1
                case .success: break
                }
            } else {
                state.ringCount += 1
            }
            state.ring[state.ringNext] = recorded
            state.ringNext = state.ringNext + 1 == state.ring.count ? 0 : state.ringNext + 1
            switch recorded {
            case .failure: state.failures += 1
            case .slow: state.slows += 1
            case .success: break
            }
            guard state.ringCount >= configuration.minCalls else { return nil }
            let count = Double(state.ringCount)
            let failureShare = Double(state.failures) / count
            if failureShare >= configuration.failureRate {
                return open(&state, from: .closed, reason: "failure rate \(percent(failureShare)) >= \(percent(configuration.failureRate)) over \(state.ringCount) calls")
            }
            if let slow = configuration.slowCall {
                let slowShare = Double(state.slows) / count
                if slowShare >= slow.rate {
                    return open(&state, from: .closed, reason: "slow-call rate \(percent(slowShare)) >= \(percent(slow.rate)) over \(state.ringCount) calls")
                }
            }
            return nil
        }
    }

    private func open(_ state: inout State, from: CircuitState, reason: String) -> CircuitBreakerTransition {
        let now = clock.now
        state.circuit = .open
        state.generation &+= 1
        state.openUntil = now.advanced(by: configuration.openFor)
        state.probesInFlight = 0
        state.probeSuccesses = 0
        return CircuitBreakerTransition(breaker: name, from: from, to: .open, at: now, reason: reason)
    }

    private func report(_ transition: CircuitBreakerTransition) {
        if let logger {
            logger.log(
                level: transition.to == .open ? .warning : .info,
                "circuit \(transition.from) -> \(transition.to): \(transition.reason)",
                metadata: ["baton.breaker": .string(name), "baton.circuit_state": .string(transition.to.rawValue)])
        }
        observer?(transition)
    }
}

private func percent(_ share: Double) -> String {
    "\(Int((share * 100).rounded()))%"
}
