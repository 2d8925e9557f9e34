import Foundation
import PackagePlugin

/// `swift package baton <subcommand> …`: runs the `baton` tool on the package.
///
/// Setup: depend on the baton package (`.package(url: …)`); the command is then available in the
/// package, no target needs to list it. See Plugins/README.md.
///
/// - `swift package --allow-writing-to-package-directory baton generate --target T [--target U …]
///   [--check] [--access-modifier …] [--templates DIR]` runs `baton generate` on every spec found
///   under T's folder and writes the sources into `<T's folder>/Generated/`, and — when the
///   package has a test target named `TTests` (or else exactly one test target that depends on T)
///   — the generated mocks and tests into `<that test target's folder>/Generated/`, passing
///   `--module T`. Specs may be excluded from T (`exclude: ["checkout.baton.yaml"]`) to silence
///   SwiftPM's "unhandled file" warning; the plugin walks the folder itself.
/// - Without `--target` and without spec paths (only options such as `--check`), the same is done
///   for every non-test target whose specs are excluded from it or that already has a
///   `Generated/` folder (a command plugin cannot see which targets apply the build-tool plugin).
/// - `swift package baton lint [--target T …]` lints the specs of the named targets, or of all.
/// - `swift package baton diff OLD NEW [--format …] [--fail-on …]` compares two versions of
///   specs (files, folders, or `REV:path` such as `main:Sources/Shop`, read through git), like
///   anything else below.
/// - Anything else (spec paths, `diff`, `explain`, `graph`, `simulate`, `--help`) is forwarded to `baton`
///   unchanged, run from the package's root folder.
///
/// After a successful `generate`, files in those `Generated/` folders that baton wrote for a spec
/// that has since been renamed or deleted are removed (with `--check`, reported as stale).
///
/// Do not run `generate` for a target that also applies the BatonBuildTool plugin: the same
/// declarations would be produced twice.
@main struct BatonCommand: CommandPlugin {
    /// Options of `baton generate`/`baton lint` that take a value, to tell spec paths from option values.
    static let optionsWithValues: Set<String> = [
        "--output", "--tests-output", "--module", "--access-modifier", "--templates", "--format",
    ]
    /// Options the plugin sets itself in target mode.
    static let optionsSetByPlugin = ["--output", "--tests-output", "--module"]

    func performCommand(context: PluginContext, arguments: [String]) async throws {
        let (targetNames, arguments) = Self.extractTargets(from: arguments)
        guard let subcommand = arguments.first else { throw BatonPluginError.missingSubcommand }
        let baton = try context.tool(named: "baton")
        let options = Array(arguments.dropFirst())
        let targetMode = (subcommand == "generate" || subcommand == "lint")
            && (!targetNames.isEmpty || !Self.hasPositionalArgument(options))

        guard targetMode else {
            if !targetNames.isEmpty {
                log("warning: --target only applies to 'generate' and 'lint'; forwarding the other arguments as given.")
            }
            try run(baton, arguments, in: context.package.directoryURL, targetName: nil)
            return
        }
        if !targetNames.isEmpty, Self.hasPositionalArgument(options) {
            throw BatonPluginError.targetsAndPaths
        }
        if subcommand == "generate" {
            for option in Self.optionsSetByPlugin
            where options.contains(where: { $0 == option || $0.hasPrefix(option + "=") }) {
                throw BatonPluginError.optionSetByPlugin(option)
            }
        }

        let jobs = try Self.targets(named: targetNames, subcommand: subcommand, in: context.package)
        guard !jobs.isEmpty else { throw BatonPluginError.noSpecsInPackage }
        let checkOnly = options.contains("--check")
        var failures: [BatonPluginError] = []
        for (target, specs) in jobs {
            var command = [subcommand] + specs.map(\.filePath)
            var outputs: [(directory: URL, expected: Set<String>, suffixes: [String])] = []
            if subcommand == "generate" {
                let output = target.directoryURL.appending(component: "Generated", directoryHint: .isDirectory)
                command += ["--output", output.filePath]
                outputs.append((output, Set(specs.flatMap { GeneratedFileNames.sources(forSpec: $0.lastPathComponent) }), GeneratedFileNames.sourceSuffixes))
                if let testTarget = Self.testTarget(for: target, in: context.package) {
                    let testsOutput = testTarget.directoryURL.appending(component: "Generated", directoryHint: .isDirectory)
                    command += ["--tests-output", testsOutput.filePath, "--module", target.moduleName]
                    outputs.append((testsOutput, Self.testFileNames(writtenTo: testTarget, in: context.package), GeneratedFileNames.testSuffixes))
                    log("Target '\(target.name)': \(specs.count) spec(s) → \(Self.relative(output, to: context.package)), tests → \(Self.relative(testsOutput, to: context.package))")
                } else {
                    log("Target '\(target.name)': \(specs.count) spec(s) → \(Self.relative(output, to: context.package)) (no tests: no test target '\(target.name)Tests', nor a single test target depending on it; a target without a Swift file of its own is invisible to plugins)")
                }
            } else {
                log("Target '\(target.name)': \(specs.count) spec(s)")
            }
            command += options
            do {
                try run(baton, command, in: context.package.directoryURL, targetName: target.name)
                // Files generated from specs that were since renamed or deleted would still compile
                // (and clash): remove them, or with --check report them.
                let orphans = outputs.flatMap { Self.orphans(in: $0.directory, keeping: $0.expected, suffixes: $0.suffixes) }
                for orphan in orphans {
                    let path = Self.relative(orphan, to: context.package)
                    if checkOnly {
                        print("stale: \(orphan.filePath) (its spec is gone)")
                    } else {
                        try FileManager.default.removeItem(at: orphan)
                        log("Removed \(path): its spec is gone.")
                    }
                }
                if checkOnly, !orphans.isEmpty {
                    throw BatonPluginError.orphanedFiles(targetName: target.name, files: orphans.map { Self.relative($0, to: context.package) })
                }
            } catch let error as BatonPluginError {
                // Keep going so one run reports every target's problems.
                failures.append(error)
            }
        }
        if let failure = failures.first {
            if failures.count > 1 { log("error: \(failures.count) targets failed.") }
            throw failure
        }
    }

