import BatonRuntime
import Foundation
import PostgresNIO

/// A failure of a Postgres-backed store: the database was unreachable, too slow, or refused the
/// statement.
///
/// Connection failures and time-outs are `ErrorClass.unavailable` (a retry later may
/// succeed); statements the server rejects for another reason are
/// `ErrorClass.permanent`.
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
///
/// The body runs in a task of its own that is cancelled, not awaited, at the time-out: a
/// connection request that does not end on cancellation must not hold the caller (a task group
/// would wait for it).
@discardableResult
func database<T: Sendable>(
    _ operation: String,
    timeout: Duration,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    let race = Race<T>()
    let work = Task {
        do {
            race.finish(.success(try await body()))
        } catch {
            race.finish(.failure(error))
        }
    }
    let timer = Task {
        try await Task.sleep(for: timeout)
        race.finish(.failure(PostgresStoreError(errorClass: .unavailable, operation: operation, message: "no answer within \(timeout)")))
    }
    let result = await withTaskCancellationHandler {
        await race.result()
    } onCancel: {
        race.finish(.failure(CancellationError()))
    }
    timer.cancel()
    if case .failure = result { work.cancel() }
    do {
        return try result.get()
    } catch {
        throw PostgresStoreError.from(error, operation: operation)
    }
}

/// The first of several results, handed to one waiter.
final class Race<T: Sendable>: Sendable {
    private let state = Lock((result: Result<T, any Error>?.none, waiter: CheckedContinuation<Result<T, any Error>, Never>?.none))

    func finish(_ result: Result<T, any Error>) {
        let waiter = state.withLock { state -> CheckedContinuation<Result<T, any Error>, Never>? in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: result)
    }

    func result() async -> Result<T, any Error> {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Result<T, any Error>? in
                if let result = state.result { return result }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
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
