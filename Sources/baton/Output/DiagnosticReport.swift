import BatonSpec

/// The diagnostics of one `lint` or `generate` run, with what the formatters need to render them.
struct DiagnosticReport {
    /// Every finding, in file order then position order.
    var diagnostics: [Diagnostic]
    /// The files that were checked, as the user named them.
    var files: [String]
    /// The text of a file's line (1-based), for the source excerpt under each text diagnostic.
    var sourceLine: (_ file: String, _ line: Int) -> String?

    var errorCount: Int { diagnostics.count { $0.severity == .error } }
    var warningCount: Int { diagnostics.count { $0.severity == .warning } }

    /// Whether the run fails: any error, or any warning under `--strict`.
    func fails(strict: Bool) -> Bool {
        errorCount > 0 || (strict && warningCount > 0)
    }
}

/// The output formats of `baton lint` (spec-v1 §8).
enum DiagnosticFormat: String, CaseIterable, Sendable {
    /// `file:line:column: severity: message [rule]`, the source line and a caret.
    case text
    /// One JSON document with every diagnostic and a summary.
    case json
    /// SARIF 2.1.0, for code-scanning uploads.
    case sarif
    /// GitHub Actions workflow commands (`::error file=…`), which annotate pull requests.
    case github

    func render(_ report: DiagnosticReport) -> String {
        switch self {
        case .text: TextFormatter().render(report)
        case .json: JSONFormatter().render(report)
        case .sarif: SARIFFormatter().render(report)
        case .github: GitHubFormatter().render(report)
        }
    }
}

extension Diagnostic {
    /// The message with the suggestion appended, unless the message already says it.
    var messageWithSuggestion: String {
        guard let suggestion = extraSuggestion else { return message }
        return "\(message) (\(suggestion))"
    }

    /// The suggestion when the message does not already contain it.
    var extraSuggestion: String? {
        guard let suggestion, !message.contains(suggestion) else { return nil }
        return suggestion
    }
}
