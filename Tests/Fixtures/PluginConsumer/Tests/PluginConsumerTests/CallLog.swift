import BatonRuntime
import Synchronization

/// Records the calls the fakes receive, as "service.operation" with the call context.
final class CallLog: Sendable {
    struct Call: Sendable {
        var name: String
        var context: CallContext
    }

    private let calls = Mutex<[Call]>([])

    func record(_ name: String, _ context: CallContext) {
        calls.withLock { $0.append(Call(name: name, context: context)) }
    }

    var names: [String] { calls.withLock { $0.map(\.name) } }

    func contexts(of name: String) -> [CallContext] {
        calls.withLock { $0.filter { $0.name == name }.map(\.context) }
    }
}

struct FakeFailure: Error {}
