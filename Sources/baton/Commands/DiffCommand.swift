import ArgumentParser
import BatonDiff
import BatonSpec
import Foundation
import Synchronization

/// `--fail-on`: the least severe change that fails the run (spec-v1 §15).
enum DiffFailOn: String, CaseIterable, Sendable, ExpressibleByArgument {
    case breaking, dangerous, none

    func fails(_ changes: [SpecChange]) -> Bool {
        switch self {
        case .breaking: changes.contains { $0.severity >= .breaking }
        case .dangerous: changes.contains { $0.severity >= .dangerous }
        case .none: false
        }
    }
}

extension DiffFormat: ExpressibleByArgument {}

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two versions of specs: what an API change breaks, before anyone regenerates.",
        discussion: """
            OLD and NEW are spec files, directories (specs matched by file name), or REV:path read \
            through git, e.g. `baton diff main:specs/checkout.baton.yaml specs/checkout.baton.yaml`. \
            Each change has a stable id and a severity: breaking, dangerous or safe. Exit status: 0, \
            or 1 when a change at the --fail-on level or above exists, 2 when the tool could not run \
            (an unreadable file, an unknown revision, a spec with errors).
            """
    )

    @Argument(help: "The old version: a spec file, a directory, or REV:path read through git.")
    var old: String

    @Argument(help: "The new version: a spec file, a directory, or REV:path read through git.")
    var new: String

    @Option(help: "Output format: \(DiffFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: DiffFormat = .text

    @Option(help: "Exit 1 when a change this severe or worse exists: \(DiffFailOn.allCases.map(\.rawValue).joined(separator: ", ")).")
    var failOn: DiffFailOn = .breaking

    func run() throws {
        let (output, failed) = try evaluate()
        print(output, terminator: "")
        if failed { throw ExitCode(1) }
    }

    /// The rendered changes and whether the run fails, without printing.
    func evaluate() throws(ToolFailure) -> (output: String, failed: Bool) {
        let report = try Self.compare(old: try DiffSide.read(old), new: try DiffSide.read(new))
        return (format.render(report), failOn.fails(report.entries.map(\.change)))
    }

    /// Checks both sides and compares each pair of specs. A spec with errors cannot be compared:
    /// its errors go to standard error, lint-style, and the run is a tool failure.
    static func compare(old: DiffSide, new: DiffSide) throws(ToolFailure) -> DiffReport {
        let pairs = try pairs(old: old, new: new)
        var sources: [String: SpecSource] = [:]
        var failed: [Diagnostic] = []
        var failedFiles: [String] = []
        let checked = check(pairs.flatMap { [$0.old, $0.new] }.compactMap { $0?.source })
        func resolve(_ spec: DiffSide.Spec?) -> ResolvedSpec? {
            guard let spec, let result = checked[spec.source.path] else { return nil }
            sources[spec.source.path] = spec.source
            if result.analysableSpec == nil {
                failed += result.errors
                failedFiles.append(spec.source.path)
            }
            return result.analysableSpec
        }
        var entries: [DiffReport.Entry] = []
        for pair in pairs {
            let before = resolve(pair.old)
            let after = resolve(pair.new)
            guard (before == nil) == (pair.old == nil), (after == nil) == (pair.new == nil) else { continue }
            let changes = SpecDiff.changes(from: before, to: after)
            entries += changes.map { DiffReport.Entry(change: $0, newFile: pair.new?.source.path) }
        }
        if !failed.isEmpty {
            let report = DiagnosticReport(diagnostics: failed, files: failedFiles) { sources[$0]?.line($1) }
            FileHandle.standardError.write(Data(TextFormatter().render(report).utf8))
            throw ToolFailure("cannot compare: \(failedFiles.joined(separator: ", ")) \(failedFiles.count == 1 ? "has" : "have") errors (above); only specs that lint without errors can be compared")
        }
        entries.sort { $0.change < $1.change }
        return DiffReport(entries: entries, specCount: pairs.count) { sources[$0]?.line($1) }
    }

    /// Checks every spec, several at a time: checking is most of the work, and the two versions
    /// of a large spec take the time of one on two cores.
    static func check(_ sources: [SpecSource]) -> [String: CheckResult] {
        let results = Mutex<[String: CheckResult]>([:])
        DispatchQueue.concurrentPerform(iterations: sources.count) { index in
            let result = SpecChecker.check(sources[index], documents: DiffSide.documents)
            results.withLock { $0[sources[index].path] = result }
        }
        return results.withLock { $0 }
    }

    /// The specs to compare: two files; or two directories' specs matched by file name (a spec on
    /// one side only is compared with nothing); or one side missing at its revision.
    static func pairs(old: DiffSide, new: DiffSide) throws(ToolFailure) -> [(old: DiffSide.Spec?, new: DiffSide.Spec?)] {
        switch (old.isMissing, new.isMissing) {
        case (true, true):
            throw ToolFailure("neither \(old.argument) nor \(new.argument) exists")
        case (true, false):
            return new.specs.map { (nil, $0) }
        case (false, true):
            return old.specs.map { ($0, nil) }
        case (false, false):
            break
        }
        guard old.isDirectory == new.isDirectory else {
            let (directory, file) = old.isDirectory ? (old.argument, new.argument) : (new.argument, old.argument)
            throw ToolFailure("\(directory) is a directory but \(file) is a file: compare two files, or two directories (their specs are matched by file name)")
        }
        guard old.isDirectory else { return [(old.specs.first, new.specs.first)] }
        let oldByName = try index(old)
        let newByName = try index(new)
        var pairs: [(old: DiffSide.Spec?, new: DiffSide.Spec?)] = new.specs.map { (oldByName[$0.fileName], $0) }
        pairs += old.specs.filter { newByName[$0.fileName] == nil }.map { ($0, nil) }
        return pairs
    }

    private static func index(_ side: DiffSide) throws(ToolFailure) -> [String: DiffSide.Spec] {
        var byName: [String: DiffSide.Spec] = [:]
        for spec in side.specs {
            if let other = byName[spec.fileName] {
                throw ToolFailure("\(other.source.path) and \(spec.source.path) have the same file name; baton diff matches the specs of two directories by file name, so compare them one file at a time")
            }
            byName[spec.fileName] = spec
        }
        return byName
    }
}
