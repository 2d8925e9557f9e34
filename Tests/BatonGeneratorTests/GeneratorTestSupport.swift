@testable import BatonGenerator
import BatonSpec
import Foundation
import Testing

/// The package root, found from this file's location.
let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Checks `text` as a spec and returns the model, recording the diagnostics when there are errors.
func resolve(_ text: String, file: String = "test.baton.yaml", sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> ResolvedSpec {
    let result = SpecChecker.check(SpecSource(path: file, text: text))
    let errors = result.diagnostics.filter { $0.severity == .error }
    #expect(errors.isEmpty, "\(errors.map { "\($0.location.line):\($0.location.column) \($0.message)" })", sourceLocation: sourceLocation)
    return try #require(result.spec, sourceLocation: sourceLocation)
}

/// Loads and resolves an example spec from `specs/`.
func exampleSpec(_ name: String) throws -> ResolvedSpec {
    let url = packageRoot.appendingPathComponent("specs").appendingPathComponent(name)
    return try resolve(String(contentsOf: url, encoding: .utf8), file: "specs/\(name)")
}

func generate(_ spec: ResolvedSpec, options: GeneratorOptions = GeneratorOptions()) throws -> GeneratedCode {
    try Generator(templates: TemplateSet(), options: options).generate(spec)
}

/// Generated code with the renderer's line breaks undone (`(`/`[` followed by one argument per
/// line, a trailing comma, the closer on its own line): what a test that pins a construct can
/// match whatever the width made of it.
func joinedLines(_ code: String) -> String {
    var text = code
    for (pattern, replacement) in [
        (#",\n\s*([)\]])"#, "$1"),
        (#"([(\[])\n\s*"#, "$1"),
        (#"\n\s*([)\]])"#, "$1"),
        (#",\n\s*"#, ", "),
    ] {
        text = text.replacingOccurrences(of: pattern, with: replacement, options: .regularExpression)
    }
    return text
}
