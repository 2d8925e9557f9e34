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
                out += "\(line)\n"
                out += caretLine(under: line, column: location.column) + "\n"
            }
            if let suggestion = diagnostic.extraSuggestion {
                out += "\(location.file):\(location.line):\(location.column): note: \(suggestion)\n"
            }
        }
        out += summary(report)
        return out
    }

    /// Spaces up to the column (tabs kept as tabs so the caret lines up), then `^`.
    private func caretLine(under line: String, column: Int) -> String {
        var prefix = ""
        for scalar in line.unicodeScalars.prefix(max(column - 1, 0)) {
            prefix.unicodeScalars.append(scalar == "\t" ? "\t" : " ")
        }
        return prefix + "^"
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
