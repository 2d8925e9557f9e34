/// A workflow's service level objectives (spec-v1 §14): what share of runs must produce output,
/// and what share of those must produce it within a latency threshold, over a rolling window.
///
/// `baton alerts` turns them into Prometheus recording rules and multi-window, multi-burn-rate
/// alerts over `baton_workflow_duration_seconds`; the generated orchestrator puts every latency
/// threshold among that histogram's bucket boundaries.
public struct ServiceLevelObjectives: Sendable, Hashable {
    /// `latency: { threshold, target }`.
    public struct Latency: Sendable, Hashable {
        /// A run that produces output within this time is good.
        public var threshold: Duration
        /// The share of runs producing output that must be good, as a fraction below 1 (0.99).
        public var target: Double

        public init(threshold: Duration, target: Double) {
            self.threshold = threshold
            self.target = target
        }
    }

    /// The share of runs that must produce output (`complete` or `incomplete`), as a fraction
    /// below 1 (0.999 for `99.9%`); nil when the spec sets none.
    public var availability: Double?
    /// The latency objective; nil when the spec sets none.
    public var latency: Latency?
    /// The rolling window the objectives are measured over (default 28 days).
    public var window: Duration
    /// Where `slo` is written (its key).
    public var location: SourceLocation

    /// The default `window`: 28 days.
    public static let defaultWindow: Duration = .seconds(28 * 86_400)

    public init(availability: Double?, latency: Latency?, window: Duration = Self.defaultWindow,
                location: SourceLocation) {
        self.availability = availability
        self.latency = latency
        self.window = window
        self.location = location
    }
}

extension ServiceLevelObjectives {
    /// The window in the notation `slo.window` accepts, in whole days when it is whole days
    /// (`28d`), otherwise as any other duration (`36h`).
    public var windowText: String { Self.windowText(window) }

    static func windowText(_ window: Duration) -> String {
        let day: Int64 = 86_400_000_000_000
        let nanos = window.nanoseconds
        if nanos > 0, nanos % day == 0 { return "\(nanos / day)d" }
        return window.specText
    }
}
