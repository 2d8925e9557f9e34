import ArgumentParser

// The values of the demo's command-line flags: durations (`300ms`, `5s`), percentages (`20%`),
// and the two fault-injection flags, `--fail TARGET=PERCENT` and `--slow TARGET=DURATION[@PERCENT]`.
// Each type parses itself (`ExpressibleByArgument`), so swift-argument-parser reports a bad value
// with the flag's name.

/// A duration written with a unit: `250us`, `300ms`, `1.5s`.
package struct DurationValue: Hashable, Sendable, CustomStringConvertible, ExpressibleByArgument {
    package var duration: Duration

    package init(_ duration: Duration) {
        self.duration = duration
    }

    package init?(argument: String) {
        let units: [(suffix: String, seconds: Double)] = [("us", 1e-6), ("ms", 1e-3), ("s", 1)]
        // "ms" before "s": the first suffix that matches wins.
        guard let unit = units.first(where: { argument.hasSuffix($0.suffix) }),
            let number = Double(argument.dropLast(unit.suffix.count)),
            number.isFinite, number >= 0
        else { return nil }
        self.duration = .nanoseconds(Int64((number * unit.seconds * 1e9).rounded()))
    }

    package var description: String { formatDuration(duration) }
}

/// A share of calls, written as a percentage: `20%`, `0.5%`, `100%`.
package struct Percentage: Hashable, Sendable, CustomStringConvertible, ExpressibleByArgument {
    /// Between 0 and 1.
    package var fraction: Double

    package init(fraction: Double) {
        self.fraction = fraction
    }

    package init?(argument: String) {
        guard argument.hasSuffix("%"), let number = Double(argument.dropLast()), number >= 0, number <= 100 else {
            return nil
        }
        self.fraction = number / 100
    }

    package var description: String { formatPercent(fraction) }
}

/// `--fail TARGET=PERCENT`: that share of the target's calls fail (after their usual latency) with
/// a transient error, as an HTTP 503 would.
package struct FailFlag: Hashable, Sendable, ExpressibleByArgument {
    /// A service (`pricing`), an operation (`pricing.quote`) or an endpoint (`pricing-eu`).
    package var target: String
    package var rate: Percentage

    package init?(argument: String) {
        guard let (target, value) = splitAssignment(argument), let rate = Percentage(argument: value) else { return nil }
        self.target = target
        self.rate = rate
    }
}

/// `--slow TARGET=DURATION[@PERCENT]`: the target's calls take that much longer; with `@PERCENT`,
/// only that share of them (a slow tail).
package struct SlowFlag: Hashable, Sendable, ExpressibleByArgument {
    /// A service (`inventory`), an operation (`inventory.check`) or an endpoint (`pricing-eu`).
    package var target: String
    package var delay: DurationValue
    /// The share of calls that are slowed down; 100% without `@PERCENT`.
    package var share: Percentage

    package init?(argument: String) {
        guard let (target, value) = splitAssignment(argument) else { return nil }
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count <= 2, let delay = DurationValue(argument: String(parts[0])) else { return nil }
        let share = parts.count == 2 ? Percentage(argument: String(parts[1])) : Percentage(fraction: 1)
        guard let share else { return nil }
        self.target = target
        self.delay = delay
        self.share = share
    }
}

/// Splits `name=value` into its two non-empty halves.
private func splitAssignment(_ argument: String) -> (String, String)? {
    let parts = argument.split(separator: "=", omittingEmptySubsequences: false)
    guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
    return (String(parts[0]), String(parts[1]))
}
