import ArgumentParser
import BatonSpec
import Foundation

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a commented starter spec and print the next steps.",
        discussion: """
            Writes <name in kebab-case>.baton.yaml into --output, and baton.schema.json next to it: the \
            spec's first line points editors (VS Code's YAML extension, any yaml-language-server client) \
            at that file for completion, validation and descriptions on hover. Existing files are left \
            alone unless --force is given.

            Exit status: 0 success, 1 a file exists (nothing written), 2 bad arguments.
            """
    )

    @Option(help: "The spec's name, UpperCamelCase: the orchestrator is <name>Orchestrator, the file <kebab-name>.baton.yaml.")
    var name = "Orders"

    @Option(help: "The directory to write into (created when missing).")
    var output = "."

    @Flag(inversion: .prefixedNo, help: "Write baton.schema.json next to the spec (its first line points editors there).")
    var schema = true

    @Flag(help: "Overwrite existing files.")
    var force = false

    func validate() throws {
        guard Self.isTypeName(name) else {
            var message = "--name '\(name)' must be UpperCamelCase: an uppercase letter, then letters and digits ([A-Z][A-Za-z0-9]*)"
            if let suggestion = Self.suggestedName(for: name) { message += "; did you mean '\(suggestion)'?" }
            message += " It names the spec, its orchestrator (<name>Orchestrator) and the file."
            throw ValidationError(message)
        }
    }

    /// What `init` writes, and what it prints afterwards.
    struct Plan {
        var files: [(path: String, contents: String)]
        var nextSteps: String
    }

    func run() throws {
        let plan = try makePlan()
        var writes: [(path: String, contents: String)] = []
        var refused: [String] = []
        for file in plan.files {
            if let existing = FileManager.default.contents(atPath: file.path), !force {
                // An identical schema (from an earlier `init` in this folder) is fine as it is.
                if existing == Data(file.contents.utf8), !file.path.hasSuffix(".baton.yaml") { continue }
                refused.append(file.path)
                continue
            }
            writes.append(file)
        }
        if !refused.isEmpty {
            let list = refused.joined(separator: ", ")
            FileManager.default.standardError("""
                error: \(list) already exist\(refused.count == 1 ? "s" : ""); nothing was written. Use --force \
                to overwrite, --name or --output for another file\(refused.contains { $0.hasSuffix(".json") } ? ", or --no-schema to keep the schema file" : "").

                """)
            throw ExitCode(1)
        }
        do {
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            for file in writes {
                try Data(file.contents.utf8).write(to: URL(fileURLWithPath: file.path), options: .atomic)
            }
        } catch {
            throw ToolFailure("cannot write into \(output): \(error.localizedDescription)")
        }
        let created = writes.map(\.path)
        print("Created \(created.isEmpty ? "nothing new" : created.joined(separator: " and ")).\n")
        print(plan.nextSteps, terminator: "")
    }

    /// The files and the next-steps text, without touching the disk.
    func makePlan() throws(ToolFailure) -> Plan {
        let stem = Self.kebabCase(name)
        let specPath = Self.join(output, "\(stem).baton.yaml")
        let text = StarterSpec.text(name: name)
        // The starter must lint clean whatever the name; a failure here is a bug in baton.
        let result = SpecChecker.check(SpecSource(path: specPath, text: text))
        guard result.diagnostics.isEmpty, let spec = result.spec else {
            let first = result.diagnostics.first.map { " (\($0.message) [\($0.rule.id)])" } ?? ""
            throw ToolFailure("the starter spec for '\(name)' does not lint clean\(first); please report this")
        }
        var files = [(path: specPath, contents: text)]
        if schema { files.append((Self.join(output, "baton.schema.json"), BatonSchema.text)) }
        let steps = NextSteps(spec: spec, stem: stem, specPath: specPath, schemaWritten: schema,
                              output: output, checkout: Self.batonCheckout())
        return Plan(files: files, nextSteps: steps.text)
    }

    // MARK: Names and paths

    static func isTypeName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, ("A"..."Z").contains(first) else { return false }
        return s.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
    }

    /// `order-status` → `OrderStatus`, `orders` → `Orders`; nil when that is no better.
    static func suggestedName(for s: String) -> String? {
        let words = s.split { !($0.isASCII && ($0.isLetter || $0.isNumber)) }
        let candidate = words.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        return isTypeName(candidate) && candidate != s ? candidate : nil
    }

    /// `OrderStatus` → `order-status`, `HTTPGateway` → `http-gateway`.
    static func kebabCase(_ s: String) -> String {
        let chars = Array(s)
        var out = ""
        for (i, c) in chars.enumerated() {
            if c.isUppercase, i > 0 {
                let previous = chars[i - 1]
                let nextIsLower = i + 1 < chars.count && chars[i + 1].isLowercase
                if previous.isLowercase || previous.isNumber || (previous.isUppercase && nextIsLower) { out += "-" }
            }
            out += c.lowercased()
        }
        return out
    }

    static func join(_ directory: String, _ file: String) -> String {
        directory == "." ? file : (directory as NSString).appendingPathComponent(file)
    }

    /// The Baton package this binary was built from: the nearest folder above the executable with
    /// a `Package.swift` of package `Baton` (`.build/debug/baton` sits inside the checkout).
    static func batonCheckout() -> String? {
        guard let executable = Bundle.main.executableURL?.resolvingSymlinksInPath() else { return nil }
        var directory = executable.deletingLastPathComponent()
        while directory.path != "/" && !directory.path.isEmpty {
            let manifest = directory.appendingPathComponent("Package.swift")
            if let text = try? String(contentsOf: manifest, encoding: .utf8),
               text.range(of: #"Package\(\s*name:\s*"Baton""#, options: .regularExpression) != nil {
                return directory.path
            }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }
}

