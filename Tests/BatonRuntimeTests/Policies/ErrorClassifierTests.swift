import BatonRuntime
import BatonTesting
import Testing

/// Mimics Foundation's bridged errors without importing Foundation: the runtime recognises them
/// by `_domain` and `_code`, exactly as it does `URLError` and `POSIXError`.
private struct BridgedError: Error {
    var domain: String
    var code: Int
    var _domain: String { domain }
    var _code: Int { code }
}

private struct LibraryError: Error {
    var status: Int
}

@Suite(.timeLimit(.minutes(1))) struct ErrorClassifierTests {
    @Test func declaredClassAndRetryAfterWin() {
        let verdict = ErrorClassifier.standard.classify(ScriptedError(.overloaded, retryAfter: .seconds(2)))
        #expect(verdict == ErrorClassification(.overloaded, retryAfter: .seconds(2)))
        #expect(ErrorClass.classify(TimeoutError(limit: .seconds(1))) == .timeout)
        #expect(ErrorClass.classify(CircuitOpenError(breaker: "b", retryAfter: nil)) == .unavailable)
        #expect(ErrorClass.classify(OverloadedError(reason: .rateLimited, name: "x")) == .overloaded)
    }

    @Test func standardLibraryErrors() {
        #expect(ErrorClass.classify(CancellationError()) == .cancelled)
        let decoding = DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "bad"))
        #expect(ErrorClass.classify(decoding) == .permanent)
        let encoding = EncodingError.invalidValue(1, .init(codingPath: [], debugDescription: "bad"))
        #expect(ErrorClass.classify(encoding) == .permanent)
        #expect(ErrorClass.classify(LibraryError(status: 500)) == .unknown)
    }

    @Test(arguments: [
        (-1001, ErrorClass.timeout),
        (-1003, .unavailable), (-1004, .unavailable), (-1005, .unavailable), (-1006, .unavailable), (-1009, .unavailable),
        (-1011, .transient),
        (-999, .cancelled),
        (-1002, .unknown), (-1200, .unknown),
    ])
    func urlErrorsByCode(code: Int, expected: ErrorClass) {
        #expect(ErrorClass.classify(BridgedError(domain: "NSURLErrorDomain", code: code)) == expected)
    }

    @Test func posixErrors() {
        #if canImport(Darwin)
        let (refused, reset, timedOut, unreachable, pipe, noEntry) = (61, 54, 60, 65, 32, 2)
        #else
        let (refused, reset, timedOut, unreachable, pipe, noEntry) = (111, 104, 110, 113, 32, 2)
        #endif
        func posix(_ code: Int) -> ErrorClass { ErrorClass.classify(BridgedError(domain: "NSPOSIXErrorDomain", code: code)) }
        #expect(posix(refused) == .unavailable)
        #expect(posix(unreachable) == .unavailable)
        #expect(posix(timedOut) == .timeout)
        #expect(posix(reset) == .transient)
        #expect(posix(pipe) == .transient)
        #expect(posix(noEntry) == .unknown)
        #expect(ErrorClass.classify(BridgedError(domain: "SomeOtherDomain", code: refused)) == .unknown)
    }

    @Test func userRulesComeFirstAndFallThrough() {
        let classifier = ErrorClassifier.standard
            .adding { error in
                guard let error = error as? LibraryError else { return nil }
                switch error.status {
                case 429: return ErrorClassification(.overloaded, retryAfter: .seconds(1))
                case 500...: return ErrorClassification(.transient)
                default: return nil
                }
            }
            .adding { error in
                // Overrides a declared class: rules run before ClassifiedError.
                (error as? ScriptedError)?.tag == 7 ? ErrorClassification(.permanent) : nil
            }
        #expect(classifier.classify(LibraryError(status: 429)) == ErrorClassification(.overloaded, retryAfter: .seconds(1)))
        #expect(classifier.classify(LibraryError(status: 503)).errorClass == .transient)
        #expect(classifier.classify(LibraryError(status: 404)).errorClass == .unknown, "falls through to built-in rules")
        #expect(classifier.classify(ScriptedError(.transient, tag: 7)).errorClass == .permanent)
        #expect(classifier.classify(ScriptedError(.transient)).errorClass == .transient)
        #expect(classifier.classify(CancellationError()).errorClass == .cancelled)
    }
}
