import Foundation
import Testing
@testable import BatonSpec

/// Keeps the spec language reference (`Sources/BatonSpec/BatonSpec.docc/SpecReference.md`) true.
///
/// Every ```` ```yaml ```` block of the article whose first line is `# file: NAME.baton.yaml` is a
/// complete spec. When a ```` ```text ```` block follows it, that block lists exactly the
/// diagnostic header lines (`file:line:column: severity: message [rule]`) `baton lint NAME`
/// prints for it; otherwise the spec must lint clean. A ```` ```yaml ```` block whose first line
/// names another file (`# file: contracts/pricing.yaml`, an OpenAPI document) is written next to
/// the spec of the example that follows it. Every rule has such an example, and every key the
/// checker accepts is mentioned.
@Suite struct SpecReferenceTests {
    static let articlePath = packageRoot + "/Sources/BatonSpec/BatonSpec.docc/SpecReference.md"

    static let article: String = (try? String(contentsOfFile: articlePath, encoding: .utf8)) ?? ""

    /// A spec from the article and what `baton lint` must print for it.
    struct Example: Sendable, CustomTestStringConvertible {
        var file: String
        var yaml: String
        /// Other files the spec reads (OpenAPI documents), by path relative to it.
        var files: [String: String] = [:]
        /// The expected diagnostic header lines; nil when the spec must be clean.
        var expected: [String]?
        /// Where the yaml block starts in the article (1-based), for failure messages.
        var articleLine: Int

        var testDescription: String { "\(file) at SpecReference.md:\(articleLine)" }
    }

    /// The examples of the article, in order.
    static let examples: [Example] = parseExamples(article)

