import BatonRuntime
import CheckoutSimulation
import Foundation
import Logging
import Metrics
import Synchronization

// How the demo hooks into Baton's telemetry: an in-process metrics backend (a `MetricsFactory`)
// that keeps the counters the summary needs, and a log handler that shows the orchestrator's own
// events (breakers opening, endpoints ejected, routing rules switching) as they happen. Both go
// into the `Telemetry` value of `OrchestratorOptions`; nothing is bootstrapped process-wide. In a
// server you would pass your real backends the same way (or bootstrap `MetricsSystem` and
// `LoggingSystem` and keep the default `Telemetry()`).

/// A metrics backend that keeps everything in memory: counter totals, and every change of the
/// circuit breakers' state gauge.
///
/// Baton creates its metric objects once, when the orchestrator is built, so this factory is
/// asked for each counter once; the hot path only increments an atomic.
final class DemoMetrics: MetricsFactory {
    /// A change of state of one circuit breaker, from the `baton_circuit_state` gauge.
    struct BreakerTransition: Sendable {
        var breaker: String
        var from: CircuitState
        var to: CircuitState
        /// Time since the start given to the metrics.
        var at: Duration
    }

    private struct Key: Hashable {
        var label: String
        var dimensions: [String: String]
    }

    private let counters = Mutex<[Key: DemoCounter]>([:])
    private let transitions = Mutex<[BreakerTransition]>([])
    private let start: ContinuousClock.Instant

    /// - Parameter start: time zero for the transitions' timestamps.
    init(start: ContinuousClock.Instant) {
        self.start = start
    }

    /// The sum of the counters called `label` whose dimensions include all of `matching`.
    func total(_ label: String, matching: [String: String] = [:]) -> Int {
        counters.withLock { counters in
            counters.reduce(0) { sum, entry in
                let matches = entry.key.label == label && matching.allSatisfy { entry.key.dimensions[$0.key] == $0.value }
                return matches ? sum + Int(entry.value.value) : sum
            }
        }
    }

    /// The distinct values of dimension `name` among the counters called `label`, sorted; e.g. the
    /// services that have `baton_hedges_total` counters.
    func values(of name: String, in label: String) -> [String] {
        counters.withLock { counters in
            Set(counters.keys.filter { $0.label == label }.compactMap { $0.dimensions[name] }).sorted()
        }
    }

    /// Every breaker transition so far, in order.
    var breakerTransitions: [BreakerTransition] { transitions.withLock { $0 } }

    fileprivate func record(breaker: String, from: CircuitState, to: CircuitState) {
        let transition = BreakerTransition(breaker: breaker, from: from, to: to, at: start.duration(to: .now))
        transitions.withLock { $0.append(transition) }
    }

    // MARK: MetricsFactory

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        let key = Key(label: label, dimensions: Dictionary(dimensions, uniquingKeysWith: { _, last in last }))
        return counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = DemoCounter()
            counters[key] = counter
            return counter
        }
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        // Of the recorders, only the breakers' gauge matters here (latencies come from the run
        // reports).
        guard label == TelemetryNames.circuitState,
            let breaker = dimensions.first(where: { $0.0 == TelemetryNames.breakerLabel })?.1
        else { return NOOPMetricsHandler.instance }
        return BreakerStateGauge(breaker: breaker, metrics: self)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        NOOPMetricsHandler.instance
    }

    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
}

/// A counter: an atomic total.
private final class DemoCounter: CounterHandler {
    private let total = Atomic<Int64>(0)

    var value: Int64 { total.load(ordering: .relaxed) }

    func increment(by amount: Int64) {
        total.add(amount, ordering: .relaxed)
    }

    func reset() {
        total.store(0, ordering: .relaxed)
    }
}

/// The `baton_circuit_state` gauge of one breaker (0 closed, 1 open, 2 half-open): reports every
/// change of value as a transition.
private final class BreakerStateGauge: RecorderHandler {
    private let breaker: String
    private let metrics: DemoMetrics
    /// The last value recorded; breakers start closed.
    private let state = Mutex(CircuitState.closed)

    init(breaker: String, metrics: DemoMetrics) {
        self.breaker = breaker
        self.metrics = metrics
    }

    func record(_ value: Int64) {
        let states: [Int64: CircuitState] = [0: .closed, 1: .open, 2: .halfOpen]
        guard let new = states[value] else { return }
        let old = state.withLock { state in
            defer { state = new }
            return state
        }
        if old != new { metrics.record(breaker: breaker, from: old, to: new) }
    }

    func record(_ value: Double) {
        record(Int64(value))
    }
}

/// A log handler that prints the orchestrator's own events — log lines not tied to one run (they
/// carry no correlation id): circuit breakers changing state, endpoints ejected by outlier
/// detection, routing rules switching, background calls dropped. Per-run lines (a step failed, a
/// compensation ran) would flood the screen under load; the summary counts those instead.
struct EventLogHandler: LogHandler {
    let console: Console
    /// Time zero for the timestamps.
    let start: ContinuousClock.Instant

    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let metadata = event.metadata ?? [:]
        guard metadata[Telemetry.correlationIDMetadataKey] == nil else { return }
        let elapsed = start.duration(to: ContinuousClock.now)
        let time = pad(formatDuration(elapsed), 6, alignRight: true)
        console.line("\(time)  \(Self.describe(event.message.description, metadata: metadata))")
    }

    /// A short description of an event, from its metadata where Baton provides it.
    static func describe(_ message: String, metadata: Logger.Metadata) -> String {
        if let breaker = metadata["baton.breaker"], let state = metadata["baton.circuit_state"] {
            // The message reads "circuit 'NAME' FROM -> TO at INSTANT: REASON"; keep the reason.
            let reason = message.range(of: ": ").map { " (\(message[$0.upperBound...]))" } ?? ""
            return "circuit \(breaker) is now \(state)\(reason)"
        }
        if let rule = metadata["baton.routing_rule"], let service = metadata["baton.service"] {
            let errorRate = metadata["baton.stats.error_rate"].map { "error rate \($0)" }
            let p99 = metadata["baton.stats.p99"].map { "p99 \($0)" }
            let stats = [errorRate, p99].compactMap { $0 }.joined(separator: ", ")
            return "routing rule of \(service): \(rule == "none" ? "none active" : "'\(rule)' active") (\(stats))"
        }
        if let dropped = metadata["baton.dropped_total"] {
            // Logged for the 1st, 2nd, 4th, 8th… drop, so a flood stays readable.
            return "\(message) (\(dropped) dropped so far)"
        }
        return message
    }
}
