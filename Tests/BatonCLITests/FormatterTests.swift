@testable import baton
import BatonSpec
import Foundation
import Testing

@Suite struct FormatterTests {
    static let source = [
        "baton: 1",
        "name: Shop",
        "services:",
        "  cart:",
        "    timout: 50ms",
    ]

    static func report(_ diagnostics: [Diagnostic], files: [String] = ["specs/shop.baton.yaml"]) -> DiagnosticReport {
        DiagnosticReport(diagnostics: diagnostics, files: files) { _, line in
            line >= 1 && line <= source.count ? source[line - 1] : nil
        }
    }

    static let unknownKey = Diagnostic(
        .unknownKey, "unknown key 'timout' in service 'cart'",
        at: SourceLocation(file: "specs/shop.baton.yaml", line: 5, column: 5),
        suggestion: "did you mean 'timeout'?"
    )
    static let unusedType = Diagnostic(
        .unusedType, "type 'Coupon' is never used",
        at: SourceLocation(file: "specs/shop.baton.yaml", line: 2, column: 7)
    )

    @Test func textShowsLocationRuleSourceLineAndCaret() {
        let text = DiagnosticFormat.text.render(Self.report([Self.unknownKey]))
        #expect(text == """
            specs/shop.baton.yaml:5:5: error: unknown key 'timout' in service 'cart' [unknown-key]
                timout: 50ms
                ^
            specs/shop.baton.yaml:5:5: note: did you mean 'timeout'?
            1 file checked: 1 error, 0 warnings.

            """)
    }

    @Test func textSummaryWithoutFindings() {
        #expect(DiagnosticFormat.text.render(Self.report([])) == "1 file checked, no problems.\n")
    }

    @Test func exitStatusFollowsSeverityAndStrictness() {
        #expect(Self.report([Self.unknownKey]).fails(strict: false))
        #expect(!Self.report([Self.unusedType]).fails(strict: false))
        #expect(Self.report([Self.unusedType]).fails(strict: true))
        #expect(!Self.report([]).fails(strict: true))
    }

    @Test func jsonHasEveryFieldAndASummary() throws {
        let json = DiagnosticFormat.json.render(Self.report([Self.unknownKey, Self.unusedType]))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["version"] as? Int == 1)
        let diagnostics = try #require(object["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.count == 2)
        #expect(diagnostics[0]["file"] as? String == "specs/shop.baton.yaml")
        #expect(diagnostics[0]["line"] as? Int == 5)
        #expect(diagnostics[0]["column"] as? Int == 5)
        #expect(diagnostics[0]["severity"] as? String == "error")
        #expect(diagnostics[0]["rule"] as? String == "unknown-key")
        #expect(diagnostics[0]["suggestion"] as? String == "did you mean 'timeout'?")
        #expect(diagnostics[1]["severity"] as? String == "warning")
        let summary = try #require(object["summary"] as? [String: Int])
        #expect(summary == ["files": 1, "errors": 1, "warnings": 1])
    }

    @Test func sarifHasTheSchemaRequiredPropertiesAndRuleMetadata() throws {
        var formatter = SARIFFormatter()
        formatter.workingDirectory = "/work/project"
        let report = DiagnosticReport(
            diagnostics: [Self.unknownKey, Self.unusedType],
            files: ["specs/shop.baton.yaml"],
            sourceLine: { _, _ in nil }
        )
        let log = try #require(try JSONSerialization.jsonObject(with: Data(formatter.render(report).utf8)) as? [String: Any])
        #expect(log["version"] as? String == "2.1.0")
        let runs = try #require(log["runs"] as? [[String: Any]])
        #expect(runs.count == 1)
        let tool = try #require(runs[0]["tool"] as? [String: Any])
        let driver = try #require(tool["driver"] as? [String: Any])
        #expect(driver["name"] as? String == "baton")
        let rules = try #require(driver["rules"] as? [[String: Any]])
        #expect(rules.compactMap { $0["id"] as? String } == Rule.allCases.map(\.id))
        for rule in rules {
            let description = try #require(rule["shortDescription"] as? [String: Any])
            #expect(description["text"] is String)
        }
        let results = try #require(runs[0]["results"] as? [[String: Any]])
        #expect(results.count == 2)
        let first = results[0]
        #expect(first["ruleId"] as? String == "unknown-key")
        let index = try #require(first["ruleIndex"] as? Int)
        #expect(rules[index]["id"] as? String == "unknown-key")
        #expect(first["level"] as? String == "error")
        #expect(results[1]["level"] as? String == "warning")
        let message = try #require(first["message"] as? [String: Any])
        #expect(message["text"] as? String == "unknown key 'timout' in service 'cart' (did you mean 'timeout'?)")
        let location = try #require((first["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
        let artifact = try #require(location["artifactLocation"] as? [String: Any])
        #expect(artifact["uri"] as? String == "specs/shop.baton.yaml")
        #expect(artifact["uriBaseId"] as? String == "%SRCROOT%")
        let region = try #require(location["region"] as? [String: Int])
        #expect(region == ["startLine": 5, "startColumn": 5])
        let bases = try #require(runs[0]["originalUriBaseIds"] as? [String: [String: String]])
        #expect(bases["%SRCROOT%"]?["uri"] == "file:///work/project/")
    }

    @Test func sarifMakesPathsRelativeAndEncodesThem() throws {
        var formatter = SARIFFormatter()
        formatter.workingDirectory = "/work/project"
        let inside = Diagnostic(.unknownKey, "x", at: SourceLocation(file: "/work/project/specs/my shop.baton.yaml", line: 1, column: 1))
        let outside = Diagnostic(.unknownKey, "x", at: SourceLocation(file: "/elsewhere/a.baton.yaml", line: 1, column: 1))
        let text = formatter.render(DiagnosticReport(diagnostics: [inside, outside], files: [], sourceLine: { _, _ in nil }))
        #expect(text.contains(#""uri" : "specs/my%20shop.baton.yaml""#))
        #expect(text.contains(#""uri" : "file:///elsewhere/a.baton.yaml""#))
    }

    @Test func githubCommandsEscapeDataAndProperties() {
        var nasty = Diagnostic(
            .invalidValue, "",
            at: SourceLocation(file: "specs/a,b:c%.baton.yaml", line: 3, column: 9)
        )
        // Set after init, which would show the line break as `\u{D}\u{A}`: the formatter must
        // escape whatever message it gets (a report may also be decoded from JSON).
        nasty.message = "50% is wrong:\r\nreally"
        let output = DiagnosticFormat.github.render(Self.report([nasty, Self.unusedType]))
        #expect(output == """
            ::error file=specs/a%2Cb%3Ac%25.baton.yaml,line=3,col=9,title=baton invalid-value::50%25 is wrong:%0D%0Areally
            ::warning file=specs/shop.baton.yaml,line=2,col=7,title=baton unused-type::type 'Coupon' is never used

            """)
    }
}
