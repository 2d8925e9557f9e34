// Shared by the BatonBuildTool and BatonCommand plugins: each plugin directory holds a
// `PluginsShared` symlink to this folder (plugins cannot depend on library targets).
import Foundation
import PackagePlugin

/// Which files are specs and which Swift files `baton generate` writes for each.
enum BatonSpecFiles {
    /// The endings of spec files (spec-v1 §1).
    static let extensions = [".baton.yaml", ".baton.yml"]

    static func isSpec(_ url: URL) -> Bool {
        let name = url.lastPathComponent
        return extensions.contains { name.hasSuffix($0) && name.count > $0.count }
    }

    /// The specs among `files`, sorted by path so commands come out in a stable order.
    static func specs(in files: FileList) -> [URL] {
        files.map(\.url).filter(isSpec).sorted { $0.path(percentEncoded: false) < $1.path(percentEncoded: false) }
    }

    /// `checkout.baton.yaml` → `checkout`. Must stay identical to `Generator.fileStem(_:)` in
    /// Sources/BatonGenerator/Generator.swift: the build plugin declares these names before the
    /// tool runs, and a mismatch shows up as a missing output at build time.
    static func stem(of specFileName: String) -> String {
        var stem = Substring(specFileName.split(separator: "/").last ?? "")
        for suffix in [".baton.yaml", ".baton.yml", ".yaml", ".yml"] where stem.hasSuffix(suffix) {
            stem = stem.dropLast(suffix.count)
            break
        }
        let safe = String(
            stem.unicodeScalars.map { scalar -> Character in
                switch scalar {
                case "a"..."z", "A"..."Z", "0"..."9", "-", "_": Character(scalar)
                default: "_"
                }
            }
        )
        return safe.isEmpty ? "spec" : safe
    }

    /// The endings of the files `baton generate` writes into `--output` and `--tests-output`.
    static let sourceSuffixes = [".Types.swift", ".Services.swift", ".Orchestrator.swift"]
    static let testSuffixes = [".Mocks.swift", ".Tests.swift"]

    /// The three source files `baton generate` writes into `--output` for one spec.
    static func sourceFileNames(forSpec specFileName: String) -> [String] {
        let stem = stem(of: specFileName)
        return ["\(stem).Types.swift", "\(stem).Services.swift", "\(stem).Orchestrator.swift"]
    }

    /// The two test files `baton generate` writes into `--tests-output` for one spec.
    static func testFileNames(forSpec specFileName: String) -> [String] {
        let stem = stem(of: specFileName)
        return ["\(stem).Mocks.swift", "\(stem).Tests.swift"]
    }

    /// Throws when two specs of one target would generate files of the same name (a module
    /// cannot hold two Swift files with one name, and the outputs would overwrite each other).
    static func checkDistinctStems(_ specs: [URL], targetName: String) throws(BatonPluginError) {
        var seen: [String: URL] = [:]
        for spec in specs {
            let stem = stem(of: spec.lastPathComponent)
            if let other = seen[stem] {
                throw .clashingSpecNames(targetName: targetName, stem: stem, first: other, second: spec)
            }
            seen[stem] = spec
        }
    }
}

extension URL {
    /// The file-system path, without percent encoding or a trailing slash, for command lines and
    /// messages.
    var filePath: String {
        let path = path(percentEncoded: false)
        return path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }
}
