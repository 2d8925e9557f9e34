import BatonSpec

/// Compiler-style diagnostics: location, severity, message and rule, then the offending source
/// line with a caret under the column.
struct TextFormatter {
    func render(_ report: DiagnosticReport) -> String {
        var out = ""
        for diagnostic in report.diagnostics {
            let location = diagnostic.location
            out += "\(location.file):\(location.line):\(location.column): \(diagnostic.severity.rawValue): "
            out += "\(diagnostic.message) [\(diagnostic.rule.id)]\n"
            if let line = report.sourceLine(location.file, location.line) {
                out += excerpt(of: line, column: location.column)
            }
            if let suggestion = diagnostic.extraSuggestion {
                out += "\(location.file):\(location.line):\(location.column): note: \(suggestion)\n"
            }
        }
        out += summary(report)
        return out
    }

    /// The widest source excerpt shown, in Unicode scalars: a hostile spec may hold a line of
    /// megabytes, and the caret only needs its neighbourhood.
    static let excerptWidth = 160

    /// The source line (at most ``excerptWidth`` scalars around the column, `…` marking cuts; hidden
    /// characters made visible so the line reads as what it is), then a caret line under the
    /// column: spaces, tabs kept as tabs so the caret lines up, then `^`.
    func excerpt(of line: String, column: Int) -> String {
        let scalars = Array(line.unicodeScalars)
        let caret = min(max(column - 1, 0), scalars.count)
        var start = 0
        var end = scalars.count
        if scalars.count > Self.excerptWidth {
            start = max(0, min(caret - Self.excerptWidth / 2, scalars.count - Self.excerptWidth))
            end = start + Self.excerptWidth
        }
        func text(_ range: Range<Int>) -> String {
            var piece = String.UnicodeScalarView()
            piece.append(contentsOf: scalars[range])
            return Diagnostic.visible(String(piece))
        }
        let opening = start > 0 ? "…" : ""
        let shown = opening + text(start..<end) + (end < scalars.count ? "…" : "")
        var prefix = opening.isEmpty ? "" : " "
        for scalar in text(start..<max(start, caret)).unicodeScalars {
            prefix.unicodeScalars.append(scalar == "\t" ? "\t" : " ")
        }
        return shown + "\n" + prefix + "^\n"
    }

    private func summary(_ report: DiagnosticReport) -> String {
        let files = report.files.count == 1 ? "1 file" : "\(report.files.count) files"
        if report.diagnostics.isEmpty { return "\(files) checked, no problems.\n" }
        return "\(files) checked: \(plural(report.errorCount, "error")), \(plural(report.warningCount, "warning")).\n"
    }
}

func plural(_ count: Int, _ noun: String) -> String {
    count == 1 ? "1 \(noun)" : "\(count) \(noun)s"
}
