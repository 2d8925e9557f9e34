import BatonRuntime
import BatonTesting
import Synchronization

/// A time on the manual clock, in milliseconds since its origin.
func ms(_ milliseconds: Int) -> BatonInstant {
    .zero.advanced(by: .milliseconds(milliseconds))
}

/// Counts and orders events from concurrent tasks.
final class EventLog: Sendable {
    private let storage = Lock<[String]>([])
    func append(_ event: String) { storage.withLock { $0.append(event) } }
    var events: [String] { storage.withLock { $0 } }
    func count(of event: String) -> Int { events.filter { $0 == event }.count }
}

extension WorkflowBuilder {
    /// A test workflow on `clock`, without telemetry.
    static func test(_ name: String = "test", deadline: Duration = .seconds(1), clock: ManualClock, queue: AsyncStepQueue? = nil) -> WorkflowBuilder {
        WorkflowBuilder(
            workflow: name,
            deadline: deadline,
            clock: clock.asAnyClock,
            random: .seeded(7),
            telemetry: .disabled,
            asyncQueue: queue
        )
    }
}

/// One attempt, no timeout of its own, and it declares that it ends by the run's deadline — as
/// production policies do — so the executor runs no deadline watcher and may run a lone ready
/// step inline.
struct BoundedDirectCall: CallPolicy {
    var boundsAttemptsByRunDeadline: Bool { true }

    func run<T: Sendable>(_ context: CallContext, log: AttemptLog, _ call: @escaping @Sendable (CallContext) async throws -> T) async throws -> T {
        var context = context
        context.attempt = log.beginAttempt()
        return try await call(context)
    }
}
