import Foundation
import Testing

/// A temporary directory holding spec files, removed when the value is dropped.
final class SpecDirectory {
    let path: String

    init(_ files: [String: String]) throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("baton-cli-\(UUID().uuidString)").path
        for (name, text) in files {
            let file = (path as NSString).appendingPathComponent(name)
            try FileManager.default.createDirectory(
                atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: file, atomically: true, encoding: .utf8)
        }
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// The package root, found from this file's location.
let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// Runs the built `baton` executable (next to the test bundle) and captures its output.
///
/// Async, and the waiting happens on a Dispatch thread: a test that blocked a thread of Swift's
/// cooperative pool (two threads on a 2-core machine) for a whole subprocess would stall every
/// other test's tasks, and their bounded waits would time out.
func runBaton(_ arguments: [String], in directory: String = packageRoot) async throws -> (status: Int32, stdout: String, stderr: String) {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try runBatonBlocking(arguments, in: directory) })
        }
    }
}

private func runBatonBlocking(_ arguments: [String], in directory: String) throws -> (status: Int32, stdout: String, stderr: String) {
    // Linux reports the products directory as the bundle; macOS the .xctest bundle inside it.
    let bundle = Bundle(for: SpecDirectory.self).bundleURL
    let executable = [bundle, bundle.deletingLastPathComponent()]
        .map { $0.appendingPathComponent("baton") }
        .first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? bundle.appendingPathComponent("baton")
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    // Standard error goes to a file: with two pipes read one after the other, a tool that fills
    // the second pipe's buffer while the first is drained would block forever.
    let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("baton-stderr-\(UUID().uuidString)")
    try Data().write(to: errorFile)
    defer { try? FileManager.default.removeItem(at: errorFile) }
    let out = Pipe()
    let err = try FileHandle(forWritingTo: errorFile)
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    try err.close()
    let stderr = try Data(contentsOf: errorFile)
    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
}

/// A small valid spec: two chained required steps and an optional one.
let minimalSpec = """
    baton: 1
    name: Shop
    types:
      Order:
        id: string
      Summary:
        id: string
        note: string?
    services:
      orders:
        timeout: 100ms
        retry: { maxAttempts: 2, backoff: { initial: 10ms, max: 10ms } }
        operations:
          load:
            input: { id: string }
            output: Order
          note:
            input: { id: string }
            output: Summary
    workflows:
      show:
        input: { id: string }
        output: Summary
        deadline: 500ms
        steps:
          first:
            call: orders.load
            with: { id: $input.id }
          second:
            call: orders.load
            with: { id: $first.id }
          extra:
            call: orders.note
            with: { id: $first.id }
            optional: true
        result:
          id: $second.id
          note: $extra.note

    """
