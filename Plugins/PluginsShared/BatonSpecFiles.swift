// Shared by the BatonBuildTool and BatonCommand plugins: each plugin directory holds a
// `PluginsShared` symlink to this folder (plugins cannot depend on library targets).
import Foundation
import PackagePlugin

/// The specs of a target and the Swift files `baton generate` writes for each: the names come
/// from ``GeneratedFileNames`` (a symlink to the generator's own file, so the two cannot differ).
enum BatonSpecFiles {
    static func isSpec(_ url: URL) -> Bool {
        GeneratedFileNames.isSpec(url.lastPathComponent)
    }

    /// The specs among `files`, sorted by path so commands come out in a stable order.
    static func specs(in files: FileList) -> [URL] {
        files.map(\.url).filter(isSpec).sorted { $0.path(percentEncoded: false) < $1.path(percentEncoded: false) }
    }

    /// The OpenAPI documents a spec's services import (`openapi: path`, spec-v1 §12) that exist,
    /// relative to the spec's folder: inputs of the spec's build command, so editing a document
    /// regenerates the code. Read from the spec's text line by line (plugins cannot link the
    /// checker); a path the checker refuses (`..` out of the spec's folder) is left out here and
    /// reported by `baton`.
    static func openAPIDocuments(of spec: URL) -> [URL] {
        guard let text = try? String(contentsOf: spec, encoding: .utf8) else { return [] }
        let folder = spec.deletingLastPathComponent()
        var documents: [URL] = []
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.drop(while: { $0 == " " })
            guard trimmed.count < line.count, trimmed.hasPrefix("openapi:") else { continue }
            var value = trimmed.dropFirst("openapi:".count).drop(while: { $0 == " " })
            if let comment = value.range(of: " #") { value = value[..<comment.lowerBound] }
            var path = value.trimmingCharacters(in: .whitespaces)
            if path.count >= 2, let first = path.first, first == "\"" || first == "'", path.last == first {
                path = String(path.dropFirst().dropLast())
            }
            guard !path.isEmpty, !path.hasPrefix("/"), !path.split(separator: "/").contains("..") else { continue }
            let url = folder.appending(path: path, directoryHint: .notDirectory)
            if FileManager.default.fileExists(atPath: url.filePath), !documents.contains(url) { documents.append(url) }
        }
        return documents
    }

    /// Throws when two specs of one target would generate files of the same name (a module
    /// cannot hold two Swift files with one name, and the outputs would overwrite each other).
    static func checkDistinctStems(_ specs: [URL], targetName: String) throws(BatonPluginError) {
        var seen: [String: URL] = [:]
        for spec in specs {
            let stem = GeneratedFileNames.stem(of: spec.lastPathComponent)
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
