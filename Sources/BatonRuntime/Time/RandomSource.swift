import Synchronization

/// Where the runtime's randomness (jitter, random routing, sampling) comes from.
///
/// Injected like the clock, so tests and simulations are reproducible: pass
/// ``seeded(_:)`` and the same seed gives the same sequence.
public struct RandomSource: Sendable {
    private let generator: @Sendable () -> UInt64

    /// A source from any function returning uniformly distributed 64-bit values.
    public init(_ next: @escaping @Sendable () -> UInt64) {
        generator = next
    }

    /// The system's cryptographically secure generator.
    public static var system: RandomSource {
        RandomSource { UInt64.random(in: .min ... .max) }
    }

    /// A reproducible source (SplitMix64), safe to share between tasks.
    public static func seeded(_ seed: UInt64) -> RandomSource {
        let state = Lock(seed)
        return RandomSource {
            state.withLock { state in
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                return z ^ (z >> 31)
            }
        }
    }

    /// A uniformly distributed 64-bit value.
    public func next() -> UInt64 { generator() }

    /// A value uniformly distributed in `0 ..< 1`.
    public func unitInterval() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A duration uniformly distributed in `lower ... upper`.
    public func duration(between lower: Duration, and upper: Duration) -> Duration {
        guard upper > lower else { return lower }
        return lower + (upper - lower) * unitInterval()
    }
}
