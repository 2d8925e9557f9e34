import BatonDiff
import BatonSpec

/// The changes of one `baton diff` run, with what the formatters need to render them.
struct DiffReport {
    struct Entry {
        var change: SpecChange
        /// The NEW spec the change belongs to, when there is one (annotations of changes located
        /// in OLD go there).
        var newFile: String?
    }

    /// Sorted by file position.
    var entries: [Entry]
    /// Pairs of specs compared.
    var specCount: Int
    /// The text of a file's line (1-based), for the source excerpt under each text entry.
    var sourceLine: (_ file: String, _ line: Int) -> String?

    func count(_ severity: ChangeSeverity) -> Int { entries.count { $0.change.severity == severity } }

    /// `1 breaking, 0 dangerous, 2 safe`.
    var tally: String {
        ChangeSeverity.allCases.reversed().map { "\(count($0)) \($0.rawValue)" }.joined(separator: ", ")
    }

    var specsCompared: String { specCount == 1 ? "1 spec compared" : "\(specCount) specs compared" }
}

/// The output formats of `baton diff` (spec-v1 §15).
enum DiffFormat: String, CaseIterable, Sendable {
    /// `file:line:column: severity: message [id]`, the source line and a caret, then a summary (like lint's).
    case text
    /// `{ "changes": [ { "id", "severity", "path", "message", "file", "line" } ] }`, sorted by file position.
    case json
    /// A table for a pull-request comment.
    case markdown
    /// GitHub Actions workflow commands: breaking changes as errors, dangerous as warnings, safe as notices.
    case github

    func render(_ report: DiffReport) -> String {
        switch self {
        case .text: DiffTextFormatter().render(report)
        case .json: DiffJSONFormatter().render(report)
        case .markdown: DiffMarkdownFormatter().render(report)
        case .github: DiffGitHubFormatter().render(report)
        }
    }
}

struct DiffTextFormatter {
    func render(_ report: DiffReport) -> String {
        var out = ""
        for entry in report.entries {
            let change = entry.change
            let location = change.location
            out += "\(location.file):\(location.line):\(location.column): \(change.severity.rawValue): "
            out += "\(change.message) [\(change.id.id)]\n"
            if let line = report.sourceLine(location.file, location.line) {
                out += TextFormatter().excerpt(of: line, column: location.column)
            }
        }
        if report.entries.isEmpty { return out + "\(report.specsCompared), no changes.\n" }
        return out + "\(report.specsCompared): \(plural(report.entries.count, "change")) (\(report.tally)).\n"
    }
}

struct DiffJSONFormatter {
    struct Document: Encodable {
        var changes: [Entry]
    }

    struct Entry: Encodable {
        var id: String
        var severity: String
        var path: String
        var message: String
        var file: String
        var line: Int
    }

    func render(_ report: DiffReport) -> String {
        encodeJSON(Document(changes: report.entries.map {
            Entry(id: $0.change.id.id, severity: $0.change.severity.rawValue, path: $0.change.path,
                  message: $0.change.message, file: $0.change.location.file, line: $0.change.location.line)
        }))
    }
}

/// A heading with the tally and one table row per change, for a pull-request comment.
struct DiffMarkdownFormatter {
    func render(_ report: DiffReport) -> String {
        guard !report.entries.isEmpty else { return "### baton diff: no changes\n\n\(report.specsCompared).\n" }
        var out = "### baton diff: \(report.tally)\n\n"
        out += "| severity | change | id | where |\n|---|---|---|---|\n"
        for entry in report.entries {
            let change = entry.change
            let severity = change.severity == .safe ? "safe" : "**\(change.severity.rawValue)**"
            out += "| \(severity) | \(Self.escape(change.message)) | `\(change.id.id)` | "
            out += "\(Self.code("\(change.location.file):\(change.location.line)")) |\n"
        }
        return out + "\n\(report.specsCompared).\n"
    }

    /// Text that renders as itself in a table cell: Markdown punctuation and HTML escaped, no line breaks.
    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in Diagnostic.visible(text).unicodeScalars {
            switch scalar {
            case "\\", "|", "*", "_", "`", "[", "]", "#", "~": out += "\\" + String(scalar)
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A code span that holds any text (a path may contain backticks or pipes).
    static func code(_ text: String) -> String {
        let visible = Diagnostic.visible(text)
        guard !visible.contains("`"), !visible.contains("|") else { return escape(visible) }
        return "`\(visible)`"
    }
}

/// Workflow commands that annotate the pull request's diff. A change located in OLD (a removal)
/// is annotated at the nearest place in NEW that is still there, or on the NEW file as a whole.
struct DiffGitHubFormatter {
    func render(_ report: DiffReport) -> String {
        var out = ""
        for entry in report.entries {
            let change = entry.change
            let level = switch change.severity {
            case .breaking: "error"
            case .dangerous: "warning"
            case .safe: "notice"
            }
            var message = change.message
            var target = change.location
            var line: Int? = target.line
            var column: Int? = target.column
            if change.id.isLocatedInOld {
                message += " (was at \(change.location.file):\(change.location.line))"
                if let near = change.newLocation {
                    (target, line, column) = (near, near.line, near.column)
                } else if let file = entry.newFile {
                    // Nothing of it is left in NEW: an annotation on the file as a whole.
                    (target.file, line, column) = (file, nil, nil)
                }
            }
            out += GitHubFormatter.command(level, file: target.file, line: line, column: column,
                                           title: "baton diff \(change.id.id)", message: message)
        }
        return out
    }
}
