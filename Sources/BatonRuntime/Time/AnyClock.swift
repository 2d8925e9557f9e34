/// A point in time on an ``AnyClock``: the duration since that clock's origin.
///
/// Every time-based component of the runtime speaks in these instants, so the same code runs
/// on the continuous clock in production and on `BatonTesting.ManualClock` in tests.
public struct BatonInstant: InstantProtocol, Sendable, CustomStringConvertible {
    /// Time elapsed since the clock's origin.
    public var offset: Duration

    /// The instant `offset` after the clock's origin (``zero``).
    public init(offset: Duration) {
        self.offset = offset
    }

    /// The origin of the clock.
    public static let zero = BatonInstant(offset: .zero)

    public func advanced(by duration: Duration) -> BatonInstant {
        BatonInstant(offset: offset + duration)
    }

    public func duration(to other: BatonInstant) -> Duration {
        other.offset - offset
    }

    public static func < (lhs: BatonInstant, rhs: BatonInstant) -> Bool {
        lhs.offset < rhs.offset
    }

    public var description: String { "t+\(offset)" }
}

/// A type-erased `Clock` measured in `Duration`.
///
/// Orchestrators are plain (non-generic) structs, so the clock they are given is erased here once,
/// at construction; reading `now` costs one indirect call.
public struct AnyClock: Clock, Sendable {
    public typealias Instant = BatonInstant

    private let box: any ClockBox

    /// Wraps `clock`; its current instant becomes this clock's origin.
    public init<C: Clock>(_ clock: C) where C.Duration == Duration {
        if let already = clock as? AnyClock {
            self = already
        } else if C.Instant.self == BatonInstant.self {
            // Clocks that already speak in BatonInstant (the manual clock) keep their own origin,
            // so tests can reason in absolute virtual time.
            box = IdentityBox(clock: clock)
        } else {
            box = OriginBox(clock: clock)
        }
    }

    /// The system's monotonic clock (`ContinuousClock`).
    public static var continuous: AnyClock { AnyClock(ContinuousClock()) }

    public var now: BatonInstant { box.now }

    public var minimumResolution: Duration { box.minimumResolution }

    public func sleep(until deadline: BatonInstant, tolerance: Duration? = nil) async throws {
        try await box.sleep(until: deadline, tolerance: tolerance)
    }
}

private protocol ClockBox: Sendable {
    var now: BatonInstant { get }
    var minimumResolution: Duration { get }
    func sleep(until deadline: BatonInstant, tolerance: Duration?) async throws
}

private final class OriginBox<C: Clock>: ClockBox where C.Duration == Duration {
    let clock: C
    let origin: C.Instant

    init(clock: C) {
        self.clock = clock
        self.origin = clock.now
    }

    var now: BatonInstant { BatonInstant(offset: origin.duration(to: clock.now)) }
    var minimumResolution: Duration { clock.minimumResolution }

    func sleep(until deadline: BatonInstant, tolerance: Duration?) async throws {
        try await clock.sleep(until: origin.advanced(by: deadline.offset), tolerance: tolerance)
    }
}

private final class IdentityBox<C: Clock>: ClockBox where C.Duration == Duration {
    let clock: C

    init(clock: C) {
        self.clock = clock
    }

    var now: BatonInstant { unsafeBitCast(clock.now, to: BatonInstant.self) }
    var minimumResolution: Duration { clock.minimumResolution }

    func sleep(until deadline: BatonInstant, tolerance: Duration?) async throws {
        try await clock.sleep(until: unsafeBitCast(deadline, to: C.Instant.self), tolerance: tolerance)
    }
}
