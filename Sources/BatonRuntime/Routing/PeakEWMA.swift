extension EndpointRouter {
    /// Peak-EWMA settings for ``RoutingStrategy/leastLatency``.
    package struct PeakEWMA: Sendable, Hashable {
        /// How fast old samples lose weight (and an idle endpoint's estimate decays). Default
        /// 10 s, as in Finagle and Linkerd.
        package var decayTime: Duration
        /// The estimate of an endpoint before its first sample. Default 30 ms (Linkerd's).
        package var initialEstimate: Duration
        /// A failed call counts as this many times the endpoint's current estimate. Default 5.
        package var failurePenalty: Double

        /// Creates peak-EWMA settings; the defaults are Finagle's and Linkerd's.
        ///
        /// - Parameters:
        ///   - decayTime: How fast old samples lose weight; positive. Default 10 s.
        ///   - initialEstimate: The estimate before an endpoint's first sample. Default 30 ms.
        ///   - failurePenalty: A failure counts as this many times the current estimate; values
        ///     below 1 become 1. Default 5.
        package init(decayTime: Duration = .seconds(10), initialEstimate: Duration = .milliseconds(30), failurePenalty: Double = 5) {
            precondition(decayTime > .zero, "decayTime must be positive")
            self.decayTime = decayTime
            self.initialEstimate = initialEstimate
            self.failurePenalty = max(failurePenalty, 1)
        }
    }
}

/// The update rule of peak EWMA (Finagle's `PeakEwma`, Linkerd's/tower's `PeakEwma`), applied to
/// one endpoint's ``Estimate`` at a time.
///
/// An estimate jumps to any slower sample at once and otherwise moves towards new samples with
/// weight `1 − e^(−Δt/decayTime)`; an endpoint that gets no traffic sees its estimate decay
/// towards zero, so it is probed again eventually. A failed call counts as a sample of
/// ``failurePenalty`` times the current estimate (at least the observed time), so an endpoint that
/// fails fast does not look fast.
extension EndpointRouter.PeakEWMA {
    /// The largest latency estimate kept, in nanoseconds (one hour): repeated failure penalties
    /// grow geometrically.
    static let maxEstimate: Double = 3_600e9

    /// One endpoint's latency estimate, in nanoseconds, as of its last sample.
    struct Estimate: Sendable {
        var nanoseconds: Double
        var stamp: BatonInstant
    }

    /// The estimate of an endpoint without samples: ``initialEstimate``, as of `now`.
    func initial(at now: BatonInstant) -> Estimate {
        Estimate(nanoseconds: Double(initialEstimate.nanosecondsClamped), stamp: now)
    }

    /// `estimate` decayed towards zero for the time since its last sample (tower's `decay`).
    func decayed(_ estimate: Estimate, at now: BatonInstant) -> Double {
        let elapsed = estimate.stamp.duration(to: now)
        guard elapsed > .zero else { return estimate.nanoseconds }
        return estimate.nanoseconds * exponential(-(elapsed / decayTime))
    }

    /// Finagle's update: a slower sample is taken at once (the peak), a faster one blended in.
    func observe(_ rawSample: Double, into estimate: inout Estimate, at now: BatonInstant) {
        let sample = min(rawSample, Self.maxEstimate)
        if sample > estimate.nanoseconds {
            estimate.nanoseconds = sample
        } else {
            let elapsed = max(estimate.stamp.duration(to: now), .zero)
            let weight = exponential(-(elapsed / decayTime))
            estimate.nanoseconds = estimate.nanoseconds * weight + sample * (1 - weight)
        }
        estimate.stamp = now
    }

    /// An answer (a success, or a `permanent` failure) after `latency`: a true sample.
    func observeAnswer(after latency: Duration, into estimate: inout Estimate, at now: BatonInstant) {
        observe(Double(latency.nanosecondsClamped), into: &estimate, at: now)
    }

    /// A cancelled attempt after `latency`, a lower bound of the true latency: it may raise the
    /// peak, never lower it.
    func observeLowerBound(_ latency: Duration, into estimate: inout Estimate, at now: BatonInstant) {
        let sample = Double(latency.nanosecondsClamped)
        if sample > decayed(estimate, at: now) {
            estimate.nanoseconds = min(sample, Self.maxEstimate)
            estimate.stamp = now
        }
    }

    /// A failure that says the endpoint is unhealthy, after `latency`: counts as
    /// ``failurePenalty`` times the current estimate (itself at least ``initialEstimate``), or
    /// the observed time when longer.
    func observeFailure(after latency: Duration, into estimate: inout Estimate, at now: BatonInstant) {
        let current = max(decayed(estimate, at: now), Double(initialEstimate.nanosecondsClamped))
        let penalised = max(Double(latency.nanosecondsClamped), current * failurePenalty)
        observe(penalised, into: &estimate, at: now)
    }
}
