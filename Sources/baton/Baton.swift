import ArgumentParser
import Foundation

@main
struct Baton: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baton",
        abstract: "Lint Baton orchestration specs and generate typed Swift orchestration code from them.",
        version: BatonVersion.current,
        subcommands: [GenerateCommand.self, LintCommand.self, DiffCommand.self, ExplainCommand.self, GraphCommand.self, InitCommand.self, SchemaCommand.self, AlertsCommand.self, DashboardCommand.self, OpenAPICommand.self, SimulateCommand.self]
    )

    /// Runs the command, mapping failures to the exit codes of spec-v1 §8: 1 for findings (thrown
    /// by the commands as `ExitCode(1)`), 2 when the tool could not run — bad arguments included,
    /// which ArgumentParser would otherwise report as 64.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as ToolFailure {
            FileHandle.standardError.write(Data("error: \(failure.message)\n".utf8))
            Foundation.exit(ToolFailure.exitCode)
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(ToolFailure.exitCode)
            }
            exit(withError: error)
        }
    }
}

/// The tool could not do its job: an unreadable file, a directory without specs, a bad option.
/// Exits with status 2, as opposed to 1 for findings in the specs.
struct ToolFailure: Error, CustomStringConvertible {
    static let exitCode: Int32 = 2
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
