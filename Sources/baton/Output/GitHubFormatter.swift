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
            let properties = [
                "file=\(Self.escapeProperty(location.file))",
                "line=\(location.line)",
                "col=\(location.column)",
                "title=\(Self.escapeProperty("baton \(diagnostic.rule.id)"))",
            ].joined(separator: ",")
            let message = diagnostic.messageWithSuggestion
            out += "::\(diagnostic.severity.rawValue) \(properties)::\(Self.escapeData(message))\n"
        }
        return out
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