    static func parseExamples(_ text: String) -> [Example] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var examples: [Example] = []
        var pendingFiles: [String: String] = [:]
        var i = 0
        /// The lines of the fenced block opening at `start`, and the index after its closing fence.
        func block(at start: Int) -> (body: [String], next: Int) {
            var end = start + 1
            while end < lines.count, lines[end] != "```" { end += 1 }
            return (Array(lines[(start + 1)..<min(end, lines.count)]), end + 1)
        }
        while i < lines.count {
            guard lines[i] == "```yaml", i + 1 < lines.count, lines[i + 1].hasPrefix("# file: ") else {
                i += 1
                continue
            }
            let (yaml, afterYAML) = block(at: i)
            let file = String(lines[i + 1].dropFirst("# file: ".count)).trimmingCharacters(in: .whitespaces)
            guard file.hasSuffix(".baton.yaml") || file.hasSuffix(".baton.yml") else {
                pendingFiles[file] = yaml.joined(separator: "\n") + "\n"
                i = afterYAML
                continue
            }
            var example = Example(file: file, yaml: yaml.joined(separator: "\n") + "\n", expected: nil, articleLine: i + 1)
            example.files = pendingFiles
            pendingFiles = [:]
            var next = afterYAML
            while next < lines.count, lines[next].trimmingCharacters(in: .whitespaces).isEmpty { next += 1 }
            if next < lines.count, lines[next] == "```text" {
                let (text, afterText) = block(at: next)
                example.expected = text
                next = afterText
            }
            examples.append(example)
            i = next
        }
        return examples
    }

    /// `file:line:column: error|warning: message [rule]`: the lines the article quotes (not the
    /// source excerpt, caret, `note:` or summary lines).
    static func isHeaderLine(_ line: String) -> Bool {
        line.wholeMatch(of: /[^\s:]+:\d+:\d+: (error|warning): .+ \[[a-z]+(-[a-z]+)*\]/) != nil
    }

    @Test func articleHasExamples() {
        #expect(!Self.article.isEmpty, "cannot read \(Self.articlePath)")
        #expect(Self.examples.count > Rule.allCases.count)
        for example in Self.examples {
            #expect(example.file.hasSuffix(".baton.yaml") || example.file.hasSuffix(".baton.yml"),
                    "\(example.testDescription): '# file:' must name a spec file")
            for line in example.expected ?? [] {
                #expect(Self.isHeaderLine(line), "\(example.testDescription): '\(line)' is not a diagnostic line")
            }
        }
    }

    @Test(arguments: examples)
    func exampleLintsAsDocumented(_ example: Example) async throws {
        let directory = try SpecDirectory(example.files.merging([example.file: example.yaml]) { $1 })
        let run = try await runBaton(["lint", example.file], in: directory.path)
        let printed = run.stdout.split(separator: "\n").map(String.init).filter(Self.isHeaderLine)
        guard let expected = example.expected else {
            #expect(run.stdout == "1 file checked, no problems.\n", "\(example.testDescription) is not clean")
            #expect(run.status == 0)
            return
        }
        #expect(printed == expected, "\(example.testDescription): update the text block under it")
        let hasErrors = expected.contains { $0.contains(": error: ") }
        #expect(run.status == (hasErrors ? 1 : 0), "\(example.testDescription): exit status")
        if !hasErrors, !expected.isEmpty {
            // Warnings only: --strict makes them fail the run.
            #expect(try await runBaton(["lint", "--strict", example.file], in: directory.path).status == 1)
        }
    }

    @Test func everyRuleHasAnExample() {
        let lines = Self.article.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for rule in Rule.allCases {
            let hasSection = lines.contains("### \(rule.id)")
            #expect(hasSection, "no section '### \(rule.id)'")
            let examples = Self.examples.filter { ($0.expected ?? []).contains { $0.hasSuffix("[\(rule.id)]") } }
            #expect(!examples.isEmpty, "no example prints [\(rule.id)]")
            let row = lines.first { $0.hasPrefix("| [`\(rule.id)`]") }
            #expect(row?.contains("| \(rule.defaultSeverity.rawValue) |") == true,
                    "the rule table must list \(rule.id) as \(rule.defaultSeverity.rawValue)")
        }
    }

    @Test func githubAnnotationExampleIsCurrent() async throws {
        // "Running baton lint" quotes the `--format github` line of the missing-compensation example.
        let example = try #require(Self.examples.first {
            ($0.expected ?? []).contains { $0.hasSuffix("[\(Rule.missingCompensation.id)]") }
        })
        let directory = try SpecDirectory([example.file: example.yaml])
        let run = try await runBaton(["lint", "--format", "github", example.file], in: directory.path)
        let line = run.stdout.split(separator: "\n").map(String.init).first ?? ""
        #expect(line.hasPrefix("::warning "))
        let quoted = Self.article.split(separator: "\n").contains { $0 == line }
        #expect(quoted, "the article should quote: \(line)")
    }

    /// Every key the checker accepts in some mapping: the `allowed:` lists of its shape checks
    /// (read from the checker's sources) and its key tables.
    static func checkerKeys() throws -> Set<String> {
        let directory = packageRoot + "/Sources/BatonSpec/Checker"
        var keys = Set(Checker.policySections + Checker.serviceKeys + Checker.operationKeys
                       + Checker.workflowKeys + Checker.stepKeys)
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) where name.hasSuffix(".swift") {
            let source = try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
            for list in source.matches(of: /allowed: \[([^\]]*)\]/) {
                for literal in list.output.1.matches(of: /"([A-Za-z]+)"/) { keys.insert(String(literal.output.1)) }
            }
        }
        return keys
    }

    @Test func everyKeyIsDocumented() throws {
        let keys = try Self.checkerKeys()
        // The scan found the shape checks (top level, retry, routing rule, compensation, …).
        #expect(keys.isSuperset(of: ["baton", "maxAttempts", "slowCall", "prefer", "staleIfError", "queueTimeout", "compensate"]))
        let tableRows = Self.article.split(separator: "\n").filter { $0.hasPrefix("|") }
        for key in keys.sorted() {
            let mentioned = tableRows.contains { $0.contains("`\(key)`") || $0.contains("\(key):") }
            #expect(mentioned, "no table row of the reference documents the key '\(key)'")
        }
    }

    @Test func everyEnumeratedValueIsDocumented() {
        let values = Jitter.allCases.map(\.rawValue) + ErrorClassName.allCases.map(\.rawValue)
            + CircuitBreakerMode.allCases.map(\.rawValue) + CircuitBreakerScope.allCases.map(\.rawValue)
            + RoutingStrategy.allCases.map(\.rawValue) + EndpointRole.allCases.map(\.rawValue)
            + Access.allCases.map(\.rawValue) + StepMode.allCases.map(\.rawValue)
            + RoutingMetric.allCases.map(\.rawValue) + ComparisonOperator.allCases.map(\.rawValue)
            + TypeRef.builtins.keys.sorted()
        for value in values {
            let mentioned = Self.article.contains("`\(value)`")
            #expect(mentioned, "the reference never mentions `\(value)`")
        }
    }
}
