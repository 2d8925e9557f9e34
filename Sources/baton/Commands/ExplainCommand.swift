import ArgumentParser
import BatonSpec
import Foundation

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show each workflow's dependency levels and the time budget behind deadline-budget and retry-budget."
    )

    @Argument(help: "The spec file.")
    var spec: String

    @Option(help: "Only this workflow.")
    var workflow: String?

    func run() throws {
        print(try render(), terminator: "")
    }

    func render() throws -> String {
        let spec = try loadModel(self.spec)
        return try select(workflow, in: spec).map { BudgetExplanation(workflow: $0).render() }.joined(separator: "\n")
    }
}

/// Loads one spec for `explain` and `graph`. Findings go to standard error; the command goes on
/// when the model is complete (a budget or safety error is exactly what `explain` is for) and
/// stops with status 1 otherwise.
func loadModel(_ path: String) throws -> ResolvedSpec {
    let checked = try SpecFiles.checkReportingFindings([path])
    guard let spec = checked.results.first?.result.analysableSpec else { throw ExitCode(1) }
    return spec
}

/// The workflows a command covers: all of them, or the one named by `--workflow`.
func select(_ name: String?, in spec: ResolvedSpec) throws(ToolFailure) -> [ResolvedWorkflow] {
    guard let name else { return spec.workflows }
    guard let workflow = spec.workflow(named: name) else {
        let names = spec.workflows.map(\.name).joined(separator: ", ")
        throw ToolFailure("no workflow '\(name)' in \(spec.sourcePath) (it has: \(names))")
    }
    return [workflow]
}

/// The text of `baton explain` for one workflow.
struct BudgetExplanation {
    var workflow: ResolvedWorkflow

    func render() -> String {
        let budget = workflow.budget
        var out = "workflow \(workflow.name): deadline \(budget.deadline.specText)\n\n"
        out += "levels (a step starts as soon as its own dependencies finish):\n"
        for (index, level) in budget.levels.enumerated() {
            out += "  \(index)  \(level.map(describe).joined(separator: ", "))\n"
        }
        out += "\ncritical chain (required, awaited steps at one attempt each):\n"
        out += table(budget.criticalChain)
        if budget.worstCaseChain.map(\.step) != budget.criticalChain.map(\.step) {
            out += "\nworst chain with retries:\n"
            out += table(budget.worstCaseChain)
        }
        out += "\n"
        out += verdict("single attempt", budget.singleAttemptSum, budget.deadline, rule: .deadlineBudget)
        out += verdict("worst case with retries and backoff", budget.worstCaseSum, budget.deadline, rule: .retryBudget)
        if budget.criticalChain.contains(where: \.boundedByDeadline) {
            out += "  steps marked * have no timeout: each attempt is bounded only by the deadline and counts 0 here\n"
        }
        return out
    }

    private func describe(_ name: String) -> String {
        guard let step = workflow.step(name) else { return name }
        var marks: [String] = []
        if step.optional { marks.append("optional") }
        if step.mode == .async { marks.append("async") }
        if step.when != nil { marks.append("when") }
        return marks.isEmpty ? name : "\(name) (\(marks.joined(separator: ", ")))"
    }

    private func table(_ chain: [BudgetAnalysis.Link]) -> String {
        guard !chain.isEmpty else { return "  (no required awaited steps)\n" }
        var rows: [[String]] = [["step", "call", "timeout", "attempts", "single", "worst case"]]
        for link in chain {
            rows.append([
                link.boundedByDeadline ? "\(link.step) *" : link.step,
                link.call.description,
                link.timeout?.specText ?? "deadline",
                "\(link.attempts)",
                link.singleAttempt.specText,
                link.worstCase.specText,
            ])
        }
        let single = chain.reduce(Duration.zero) { $0 + $1.singleAttempt }
        let worst = chain.reduce(Duration.zero) { $0 + $1.worstCase }
        rows.append(["total", "", "", "", single.specText, worst.specText])
        return formatTable(rows, rightAligned: [3, 4, 5])
    }

    private func verdict(_ label: String, _ sum: Duration, _ deadline: Duration, rule: Rule) -> String {
        let share = deadline > .zero ? Int((sum / deadline * 100).rounded()) : 0
        let status = sum > deadline ? "exceeds the deadline [\(rule.id)]" : "fits"
        return "  \(label): \(sum.specText) of \(deadline.specText) (\(share)%) — \(status)\n"
    }
}

/// Columns padded to their widest cell; the given columns right-aligned.
func formatTable(_ rows: [[String]], rightAligned: Set<Int> = []) -> String {
    let widths = (0..<(rows.first?.count ?? 0)).map { column in
        rows.map { $0[column].count }.max() ?? 0
    }
    return rows.map { row in
        let cells = row.enumerated().map { column, cell in
            let padding = String(repeating: " ", count: widths[column] - cell.count)
            return rightAligned.contains(column) ? padding + cell : cell + padding
        }
        return "  " + cells.joined(separator: "  ").trimmingTrailingSpaces()
    }.joined(separator: "\n") + "\n"
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}
