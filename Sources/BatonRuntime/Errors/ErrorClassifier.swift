/// The verdict on one failure: its class, and how long to wait before trying again if the error
/// said so.
public struct ErrorClassification: Sendable, Hashable, CustomStringConvertible {
    /// The failure's class (spec-v1 §7.3).
    public var errorClass: ErrorClass
    /// The earliest time another attempt makes sense, when the error carried one.
    public var retryAfter: Duration?

    /// A verdict of `errorClass`, with the wait the error asked for (`nil`: none; backoff decides).
    public init(_ errorClass: ErrorClass, retryAfter: Duration? = nil) {
        self.errorClass = errorClass
        self.retryAfter = retryAfter
    }

    public var description: String {
        guard let retryAfter else { return errorClass.rawValue }
        return "\(errorClass) (retry after \(retryAfter))"
    }
}

/// Decides the ``ErrorClass`` of any error, so retries, circuit breakers and reports treat it as
/// intended.
///
/// Classification tries, in order:
/// 1. the classifier's own rules (``adding(_:)``), first match wins — use them for errors of
///    libraries you cannot conform to ``ClassifiedError``, or to override a library's choice;
/// 2. ``ClassifiedError`` conformance: the error's declared class and retry-after;
/// 3. the built-in rules for common system errors (``builtIn(_:)``);
/// 4. otherwise ``ErrorClass/unknown``, which is not retried unless `retryOn` lists it.
///
/// A classifier is a value: build one when the orchestrator is built and hand it to the
/// policies (``ResiliencePipeline``). There is no global registry to mutate.
///
/// ```swift
/// let classifier = ErrorClassifier.standard.adding { error in
///     guard let error = error as? HTTPClientError else { return nil }
///     return error.isRemoteConnectionClosed ? ErrorClassification(.transient) : nil
/// }
/// ```
public struct ErrorClassifier: Sendable {
    /// A user rule: returns a classification for errors it recognises and `nil` for the rest.
    public typealias Rule = @Sendable (any Error) -> ErrorClassification?

    private var rules: [Rule]

    /// A classifier with `rules` tried before the declared class and the built-in rules.
    public init(rules: [Rule] = []) {
        self.rules = rules
    }

    /// Declared classes plus the built-in rules; no user rules.
    public static let standard = ErrorClassifier()

    /// A copy of this classifier with `rule` tried after the existing rules.
    public func adding(_ rule: @escaping Rule) -> ErrorClassifier {
        var copy = self
        copy.rules.append(rule)
        return copy
    }

    /// The classification of `error`.
    public func classify(_ error: any Error) -> ErrorClassification {
        for rule in rules {
            if let verdict = rule(error) { return verdict }
        }
        return Self.builtIn(error)
    }

    /// The runtime's own rules, without user rules.
    ///
    /// - ``ClassifiedError``: its declared class and retry-after.
    /// - `CancellationError` → `cancelled`; ``TimeoutError`` → `timeout` (it is a
    ///   ``ClassifiedError``).
    /// - `DecodingError`, `EncodingError` → `permanent`: the same bytes will not decode next time.
    /// - `URLError` (recognised by its domain, so the runtime needs no Foundation): timed out →
    ///   `timeout`; cannot find or connect to the host, no internet, connection lost, DNS failure →
    ///   `unavailable`; bad server response → `transient`; cancelled → `cancelled`; the rest
    ///   `unknown`.
    /// - POSIX errors: connection refused, host or network unreachable or down → `unavailable`;
    ///   timed out → `timeout`; connection reset or aborted, broken pipe, not connected, try again →
    ///   `transient`; the rest `unknown`.
    public static func builtIn(_ error: any Error) -> ErrorClassification {
        if let classified = error as? any ClassifiedError {
            return ErrorClassification(classified.errorClass, retryAfter: classified.retryAfter)
        }
        if error is CancellationError { return ErrorClassification(.cancelled) }
        if error is DecodingError || error is EncodingError { return ErrorClassification(.permanent) }
        // `_domain`/`_code` are the standard library's bridge to NSError; reading them keeps
        // Foundation out of the runtime while still recognising Foundation's errors.
        switch error._domain {
        case "NSURLErrorDomain":
            return ErrorClassification(urlErrorClass(error._code))
        case "NSPOSIXErrorDomain":
            return ErrorClassification(posixErrorClass(error._code))
        default:
            return ErrorClassification(.unknown)
        }
    }

    static func urlErrorClass(_ code: Int) -> ErrorClass {
        switch code {
        case -1001: .timeout  // timedOut
        case -1003, -1004, -1005, -1006, -1009: .unavailable  // host not found, cannot connect, lost, DNS, offline
        case -1011: .transient  // badServerResponse
        case -999: .cancelled  // cancelled
        default: .unknown
        }
    }

    static func posixErrorClass(_ code: Int) -> ErrorClass {
        switch code {
        case POSIXCode.connectionRefused, POSIXCode.hostUnreachable, POSIXCode.networkUnreachable,
            POSIXCode.networkDown, POSIXCode.hostDown:
            .unavailable
        case POSIXCode.timedOut:
            .timeout
        case POSIXCode.connectionReset, POSIXCode.connectionAborted, POSIXCode.brokenPipe,
            POSIXCode.notConnected, POSIXCode.tryAgain:
            .transient
        default:
            .unknown
        }
    }
}

extension ErrorClass {
    /// The class of `error` under ``ErrorClassifier/standard``.
    public static func classify(_ error: any Error) -> ErrorClass {
        ErrorClassifier.builtIn(error).errorClass
    }
}

/// errno values, spelled out because the runtime imports neither Glibc nor Darwin.
enum POSIXCode {
    #if canImport(Darwin)
    static let connectionRefused = 61  // ECONNREFUSED
    static let connectionReset = 54  // ECONNRESET
    static let connectionAborted = 53  // ECONNABORTED
    static let timedOut = 60  // ETIMEDOUT
    static let hostUnreachable = 65  // EHOSTUNREACH
    static let hostDown = 64  // EHOSTDOWN
    static let networkUnreachable = 51  // ENETUNREACH
    static let networkDown = 50  // ENETDOWN
    static let notConnected = 57  // ENOTCONN
    static let tryAgain = 35  // EAGAIN
    #else
    static let connectionRefused = 111
    static let connectionReset = 104
    static let connectionAborted = 103
    static let timedOut = 110
    static let hostUnreachable = 113
    static let hostDown = 112
    static let networkUnreachable = 101
    static let networkDown = 100
    static let notConnected = 107
    static let tryAgain = 11
    #endif
    static let brokenPipe = 32  // EPIPE
}
