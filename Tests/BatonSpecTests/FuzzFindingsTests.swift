import Foundation
import Testing
@testable import BatonSpec

/// Inputs scripts/fuzz found to break a promise of the checker, kept in Tests/Fixtures/FuzzFindings
/// (the input as found, `.crash`, and minimised, `.min`) and checked against the same promises
/// as the fuzz target (Tests/Fuzz/Sources/BatonFuzz/FuzzTarget.swift).
@Suite struct FuzzFindingsTests {
    static let folder = packageRoot.appendingPathComponent("Tests/Fixtures/FuzzFindings")

    static var findings: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()) ?? []
    }

    @Test func thereAreFindings() {
        #expect(Self.findings.count >= 2)
    }

    @Test(arguments: findings)
    func everyDiagnosticPointsIntoTheFile(finding: String) throws {
        let bytes = try Array(Data(contentsOf: Self.folder.appendingPathComponent(finding)))
        let source = SpecSource(path: finding, bytes: bytes)
        let result = SpecChecker.check(source)
        for d in result.diagnostics {
            #expect(d.location.line >= 1 && d.location.line <= source.lineCount + 1, "\(d)")
            #expect(d.location.column >= 1, "\(d)")
            #expect(!d.message.isEmpty)
        }
        #expect((result.spec == nil) == result.hasErrors)
    }

    /// libyaml breaks lines at NEL, LS and PS; editors and SpecSource do not, so locations after
    /// one pointed past the end of the file (`s:<PS>x` gave an error on line 3 of a 1-line file).
    @Test func unicodeLineBreaksAreRefusedWhereTheyStand() {
        for (scalar, escape) in [("\u{2029}", "\\P"), ("\u{2028}", "\\L"), ("\u{85}", "\\N")] {
            let r = SpecChecker.check(SpecSource(path: "t.baton.yaml", text: "baton: 1\ns:\(scalar)x\n"))
            #expect(r.diagnostics.map { "\($0.rule.id)@\($0.location.line):\($0.location.column)" } == ["yaml-syntax@2:3"])
            #expect(r.diagnostics.first?.message.contains(escape) == true)
        }
        // Escaped in double quotes they are text like any other.
        let escaped = RuleTests.valid.replacingOccurrences(of: "name: Shop\n", with: "name: Shop\ndescription: \"a\\Pb\\Lc\\Nd\"\n")
        let r = check(escaped)
        #expect(r.diagnostics.isEmpty)
        #expect(r.spec?.description == "a\u{2029}b\u{2028}c\u{85}d")
    }
}
