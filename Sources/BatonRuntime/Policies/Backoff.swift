/// How the delay before a retry is randomised (spec-v1 §4 `backoff.jitter`).
///
/// The definitions are those of the AWS Architecture Blog, "Exponential Backoff And Jitter".
/// With `base(n) = min(max, initial × multiplier^(n-1))` for the n-th retry:
public enum Jitter: String, Sendable, Hashable, CaseIterable {
    /// A uniformly random delay in `0 ... base(n)`. Spreads synchronised clients best; the default.
    case full
    /// `base(n)/2` plus a uniformly random part in `0 ... base(n)/2`: never retries too eagerly.
    case equal
    /// `min(max, random(initial ... previous × 3))`, where `previous` is the last delay (initial
    /// for the first retry). Grows with the previous delay rather than the attempt number, so
    /// ``Backoff/multiplier`` does not apply.
    case decorrelated
    /// Exactly `base(n)`.
    case none
}

/// Exponential backoff with a cap and jitter (spec-v1 §4 `backoff`).
public struct Backoff: Sendable, Hashable {
    /// The base of the first delay. Default 25 ms.
    public var initial: Duration
    /// The cap on any one delay. Default 1 s.
    public var max: Duration
    /// Growth of the base per retry, at least 1. Default 2.
    public var multiplier: Double
    /// How the delay is randomised. Default ``Jitter/full``.
    public var jitter: Jitter

    /// Creates a backoff; the defaults are spec-v1's (25 ms doubling to at most 1 s, full jitter).
    ///
    /// - Parameters:
    ///   - initial: The base of the first delay; not negative. Default 25 ms.
    ///   - max: The cap on any one delay; not negative. Default 1 s.
    ///   - multiplier: Growth of the base per retry; at least 1 (traps otherwise). Default 2.
    ///   - jitter: How the delay is randomised. Default ``Jitter/full``.
    public init(
        initial: Duration = .milliseconds(25),
        max: Duration = .seconds(1),
        multiplier: Double = 2,
        jitter: Jitter = .full
    ) {
        precondition(initial >= .zero && max >= .zero, "backoff durations must not be negative")
        precondition(multiplier >= 1, "backoff multiplier must be at least 1")
        self.initial = initial
        self.max = max
        self.multiplier = multiplier
        self.jitter = jitter
    }

    /// The exponential base of the `retry`-th delay (1 for the first retry), before jitter:
    /// `min(max, initial × multiplier^(retry-1))`.
    public func base(forRetry retry: Int) -> Duration {
        var base = initial
        var step = 1
        // Multiply step by step and stop at the cap: no pow (no Foundation), no overflow, and exact
        // arithmetic for whole multipliers (so 25 ms doubles to exactly 50 ms).
        let wholeMultiplier = multiplier.rounded(.down) == multiplier && multiplier < 1_000 ? Int(multiplier) : nil
        while step < retry && base < max && base > .zero && multiplier > 1 {
            if let wholeMultiplier {
                base = base * wholeMultiplier
            } else {
                base = Duration.clampedSeconds(base.seconds * multiplier)
            }
            step += 1
        }
        return Swift.min(base, max)
    }

    /// The delay before the `retry`-th retry (1 for the first).
    ///
    /// - Parameters:
    ///   - retry: 1 for the delay after the first attempt, 2 after the second, and so on.
    ///   - previous: the delay used before the previous retry; only ``Jitter/decorrelated`` reads
    ///     it (`nil` for the first retry).
    ///   - random: where the jitter comes from.
    public func delay(forRetry retry: Int, previous: Duration?, random: RandomSource) -> Duration {
        switch jitter {
        case .none:
            return base(forRetry: retry)
        case .full:
            return random.duration(between: .zero, and: base(forRetry: retry))
        case .equal:
            let base = base(forRetry: retry)
            let half = base / 2
            return Swift.min(base, half + random.duration(between: .zero, and: half))
        case .decorrelated:
            let floor = Swift.min(initial, max)
            let upper = Swift.min(max, (previous ?? initial) * 3)
            guard upper > floor else { return floor }
            return Swift.min(max, random.duration(between: floor, and: upper))
        }
    }
}
