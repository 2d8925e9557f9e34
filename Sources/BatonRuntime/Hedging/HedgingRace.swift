/// The hedging race of one call (see ``Hedging``): attempts in a task group, the first success
/// wins.
///
/// ``ResiliencePipeline`` runs it between retry and endpoint choice (spec-v1 §7.4) when the call
/// is hedged; `attempt` is everything inside that (endpoint, breaker, limiters, timeout, the
/// call). The first attempt starts at once; after each delay while no attempt has succeeded,
/// another starts — if the run's deadline is not reached, the caller was not cancelled and the
/// retry budget grants a withdrawal — until ``HedgePolicy/maxAttempts`` have started. Each goes to
/// an endpoint the others do not use and earlier attempts of the call did not fail on, when there
/// is one. The first success cancels the rest; the race returns only once they have ended (a task
/// group: nothing outlives the call). When every started attempt has failed, the race throws the
/// last failure.
struct HedgingRace: Sendable {
    /// The delay and attempt bound, the estimator and the counters.
    let hedging: Hedging
    /// Chooses each attempt's endpoint; `nil` for a service without endpoints.
    let router: EndpointRouter?
    /// Writes go to primaries.
    let access: OperationAccess
    /// Every hedge (attempt after the first) withdraws from it first; `nil`: unlimited.
    let retryBudget: RetryBudget?
    /// Hedge delays and the race's elapsed time run on it.
    let clock: AnyClock
    /// Whether a winning hedge records the race's elapsed time in ``Hedging/estimator`` (when no
    /// router feeds that estimator).
    let feedsEstimator: Bool

    /// Runs the race.
    ///
    /// - Parameters:
    ///   - firstDelay: The delay before the first hedge.
    ///   - failed: Endpoints earlier attempts of the call failed on; the race adds those its own
    ///     attempts fail on.
    ///   - attempt: One attempt to a choice (`nil` without a router), numbered by its slot (0 for
    ///     the first attempt, then 1, 2… for the hedges), with the step's attempt log (hedges and
    ///     the winner's endpoint are recorded in it) and the endpoints the pipeline avoids anyway.
    /// - Returns: The first successful attempt's value.
    /// - Throws: The last failure when every started attempt failed, or `CancellationError`.
    func run<T: Sendable>(
        firstDelay: Duration,
        failed: inout EndpointSet,
        attempt: ResiliencePipeline.HedgedAttempt<T>
    ) async throws -> T {
        let log = attempt.log
        let deadline = Deadline.current
        let raceStart = clock.now
        let maxAttempts = hedging.policy.maxAttempts
        var failedHere = failed
        defer { failed = failedHere }
        return try await withThrowingTaskGroup(of: HedgeEvent<T>.self) { group in
            var started = 0
            var running = 0
            var inUse = EndpointSet()
            var lastError: (any Error)?

            func launch(_ group: inout ThrowingTaskGroup<HedgeEvent<T>, any Error>) {
                let choice = router?.select(for: access, excluding: attempt.avoiding(failedHere.union(inUse)))
                if let choice { inUse.insert(choice.index) }
                let slot = started
                started += 1
                running += 1
                group.addTask {
                    do {
                        let value = try await attempt(choice, slot: slot)
                        return .finished(slot: slot, endpoint: choice?.index, .success(value))
                    } catch {
                        return .finished(slot: slot, endpoint: choice?.index, .failure(error))
                    }
                }
            }

            /// Schedules the next hedge `delay` from now unless that is at or past the deadline.
            func schedule(_ group: inout ThrowingTaskGroup<HedgeEvent<T>, any Error>, after delay: Duration) {
                let instant = clock.now.advanced(by: delay)
                if let deadline, instant >= deadline.instant { return }
                let clock = self.clock
                group.addTask {
                    do {
                        try await clock.sleep(until: instant, tolerance: nil)
                        return .timerFired
                    } catch {
                        return .timerStopped
                    }
                }
            }

            launch(&group)
            schedule(&group, after: firstDelay)

            while let event = try await group.next() {
                switch event {
                case .finished(let slot, let endpoint, .success(let value)):
                    group.cancelAll()
                    if let router, let endpoint { log.recordEndpoint(router.endpoints[endpoint]) }
                    if slot > 0 {
                        hedging.recordWon()
                        // The first attempt took at least this long: recording the hedge's own
                        // (short) latency instead would pull the percentile delay down and make
                        // ever more hedges (p95 hedged 6.4% of calls in the tail-at-scale
                        // benchmark; with this, about 5%).
                        if feedsEstimator { hedging.estimator.record(raceStart.duration(to: clock.now)) }
                    }
                    return value
                case .finished(_, let endpoint, .failure(let error)):
                    running -= 1
                    lastError = error
                    if let endpoint {
                        inUse.remove(endpoint)
                        failedHere.insert(endpoint)
                    }
                    if running == 0 {
                        group.cancelAll()
                        throw error
                    }
                case .timerFired:
                    guard started < maxAttempts, !Task.isCancelled else { continue }
                    if let deadline, clock.now >= deadline.instant { continue }
                    if let retryBudget, !retryBudget.tryWithdraw() { continue }
                    launch(&group)
                    log.recordHedge()
                    hedging.recordSent()
                    if started < maxAttempts, let delay = hedging.currentDelay() {
                        schedule(&group, after: delay)
                    }
                case .timerStopped:
                    continue
                }
            }
            throw lastError ?? CancellationError()
        }
    }
}

/// What a child task of a hedging race reports.
private enum HedgeEvent<T: Sendable>: Sendable {
    /// Attempt number `slot` (0 for the first) to `endpoint` ended.
    case finished(slot: Int, endpoint: Int?, Result<T, any Error>)
    /// The delay before the next hedge passed.
    case timerFired
    /// The delay was cancelled (the race is over).
    case timerStopped
}
