import BatonSpec
import Foundation

/// One side of `baton diff`: a spec file, a directory of specs, or `REV:path` read through git.
struct DiffSide {
    /// A spec as read: the name diagnostics and changes print, and its text.
    struct Spec {
        var source: SpecSource
        /// The last path component: directories are matched by it.
        var fileName: String
    }

    /// The argument as given.
    var argument: String
    /// Whether the argument named a directory (or a git tree); its specs are matched by file name.
    var isDirectory: Bool
    /// The specs it holds (one for a file); empty when `REV:path` does not exist at REV.
    var specs: [Spec]
    /// `REV:path` where REV exists but path does not: every spec of the other side is new.
    var isMissing: Bool = false

    /// Where the OpenAPI documents of the compared specs are read (spec-v1 §12): from disk, or, for
    /// a spec read from git (`REV:specs/shop.baton.yaml`), at the same revision
    /// (`REV:specs/contracts/pricing.yaml`) — so a changed document shows up as changes of the
    /// spec that imports it.
    static let documents = OpenAPIDocumentReader { path, folder throws(OpenAPIDocumentReadError) in
        if !FileManager.default.fileExists(atPath: path), let colon = path.firstIndex(of: ":"), colon != path.startIndex {
            guard Git.run(["cat-file", "-t", path]).status == 0 else {
                throw OpenAPIDocumentReadError("no such file at that revision")
            }
            let shown = Git.run(["show", path])
            guard shown.status == 0 else { throw OpenAPIDocumentReadError("git show \(path) failed: \(shown.errorText)") }
            return Array(shown.output.prefix(OpenAPIDocumentReader.readLimit))
        }
        return try OpenAPIDocumentReader.fileSystem.read(path, specFolder: folder)
    }

    /// Reads a side: a path on disk as given, else `REV:path` through `git`.
    static func read(_ argument: String) throws(ToolFailure) -> DiffSide {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) {
            if isDirectory.boolValue {
                let specs = try SpecFiles.collect([argument]).map { path throws(ToolFailure) in
                    Spec(source: SpecSource(path: path, bytes: try SpecFiles.read(path)), fileName: fileName(path))
                }
                return DiffSide(argument: argument, isDirectory: true, specs: specs)
            }
            let source = SpecSource(path: argument, bytes: try SpecFiles.read(argument))
            return DiffSide(argument: argument, isDirectory: false, specs: [Spec(source: source, fileName: fileName(argument))])
        }
        guard let colon = argument.firstIndex(of: ":"), colon != argument.startIndex else {
            throw ToolFailure("no such file or directory: \(argument) (a version in git is written REV:path, e.g. main:specs/checkout.baton.yaml)")
        }
        return try readFromGit(revision: String(argument[..<colon]), path: String(argument[argument.index(after: colon)...]),
                               argument: argument)
    }

    private static func readFromGit(revision: String, path: String, argument: String) throws(ToolFailure) -> DiffSide {
        let verify = Git.run(["rev-parse", "--verify", "--quiet", "\(revision)^{commit}"])
        guard verify.status == 0 else {
            if let failure = verify.failure { throw failure }
            let detail = verify.errorText.isEmpty ? "" : " (git: \(verify.errorText))"
            throw ToolFailure("\(argument): '\(revision)' is not a revision git knows (a branch, tag or commit)\(detail)")
        }
        let object = "\(revision):\(path)"
        let kind = Git.run(["cat-file", "-t", object])
        guard kind.status == 0 else {
            if let failure = kind.failure { throw failure }
            // The revision exists but the path does not: a spec (or folder) that is new since.
            return DiffSide(argument: argument, isDirectory: path.isEmpty || path.hasSuffix("/"), specs: [], isMissing: true)
        }
        switch kind.text.trimmingCharacters(in: .whitespacesAndNewlines) {
        case "blob":
            let source = SpecSource(path: argument, bytes: try Git.show(object))
            return DiffSide(argument: argument, isDirectory: false, specs: [Spec(source: source, fileName: fileName(path))])
        case "tree":
            let list = Git.run(["ls-tree", "-r", "-z", "--name-only", object])
            guard list.status == 0 else { throw list.failure ?? ToolFailure("git ls-tree \(object) failed: \(list.errorText)") }
            let names = list.output.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
                .filter { name in
                    SpecFiles.extensions.contains { name.hasSuffix($0) }
                        && !name.split(separator: "/").contains { $0.hasPrefix(".") }
                }
                .sorted()
            let prefix = path.isEmpty || path.hasSuffix("/") ? path : path + "/"
            var specs: [Spec] = []
            for name in names {
                let display = "\(revision):\(prefix)\(name)"
                specs.append(Spec(source: SpecSource(path: display, bytes: try Git.show("\(revision):\(prefix)\(name)")),
                                  fileName: fileName(name)))
            }
            return DiffSide(argument: argument, isDirectory: true, specs: specs)
        default:
            throw ToolFailure("\(argument) is neither a file nor a directory in git")
        }
    }

    static func fileName(_ path: String) -> String {
        String(path.split(separator: "/").last ?? Substring(path))
    }
}

/// Runs `git` in the working directory.
enum Git {
    struct Result {
        var status: Int32
        var output: [UInt8]
        var errorText: String
        /// Set when git could not be started at all.
        var failure: ToolFailure?

        var text: String { String(decoding: output, as: UTF8.self) }
    }

    static func run(_ arguments: [String]) -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return Result(status: -1, output: [], errorText: "",
                          failure: ToolFailure("cannot run git to read \(arguments.last ?? ""): \(error.localizedDescription)"))
        }
        // git's error output is a line or two; its standard output is read to the end first.
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let error = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let failure: ToolFailure? = process.terminationStatus == 127
            ? ToolFailure("cannot run git: it is not installed or not on PATH") : nil
        return Result(status: process.terminationStatus, output: [UInt8](output),
                      errorText: String(decoding: error, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines),
                      failure: failure)
    }

    /// The bytes of `REV:path` (`git show`), at most ``SpecFiles/readLimit`` of them.
    static func show(_ object: String) throws(ToolFailure) -> [UInt8] {
        let result = run(["show", object])
        guard result.status == 0 else {
            throw result.failure ?? ToolFailure("git show \(object) failed: \(result.errorText)")
        }
        return Array(result.output.prefix(SpecFiles.readLimit))
    }
}
