// Suite 3: on the real clock, with services that sleep tens of milliseconds, how close the
// executor's wall time comes to the critical path (the longest chain of sleeps).
import BatonRuntime
import Foundation

enum CriticalPath {
    /// A graph: each step's sleep and dependencies (indices of earlier steps).
    struct Graph {
        var name: String
        var steps: [(sleep: Duration, dependsOn: [Int])]

        /// The longest chain of sleeps.
        var criticalPath: Duration {
            var finish: [Duration] = []
            for step in steps {
                let ready = step.dependsOn.map { finish[$0] }.max() ?? .zero
                finish.append(ready + step.sleep)
            }
            return finish.max() ?? .zero
        }

        /// What level-by-level scheduling (all of a level, then the next) would take.
        var levelByLevel: Duration {
            var level: [Int] = []
            for step in steps { level.append((step.dependsOn.map { level[$0] }.max() ?? -1) + 1) }
            let levels = (level.max() ?? -1) + 1
            return (0..<levels).map { l in steps.indices.filter { level[$0] == l }.map { steps[$0].sleep }.max() ?? .zero }
                .reduce(.zero, +)
        }
    }

    static let graphs: [Graph] = [
        Graph(name: "chain of 5", steps: (0..<5).map { ($0 == 0 ? (.milliseconds(20), []) : (.milliseconds(20), [$0 - 1])) }),
        Graph(
            name: "fan-out 50 wide",
            steps: [(.milliseconds(10), [])] + (0..<50).map { i in (.milliseconds(20 + i % 5), [0]) } + [(.milliseconds(10), Array(1...50))]),
        Graph(name: "diamond", steps: [(.milliseconds(10), []), (.milliseconds(30), [0]), (.milliseconds(20), [0]), (.milliseconds(10), [1, 2])]),
        // Level by level: max(a, b) + max(c, d) = 80 ms; the critical path is 50 ms.
        Graph(
            name: "skewed DAG (levels would take 80 ms)",
            steps: [(.milliseconds(10), []), (.milliseconds(40), []), (.milliseconds(40), [0]), (.milliseconds(10), [1])]),
    ]

    static func workflow(_ graph: Graph) -> Workflow<Int, Int> {
        let clock = AnyClock.continuous
        var builder = WorkflowBuilder<Int>(workflow: "critical", deadline: .seconds(5), clock: clock, telemetry: .disabled)
        var keys: [StepKey<Int>] = []
        for (index, step) in graph.steps.enumerated() {
            let sleep = step.sleep
            let key: StepKey<Int> = builder.step(
                "s\(index)", service: "sleepy", dependsOn: step.dependsOn.map { keys[$0].id },
                policy: SingleAttempt(timeout: .seconds(1), clock: clock)
            ) { _, _, _ in
                // No timer slack: the service's own sleep should not be what overshoots.
                try await clock.sleep(until: clock.now.advanced(by: sleep), tolerance: .zero)
                return index
            }
            keys.append(key)
        }
        let last = keys[keys.count - 1]
        return builder.build { _, values in values[last] }
    }

    static func run(_ report: Report, quick: Bool) async {
        let repetitions = quick ? 3 : 15
        let clock = ContinuousClock()
        // What the timers themselves overshoot: the chain's five sleeps, one after the other.
        var overshoot: [Double] = []
        for _ in 0..<repetitions {
            let start = clock.now
            for _ in 0..<5 { try? await clock.sleep(until: clock.now.advanced(by: .milliseconds(20)), tolerance: .zero) }
            overshoot.append(milliseconds(start.duration(to: clock.now)) / 100)
        }
        report.add(Row(
            suite: "3 critical path", name: "reference: 5 × 20 ms sleeps in a loop", value: 100 * median(overshoot), unit: "ms",
            ratio: median(overshoot), baseline: "100 ms", detail: "the timers' own overshoot, no executor"))
        for graph in graphs {
            let workflow = workflow(graph)
            _ = try? await workflow.run(0)  // warm up
            var ratios: [Double] = []
            for _ in 0..<repetitions {
                let start = clock.now
                _ = try! await workflow.run(0)
                ratios.append(milliseconds(start.duration(to: clock.now)) / milliseconds(graph.criticalPath))
            }
            let ratio = median(ratios)
            report.add(Row(
                suite: "3 critical path", name: graph.name, value: milliseconds(graph.criticalPath) * ratio, unit: "ms",
                ratio: ratio, baseline: "critical path \(format(milliseconds(graph.criticalPath))) ms",
                target: "≤ 1.02", met: ratio <= 1.02,
                detail: "median of \(repetitions); best \(format(ratios.min()!)); level-by-level would be \(format(milliseconds(graph.levelByLevel) / milliseconds(graph.criticalPath)))×"))
        }
    }
}
