import ArgumentParser
import BatonRuntime

/// The fault-injection flags of checkout-demo and checkout-server: `--fail TARGET=PERCENT` and
/// `--slow TARGET=DURATION[@PERCENT]`, both repeatable (an option group both commands include).
package struct FaultOptions: ParsableArguments {
    @Option(
        name: .customLong("fail"),
        help: ArgumentHelp("Make a share of TARGET's calls fail with a transient error (repeatable).", valueName: "TARGET=PERCENT")
    )
    package var failures: [FailFlag] = []

    @Option(
        name: .customLong("slow"),
        help: ArgumentHelp(
            "Add DURATION to TARGET's calls, or with @PERCENT to that share of them (repeatable).",
            valueName: "TARGET=DURATION[@PERCENT]")
    )
    package var slowdowns: [SlowFlag] = []

    package init() {}

    /// The faults the flags inject.
    package var plan: FaultPlan { FaultPlan(failures: failures, slowdowns: slowdowns) }

    /// Fails with a usage error when a `--fail` or `--slow` names no service, operation or
    /// endpoint of `services` (`endpoints`: those of the routed services).
    package func checkTargets(services: SimulatedCheckoutServices, endpoints: [Endpoint]) throws {
        var known: [String] = []
        for service in services.all {
            known.append(service.name)
            known += service.operations.map { "\(service.name).\($0)" }
        }
        known += endpoints.map(endpointName)
        let targets = failures.map(\.target) + slowdowns.map(\.target)
        if let unknown = targets.first(where: { !known.contains($0) }) {
            throw ValidationError("unknown target '\(unknown)'; use one of: \(known.joined(separator: ", "))")
        }
    }
}
