import BatonGenerator
import BatonSpec

/// The default templates, parsed once: parsing them per input would dominate every execution.
private let generator = Generator(
    templates: try! TemplateSet(),
    options: GeneratorOptions(accessModifier: .public, testedModule: "Fuzzed")
)

/// One fuzz input: the bytes of one spec file.
///
/// The checker promises never to trap on any input and to locate every diagnostic inside the
/// file; the generator promises bare file names for every spec that checks clean. A broken
/// promise traps here, which libFuzzer records as a crash with the input that caused it.
func fuzzOneInput(_ bytes: [UInt8]) {
    let source = SpecSource(path: "fuzz.baton.yaml", bytes: bytes)
    let result = SpecChecker.check(source)
    for diagnostic in result.diagnostics {
        let location = diagnostic.location
        // A final line without a line break still counts, and libyaml may point just past it.
        precondition(location.line >= 1 && location.line <= source.lineCount + 1, "line out of range: \(diagnostic)")
        precondition(location.column >= 1, "column out of range: \(diagnostic)")
        precondition(!diagnostic.message.isEmpty, "empty message: \(diagnostic)")
        _ = source.line(location.line)
    }
    precondition((result.spec == nil) == result.hasErrors, "a spec with errors must not resolve, nor one without fail to")
    if let spec = result.spec {
        // A clean spec that the generator cannot render is a finding (a checker gap).
        let code: GeneratedCode
        do { code = try generator.generate(spec) } catch { preconditionFailure("generator refused a clean spec: \(error)") }
        for file in code.sources + code.tests {
            precondition(!file.name.contains("/") && !file.name.hasPrefix("."), "unsafe file name \(file.name)")
            precondition(!file.contents.isEmpty, "empty file \(file.name)")
        }
    }
}
