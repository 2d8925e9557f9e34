import BatonSpec
import Foundation

/// A stable JSON document: `{ "version": 1, "diagnostics": [...], "summary": {...} }`.
struct JSONFormatter {
    struct Document: Encodable {
        var version = 1
        var diagnostics: [Entry]
        var summary: Summary
    }

    struct Entry: Encodable {
        var file: String
        var line: Int
        var column: Int
        var severity: String
        var rule: String
        var message: String
        var suggestion: String?
    }

    struct Summary: Encodable {
        var files: Int
        var errors: Int
        var warnings: Int
    }

    func render(_ report: DiagnosticReport) -> String {
        let document = Document(
            diagnostics: report.diagnostics.map {
                Entry(
                    file: $0.location.file, line: $0.location.line, column: $0.location.column,
                    severity: $0.severity.rawValue, rule: $0.rule.id, message: $0.message, suggestion: $0.suggestion
                )
            },
            summary: Summary(files: report.files.count, errors: report.errorCount, warnings: report.warningCount)
        )
        return encodeJSON(document)
    }
}

/// Pretty, key-sorted JSON with a trailing newline; deterministic for golden tests and diffs.
func encodeJSON(_ value: some Encodable) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    // Encoding plain structs of strings and numbers cannot fail.
    let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
    return String(decoding: data, as: UTF8.self) + "\n"
}
