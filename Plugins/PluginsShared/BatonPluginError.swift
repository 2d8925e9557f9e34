// Shared by the BatonBuildTool and BatonCommand plugins (see BatonSpecFiles.swift).
import Foundation
import PackagePlugin

/// Why a Baton plugin could not do its job. The messages are what users see in the build log.
enum BatonPluginError: Error, CustomStringConvertible, LocalizedError {
    /// The plugin was applied to a target that is not a Swift source module.
    case incompatibleTarget(name: String)
    /// The build-tool plugin was applied to a target without any spec among its files.
    case noSpecs(targetName: String)
    /// Two specs of one target map to the same generated file names.
    case clashingSpecNames(targetName: String, stem: String, first: URL, second: URL)
    /// `--target` named no target of the package.
    case unknownTargets([String])
    /// A target named by `--target` holds no spec.
    case noSpecsInNamedTarget(targetName: String, directory: URL)
    /// No target of the package holds a spec (the command plugin without `--target`).
    case noSpecsInPackage
    /// An option the command plugin sets itself was also given on the command line.
    case optionSetByPlugin(String)
    /// `baton` exited with a non-zero status; its own diagnostics were printed above.
    case toolFailed(command: String, status: Int32, targetName: String?)
    /// Both `--target` and spec paths were given.
    case targetsAndPaths
    /// `generate --check` found generated files whose spec is gone.
    case orphanedFiles(targetName: String, files: [String])
    /// The command plugin was run without a subcommand.
    case missingSubcommand

    var description: String {
        switch self {
        case .incompatibleTarget(let name):
            "Baton plugins only work on Swift source targets; '\(name)' is not one."
        case .noSpecs(let targetName):
            """
            Target '\(targetName)' uses the BatonBuildTool plugin but holds no *.baton.yaml or \
            *.baton.yml file (nor, for a test target, does any target it depends on). Put the spec \
            in the target's folder and do not list it under 'exclude:' (plugins never see excluded \
            files), or remove the plugin from the target.
            """
        case .clashingSpecNames(let targetName, let stem, let first, let second):
            """
            Target '\(targetName)': specs \(first.filePath) and \(second.filePath) would both \
            generate '\(stem).*.swift'. Rename one of them.
            """
        case .unknownTargets(let names):
            "No target named \(names.map { "'\($0)'" }.joined(separator: ", ")) in this package."
        case .noSpecsInNamedTarget(let targetName, let directory):
            "Target '\(targetName)' holds no *.baton.yaml or *.baton.yml file (looked in \(directory.filePath))."
        case .noSpecsInPackage:
            "No target of this package holds a *.baton.yaml or *.baton.yml file. Pass spec paths, or --target NAME."
        case .optionSetByPlugin(let option):
            "With --target, the plugin sets \(option) itself; remove it from the command line."
        case .toolFailed(let command, let status, let targetName):
            "baton \(command) failed with exit status \(status)" + (targetName.map { " for target '\($0)'" } ?? "")
                + " (see its messages above)."
        case .targetsAndPaths:
            "Pass either --target NAME (the plugin finds the target's specs) or spec paths, not both."
        case .orphanedFiles(let targetName, let files):
            """
            Target '\(targetName)': \(files.count) generated file(s) whose spec is gone \
            (\(files.joined(separator: ", "))); run 'swift package baton generate' to remove them.
            """
        case .missingSubcommand:
            """
            Usage: swift package [--allow-writing-to-package-directory] baton <generate|lint|explain|graph> \
            [--target NAME ...] [arguments for baton]
            """
        }
    }

    var errorDescription: String? { description }
}
