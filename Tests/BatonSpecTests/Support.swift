import Foundation
import Testing
@testable import BatonSpec

/// Checks an inline spec; the file is called `t.baton.yaml`.
func check(_ yaml: String) -> CheckResult {
    SpecChecker.check(SpecSource(path: "t.baton.yaml", text: yaml))
}

/// `rule@line:column` for each diagnostic, for compact exact comparisons.
func summary(_ yaml: String) -> [String] {
    check(yaml).diagnostics.map { "\($0.rule.id)@\($0.location.line):\($0.location.column)" }
}

/// The package root, found from this file's path.
let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

func exampleSpec(_ name: String) throws -> SpecSource {
    let url = packageRoot.appendingPathComponent("specs").appendingPathComponent(name)
    let data = try Data(contentsOf: url)
    return SpecSource(path: "specs/\(name)", bytes: Array(data))
}
