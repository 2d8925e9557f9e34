import BatonRuntime
import Foundation
import PostgresNIO

/// A failure of a Postgres-backed store: the database was unreachable, too slow, or refused the
/// statement.
///
/// Connection failures and time-outs are ``BatonRuntime/ErrorClass/unavailable`` (a retry later may
/// succeed); statements the server rejects for another reason are
/// ``BatonRuntime/ErrorClass/permanent``.
public struct PostgresStoreError: Error, ClassifiedError, CustomStringConvertible {
    /// How the runtime treats the failure.
    public var errorClass: ErrorClass
    /// What the store was doing (`idempotency claim`, `saga record`, …).
    public var operation: String
    /// What went wrong.
    public var message: String

    /// Creates an error (see the properties).
    public init(errorClass: ErrorClass, operation: String, message: String) {
        self.errorClass = errorClass
        self.operation = operation
        self.message = message
    }

    public var description: String { "PostgreSQL \(operation) failed (\(errorClass)): \(message)" }

    /// Classifies `error` from postgres-nio (or the store's own time-out).
    static func from(_ error: any Error, operation: String) -> PostgresStoreError {
        if let error = error as? PostgresStoreError { return error }
        if let error = error as? PSQLError {
            if error.code == .server, let state = error.serverInfo?[.sqlState] {
                // 08: connection exception; 57: operator intervention (shutdown); 53: resources.
                let unavailable = ["08", "57", "53"].contains(String(state.prefix(2)))
                let message = error.serverInfo?[.message] ?? "\(error.code)"
                return PostgresStoreError(errorClass: unavailable ? .unavailable : .permanent, operation: operation, message: "\(state): \(message)")
            }
            return PostgresStoreError(errorClass: .unavailable, operation: operation, message: "\(error.code)")
        }
        if error is CancellationError {
            return PostgresStoreError(errorClass: .cancelled, operation: operation, message: "cancelled")
        }
        return PostgresStoreError(errorClass: .unavailable, operation: operation, message: "\(error)")
    }
}

/// A flag several tasks read and one sets.
final class Flag: Sendable {
    private let state = Lock(false)
    var isSet: Bool { state.withLock { $0 } }
    func set() { state.withLock { $0 = true } }
}

/// Runs `body` against the database, failing with ``PostgresStoreError`` (`unavailable`) after
/// `timeout`: postgres-nio waits for a connection as long as the caller does, and a replica must
/// not hang while the database is away.
@discardableResult
func database<T: Sendable>(
    _ operation: String,
    timeout: Duration,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    do {
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw PostgresStoreError(errorClass: .unavailable, operation: operation, message: "no answer within \(timeout)")
            }
            return value
        }
    } catch {
        throw PostgresStoreError.from(error, operation: operation)
    }
}

/// Seconds of `duration`, for `$1 * interval '1 second'`.
func seconds(_ duration: Duration) -> Double {
    let (whole, fraction) = duration.components
    return Double(whole) + Double(fraction) / 1e18
}

/// A random id for a process's claims and leases.
func makeOwnerID() -> String {
    UUID().uuidString.lowercased()
}

/// Drains a row sequence, returning how many rows it had.
func count(_ rows: PostgresRowSequence) async throws -> Int {
    var count = 0
    for try await _ in rows { count += 1 }
    return count
}

/// Sleeps on the continuous clock, returning `false` when the task was cancelled.
func pause(_ duration: Duration) async -> Bool {
    do {
        try await Task.sleep(for: duration)
        return true
    } catch {
        return false
    }
}
