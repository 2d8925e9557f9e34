import Foundation

// Number formatting shared by the progress line and the summary.

/// `0.4ms`, `12ms`, `1.25s`.
package func formatDuration(_ duration: Duration) -> String {
    let milliseconds = duration.milliseconds
    if milliseconds < 1 { return String(format: "%.2fms", milliseconds) }
    if milliseconds < 10 { return String(format: "%.1fms", milliseconds) }
    if milliseconds < 1_000 { return String(format: "%.0fms", milliseconds) }
    return String(format: "%.2fs", milliseconds / 1_000)
}

/// `0%`, `<0.1%`, `0.4%`, `12.5%`, `>99.9%`, `100%`: never rounds a share to 0% or 100% that is
/// not exactly that.
package func formatPercent(_ fraction: Double) -> String {
    let percent = fraction * 100
    if percent == 0 || percent == 100 { return String(format: "%.0f%%", percent) }
    if percent < 0.1 { return "<0.1%" }
    if percent > 99.9 { return ">99.9%" }
    if percent == percent.rounded() { return String(format: "%.0f%%", percent) }
    return String(format: "%.1f%%", percent)
}

/// The share `part / whole` as a percentage, `-` when `whole` is zero.
package func formatShare(_ part: Int, of whole: Int) -> String {
    whole == 0 ? "-" : formatPercent(Double(part) / Double(whole))
}

/// `1,234,567`.
package func formatCount(_ count: Int) -> String {
    let digits = String(count.magnitude)
    var grouped = ""
    for (index, digit) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { grouped.append(",") }
        grouped.append(digit)
    }
    return count < 0 ? "-" + grouped : grouped
}

/// `text` padded with spaces to `width` characters (on the right, or on the left for numbers).
package func pad(_ text: String, _ width: Int, alignRight: Bool = false) -> String {
    let padding = String(repeating: " ", count: max(0, width - text.count))
    return alignRight ? padding + text : text + padding
}

extension Duration {
    /// The duration in (fractional) milliseconds.
    package var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1_000 + Double(attoseconds) / 1e15
    }

    /// The duration in (fractional) seconds.
    package var seconds: Double { milliseconds / 1_000 }
}
