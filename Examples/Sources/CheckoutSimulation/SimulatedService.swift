import BatonRuntime
import Foundation
import Synchronization

/// How long one operation takes when nothing is wrong: a log-normal distribution fitted to a
/// median and a 99th percentile, the usual shape of service latencies (most calls near the median,
/// a long tail to the right).
package struct LatencyModel: Sendable {
    package var median: Duration
    package var p99: Duration

    package init(median: Duration, p99: Duration) {
        precondition(p99 >= median && median > .zero, "a latency model needs 0 < median <= p99")
        self.median = median
        self.p99 = p99
    }

    /// The z-score of the 99th percentile of a standard normal distribution.
    private static let z99 = 2.326

    /// The σ of the underlying normal distribution: `ln(p99 / median) / z99`.
    package var sigma: Double { log(p99.seconds / median.seconds) / Self.z99 }

    /// The latency at quantile `q` (0 < q < 1) of the distribution, given the normal quantile `z`
    /// of `q`: `median · e^(σ·z)`.
    package func latency(atStandardScore z: Double) -> Duration {
        .nanoseconds(Int64(median.seconds * exp(sigma * z) * 1e9))
    }

    /// One random latency.
    package func sample<Generator: RandomNumberGenerator>(using generator: inout Generator) -> Duration {
        latency(atStandardScore: standardNormal(using: &generator))
    }
}

/// A standard normal variate (Box–Muller transform).
package func standardNormal<Generator: RandomNumberGenerator>(using generator: inout Generator) -> Double {
    let u1 = Double.random(in: Double.leastNormalMagnitude..<1, using: &generator)
    let u2 = Double.random(in: 0..<1, using: &generator)
    return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
}

/// The failure an injected fault produces: what an HTTP 503 from the service would become.
///
/// It declares its class (``ClassifiedError``), so Baton retries it, counts it against circuit
/// breakers and outlier detection, and reports it as `transient`.
package struct SimulatedError: ClassifiedError, CustomStringConvertible {
    package var service: String
    package var operation: String
    package var endpoint: String?

    package var errorClass: ErrorClass { .transient }

    package var description: String {
        let place = endpoint.map { " on \($0)" } ?? ""
        return "\(service).\(operation)\(place): 503 Service Unavailable (injected)"
    }
}

/// The faults injected with `--fail` and `--slow`, looked up per call.
package struct FaultPlan: Sendable {
    package var failures: [FailFlag] = []
    package var slowdowns: [SlowFlag] = []

    package init(failures: [FailFlag] = [], slowdowns: [SlowFlag] = []) {
        self.failures = failures
        self.slowdowns = slowdowns
    }

    /// Whether a flag's target names this call: its service, its operation (`service.operation`)
    /// or the endpoint it was sent to.
    package static func matches(_ target: String, service: String, operation: String, endpoint: String?) -> Bool {
        target == service || target == "\(service).\(operation)" || (endpoint != nil && target == endpoint)
    }

    /// The chance that a call fails: every matching `--fail` gets its own chance.
    package func failureRate(service: String, operation: String, endpoint: String?) -> Double {
        var success = 1.0
        for failure in failures where Self.matches(failure.target, service: service, operation: operation, endpoint: endpoint) {
            success *= 1 - failure.rate.fraction
        }
        return 1 - success
    }

    /// The `--slow` flags that apply to a call.
    package func slowdowns(service: String, operation: String, endpoint: String?) -> [SlowFlag] {
        slowdowns.filter { Self.matches($0.target, service: service, operation: operation, endpoint: endpoint) }
    }

    /// Whether the plan injects anything.
    package var isEmpty: Bool { failures.isEmpty && slowdowns.isEmpty }
}

/// The short name of an endpoint, as `--fail`/`--slow` and the summary use it: the host of its
/// URL (`http://pricing-eu:8080` → `pricing-eu`).
package func endpointName(_ endpoint: Endpoint) -> String {
    var rest = Substring(endpoint.url)
    if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
    return String(rest.prefix { $0 != ":" && $0 != "/" })
}

/// One simulated downstream service: every call sleeps for a latency drawn from the operation's
/// ``LatencyModel`` (plus any `--slow` delay) on the real clock, then fails if a `--fail` fault
/// says so, or returns the response.
///
/// The sleep is cancellation-aware: when Baton gives up on a call (its timeout fired, a hedge won,
/// the run failed) the call ends at once with `CancellationError`, as a well-behaved client's
/// would. The service also counts what it saw, by operation and endpoint: retries and hedges
/// show up as extra calls.
package final class SimulatedService: Sendable {
    /// What a service saw, for the summary.
    package struct Stats: Sendable {
        package var calls = 0
        package var injectedFailures = 0
        package var slowed = 0
        /// Calls the caller abandoned before they finished (timeouts, lost hedges, cancelled runs).
        package var abandoned = 0
        package var callsByOperation: [String: Int] = [:]
        package var callsByEndpoint: [String: Int] = [:]
        /// How long each call took or, if abandoned, would have taken.
        package var latencies: [Duration] = []
    }

    package let name: String
    private let latencies: [String: LatencyModel]
    private let faults: FaultPlan
    private let clock = ContinuousClock()
    private let stats = Mutex(Stats())

    /// - Parameters:
    ///   - name: the service's name in the spec.
    ///   - latencies: the latency of each operation, by operation name.
    ///   - faults: the injected faults (those for other services are ignored).
    package init(name: String, latencies: [String: LatencyModel], faults: FaultPlan) {
        self.name = name
        self.latencies = latencies
        self.faults = faults
    }

    /// The operations the service offers.
    package var operations: [String] { latencies.keys.sorted() }

    /// What the service has seen so far.
    package var snapshot: Stats { stats.withLock { $0 } }

    /// Serves one call of `operation`: waits, maybe fails, otherwise returns `respond()`.
    package func call<Output>(
        _ operation: String,
        context: CallContext,
        respond: () -> Output
    ) async throws -> Output {
        guard let model = latencies[operation] else {
            preconditionFailure("no latency model for \(name).\(operation)")
        }
        let endpoint = context.endpoint.map(endpointName)
        var generator = SystemRandomNumberGenerator()

        var latency = model.sample(using: &generator)
        var slowed = false
        for slowdown in faults.slowdowns(service: name, operation: operation, endpoint: endpoint)
        where Double.random(in: 0..<1, using: &generator) < slowdown.share.fraction {
            latency += slowdown.delay.duration
            slowed = true
        }
        let rate = faults.failureRate(service: name, operation: operation, endpoint: endpoint)
        let fails = Double.random(in: 0..<1, using: &generator) < rate

        stats.withLock { stats in
            stats.calls += 1
            stats.callsByOperation[operation, default: 0] += 1
            if let endpoint { stats.callsByEndpoint[endpoint, default: 0] += 1 }
            if slowed { stats.slowed += 1 }
            stats.latencies.append(latency)
        }
        do {
            try await clock.sleep(for: latency)
        } catch {
            stats.withLock { $0.abandoned += 1 }
            throw error
        }
        if fails {
            stats.withLock { $0.injectedFailures += 1 }
            throw SimulatedError(service: name, operation: operation, endpoint: endpoint)
        }
        return respond()
    }
}
