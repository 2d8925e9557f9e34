import Foundation
import PackagePlugin

/// Generates Swift code at build time from every `*.baton.yaml` / `*.baton.yml` spec in a target.
///
/// Setup, in the package that uses it:
///
/// ```swift
/// dependencies: [.package(url: "…/baton", from: "…")],
/// targets: [
///     .target(
///         name: "Checkout",
///         dependencies: [.product(name: "BatonRuntime", package: "baton")],
///         plugins: [.plugin(name: "BatonBuildTool", package: "baton")]
///     ),
/// ]
/// ```
///
/// and put the specs anywhere in the target's folder (`Sources/Checkout/checkout.baton.yaml`),
/// declaring nothing about them (checked with Swift 6.3.1 on Linux):
/// - undeclared, a spec that is an input of this plugin's commands counts as handled: no
///   "found 1 file(s) which are unhandled" warning;
/// - under `exclude:` it is hidden from plugins, so the plugin finds no spec and fails;
/// - under `resources:` it works, but the spec is also copied into a resource bundle for nothing.
/// The target also needs at least one Swift file of its own (it may be empty): SwiftPM drops a
/// target without one ("Source files for target … should be located under …") and never runs
/// its plugins.
///
/// Each spec becomes one build command writing `<stem>.Types.swift`, `<stem>.Services.swift`,
/// `<stem>.Orchestrator.swift`, `<stem>.HTTP.swift` and `<stem>.Server.swift` into `<plugin work directory>/GeneratedSources/<stem>/`; it re-runs
/// when the spec, an OpenAPI document it imports (`openapi:`, declared as an input), or the
/// `baton` tool changes.
///
/// Applied to a test target, the plugin also generates the mocks and tests
/// (`<stem>.Mocks.swift`, `<stem>.Tests.swift`, which `@testable import` the tested module) for
/// every spec of every target the test target depends on directly:
///
/// ```swift
/// .testTarget(
///     name: "CheckoutTests",
///     dependencies: ["Checkout", .product(name: "BatonTesting", package: "baton")],
///     plugins: [.plugin(name: "BatonBuildTool", package: "baton")]
/// ),
/// ```
///
/// For a test target only the tests are generated (`--tests-output` without `--output`): the
/// tested module already holds the sources.
@main struct BatonBuildTool {
    /// A target whose specs the test target's generated tests exercise.
    struct TestedModule {
        var moduleName: String
        var specs: [URL]
    }

    func createBuildCommands(
        pluginWorkDirectory: URL,
        tool: (String) throws -> PluginContext.Tool,
        sourceFiles: FileList,
        targetName: String,
        testedModules: [TestedModule] = []
    ) throws -> [Command] {
        let specs = BatonSpecFiles.specs(in: sourceFiles)
        let testedSpecs = testedModules.flatMap(\.specs)
        guard !specs.isEmpty || !testedSpecs.isEmpty else {
            throw BatonPluginError.noSpecs(targetName: targetName)
        }
        // Sources and tests of all specs land in one module: their file names must differ.
        try BatonSpecFiles.checkDistinctStems(specs + testedSpecs, targetName: targetName)
        let baton = try tool("baton")

        let generatedSources = pluginWorkDirectory.appending(component: "GeneratedSources", directoryHint: .isDirectory)
        var commands: [Command] = specs.map { spec in
            let outputDirectory = generatedSources.appending(
                component: GeneratedFileNames.stem(of: spec.lastPathComponent), directoryHint: .isDirectory)
            return .buildCommand(
                displayName: "Generating Baton code from \(spec.lastPathComponent) for \(targetName)",
                executable: baton.url,
                arguments: ["generate", spec.filePath, "--output", outputDirectory.filePath],
                environment: [:],
                inputFiles: [spec] + BatonSpecFiles.openAPIDocuments(of: spec),
                outputFiles: GeneratedFileNames.sources(forSpec: spec.lastPathComponent).map {
                    outputDirectory.appending(component: $0, directoryHint: .notDirectory)
                }
            )
        }

        let generatedTests = pluginWorkDirectory.appending(component: "GeneratedTests", directoryHint: .isDirectory)
        for tested in testedModules {
            for spec in tested.specs {
                let stem = GeneratedFileNames.stem(of: spec.lastPathComponent)
                let testsDirectory = generatedTests.appending(components: tested.moduleName, stem, directoryHint: .isDirectory)
                commands.append(
                    .buildCommand(
                        displayName: "Generating Baton tests from \(spec.lastPathComponent) of \(tested.moduleName) for \(targetName)",
                        executable: baton.url,
                        arguments: [
                            "generate", spec.filePath,
                            "--tests-output", testsDirectory.filePath, "--module", tested.moduleName,
                        ],
                        environment: [:],
                        inputFiles: [spec] + BatonSpecFiles.openAPIDocuments(of: spec),
                        outputFiles: GeneratedFileNames.tests(forSpec: spec.lastPathComponent).map {
                            testsDirectory.appending(component: $0, directoryHint: .notDirectory)
                        }
                    )
                )
            }
        }
        return commands
    }
}

extension BatonBuildTool: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        guard let swiftTarget = target as? SwiftSourceModuleTarget else {
            throw BatonPluginError.incompatibleTarget(name: target.name)
        }
        var testedModules: [TestedModule] = []
        if swiftTarget.kind == .test {
            for case .target(let dependency) in swiftTarget.dependencies {
                guard let dependency = dependency as? SwiftSourceModuleTarget else { continue }
                let specs = BatonSpecFiles.specs(in: dependency.sourceFiles)
                if !specs.isEmpty {
                    testedModules.append(TestedModule(moduleName: dependency.moduleName, specs: specs))
                }
            }
        }
        return try createBuildCommands(
            pluginWorkDirectory: context.pluginWorkDirectoryURL,
            tool: context.tool(named:),
            sourceFiles: swiftTarget.sourceFiles,
            targetName: target.name,
            testedModules: testedModules
        )
    }
}

#if canImport(XcodeProjectPlugin)
import XcodeProjectPlugin

extension BatonBuildTool: XcodeBuildToolPlugin {
    func createBuildCommands(context: XcodePluginContext, target: XcodeTarget) throws -> [Command] {
        try createBuildCommands(
            pluginWorkDirectory: context.pluginWorkDirectoryURL,
            tool: context.tool(named:),
            sourceFiles: target.inputFiles,
            targetName: target.displayName
        )
    }
}
#endif