extension FileManager {
    func standardError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

/// The text `init` prints after writing the files.
struct NextSteps {
    var spec: ResolvedSpec
    var stem: String
    var specPath: String
    var schemaWritten: Bool
    var output: String
    var checkout: String?

    var text: String {
        let target = spec.name
        // A path dependency names the package; a URL's package identity is its last path component.
        let package = checkout == nil ? "baton" : "Baton"
        let dependency: String
        if let checkout {
            dependency = """
                1. Add Baton to your Package.swift. This baton was built from \(checkout):

                       dependencies: [
                           .package(name: "Baton", path: "\(checkout)"),
                       ],
                """
        } else {
            dependency = """
                1. Add Baton to your Package.swift. Baton has no published release yet: use the URL of the
                   Baton repository you cloned from, or a path to a checkout of it,
                   .package(name: "Baton", path: "../baton") (then write package: "Baton" below):

                       dependencies: [
                           .package(url: "https://github.com/YOUR-ORG/baton.git", branch: "main"),
                       ],
                """
        }
        let protocols = spec.services.map { service in
            let name = upperCamel(service.name) + "Service"
            let operations = service.operations.map { "\(service.name).\($0.name)" }.joined(separator: ", ")
            return (name, operations)
        }
        let width = protocols.map(\.0.count).max() ?? 0
        let protocolLines = protocols.map { name, operations in
            "       " + name + String(repeating: " ", count: width - name.count) + "   " + operations
        }.joined(separator: "\n")
        let labels = spec.services.map { "\($0.name): …" }.joined(separator: ", ")
        let workflow = spec.workflows[0]
        let call = "let result = try await orchestrator.\(workflow.name)(input)   // input: \(workflow.input); result.output: \(workflow.output)"
        let schemaNote = schemaWritten
            ? "The spec's first line points editors at baton.schema.json next to it (completion, checks\n   and a description of every key on hover in VS Code's YAML extension)."
            : "The spec's first line points editors at ./baton.schema.json; create it with\n   baton schema > \(InitCommand.join(output, "baton.schema.json"))"
        // The schema file is for editors, not SwiftPM: unexcluded, every build warns about it.
        let schemaExclude = schemaWritten ? "\n           exclude: [\"baton.schema.json\"]," : ""
        return """
            Next steps

            \(dependency)

               Then either generate the code at build time: the build-tool plugin on the target that holds
               \(stem).baton.yaml (in its folder, with at least one Swift file of your own) and on its test
               target, which gets generated mocks and tests:

                   .target(
                       name: "\(target)",
                       dependencies: [.product(name: "BatonRuntime", package: "\(package)")],\(schemaExclude)
                       plugins: [.plugin(name: "BatonBuildTool", package: "\(package)")]
                   ),
                   .testTarget(
                       name: "\(target)Tests",
                       dependencies: [
                           "\(target)",
                           .product(name: "BatonRuntime", package: "\(package)"),
                           .product(name: "BatonTesting", package: "\(package)"),
                       ],
                       plugins: [.plugin(name: "BatonBuildTool", package: "\(package)")]
                   ),

               or commit the generated code with the command plugin (no plugins: lines; add
               exclude: ["\(stem).baton.yaml"] to the target), which writes Sources/\(target)/Generated/
               and Tests/\(target)Tests/Generated/:

                   swift package --allow-writing-to-package-directory baton generate --target \(target)
                   swift package --allow-writing-to-package-directory baton generate --check   # in CI

            2. Implement the service protocols (generated into \(stem).Services.swift), usually as clients
               of the real services:

            \(protocolLines)

               and run the workflows through the orchestrator:

                   let orchestrator = \(target)Orchestrator(\(labels))
                   \(call)

            3. Edit the spec, then check it and see the code it generates:

                   swift run baton lint \(specPath)
                   swift run baton explain \(specPath)
                   swift run baton graph \(specPath)

               \(schemaNote)

            """
    }

    private func upperCamel(_ s: String) -> String {
        guard let first = s.first else { return s }
        return first.uppercased() + s.dropFirst()
    }
}
