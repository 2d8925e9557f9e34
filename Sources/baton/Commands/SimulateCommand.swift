import ArgumentParser
import BatonSimulate
import BatonSpec
import Foundation

struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run a workflow many times against simulated services on a virtual clock, with the runtime's own policies.",
        discussion: """
            The profile gives each service's latency ({ constant: D }, { p50: D, p99: D } or \
            { uniform: [D, D] }) and error rate, per operation and per endpoint, and the share of \
            runs in which each `when` step runs (spec-v1 §16). No Swift is compiled; the same seed \
            gives the same output.

            What-if: --compare NEW runs NEW beside SPEC on the same seed; --set service.setting=value \
            (timeout, retry, circuitBreaker, rateLimit, bulkhead, hedge; e.g. pricing.hedge=none) \
            changes a setting for every call of the service (service.operation.setting for one \
            operation). With --set, the figures of SPEC are printed beside those of the changed \
            spec (of NEW, when --compare is given too).
            """
    )

    @Argument(help: "The spec file.")
    var spec: String

    @Option(help: "The workflow to run.")
    var workflow: String

    @Option(help: "The profile: simulated latencies, errors and `when` shares (YAML).")
    var profile: String

    @Option(help: "How many runs.")
    var runs: Int = 10_000

    @Option(help: "How many callers run the workflow at the same time.")
    var concurrency: Int = 1

    @Option(help: "Seeds every random draw; the same seed gives the same output.")
    var seed: UInt64 = 1

    @Option(help: "Output format: text or json.")
    var format: SimulateFormat = .text

    @Option(help: "Another version of the spec to run beside SPEC, on the same seed.")
    var compare: String?

    @Option(name: .customLong("set"), help: "Change a setting of every call of a service: service[.operation].setting=value (repeatable).")
    var overrides: [String] = []

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
    }

    func run() async throws {
        print(try await render(), terminator: "")
    }

    func render() async throws -> String {
        let base = try loadSimulatable(spec)
        let options = SimulationOptions(runs: runs, concurrency: concurrency, seed: seed)
        var changes: [SpecOverride] = []
        for text in overrides {
            do {
                changes.append(try SpecOverride(parsing: text))
            } catch {
                throw ToolFailure(error.message)
            }
        }
        guard compare != nil || !changes.isEmpty else {
            let result = try await simulate(base, path: spec, options: options)
            return format == .json ? result.json + "\n" : result.text
        }
        var variant = try compare.map(loadSimulatable) ?? base
        for change in changes {
            do {
                variant = try change.apply(to: variant)
            } catch {
                throw ToolFailure(error.message)
            }
        }
        let before = try await simulate(base, path: spec, options: options)
        let after = try await simulate(variant, path: compare ?? spec, options: options)
        let afterLabel = ([compare ?? spec] + changes.map { "--set \($0)" }).joined(separator: " ")
        let comparison = SimulationComparison(before: before, after: after, beforeLabel: spec, afterLabel: afterLabel)
        return format == .json ? comparison.json + "\n" : comparison.text
    }

    /// Checks the profile against `model` and runs the simulation.
    private func simulate(_ model: ResolvedSpec, path: String, options: SimulationOptions) async throws -> SimulationResult {
        guard let resolved = model.workflow(named: workflow) else {
            let names = model.workflows.map(\.name).joined(separator: ", ")
            throw ToolFailure("no workflow '\(workflow)' in \(path) (it has: \(names))")
        }
        let source = SpecSource(path: profile, bytes: try SpecFiles.read(profile))
        let loaded: Profile
        do {
            loaded = try Profile.load(source, spec: model, workflow: resolved)
        } catch {
            let report = DiagnosticReport(diagnostics: error.diagnostics, files: [profile], sourceLine: { _, line in source.line(line) })
            FileHandle.standardError.write(Data(DiagnosticFormat.text.render(report).utf8))
            throw ExitCode(1)
        }
        do {
            return try await Simulator(spec: model, workflow: workflow, profile: loaded).run(options)
        } catch {
            throw ToolFailure(error.message)
        }
    }
}

/// Loads a spec for `simulate`: findings go to standard error, and only a spec without errors
/// runs (status 1 otherwise).
func loadSimulatable(_ path: String) throws -> ResolvedSpec {
    guard let spec = try SpecFiles.resolvedSpecs([path]).first else { throw ExitCode(1) }
    return spec
}

enum SimulateFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}
