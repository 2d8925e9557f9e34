import BatonPostgres
import BatonRuntime
import Foundation
import Logging
import PostgresNIO
import Testing

/// The database of the Postgres tests: `BATON_TEST_POSTGRES_URL` (set by `scripts/with-postgres`
/// and `.ci/run`). Without it every Postgres test is skipped.
enum PostgresEnvironment {
    static let url = ProcessInfo.processInfo.environment["BATON_TEST_POSTGRES_URL"]
    /// A script taking `stop` or `start` that stops/starts the test cluster (outage test).
    static let control = ProcessInfo.processInfo.environment["BATON_TEST_POSTGRES_CONTROL"]
    static var isAvailable: Bool { url != nil }
}

/// One test's tables (a fresh prefix) on a running client, dropped at the end.
struct PostgresTestDatabase {
    let url: String
    let prefix: String
    let replicas: PostgresReplicas
    var client: PostgresClient { replicas.client }

    /// Runs `body` with fresh tables and a running client.
    static func with<T: Sendable>(
        configure: (inout PostgresReplicas.Configuration) -> Void = { _ in },
        _ body: (PostgresTestDatabase) async throws -> T
    ) async throws -> T {
        let url = try #require(PostgresEnvironment.url)
        let prefix = "t" + UUID().uuidString.prefix(8).lowercased() + "_"
        var configuration = PostgresReplicas.Configuration()
        configuration.tablePrefix = prefix
        configuration.operationTimeout = .seconds(2)
        configure(&configuration)
        let replicas = try PostgresReplicas(url: url, configuration: configuration, logger: Logger(label: "test"))
        let clientTask = Task { await replicas.client.run() }
        defer { clientTask.cancel() }
        let database = PostgresTestDatabase(url: url, prefix: prefix, replicas: replicas)
        try await replicas.migrate()
        try await database.client.query(
            "CREATE TABLE \(unescaped: prefix)test_calls (id bigserial PRIMARY KEY, kind text NOT NULL, key text NOT NULL, process text NOT NULL)"
        )
        do {
            let result = try await body(database)
            await database.drop()
            return result
        } catch {
            await database.drop()
            throw error
        }
    }

    func drop() async {
        let schema = replicas.schema
        for table in [schema.idempotency, schema.sagaRuns, schema.sagaSteps, schema.asyncCalls, prefix + "test_calls"] {
            _ = try? await client.query("DROP TABLE IF EXISTS \(unescaped: table)")
        }
    }

    /// Records a downstream call.
    func logCall(kind: String, key: String) async throws {
        try await client.query("INSERT INTO \(unescaped: prefix)test_calls (kind, key, process) VALUES (\(kind), \(key), 'test')")
    }

    /// The downstream calls, in order, as `kind key`.
    func calls() async throws -> [String] {
        var calls: [String] = []
        let rows = try await client.query("SELECT kind, key FROM \(unescaped: prefix)test_calls ORDER BY id")
        for try await (kind, key) in rows.decode((String, String).self) { calls.append("\(kind) \(key)") }
        return calls
    }

    /// One value of the first row of `sql`.
    func scalar<T: PostgresDecodable & Sendable>(_ sql: String, as type: T.Type) async throws -> T? {
        let rows = try await client.query(PostgresQuery(unsafeSQL: sql))
        for try await (value) in rows.decode(T.self) { return value }
        return nil
    }
}

/// A child process of the crash tests (`BatonPostgresTestChild`), its output read line by line.
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    private let output = Pipe()
    private let lines = LinesBuffer()

    final class LinesBuffer: @unchecked Sendable {
        private let lock = NSLock()
        private var text = ""
        func append(_ data: Data) {
            lock.lock()
            text += String(decoding: data, as: UTF8.self)
            lock.unlock()
        }
        var lines: [String] {
            lock.lock()
            defer { lock.unlock() }
            return text.split(separator: "\n").map(String.init)
        }
    }

    /// The child executable: next to the test bundle (`.build/<config>/`).
    static var executable: URL? {
        var candidates: [URL] = []
        let argument0 = URL(fileURLWithPath: CommandLine.arguments[0])
        candidates.append(argument0.deletingLastPathComponent())
        candidates.append(argument0.deletingLastPathComponent().deletingLastPathComponent())
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build/debug"))
        return candidates.map { $0.appendingPathComponent("BatonPostgresTestChild") }.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    init(_ arguments: [String]) throws {
        guard let executable = Self.executable else {
            Issue.record("BatonPostgresTestChild not found next to the tests: build them with swift build --build-tests")
            throw CancellationError()
        }
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = output
        let lines = self.lines
        output.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if !data.isEmpty { lines.append(data) }
        }
        try process.run()
    }

    var outputLines: [String] { lines.lines }

    /// Waits (bounded) until the child printed a line starting with `prefix`; returns it.
    func waitForLine(startingWith prefix: String, within limit: Duration = .seconds(60)) async throws -> String {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < limit {
            if let line = outputLines.first(where: { $0.hasPrefix(prefix) }) { return line }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("child \(process.arguments ?? []) printed no '\(prefix)' within \(limit); it printed \(outputLines)")
        throw CancellationError()
    }

    /// SIGKILLs the child and waits for it.
    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Waits (bounded) for the child to exit; returns its status.
    func wait(within limit: Duration = .seconds(60)) async throws -> Int32 {
        let start = ContinuousClock.now
        while process.isRunning {
            if ContinuousClock.now - start > limit {
                kill()
                Issue.record("child \(process.arguments ?? []) did not exit within \(limit)")
                return -1
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }
}

/// Polls `condition` until it holds or `limit` passes (real time: another process or the database
/// is on the other side).
func eventually(within limit: Duration = .seconds(20), _ condition: () async throws -> Bool) async throws -> Bool {
    let start = ContinuousClock.now
    while ContinuousClock.now - start < limit {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(25))
    }
    return try await condition()
}
