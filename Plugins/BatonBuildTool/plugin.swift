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
/// Each spec becomes one build command writing `<stem>.Types.swift`, `<stem>.Services.swift` and
/// `<stem>.Orchestrator.swift` into `<plugin work directory>/GeneratedSources/<stem>/`; it re-runs
/// when the spec or the `baton` tool changes. Tests and mocks are not generated here: use the
/// command plugin (`swift package baton generate --target NAME`) to write them into the test target.
@main struct BatonBuildTool {
    func createBuildCommands(
        pluginWorkDirectory: URL,
        tool: (String) throws -> PluginContext.Tool,
        sourceFiles: FileList,
        targetName: String
    ) throws -> [Command] {
        let specs = BatonSpecFiles.specs(in: sourceFiles)
        guard !specs.isEmpty else { throw BatonPluginError.noSpecs(targetName: targetName) }
        try BatonSpecFiles.checkDistinctStems(specs, targetName: targetName)
        let baton = try tool("baton")
        let generatedSources = pluginWorkDirectory.appending(component: "GeneratedSources", directoryHint: .isDirectory)
        return specs.map { spec in
            let outputDirectory = generatedSources.appending(
                component: BatonSpecFiles.stem(of: spec.lastPathComponent), directoryHint: .isDirectory)
            let outputs = BatonSpecFiles.sourceFileNames(forSpec: spec.lastPathComponent).map {
                outputDirectory.appending(component: $0, directoryHint: .notDirectory)
            }
            return .buildCommand(
                displayName: "Generating Baton code from \(spec.lastPathComponent) for \(targetName)",
                executable: baton.url,
                arguments: ["generate", spec.filePath, "--output", outputDirectory.filePath],
                environment: [:],
                inputFiles: [spec],
                outputFiles: outputs
            )
        }
    }
}

extension BatonBuildTool: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        guard let swiftTarget = target as? SwiftSourceModuleTarget else {
            throw BatonPluginError.incompatibleTarget(name: target.name)
        }
        return try createBuildCommands(
            pluginWorkDirectory: context.pluginWorkDirectoryURL,
            tool: context.tool(named:),
            sourceFiles: swiftTarget.sourceFiles,
            targetName: target.name
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
