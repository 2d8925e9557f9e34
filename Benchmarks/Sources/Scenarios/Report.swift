import Foundation

/// One line of the results table.
struct Row: Codable, Sendable {
    var suite: String
    var name: String
    /// The measured value, in `unit`.
    var value: Double
    var unit: String
    /// `value` against the suite's baseline (e.g. hand-written, bare call, no hedging).
    var ratio: Double?
    /// What the ratio is taken against.
    var baseline: String?
    var target: String?
    var met: Bool?
    /// Anything else worth a column (e.g. p99.9 and extra calls of a hedging mode).
    var detail: String?
}

/// Collects the rows of every suite that ran and prints them as they come.
final class Report: @unchecked Sendable {
    private(set) var rows: [Row] = []

    func add(_ row: Row) {
        rows.append(row)
        var line = "[\(row.suite)] \(row.name): \(format(row.value)) \(row.unit)"
        if let ratio = row.ratio { line += " (ratio \(format(ratio)) vs \(row.baseline ?? "baseline"))" }
        if let detail = row.detail { line += " — \(detail)" }
        if let target = row.target { line += " [target \(target): \(row.met == true ? "met" : "MISSED")]" }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(rows).write(to: URL(fileURLWithPath: path))
    }
}

func format(_ value: Double) -> String {
    if value == 0 { return "0" }
    let magnitude = abs(value)
    if magnitude >= 1000 { return String(format: "%.0f", value) }
    if magnitude >= 100 { return String(format: "%.1f", value) }
    if magnitude >= 10 { return String(format: "%.2f", value) }
    return String(format: "%.3f", value)
}

func milliseconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) * 1000 + Double(attoseconds) / 1e15
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}
