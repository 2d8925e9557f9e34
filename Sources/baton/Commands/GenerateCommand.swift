import ArgumentParser
import BatonGenerator
import BatonSpec
import Foundation

extension GeneratorOptions.AccessModifier: ExpressibleByArgument {}

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate Swift types, service protocols and orchestrators (and tests with mocks) from specs.",
        discussion: """
            For a spec file X.baton.yaml, writes X.Types.swift, X.Services.swift, X.Orchestrator.swift, X.HTTP.swift and X.Server.swift \
            to --output, and X.Mocks.swift and X.Tests.swift to --tests-output. Files whose bytes would not \
            change are left alone. Diagnostics come first; any error stops generation.

            Exit status: 0 success, 1 errors in a spec (or, with --check, stale files), 2 the tool could not run.
            """
    )

    @Argument(help: "Spec files, or directories searched for *.baton.yaml and *.baton.yml.")
    var paths: [String]

    @Option(help: "Directory for the generated sources (may be left out when only tests are wanted).")
    var output: String?

    @Option(help: "Directory for the generated tests and mocks (needs --module).")
    var testsOutput: String?

    @Option(help: "The module the generated tests import: the target that holds the generated sources.")
    var module: String?

    @Option(help: "Access level of generated declarations: public, package or internal.")
    var accessModifier: GeneratorOptions.AccessModifier = .public

    @Option(help: "A directory of .mustache files replacing the default templates of the same name.")
    var templates: String?

    @Flag(help: "Write nothing; exit 1 and list the files that would change (a CI drift check).")
    var check = false

    func validate() throws {
        if output == nil, testsOutput == nil {
            throw ValidationError("nothing to write: give --output, --tests-output, or both")
        }
        if testsOutput != nil, module == nil {
            throw ValidationError("--tests-output needs --module, the module the generated tests import")
        }
        if let module, !module.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) || module.first?.isNumber == true {
            throw ValidationError("--module must be a Swift module name")
        }
    }

    func run() throws {
        let checked = try SpecFiles.check(paths)
        if !checked.report.diagnostics.isEmpty {
            FileHandle.standardError.write(Data(DiagnosticFormat.text.render(checked.report).utf8))
        }
        guard let specs = checked.specs else { throw ExitCode(1) }
        let generator = Generator(
            templates: try loadTemplates(),
            options: GeneratorOptions(accessModifier: accessModifier, testedModule: module)
        )
        var plan = OutputPlan()
        for spec in specs {
            let code: GeneratedCode
            do {
                code = try generator.generate(spec)
            } catch {
                // An invariant the checker should have enforced: say where, write nothing.
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                throw ExitCode(1)
            }
            if let output {
                try plan.add(code.sources, to: output, from: spec.sourcePath)
            }
            if let testsOutput {
                try plan.add(code.tests, to: testsOutput, from: spec.sourcePath)
            }
        }
        let changes = try plan.changes()
        if check {
            for change in changes { print("stale: \(change.path)") }
            if !changes.isEmpty {
                FileHandle.standardError.write(Data("\(plural(changes.count, "generated file")) out of date; run baton generate\n".utf8))
                throw ExitCode(1)
            }
            return
        }
        try plan.write(changes)
        let unchanged = plan.files.count - changes.count
        print("\(plural(changes.count, "file")) written, \(unchanged) unchanged.")
    }

    private func loadTemplates() throws -> TemplateSet {
        guard let templates else { return try TemplateSet() }
        let directory = URL(fileURLWithPath: templates, isDirectory: true)
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else {
            throw ToolFailure("cannot read the templates directory \(templates)")
        }
        var overrides: [String: String] = [:]
        for entry in entries.sorted() where entry.hasSuffix(".mustache") {
            let url = directory.appendingPathComponent(entry)
            guard let text = try? String(contentsOf: url, encoding: .utf8) else {
                throw ToolFailure("cannot read the template \(url.path)")
            }
            overrides[String(entry.dropLast(".mustache".count))] = text
        }
        do {
            return try TemplateSet(overrides: overrides)
        } catch {
            throw ToolFailure("\(templates): \(error)")
        }
    }
}

/// The files one `generate` run produces, checked before anything is written.
struct OutputPlan {
    struct File {
        var path: String
        var contents: String
        var spec: String
    }

    private(set) var files: [File] = []

    /// Adds `generated` under `directory`. File names are bare names by construction; anything
    /// else is refused, so no spec can make the generator write outside its output directory.
    mutating func add(_ generated: [GeneratedFile], to directory: String, from spec: String) throws(ToolFailure) {
        for file in generated {
            guard !file.name.isEmpty, !file.name.contains("/"), file.name != ".", file.name != ".." else {
                throw ToolFailure("refusing to write '\(file.name)' outside \(directory)")
            }
            let path = (directory as NSString).appendingPathComponent(file.name)
            if let clash = files.first(where: { $0.path == path }) {
                throw ToolFailure("\(spec) and \(clash.spec) both generate \(path); rename one of the spec files")
            }
            files.append(File(path: path, contents: file.contents, spec: spec))
        }
    }

    /// The files whose bytes on disk differ from what was generated (or that do not exist).
    func changes() throws(ToolFailure) -> [File] {
        files.filter { file in
            guard let existing = FileManager.default.contents(atPath: file.path) else { return true }
            return existing != Data(file.contents.utf8)
        }
    }

    func write(_ changes: [File]) throws(ToolFailure) {
        for file in changes {
            let directory = (file.path as NSString).deletingLastPathComponent
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                try Data(file.contents.utf8).write(to: URL(fileURLWithPath: file.path), options: .atomic)
            } catch {
                throw ToolFailure("cannot write \(file.path): \(error.localizedDescription)")
            }
        }
    }
}
