import BatonRuntime
import BatonTesting
import Synchronization

/// A thread-safe list the tasks of a test append to.
final class Recorder<Element: Sendable>: Sendable {
    private let items = Lock<[Element]>([])

    func append(_ element: Element) { items.withLock { $0.append(element) } }
    var all: [Element] { items.withLock { $0 } }
    var count: Int { items.withLock { $0.count } }
}

extension BatonInstant {
    static func ms(_ milliseconds: Int) -> BatonInstant { .zero.advanced(by: .milliseconds(milliseconds)) }
}
