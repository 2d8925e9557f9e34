import BatonRuntime
import Synchronization

/// One operation of a generated mock service: plays a script (values, errors of any class,
/// latency on the clock, hangs) and records every call with its typed input.
///
/// Generated `Mock<Service>` types hold one per operation:
///
/// ```swift
/// let clock = ManualClock()
/// let pricing = MockPricingService(
///     clock: clock,
///     quote: [.fail(ScriptedError(.unavailable)), .succeed(quote, after: .milliseconds(5))]
/// )
/// …
/// #expect(pricing.quote.inputs.first?.items == cart.items)
/// #expect(pricing.quote.calls[1].context.attempt == 2)
/// ```
public final class MockOperation<Input: Sendable, Output: Sendable>: Sendable {
    /// The scripted behaviour and the call log (contexts and start times).
    public let script: ScriptedCall<Output>
    private let recordedInputs = Lock<[Input]>([])

    /// - Parameters:
    ///   - clock: The clock latencies sleep on.
    ///   - name: What the operation is called in messages (generated mocks pass
    ///     `service.operation`); default `call`.
    ///   - behaviours: One per call; the last repeats.
    public init<C: Clock>(clock: C, name: String = "call", _ behaviours: [ScriptedCall<Output>.Behaviour]) where C.Duration == Duration {
        script = ScriptedCall(clock: clock, name: name, behaviours)
    }

    /// Records the call and plays the next behaviour.
    public func callAsFunction(_ input: Input, context: CallContext) async throws -> Output {
        recordedInputs.withLock { $0.append(input) }
        return try await script.call(context)
    }

    /// Every input received, in call order.
    public var inputs: [Input] { recordedInputs.withLock { $0 } }

    /// Every call received (context and start time), in order.
    public var calls: [ScriptedCall<Output>.Call] { script.calls }

    /// How many calls were received.
    public var callCount: Int { script.callCount }

    /// Suspends until at least `count` calls were received, for at most `bound` of wall-clock time
    /// (see ``ScriptedCall/waitForCalls(count:within:)``).
    public func waitForCalls(count: Int, within bound: Duration = defaultWaitBound) async throws {
        try await script.waitForCalls(count: count, within: bound)
    }
}

/// An error of a chosen class, for scripting failures.
///
/// `tag` tells otherwise equal errors apart, e.g. to see which attempt's failure a retry loop
/// finally reported.
public struct ScriptedError: ClassifiedError, Equatable, CustomStringConvertible {
    public var errorClass: ErrorClass
    public var retryAfter: Duration?
    /// Tells otherwise equal errors apart (compared by `==`, shown as `#tag` in the description);
    /// 0, the default, for an untagged error.
    public var tag: Int

    /// An error of `errorClass`.
    ///
    /// ```swift
    /// let quote = ScriptedCall<Quote>(clock: clock, [
    ///     .fail(ScriptedError(.unavailable, tag: 1)),
    ///     .fail(ScriptedError(.overloaded, retryAfter: .milliseconds(50), tag: 2)),
    ///     .succeed(Quote(total: 42)),
    /// ])
    /// ```
    ///
    /// - Parameters:
    ///   - errorClass: The class the runtime sees (it decides retries, breakers and reports).
    ///   - retryAfter: The wait the error asks for; `nil` (default) for none.
    ///   - tag: Tells otherwise equal errors apart. Default 0.
    public init(_ errorClass: ErrorClass, retryAfter: Duration? = nil, tag: Int = 0) {
        self.errorClass = errorClass
        self.retryAfter = retryAfter
        self.tag = tag
    }

    public var description: String { tag == 0 ? "scripted \(errorClass) failure" : "scripted \(errorClass) failure #\(tag)" }
}

/// How a test bends one operation of a generated mock away from "succeed with the fixture".
public enum MockScript: Sendable {
    /// Every call fails with the error (after the operation's latency).
    case fail(any Error)
    /// The first call fails with the error, later calls succeed.
    case failFirst(any Error)
    /// Every call waits until cancelled.
    case hang
    /// The first call takes this long, later calls the operation's usual latency (a slow first
    /// attempt that a hedge or a retry can overtake).
    case slowFirst(Duration)

    /// The behaviours of an operation that returns `value` after `latency`, bent by `script`.
    public static func behaviours<Output: Sendable>(
        _ script: MockScript?,
        returning value: Output,
        after latency: Duration
    ) -> [ScriptedCall<Output>.Behaviour] {
        switch script {
        case nil: [.succeed(value, after: latency)]
        case .fail(let error): [.fail(error, after: latency)]
        case .failFirst(let error): [.fail(error, after: latency), .succeed(value, after: latency)]
        case .hang: [.hang]
        case .slowFirst(let slow): [.succeed(value, after: slow), .succeed(value, after: latency)]
        }
    }
}
