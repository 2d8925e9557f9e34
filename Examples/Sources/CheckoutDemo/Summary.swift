import BatonRuntime
import CheckoutSimulation

/// The text the demo prints: the header, the progress line and the final summary.
struct Summary {
    var runs: RunStatistics.State
    var metrics: DemoMetrics
    var services: [SimulatedService]
    var routing: [String: RoutingSnapshot]

    /// The workflow's deadline in specs/checkout.baton.yaml, for the latency line.
    static let deadline = "800ms"

    // MARK: - Before and during the run

    static func header(load: LoadGenerator, faults: FaultPlan) -> String {
        var lines = [
            "Baton checkout demo: the orchestrator BatonBuildTool generated from specs/checkout.baton.yaml,",
            "calling six simulated services in this process.",
            "Load:   \(load.rate.formatted()) runs/s for \(formatDuration(load.duration)), "
                + "carts drawn from \(formatCount(load.carts)), \(formatPercent(load.giftWrapShare)) with gift wrapping",
        ]
        if faults.isEmpty {
            lines.append("Faults: none (try --fail payments=30% or --slow inventory=300ms; --help lists more)")
        } else {
            let failures = faults.failures.map { "\($0.target) fails \($0.rate) of calls" }
            let slowdowns = faults.slowdowns.map { slow in
                slow.share.fraction == 1
                    ? "\(slow.target) +\(slow.delay) on every call"
                    : "\(slow.target) +\(slow.delay) on \(slow.share) of calls"
            }
            lines.append("Faults: " + (failures + slowdowns).joined(separator: "; "))
        }
        lines.append("Progress: time, runs ended and how, p99 latency of the last second, runs in flight.")
        return lines.joined(separator: "\n") + "\n"
    }

    /// One line of at most about 80 characters, so that a terminal can redraw it in place.
    static func progressLine(_ progress: RunStatistics.Progress, elapsed: Duration, of duration: Duration) -> String {
        // Clamped: after the load stops, the line only waits for the runs still in flight.
        var line = pad(formatDuration(min(elapsed, duration)), 6, alignRight: true)
        line += "  \(formatCount(progress.ended)) runs"
        line += "  ok \(formatShare(progress.succeeded, of: progress.ended))"
        line += "  partial \(formatShare(progress.partial, of: progress.ended))"
        line += "  failed \(formatShare(progress.failed, of: progress.ended))"
        if progress.rejected > 0 { line += "  rejected \(formatShare(progress.rejected, of: progress.ended))" }
        line += "  p99 \(progress.recentP99.map(formatDuration) ?? "-")"
        line += "  in flight \(progress.inFlight)"
        return line
    }

    // MARK: - The summary

    func render() -> String {
        "\n" + [runsSection(), latencySection(), stepsSection(), policiesSection(), downstreamSection()]
            .joined(separator: "\n")
    }

    private func runsSection() -> String {
        let ended = runs.succeeded + runs.failed + runs.rejected + runs.unexpected
        func row(_ name: String, _ count: Int, _ note: String = "") -> String {
            "  " + pad(name, 12) + pad(formatCount(count), 8, alignRight: true)
                + pad(formatShare(count, of: ended), 8, alignRight: true) + (note.isEmpty ? "" : "   " + note)
        }
        var lines = ["Runs: \(formatCount(ended)) ended"]
        lines.append(row("succeeded", runs.succeeded))
        let missing = runs.missing.sorted { $0.key < $1.key }.map { "\($0.key) \(formatCount($0.value))" }
        lines.append(row("  partial", runs.partial, "without an optional step's value" + (missing.isEmpty ? "" : ": " + missing.joined(separator: ", "))))
        lines.append(row("  degraded", runs.degraded, "with a fallback or stale value, or a dropped receipt"))
        let failures = runs.failures.sorted { $0.value > $1.value }.map { "\($0.key) \(formatCount($0.value))" }
        lines.append(row("failed", runs.failed, failures.isEmpty ? "" : "at " + failures.joined(separator: ", ")))
        if runs.rejected > 0 { lines.append(row("rejected", runs.rejected, "by admission control")) }
        if runs.unexpected > 0 { lines.append(row("other errors", runs.unexpected)) }
        return lines.joined(separator: "\n") + "\n"
    }

