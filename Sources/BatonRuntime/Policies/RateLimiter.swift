import Synchronization

/// A token bucket on outgoing calls (spec-v1 §4 `rateLimit`).
///
/// Tokens accrue at ``rate`` up to ``burst``; every call takes one. A call that finds no token
/// waits, on the injected clock, at most ``maxWait`` for its turn and otherwise fails at once with
/// ``OverloadedError`` (reason ``OverloadedError/Reason/rateLimited``, retry-after = the time
/// until its token). With the default `maxWait` of zero nothing ever waits.
///
/// Waiting callers are served first come, first served: each one reserves the next token when it
/// arrives and sleeps until that token exists. A waiter that is cancelled gives its token back
/// for the next arrival, who still goes after everybody already waiting. No wait extends past the
/// run's ``Deadline/current``: a token that would come too late is refused at once.
///
/// Over any interval of length `t` the limiter admits at most `burst + rate × t` calls.
/// Internally it is the generic cell rate algorithm (GCRA), the exact equivalent of a token bucket
/// that keeps one instant instead of a token count and a timer: the fast path is one short lock
/// and no allocation.
///
/// ```swift
/// // rateLimit: { rate: 200/s, burst: 50, maxWait: 20ms }
/// let limiter = RateLimiter(name: "pricing", rate: .perSecond(200), burst: 50, maxWait: .milliseconds(20), clock: clock)
/// try await limiter.acquire()   // waits for a token, or throws OverloadedError (.rateLimited)
/// ```
public final class RateLimiter: Sendable {
    private struct State {
        /// The theoretical arrival time: when the bucket would be full again if no one else came.
        var tat: BatonInstant
        /// The latest instant a waiter was promised; later arrivals never go before it (FIFO).
        var lastPromise: BatonInstant
    }

    /// The limiter's name, used in errors.
    public let name: String
    /// Tokens per unit of time.
    public let rate: Rate
    /// The most tokens the bucket holds, i.e. calls admitted at once after a quiet period.
    public let burst: Int
    /// The longest a call waits for a token.
    public let maxWait: Duration
    private let clock: AnyClock
    /// The time one token is worth (rounded up, so the limiter errs on admitting less).
    private let interval: Duration
    /// How far ahead of the theoretical arrival time a call may come: `(burst - 1) × interval`.
    private let tolerance: Duration
    private let storage: Lock<State>

    /// A full bucket.
    ///
    /// - Parameters:
    ///   - name: names the limiter in errors.
    ///   - rate: tokens per unit of time.
    ///   - burst: bucket size; default one second's worth of `rate` (at least 1).
    ///   - maxWait: how long a call may wait for a token; default 0 (never wait).
    ///   - clock: tokens accrue and waiters sleep on it.
    public init(name: String, rate: Rate, burst: Int? = nil, maxWait: Duration = .zero, clock: AnyClock = .continuous) {
        let burst = burst ?? rate.oneSecondBurst
        precondition(burst >= 1, "a token bucket holds at least one token")
        self.name = name
        self.rate = rate
        self.burst = burst
        self.maxWait = max(maxWait, .zero)
        self.clock = clock
        self.interval = rate.emissionInterval
        self.tolerance = interval * (burst - 1)
        let now = clock.now
        self.storage = Lock(State(tat: now, lastPromise: now))
    }

    /// Takes a token, waiting for one up to ``maxWait`` (and never past the run's deadline).
    ///
    /// - Throws: ``OverloadedError`` when no token comes in time, `CancellationError` when the task
    ///   is cancelled while waiting (its token goes back to the bucket).
    public func acquire() async throws {
        let now = clock.now
        let limit = waitLimit(now: now)
        switch reserve(now: now, limit: limit) {
        case .admitted:
            return
        case .rejected(let retryAfter):
            throw OverloadedError(reason: .rateLimited, name: name, retryAfter: retryAfter)
        case .wait(let until):
            do {
                try await clock.sleep(until: until, tolerance: nil)
            } catch {
                giveBack()
                throw error
            }
        }
    }

    /// Takes a token if one is available now, without waiting (whatever ``maxWait`` says).
    ///
    /// - Throws: ``OverloadedError`` with the time until a token would be available.
    public func tryAcquire() throws(OverloadedError) {
        if case .rejected(let retryAfter) = reserve(now: clock.now, limit: .zero) {
            throw OverloadedError(reason: .rateLimited, name: name, retryAfter: retryAfter)
        }
    }

    private enum Reservation {
        case admitted
        case wait(until: BatonInstant)
        case rejected(retryAfter: Duration)
    }

    private func waitLimit(now: BatonInstant) -> Duration {
        guard maxWait > .zero, let deadline = Deadline.current else { return maxWait }
        // A token granted at or after the deadline is useless: the attempt would get no time.
        return max(.zero, min(maxWait, now.duration(to: deadline.instant) - .nanoseconds(1)))
    }

    private func reserve(now: BatonInstant, limit: Duration) -> Reservation {
        storage.withLock { state in
            let tat = max(state.tat, now)
            // The earliest instant this call conforms to the bucket, and FIFO behind earlier waiters.
            let conformsAt = max(tat.advanced(by: .zero - tolerance), state.lastPromise)
            let wait = now.duration(to: conformsAt)
            guard wait <= limit else { return .rejected(retryAfter: wait) }
            state.tat = tat.advanced(by: interval)
            guard wait > .zero else { return .admitted }
            state.lastPromise = conformsAt
            return .wait(until: conformsAt)
        }
    }

    private func giveBack() {
        storage.withLock { state in
            // The unused token is returned; `lastPromise` stays, so the next arrival takes this
            // waiter's place and does not overtake anybody still waiting.
            state.tat = state.tat.advanced(by: .zero - interval)
        }
    }
}
