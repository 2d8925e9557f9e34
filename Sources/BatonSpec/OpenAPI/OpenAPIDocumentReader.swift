import Foundation

/// Where the checker reads the OpenAPI documents that services name with `openapi:` (spec-v1 §12).
///
/// A document path is relative to the spec's folder and may not leave it: `..` that climbs out of
/// the spec's folder, an absolute path, or (on disk) a symbolic link that resolves outside it is an
/// error. The checker asks the reader only for paths that passed those rules.
public struct OpenAPIDocumentReader: Sendable {
    /// Reads the document at `path` (the spec's folder joined with the written path, as
    /// diagnostics show it); `specFolder` is the folder the document must stay inside.
    let read: @Sendable (_ path: String, _ specFolder: String) throws(OpenAPIDocumentReadError) -> [UInt8]

    /// A reader with a custom source of documents.
    public init(read: @escaping @Sendable (_ path: String, _ specFolder: String) throws(OpenAPIDocumentReadError) -> [UInt8]) {
        self.read = read
    }

    /// Reads the document at `path`, which must stay inside `specFolder`.
    public func read(_ path: String, specFolder: String) throws(OpenAPIDocumentReadError) -> [UInt8] {
        try read(path, specFolder)
    }

    /// Documents are read up to this size; a larger one is refused by the loader.
    public static let readLimit = OpenAPIDocumentLoader.limits.maxBytes + 1

    /// Reads documents from the file system, relative to the current directory as spec paths are.
    public static let fileSystem = OpenAPIDocumentReader { path, specFolder throws(OpenAPIDocumentReadError) in
        // A symbolic link may point outside the spec's folder even when the written path does not.
        let folder = URL(fileURLWithPath: specFolder.isEmpty ? "." : specFolder).resolvingSymlinksInPath().path
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        if !(target.hasPrefix(folder == "/" ? "/" : folder + "/")) {
            throw OpenAPIDocumentReadError("it resolves to \(target), outside the spec's folder")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw OpenAPIDocumentReadError("no such file")
        }
        guard !isDirectory.boolValue, let handle = FileHandle(forReadingAtPath: path) else {
            throw OpenAPIDocumentReadError(isDirectory.boolValue ? "it is a folder" : "it cannot be read")
        }
        defer { try? handle.close() }
        do {
            return [UInt8](try handle.read(upToCount: readLimit) ?? Data())
        } catch {
            throw OpenAPIDocumentReadError("it cannot be read: \(error.localizedDescription)")
        }
    }

    /// Documents held in memory, by the path diagnostics show (the spec's folder joined with the
    /// written path); for tests and tools that check specs that are not on disk.
    public static func inMemory(_ documents: [String: String]) -> OpenAPIDocumentReader {
        OpenAPIDocumentReader { path, _ throws(OpenAPIDocumentReadError) in
            guard let text = documents[path] else { throw OpenAPIDocumentReadError("no such file") }
            return Array(text.utf8)
        }
    }

    /// The path of the document `written` under a service of the spec at `specPath`: the spec's
    /// folder joined with `written`, `.` and `..` resolved. Nil with the reason when `written` is
    /// empty, absolute, or climbs out of the spec's folder.
    static func resolve(_ written: String, specPath: String) -> (path: String?, folder: String, problem: String?) {
        var folder = specPath.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        if folder.isEmpty, specPath.hasPrefix("/") { folder = "/" }
        if written.isEmpty { return (nil, folder, "the path is empty") }
        if written.hasPrefix("/") || written.hasPrefix("~") {
            return (nil, folder, "the path must be relative to the spec's folder, not absolute")
        }
        var parts: [Substring] = []
        for part in written.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                guard !parts.isEmpty else {
                    return (nil, folder, "'..' climbs out of the spec's folder; documents are read only from the spec's folder and below")
                }
                parts.removeLast()
                continue
            }
            parts.append(part)
        }
        if parts.isEmpty { return (nil, folder, "the path names the spec's folder, not a document") }
        let relative = parts.joined(separator: "/")
        let path = folder.isEmpty ? relative : (folder == "/" ? "/" + relative : folder + "/" + relative)
        return (path, folder, nil)
    }
}

/// Why a document could not be read.
public struct OpenAPIDocumentReadError: Error, Sendable {
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }
}