    private func latencySection() -> String {
        var lines = ["Latency (end to end; the workflow's deadline is \(Self.deadline))"]
        lines.append("  succeeded  " + Self.latencyFigures(runs.succeededLatencies))
        if !runs.failedLatencies.isEmpty {
            lines.append("  failed     " + Self.latencyFigures(runs.failedLatencies))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `p50 …   p90 …   p99 …   p99.9 …   max …` of `latencies`, or `none`.
    private static func latencyFigures(_ latencies: [Duration]) -> String {
        guard !latencies.isEmpty else { return "none" }
        let sorted = latencies.sorted()
        let quantiles: [(String, Double)] = [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p99.9", 0.999), ("max", 1)]
        let figures = quantiles.map { name, q in "\(name) \(percentile(q, of: sorted).map(formatDuration) ?? "-")" }
        return figures.joined(separator: "   ")
    }

    /// Every step's outcomes, one column per outcome that occurred, and its retries.
    private func stepsSection() -> String {
        let columns: [(label: String, title: String)] = [
            ("succeeded", "succeeded"), ("cached_fresh", "cached"), ("cached_stale", "stale"), ("fallback", "fallback"),
            ("skipped", "skipped"), ("timed_out", "timed out"), ("failed", "failed"), ("cancelled", "cancelled"),
            ("not_started", "not started"), ("enqueued", "enqueued"), ("dropped", "dropped"),
        ]
        let shown = columns.filter { column in
            column.label == "succeeded" || runs.outcomes.values.contains { ($0[column.label] ?? 0) > 0 }
        }
        let stepWidth = max(8, (runs.steps.map(\.count).max() ?? 0) + 2)
        var header = "  " + pad("step", stepWidth)
        for column in shown { header += pad(column.title, max(column.title.count, 7) + 2, alignRight: true) }
        header += pad("retries", 10, alignRight: true) + pad("p50", 8, alignRight: true) + pad("p99", 8, alignRight: true)
        var lines = ["Steps (how each step ended in the runs that started, and its latency when it was called)", header]
        for step in runs.steps {
            var line = "  " + pad(step, stepWidth)
            for column in shown {
                let count = runs.outcomes[step]?[column.label] ?? 0
                line += pad(formatCount(count), max(column.title.count, 7) + 2, alignRight: true)
            }
            let retries = metrics.total(TelemetryNames.retries, matching: [TelemetryNames.stepLabel: step])
            line += pad(formatCount(retries), 10, alignRight: true)
            let latencies = (runs.stepLatencies[step] ?? []).sorted()
            line += pad(percentile(0.5, of: latencies).map(formatDuration) ?? "-", 8, alignRight: true)
            line += pad(percentile(0.99, of: latencies).map(formatDuration) ?? "-", 8, alignRight: true)
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func policiesSection() -> String {
        var lines = ["Policies"]

        // Sagas: what the failed runs undid.
        if runs.compensations.isEmpty {
            lines.append("  compensations: none (no run failed after a step with a compensation had completed)")
        } else {
            let undone = runs.compensations.sorted { $0.key < $1.key }.map { step, tally in
                "\(step) \(formatCount(tally.succeeded)) undone" + (tally.failed > 0 ? ", \(formatCount(tally.failed)) FAILED" : "")
            }
            lines.append("  compensations: " + undone.joined(separator: "; "))
        }

        // Hedging, from baton_hedges_total (one pair of counters per service with hedged reads).
        for service in metrics.values(of: TelemetryNames.serviceLabel, in: TelemetryNames.hedges) {
            let sent = metrics.total(TelemetryNames.hedges, matching: [TelemetryNames.serviceLabel: service, TelemetryNames.outcomeLabel: "sent"])
            let won = metrics.total(TelemetryNames.hedges, matching: [TelemetryNames.serviceLabel: service, TelemetryNames.outcomeLabel: "won"])
            lines.append("  hedges (\(service)): \(formatCount(sent)) sent, \(formatCount(won)) won")
        }

        // Circuit breakers, from the baton_circuit_state gauge.
        let transitions = metrics.breakerTransitions
        if transitions.isEmpty {
            lines.append("  circuit breakers: no state changes")
        } else {
            lines.append("  circuit breakers: \(transitions.count) state change\(transitions.count == 1 ? "" : "s")")
            for transition in transitions.prefix(12) {
                lines.append(
                    "    \(pad(formatDuration(transition.at), 7, alignRight: true))  \(transition.breaker): \(transition.from) -> \(transition.to)")
            }
            if transitions.count > 12 { lines.append("    … and \(transitions.count - 12) more") }
        }

        // Routing, from the routers' snapshots and the calls each endpoint saw.
        for (service, snapshot) in routing.sorted(by: { $0.key < $1.key }) {
            let calls = services.first { $0.name == service }?.snapshot.callsByEndpoint ?? [:]
            let total = calls.values.reduce(0, +)
            let endpoints = snapshot.endpoints.map { state in
                let name = endpointName(state.endpoint)
                var text = "\(name) \(formatShare(calls[name] ?? 0, of: total))"
                if state.ejections > 0 { text += " (ejected \(state.ejections)x)" }
                return text
            }
            lines.append("  routing (\(service), \(snapshot.strategy)): calls by endpoint " + endpoints.joined(separator: ", "))
            lines.append("    routing rule active at the end: \(snapshot.activeRule.map { "'\($0)'" } ?? "none")")
        }

        // Response caches, from baton_cache_requests_total (labelled service, operation, result).
        let label = TelemetryNames.cacheRequests
        for service in metrics.values(of: TelemetryNames.serviceLabel, in: label) {
            for operation in metrics.values(of: "operation", in: label) {
                let results = ["hit", "stale", "miss", "coalesced", "stale_if_error", "stale_fallback", "error"]
                let counts = results.compactMap { result -> String? in
                    let count = metrics.total(
                        label, matching: [TelemetryNames.serviceLabel: service, "operation": operation, "result": result])
                    return count > 0 ? "\(result.replacingOccurrences(of: "_", with: " ")) \(formatCount(count))" : nil
                }
                if !counts.isEmpty { lines.append("  cache \(service).\(operation): " + counts.joined(separator: ", ")) }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// What the services saw: retries and hedges are extra calls, and abandoned calls are those
    /// Baton stopped waiting for (timeouts, lost hedges, cancelled steps).
    private func downstreamSection() -> String {
        let started = runs.succeeded + runs.failed
        var lines = [
            "Downstream calls (as the simulated services saw them)",
            "  " + pad("service", 11) + pad("calls", 9, alignRight: true) + pad("per run", 9, alignRight: true)
                + pad("failed", 9, alignRight: true) + pad("slowed", 9, alignRight: true) + pad("abandoned", 11, alignRight: true)
                + pad("p50", 8, alignRight: true) + pad("p99", 8, alignRight: true),
        ]
        for service in services {
            let stats = service.snapshot
            let perRun = started == 0 ? "-" : String(format: "%.2f", Double(stats.calls) / Double(started))
            lines.append(
                "  " + pad(service.name, 11) + pad(formatCount(stats.calls), 9, alignRight: true) + pad(perRun, 9, alignRight: true)
                    + pad(formatCount(stats.injectedFailures), 9, alignRight: true) + pad(formatCount(stats.slowed), 9, alignRight: true)
                    + pad(formatCount(stats.abandoned), 11, alignRight: true)
                    + pad(percentile(0.5, of: stats.latencies.sorted()).map(formatDuration) ?? "-", 8, alignRight: true)
                    + pad(percentile(0.99, of: stats.latencies.sorted()).map(formatDuration) ?? "-", 8, alignRight: true))
        }
        lines.append("  failed, slowed: injected by --fail and --slow. abandoned: Baton stopped waiting (a timeout, a lost")
        lines.append("  hedge, a cancelled step). p50, p99: how long the service took, or would have taken when abandoned.")
        return lines.joined(separator: "\n")
    }
}
