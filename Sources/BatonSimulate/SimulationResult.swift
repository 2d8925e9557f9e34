import Foundation

/// The figures of a simulation (spec-v1 §16), and their JSON and text forms.
public struct SimulationResult: Sendable, Hashable {
    /// The workflow simulated.
    public var workflow: String
    /// How many runs.
    public var runs: Int
    /// How many callers ran at once.
    public var concurrency: Int
    /// The seed of every random draw.
    public var seed: UInt64
    /// Share of runs that produced output.
    public var success: Double
    /// Share of runs with every step.
    public var complete: Double
    /// Latency quantiles in seconds over the runs that produced output: p50, p90, p99, p99.9;
    /// `nil` when no run produced output.
    public var latency: Latency?
    /// Per operation (`service.operation`), in spec order.
    public var calls: [(operation: String, counts: OperationCounts)]
    /// Σ attempts ÷ Σ calls − 1 (0 without calls).
    public var extraLoad: Double

    /// Latency quantiles in seconds.
    public struct Latency: Sendable, Hashable {
        /// The median.
        public var p50: Double
        /// The 90th percentile.
        public var p90: Double
        /// The 99th percentile.
        public var p99: Double
        /// The 99.9th percentile.
        public var p999: Double
    }

    init(workflow: String, runs: Int, concurrency: Int, seed: UInt64, outcomes: RunOutcomes, calls: [(String, OperationCounts)]) {
        self.workflow = workflow
        self.runs = runs
        self.concurrency = concurrency
        self.seed = seed
        success = runs == 0 ? 0 : Double(outcomes.successes) / Double(runs)
        complete = runs == 0 ? 0 : Double(outcomes.completes) / Double(runs)
        let sorted = outcomes.latencies.sorted()
        latency = sorted.isEmpty ? nil : Latency(
            p50: Self.quantile(sorted, 0.5), p90: Self.quantile(sorted, 0.9), p99: Self.quantile(sorted, 0.99), p999: Self.quantile(sorted, 0.999))
        self.calls = calls.map { (operation: $0.0, counts: $0.1) }
        let totalCalls = calls.reduce(0) { $0 + $1.1.calls }
        let totalAttempts = calls.reduce(0) { $0 + $1.1.attempts }
        extraLoad = totalCalls == 0 ? 0 : Double(totalAttempts) / Double(totalCalls) - 1
    }

    /// Nearest rank: the smallest value with at least `q` of the values at or below it, in seconds.
    static func quantile(_ sorted: [Int64], _ q: Double) -> Double {
        let rank = Int((q * Double(sorted.count)).rounded(.up))
        return Double(sorted[min(max(rank, 1), sorted.count) - 1]) / 1e9
    }

    /// Results are equal when their JSON is.
    public static func == (lhs: SimulationResult, rhs: SimulationResult) -> Bool {
        lhs.json == rhs.json
    }

