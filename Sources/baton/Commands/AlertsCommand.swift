import ArgumentParser
import BatonSpec
import Foundation

struct AlertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Print Prometheus rules for the workflows' service level objectives (slo).",
        discussion: """
            For every workflow with `slo`: recording rules of each objective's error ratio over 5m, \
            30m, 1h, 2h, 6h, 1d and 3d (workflow:baton_slo_errors:ratio_rate<window>), and two \
            BatonSLOBurn alerts per objective, labelled workflow, slo and severity: `page` when the \
            burn rate exceeds 14.4 over 1h and 5m or 6 over 6h and 30m, `ticket` when it exceeds 3 \
            over 1d and 2h or 1 over 3d and 6h. Load the output with Prometheus's `rule_files`; \
            `promtool check rules` accepts it. Workflows without `slo` get no rules.

            Exit status: 0 success, 1 errors in a spec, 2 the tool could not run.
            """
    )

    @Argument(help: "Spec files, or directories searched for *.baton.yaml and *.baton.yml.")
    var paths: [String]

    func run() throws {
        print(try render(), terminator: "")
    }

    /// The rules file, after the specs checked without errors (diagnostics go to standard error).
    func render() throws -> String {
        let specs = try SpecFiles.resolvedSpecs(paths)
        return PrometheusRules(specs: specs).render()
    }
}
