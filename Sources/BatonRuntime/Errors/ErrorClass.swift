/// What kind of failure an error is, which decides whether it is worth another attempt.
///
/// Every failure the runtime sees is classified into one of these (spec-v1 §7.3).
public enum ErrorClass: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// The attempt or the workflow ran out of time.
    case timeout
    /// The dependency could not be reached or refused the connection; an open circuit is this too.
    case unavailable
    /// The dependency (or a local limiter) shed load; may carry a retry-after.
    case overloaded
    /// A failure that is likely to pass on its own (e.g. HTTP 502, a reset connection).
    case transient
    /// A failure another attempt will not fix (bad request, not found, decoding failure).
    case permanent
    /// The caller cancelled the work.
    case cancelled
    /// Anything that declared no class and that the runtime cannot recognise.
    case unknown

    public var description: String { rawValue }

    /// The classes a retry policy retries when the spec does not say: `timeout`, `unavailable`,
    /// `overloaded` and `transient`.
    public static let retryableByDefault: Set<ErrorClass> = [.timeout, .unavailable, .overloaded, .transient]
}

/// An error that states its own class, and optionally how long to wait before trying again.
///
/// Conform your service errors to this so Baton retries, breaks circuits and reports them as you
/// intend:
///
/// ```swift
/// struct PaymentDeclined: ClassifiedError {
///     var errorClass: ErrorClass { .permanent }
/// }
/// struct Throttled: ClassifiedError {
///     var seconds: Int
///     var errorClass: ErrorClass { .overloaded }
///     var retryAfter: Duration? { .seconds(seconds) }
/// }
/// ```
public protocol ClassifiedError: Error {
    /// The failure's class.
    var errorClass: ErrorClass { get }
    /// The earliest time a new attempt makes sense, if the dependency said so.
    var retryAfter: Duration? { get }
}

extension ClassifiedError {
    /// `nil`: an error that does not say when to try again leaves the wait to backoff.
    public var retryAfter: Duration? { nil }
}
