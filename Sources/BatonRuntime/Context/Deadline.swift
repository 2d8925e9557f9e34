/// The absolute point in time by which a workflow run must finish.
///
/// One deadline is set per run and carried in a task-local (``Deadline/current``), so every
/// attempt timeout, backoff sleep and hedge inside the run can clip itself to it without passing
/// it around.
public struct Deadline: Sendable, CustomStringConvertible {
    /// The instant at which the run's time is up.
    public let instant: BatonInstant
    /// The clock the instant belongs to.
    public let clock: AnyClock

    /// A deadline at `instant` on `clock` (``after(_:clock:)`` makes one relative to now).
    public init(_ instant: BatonInstant, clock: AnyClock) {
        self.instant = instant
        self.clock = clock
    }

    /// A deadline `duration` from now on `clock`.
    public static func after(_ duration: Duration, clock: AnyClock) -> Deadline {
        Deadline(clock.now.advanced(by: duration), clock: clock)
    }

    /// Time left until the deadline; zero once it has passed.
    public var remaining: Duration {
        let left = clock.now.duration(to: instant)
        return left > .zero ? left : .zero
    }

    /// Whether the deadline has passed.
    public var hasExpired: Bool { clock.now >= instant }

    /// `min(timeout, remaining)`: the time an attempt that wants `timeout` may take.
    /// A `nil` timeout means "bounded by the deadline only".
    public func clip(_ timeout: Duration?) -> Duration {
        guard let timeout else { return remaining }
        return min(timeout, remaining)
    }

    /// The earlier of this deadline and `other`.
    public func earlier(than other: Deadline?) -> Deadline {
        guard let other else { return self }
        return other.instant < instant ? other : self
    }

    public var description: String { "deadline \(instant)" }

    /// The deadline of the workflow run the current task belongs to, if any.
    @TaskLocal public static var current: Deadline?
}
