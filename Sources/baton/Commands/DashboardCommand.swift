import ArgumentParser
import BatonSpec
import Foundation

struct DashboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Print a Grafana dashboard (JSON) of the specs' workflows.",
        discussion: """
            One row per workflow, from baton_workflow_duration_seconds: runs per second by outcome, \
            the error ratio, latency percentiles (p50, p90, p99) of runs with output, and, when the \
            workflow has `slo`, the error budget left over its window. Import it in Grafana \
            (Dashboards → New → Import) and pick a Prometheus data source.

            Exit status: 0 success, 1 errors in a spec, 2 the tool could not run.
            """
    )

    @Argument(help: "Spec files, or directories searched for *.baton.yaml and *.baton.yml.")
    var paths: [String]

    func run() throws {
        print(try render(), terminator: "")
    }

    func render() throws -> String {
        let specs = try SpecFiles.resolvedSpecs(paths)
        return GrafanaDashboard(specs: specs).render()
    }
}