    /// The test files that `generate` writes into `testTarget` for all the targets whose tests go
    /// there (a test target may receive the tests of several targets).
    static func testFileNames(writtenTo destination: SwiftSourceModuleTarget, in package: Package) -> Set<String> {
        var names = Set<String>()
        for case let target as SwiftSourceModuleTarget in package.targets where target.kind != .test {
            guard testTarget(for: target, in: package)?.id == destination.id else { continue }
            for spec in specs(of: target) {
                names.formUnion(GeneratedFileNames.tests(forSpec: spec.lastPathComponent))
            }
        }
        return names
    }

    /// Files in `directory` with one of `suffixes` that baton generated (their first line says so)
    /// and that no current spec generates.
    static func orphans(in directory: URL, keeping expected: Set<String>, suffixes: [String]) -> [URL] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.filePath) else { return [] }
        return names.sorted()
            .filter { name in !expected.contains(name) && suffixes.contains { name.hasSuffix($0) } }
            .map { directory.appending(component: $0, directoryHint: .notDirectory) }
            .filter(isGeneratedByBaton)
    }

    static func isGeneratedByBaton(_ file: URL) -> Bool {
        guard let handle = try? FileHandle(forReadingFrom: file) else { return false }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 64)) ?? Data()
        return String(decoding: head, as: UTF8.self).hasPrefix("// Generated by baton from ")
    }

    /// Runs `baton` with the given arguments; its output goes straight to the user's terminal.
    func run(_ tool: PluginContext.Tool, _ arguments: [String], in directory: URL, targetName: String?) throws {
        let process = Process()
        process.executableURL = tool.url
        process.arguments = arguments
        process.currentDirectoryURL = directory
        try process.run()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let status = process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
            throw BatonPluginError.toolFailed(command: arguments.first ?? "", status: status, targetName: targetName)
        }
    }

    /// Splits `--target NAME` / `--target=NAME` off the arguments (up to a `--`), keeping the
    /// order of the others.
    static func extractTargets(from arguments: [String]) -> (targets: [String], rest: [String]) {
        var targets: [String] = []
        var rest: [String] = []
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            if argument == "--" {
                rest += arguments[index...]
                break
            } else if argument == "--target", index + 1 < arguments.endIndex {
                targets.append(arguments[index + 1])
                index += 2
                continue
            } else if argument.hasPrefix("--target=") {
                targets.append(String(argument.dropFirst("--target=".count)))
            } else {
                rest.append(argument)
            }
            index += 1
        }
        return (targets, rest)
    }

    /// Whether the arguments after the subcommand name a spec path (a word that is neither an
    /// option nor an option's value).
    static func hasPositionalArgument(_ arguments: [String]) -> Bool {
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            if argument == "--" { return index + 1 < arguments.endIndex }
            if optionsWithValues.contains(argument) {
                index += 2
                continue
            }
            if !argument.hasPrefix("-") { return true }
            index += 1
        }
        return false
    }

    /// The targets to work on, each with its specs: the named ones (every name must exist and
    /// hold a spec), or else every target that holds a spec and, for `generate`, is evidently
    /// meant for this plugin (see ``isCommandPluginTarget(_:specs:)``).
    static func targets(named names: [String], subcommand: String, in package: Package) throws -> [(SwiftSourceModuleTarget, [URL])] {
        if names.isEmpty {
            return try package.targets.compactMap { target in
                guard let target = target as? SwiftSourceModuleTarget else { return nil }
                let specs = specs(of: target)
                guard !specs.isEmpty else { return nil }
                if subcommand == "generate" {
                    guard target.kind != .test, isCommandPluginTarget(target, specs: specs) else {
                        log("""
                            Skipping target '\(target.name)': its specs are not excluded and it has no Generated/ \
                            folder, so the BatonBuildTool plugin presumably builds it (--target \(target.name) forces it).
                            """)
                        return nil
                    }
                }
                try BatonSpecFiles.checkDistinctStems(specs, targetName: target.name)
                return (target, specs)
            }
        }
        let unknown = names.filter { name in !package.targets.contains { $0.name == name } }
        guard unknown.isEmpty else { throw BatonPluginError.unknownTargets(unknown) }
        var seen = Set<String>()
        return try names.filter { seen.insert($0).inserted }.map { name in
            let target = package.targets.first { $0.name == name }!
            guard let swiftTarget = target as? SwiftSourceModuleTarget else {
                throw BatonPluginError.incompatibleTarget(name: name)
            }
            let specs = specs(of: swiftTarget)
            guard !specs.isEmpty else {
                throw BatonPluginError.noSpecsInNamedTarget(targetName: name, directory: swiftTarget.directoryURL)
            }
            try BatonSpecFiles.checkDistinctStems(specs, targetName: name)
            return (swiftTarget, specs)
        }
    }

    /// Whether `generate` without `--target` may write into the target. A command plugin cannot
    /// see which build plugins a target applies, and writing sources into a target that also runs
    /// the BatonBuildTool plugin would declare everything twice. So only targets that show they
    /// hold committed output qualify: one of their specs is excluded from the target (the build
    /// plugin never sees excluded files), or they already have a `Generated/` folder.
    static func isCommandPluginTarget(_ target: SwiftSourceModuleTarget, specs: [URL]) -> Bool {
        let visible = Set(BatonSpecFiles.specs(in: target.sourceFiles).map(\.standardizedFileURL))
        if specs.contains(where: { !visible.contains($0) }) { return true }
        var isDirectory: ObjCBool = false
        let generated = target.directoryURL.appending(component: "Generated", directoryHint: .isDirectory)
        return FileManager.default.fileExists(atPath: generated.filePath, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// The specs under the target's folder, including excluded ones (hidden folders and
    /// `.build*` skipped), sorted by path.
    static func specs(of target: SwiftSourceModuleTarget) -> [URL] {
        var found = Set(BatonSpecFiles.specs(in: target.sourceFiles).map(\.standardizedFileURL))
        if let enumerator = FileManager.default.enumerator(
            at: target.directoryURL, includingPropertiesForKeys: nil, options: [.skipsHiddenFiles]
        ) {
            for case let url as URL in enumerator {
                if url.lastPathComponent.hasPrefix(".build") {
                    enumerator.skipDescendants()
                } else if BatonSpecFiles.isSpec(url) {
                    found.insert(url.standardizedFileURL)
                }
            }
        }
        return found.sorted { $0.filePath < $1.filePath }
    }

    /// The test target that receives the generated tests of `target`: `<target>Tests`, or else the
    /// only test target that depends on `target` directly.
    static func testTarget(for target: SwiftSourceModuleTarget, in package: Package) -> SwiftSourceModuleTarget? {
        let testTargets = package.targets.compactMap { $0 as? SwiftSourceModuleTarget }.filter { $0.kind == .test }
        if let named = testTargets.first(where: { $0.name == target.name + "Tests" }) { return named }
        let dependants = testTargets.filter { test in
            test.dependencies.contains { dependency in
                if case .target(let dependency) = dependency { return dependency.id == target.id }
                return false
            }
        }
        return dependants.count == 1 ? dependants[0] : nil
    }

    static func relative(_ url: URL, to package: Package) -> String {
        let root = package.directoryURL.standardizedFileURL.filePath
        let path = url.standardizedFileURL.filePath
        let prefix = root.hasSuffix("/") ? root : root + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }
}

private func log(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
