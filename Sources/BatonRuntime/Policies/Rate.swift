/// A number of events per unit of time, as written in a spec (`100/s`, `6000/m`).
public struct Rate: Sendable, Hashable, CustomStringConvertible {
    /// Events allowed per ``interval``.
    public var count: Double
    /// The unit of time ``count`` refers to.
    public var interval: Duration

    /// `count` events per `interval`; both must be positive.
    public init(_ count: Double, per interval: Duration) {
        precondition(count > 0 && interval > .zero, "a rate must be positive")
        self.count = count
        self.interval = interval
    }

    /// `count` events per second.
    public static func perSecond(_ count: Double) -> Rate { Rate(count, per: .seconds(1)) }
    /// `count` events per minute.
    public static func perMinute(_ count: Double) -> Rate { Rate(count, per: .seconds(60)) }
    /// `count` events per hour.
    public static func perHour(_ count: Double) -> Rate { Rate(count, per: .seconds(3600)) }

    /// Events per second.
    public var perSecond: Double { count / interval.seconds }

    /// The time one event is worth, rounded up to the nanosecond so a limiter built on it never
    /// admits more than the rate.
    var emissionInterval: Duration {
        let nanoseconds = (interval.seconds * 1e9 / count).rounded(.up)
        return .nanoseconds(Int64(min(nanoseconds, Double(Int64.max))))
    }

    /// The default burst of a token bucket: one second's worth of the rate, at least 1.
    var oneSecondBurst: Int { max(1, Int(perSecond.rounded(.down))) }

    public var description: String { "\(count)/\(interval)" }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }

    /// A duration of `seconds` to the nearest nanosecond (negative and NaN become zero; huge values
    /// saturate).
    static func clampedSeconds(_ seconds: Double) -> Duration {
        guard seconds > 0 else { return .zero }
        let nanoseconds = (seconds * 1e9).rounded()
        return .nanoseconds(Int64(min(nanoseconds, 9.0e18)))
    }
}