    /// Hashes the JSON.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(json)
    }

    // MARK: JSON

    /// The JSON of spec-v1 §16, keys in the order given there, on one line per key.
    public var json: String { jsonObject(indent: "") }

    func jsonObject(indent: String) -> String {
        let inner = indent + "  "
        var lines: [String] = []
        lines.append("\(inner)\"workflow\": \(Self.string(workflow))")
        lines.append("\(inner)\"runs\": \(runs)")
        lines.append("\(inner)\"seed\": \(seed)")
        lines.append("\(inner)\"success\": \(Self.share(success))")
        lines.append("\(inner)\"complete\": \(Self.share(complete))")
        if let latency {
            lines.append("\(inner)\"latency\": { \"p50\": \(Self.seconds(latency.p50)), \"p90\": \(Self.seconds(latency.p90)), \"p99\": \(Self.seconds(latency.p99)), \"p999\": \(Self.seconds(latency.p999)) }")
        } else {
            lines.append("\(inner)\"latency\": { \"p50\": null, \"p90\": null, \"p99\": null, \"p999\": null }")
        }
        let calls = self.calls.map { entry in
            let c = entry.counts
            return "\(inner)  \(Self.string(entry.operation)): { \"calls\": \(c.calls), \"attempts\": \(c.attempts), \"hedges\": \(c.hedges), \"failures\": \(c.failures) }"
        }
        lines.append(calls.isEmpty ? "\(inner)\"calls\": {}" : "\(inner)\"calls\": {\n" + calls.joined(separator: ",\n") + "\n\(inner)}")
        lines.append("\(inner)\"extraLoad\": \(Self.share(extraLoad))")
        return "{\n" + lines.joined(separator: ",\n") + "\n\(indent)}"
    }

    /// Shares to 4 decimals (0.01 percentage point).
    static func share(_ value: Double) -> String { String(format: "%.4f", value) }
    /// Seconds to 6 decimals (a microsecond).
    static func seconds(_ value: Double) -> String { String(format: "%.6f", value) }

    static func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }

    // MARK: Text

    /// The same figures as a table.
    public var text: String {
        var out = "workflow \(workflow): \(runs) runs, concurrency \(concurrency), seed \(seed)\n\n"
        out += Self.table(figures.map { [$0.label, $0.value] }, header: ["", ""], rightAligned: [false, true])
        out += "\n"
        out += Self.table(calls.map { entry in
            [entry.operation, "\(entry.counts.calls)", "\(entry.counts.attempts)", "\(entry.counts.hedges)", "\(entry.counts.failures)"]
        }, header: ["operation", "calls", "attempts", "hedges", "failures"], rightAligned: [false, true, true, true, true])
        return out
    }

    /// The headline figures, labelled, as text.
    var figures: [(label: String, value: String)] {
        [
            ("success", Self.percent(success)),
            ("complete", Self.percent(complete)),
            ("latency p50", latency.map { Self.milliseconds($0.p50) } ?? "-"),
            ("latency p90", latency.map { Self.milliseconds($0.p90) } ?? "-"),
            ("latency p99", latency.map { Self.milliseconds($0.p99) } ?? "-"),
            ("latency p99.9", latency.map { Self.milliseconds($0.p999) } ?? "-"),
            ("extra load", Self.percent(extraLoad)),
        ]
    }

    static func percent(_ share: Double) -> String { String(format: "%.2f%%", share * 100) }
    static func milliseconds(_ seconds: Double) -> String { String(format: "%.1fms", seconds * 1000) }

    /// Columns padded to their widest cell; a header row unless every header is empty.
    static func table(_ rows: [[String]], header: [String], rightAligned: [Bool]) -> String {
        let all = (header.allSatisfy(\.isEmpty) ? [] : [header]) + rows
        guard let columns = all.first?.count else { return "" }
        let widths = (0..<columns).map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return rightAligned[column] ? pad + cell : cell + pad
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }.joined(separator: "\n") + "\n"
    }
}

/// Two simulations of the same workflow on the same seed, side by side (`--compare`).
public struct SimulationComparison: Sendable, Hashable {
    /// The spec as given.
    public var before: SimulationResult
    /// The other spec, or the spec with the `--set` changes.
    public var after: SimulationResult
    /// What the `before` side is: the spec file.
    public var beforeLabel: String
    /// What the `after` side is: the other spec and the `--set` changes.
    public var afterLabel: String

    /// Pairs two results of the same workflow, runs and seed.
    public init(before: SimulationResult, after: SimulationResult, beforeLabel: String, afterLabel: String) {
        self.before = before
        self.after = after
        self.beforeLabel = beforeLabel
        self.afterLabel = afterLabel
    }

    /// `{ "before": {…}, "after": {…} }`, each the JSON of spec-v1 §16.
    public var json: String {
        "{\n  \"before\": \(before.jsonObject(indent: "  ")),\n  \"after\": \(after.jsonObject(indent: "  "))\n}"
    }

    /// The figures and per-operation attempts side by side.
    public var text: String {
        var out = "workflow \(before.workflow): \(before.runs) runs, concurrency \(before.concurrency), seed \(before.seed)\n"
        out += "before: \(beforeLabel)\nafter:  \(afterLabel)\n\n"
        let figures = zip(before.figures, after.figures).map { [$0.label, $0.value, $1.value] }
        out += SimulationResult.table(figures, header: ["", "before", "after"], rightAligned: [false, true, true])
        out += "\n"
        let operations = before.calls.map(\.operation) + after.calls.map(\.operation).filter { name in !before.calls.contains { $0.operation == name } }
        let rows = operations.map { name -> [String] in
            let b = before.calls.first { $0.operation == name }?.counts ?? OperationCounts()
            let a = after.calls.first { $0.operation == name }?.counts ?? OperationCounts()
            return [name, "\(b.calls) → \(a.calls)", "\(b.attempts) → \(a.attempts)", "\(b.hedges) → \(a.hedges)", "\(b.failures) → \(a.failures)"]
        }
        out += SimulationResult.table(
            rows, header: ["operation", "calls", "attempts", "hedges", "failures"], rightAligned: [false, true, true, true, true])
        return out
    }
}
