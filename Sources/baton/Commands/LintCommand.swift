import ArgumentParser
import BatonSpec

extension DiagnosticFormat: ExpressibleByArgument {}

struct LintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check specs and report problems with stable rule ids.",
        discussion: """
            Exit status: 0 when there are no errors (warnings allowed), 1 when there are findings \
            (warnings too, with --strict), 2 when the tool could not run.
            """
    )

    @Argument(help: "Spec files, or directories searched for *.baton.yaml and *.baton.yml.")
    var paths: [String]

    @Option(help: "Output format: \(DiagnosticFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: DiagnosticFormat = .text

    @Flag(help: "Treat warnings as failures.")
    var strict = false

    func run() throws {
        let (output, failed) = try evaluate()
        print(output, terminator: "")
        if failed { throw ExitCode(1) }
    }

    /// The rendered report and whether the run fails, without printing.
    func evaluate() throws(ToolFailure) -> (output: String, failed: Bool) {
        let checked = try SpecFiles.check(paths)
        return (format.render(checked.report), checked.report.fails(strict: strict))
    }
}
