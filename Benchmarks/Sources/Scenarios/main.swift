// Suites 2-7 of the benchmarks (see Benchmarks/README.md). Usage:
//   Scenarios [--json PATH] [--quick] [generated critical-path tail jitter routing overload]
import Foundation

var arguments = Array(CommandLine.arguments.dropFirst())
var jsonPath: String?
if let index = arguments.firstIndex(of: "--json"), index + 1 < arguments.count {
    jsonPath = arguments[index + 1]
    arguments.removeSubrange(index...(index + 1))
}
let quick = arguments.contains("--quick")
arguments.removeAll { $0 == "--quick" }
let all = ["generated", "critical-path", "tail", "jitter", "routing", "overload"]
let selected = arguments.isEmpty ? all : arguments
let report = Report()

for suite in selected {
    switch suite {
    case "generated": await GeneratedVsHandWritten.run(report, quick: quick)
    case "critical-path": await CriticalPath.run(report, quick: quick)
    case "tail": await TailAtScale.run(report, quick: quick)
    case "jitter": await BackoffJitter.run(report, quick: quick)
    case "routing": await LatencyAwareRouting.run(report, quick: quick)
    case "overload": await Overload.run(report, quick: quick)
    default:
        FileHandle.standardError.write(Data("unknown suite \(suite); known: \(all.joined(separator: ", "))\n".utf8))
        exit(2)
    }
}
if let jsonPath { try report.write(to: jsonPath) }
