import ArgumentParser
import BatonSpec
import Foundation

/// Finds, reads and checks the spec files named on the command line.
enum SpecFiles {
    static let extensions = [".baton.yaml", ".baton.yml"]

    /// Files are read up to this size; a larger one is passed truncated-plus-one so the loader
    /// reports it as too large without the CLI ever holding a huge file in memory.
    static let readLimit = 10 * 1024 * 1024 + 1

    /// The spec files named by `paths`: files as given, directories searched recursively for
    /// `*.baton.yaml` and `*.baton.yml` (hidden folders and `.build*` skipped), sorted per directory.
    static func collect(_ paths: [String]) throws(ToolFailure) -> [String] {
        var files: [String] = []
        let manager = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ToolFailure("no such file or directory: \(path)")
            }
            guard isDirectory.boolValue else {
                files.append(path)
                continue
            }
            let found = specs(under: path)
            if found.isEmpty {
                throw ToolFailure("no *.baton.yaml or *.baton.yml files in \(path)")
            }
            files += found
        }
        var seen = Set<String>()
        return files.filter { seen.insert($0).inserted }
    }

    private static func specs(under directory: String) -> [String] {
        let base = URL(fileURLWithPath: directory, isDirectory: true)
        guard let enumerator = FileManager.default.enumerator(
            at: base, includingPropertiesForKeys: [.isDirectoryKey], options: [.skipsHiddenFiles]
        ) else { return [] }
        var found: [String] = []
        for case let url as URL in enumerator {
            let name = url.lastPathComponent
            if name.hasPrefix(".build") {
                enumerator.skipDescendants()
                continue
            }
            guard extensions.contains(where: { name.hasSuffix($0) }) else { continue }
            // Only regular files (symlinks followed): opening a FIFO found by a directory walk
            // would block until something writes to it. A path named explicitly is read as given.
            guard isRegularFile(url.path) else { continue }
            // Keep the path as the user would write it: the directory they named plus the rest.
            let relative = url.standardizedFileURL.path.dropFirst(base.standardizedFileURL.path.count)
            let prefix = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
            found.append(prefix + relative)
        }
        return found.sorted()
    }

    private static func isRegularFile(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
    }

    /// Reads a spec's bytes, at most ``readLimit`` of them.
    static func read(_ path: String) throws(ToolFailure) -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ToolFailure("cannot read \(path)")
        }
        defer { try? handle.close() }
        do {
            let data = try handle.read(upToCount: readLimit) ?? Data()
            return [UInt8](data)
        } catch {
            throw ToolFailure("cannot read \(path): \(error.localizedDescription)")
        }
    }

    /// Checks every file; the report holds all diagnostics with access to the source lines.
    static func check(_ paths: [String]) throws(ToolFailure) -> CheckedSpecs {
        let files = try collect(paths)
        var sources: [String: SpecSource] = [:]
        var results: [(path: String, result: CheckResult)] = []
        for file in files {
            let source = SpecSource(path: file, bytes: try read(file))
            sources[file] = source
            let result = SpecChecker.check(source)
            // OpenAPI documents the spec imports (spec-v1 §12): diagnostics may point into them.
            for document in result.documents where sources[document.path] == nil { sources[document.path] = document }
            results.append((file, result))
        }
        let report = DiagnosticReport(
            diagnostics: results.flatMap(\.result.diagnostics),
            files: files,
            sourceLine: { file, line in sources[file]?.line(line) }
        )
        return CheckedSpecs(report: report, results: results)
    }
}

extension SpecFiles {
    /// Checks the files like ``check(_:)`` and writes the findings to standard error, as the
    /// commands that print something other than diagnostics do.
    static func checkReportingFindings(_ paths: [String]) throws(ToolFailure) -> CheckedSpecs {
        let checked = try check(paths)
        if !checked.report.diagnostics.isEmpty {
            FileHandle.standardError.write(Data(DiagnosticFormat.text.render(checked.report).utf8))
        }
        return checked
    }

    /// The resolved specs of files without errors (findings on standard error); exit status 1
    /// when a file has one.
    static func resolvedSpecs(_ paths: [String]) throws -> [ResolvedSpec] {
        guard let specs = try checkReportingFindings(paths).specs else { throw ExitCode(1) }
        return specs
    }
}

/// The outcome of checking the files of one command.
struct CheckedSpecs {
    var report: DiagnosticReport
    var results: [(path: String, result: CheckResult)]

    /// The resolved specs, when no file has errors.
    var specs: [ResolvedSpec]? {
        guard report.errorCount == 0 else { return nil }
        let specs = results.compactMap(\.result.spec)
        return specs.count == results.count ? specs : nil
    }
}
