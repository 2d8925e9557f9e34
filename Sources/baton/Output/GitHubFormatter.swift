import BatonSpec

/// GitHub Actions workflow commands: each diagnostic becomes an annotation on the pull request.
///
/// Escaping follows the runner's rules: in the message, `%`, CR and LF are percent-encoded; in
/// properties, `:` and `,` are too, since they delimit properties.
struct GitHubFormatter {
    func render(_ report: DiagnosticReport) -> String {
        var out = ""
        for diagnostic in report.diagnostics {
            let location = diagnostic.location
            out += Self.command(diagnostic.severity.rawValue, file: location.file, line: location.line,
                                column: location.column, title: "baton \(diagnostic.rule.id)",
                                message: diagnostic.messageWithSuggestion)
        }
        return out
    }

    /// One workflow command, `::level file=…,line=…,col=…,title=…::message` and a line break
    /// (`level` is `error`, `warning` or `notice`; without a line it annotates the whole file).
    static func command(_ level: String, file: String, line: Int?, column: Int?, title: String, message: String) -> String {
        var properties = ["file=\(escapeProperty(file))"]
        if let line { properties.append("line=\(line)") }
        if let column { properties.append("col=\(column)") }
        properties.append("title=\(escapeProperty(title))")
        return "::\(level) \(properties.joined(separator: ","))::\(escapeData(message))\n"
    }

    static func escapeData(_ text: String) -> String {
        text.replacingAll(["%": "%25", "\r": "%0D", "\n": "%0A"])
    }

    static func escapeProperty(_ text: String) -> String {
        text.replacingAll(["%": "%25", "\r": "%0D", "\n": "%0A", ":": "%3A", ",": "%2C"])
    }
}

extension String {
    /// Replaces each listed scalar in one pass, so replacements are never re-escaped.
    ///
    /// Works on scalars, not characters: "\r\n" is one `Character` and would slip past a
    /// character-level table.
    func replacingAll(_ table: [Unicode.Scalar: String]) -> String {
        var out = ""
        out.reserveCapacity(utf8.count)
        for scalar in unicodeScalars {
            if let replacement = table[scalar] { out += replacement } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }
}
