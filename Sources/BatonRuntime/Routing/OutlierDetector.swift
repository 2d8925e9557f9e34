extension EndpointRouter {
    /// Passive outlier detection settings (spec-v1 §5 `routing.outlierDetection`).
    public struct OutlierDetection: Sendable, Hashable {
        /// Failures in a row that eject an endpoint. Default 5.
        public var consecutiveFailures: Int
        /// Base ejection time, multiplied by the number of ejections. Default 30 s.
        public var ejectFor: Duration
        /// The largest share of endpoints ejected at once, 0...1. Default 0.5.
        public var maxEjected: Double
        /// Cap on one ejection. Default 300 s (Envoy's `max_ejection_time`).
        public var maxEjectFor: Duration

        /// Creates outlier detection settings; the defaults are spec-v1's
        /// `{ consecutiveFailures: 5, ejectFor: 30s, maxEjected: 50% }` and Envoy's 300 s cap.
        ///
        /// - Parameters:
        ///   - consecutiveFailures: Failures in a row that eject an endpoint; at least 1.
        ///   - ejectFor: Base ejection time, multiplied by the endpoint's number of ejections;
        ///     positive.
        ///   - maxEjected: The largest share of endpoints ejected at once (0.5 is 50%); clamped to
        ///     0...1.
        ///   - maxEjectFor: Cap on one ejection; at least `ejectFor`.
        public init(consecutiveFailures: Int = 5, ejectFor: Duration = .seconds(30), maxEjected: Double = 0.5, maxEjectFor: Duration = .seconds(300)) {
            precondition(consecutiveFailures >= 1, "consecutiveFailures must be at least 1")
            precondition(ejectFor > .zero && maxEjectFor >= ejectFor, "ejection times must be positive")
            self.consecutiveFailures = consecutiveFailures
            self.ejectFor = ejectFor
            self.maxEjected = min(max(maxEjected, 0), 1)
            self.maxEjectFor = maxEjectFor
        }
    }
}

/// The failure streaks and ejections of a router's endpoints (Envoy's consecutive-failures
/// ejection).
///
/// After ``EndpointRouter/OutlierDetection/consecutiveFailures`` failures in a row an endpoint is
/// ejected for `ejectFor × (its number of ejections)`, capped at
/// ``EndpointRouter/OutlierDetection/maxEjectFor``; the count goes down by one for every
/// `ejectFor` the endpoint then stays healthy. An ejection that would make more than
/// ``EndpointRouter/OutlierDetection/maxEjected`` of the endpoints ejected at once does not
/// happen. Failure streaks are kept (and shown in snapshots) even without settings; nothing is
/// ejected then.
///
/// A value owned by the router's locked state; the router decides what counts as a failure.
struct OutlierDetector: Sendable {
    /// One endpoint's record.
    struct Health: Sendable {
        /// Failures in a row; an answer and every ejection reset it.
        var consecutiveFailures = 0
        /// When the current ejection ends, if ejected.
        var ejectedUntil: BatonInstant?
        /// Ejections counted towards the next ejection's length.
        var ejections = 0
        /// When the last ejection ended.
        var returnedAt: BatonInstant = .zero
    }

    /// `nil`: no ejection.
    let settings: EndpointRouter.OutlierDetection?
    /// One record per endpoint, in the router's order.
    private(set) var endpoints: [Health]

    init(settings: EndpointRouter.OutlierDetection?, endpointCount: Int) {
        self.settings = settings
        self.endpoints = Array(repeating: Health(), count: endpointCount)
    }

    /// Ends the ejections that are over and returns the endpoints still ejected.
    mutating func expireEjections(now: BatonInstant) -> EndpointSet {
        guard settings != nil else { return EndpointSet() }
        var ejected = EndpointSet()
        for index in endpoints.indices {
            guard let until = endpoints[index].ejectedUntil else { continue }
            if until <= now {
                endpoints[index].ejectedUntil = nil
                endpoints[index].returnedAt = until
                endpoints[index].consecutiveFailures = 0
            } else {
                ejected.insert(index)
            }
        }
        return ejected
    }

    /// The endpoint answered: its failure streak ends.
    mutating func recordAnswer(_ index: Int) {
        endpoints[index].consecutiveFailures = 0
    }

    /// The endpoint failed in a way that says it is unhealthy: lengthens its streak and ejects it
    /// when the streak is long enough and the ejection cap allows.
    ///
    /// - Returns: the ejection's length and the endpoint's ejection count, when it was ejected.
    mutating func recordFailure(_ index: Int, now: BatonInstant) -> (duration: Duration, ejections: Int)? {
        endpoints[index].consecutiveFailures += 1
        return ejectIfDue(index, now: now)
    }

    private mutating func ejectIfDue(_ index: Int, now: BatonInstant) -> (duration: Duration, ejections: Int)? {
        guard let settings, endpoints[index].consecutiveFailures >= settings.consecutiveFailures else { return nil }
        let ejected = expireEjections(now: now)
        guard !ejected.contains(index) else { return nil }
        let allowed = Int((settings.maxEjected * Double(endpoints.count)).rounded(.down) + 1e-9)
        guard ejected.count + 1 <= allowed else { return nil }
        var endpoint = endpoints[index]
        if endpoint.ejections > 0 {
            let healthyPeriods = Int((endpoint.returnedAt.duration(to: now) / settings.ejectFor).rounded(.down))
            endpoint.ejections = max(0, endpoint.ejections - max(0, healthyPeriods))
        }
        endpoint.ejections += 1
        let duration = min(settings.ejectFor * endpoint.ejections, settings.maxEjectFor)
        endpoint.ejectedUntil = now.advanced(by: duration)
        endpoint.consecutiveFailures = 0
        endpoints[index] = endpoint
        return (duration, endpoint.ejections)
    }
}
