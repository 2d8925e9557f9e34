import Synchronization

#if BATON_TSAN_VISIBLE_LOCKS
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The lock every piece of shared state in Baton uses.
///
/// Normally this is `Synchronization.Mutex`. Thread Sanitizer cannot see `Mutex`'s futex-based
/// synchronisation on Linux (Swift 6.3): a correct program that only touches state inside
/// `withLock` is reported as racing. CI therefore builds its sanitizer run with
/// `-Xswiftc -DBATON_TSAN_VISIBLE_LOCKS`, which swaps in this `pthread_mutex_t` lock — same API,
/// same critical sections — so the sanitizer checks Baton's own code, not the stdlib's lock.
package final class Lock<State: ~Copyable>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var state: State

    package init(_ initialValue: consuming sending State) {
        state = initialValue
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    package func withLock<Result, E: Error>(_ body: (inout State) throws(E) -> Result) throws(E) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&state)
    }
}
#else
/// The lock every piece of shared state in Baton uses: `Synchronization.Mutex`. (Thread
/// Sanitizer runs build with `BATON_TSAN_VISIBLE_LOCKS`, which swaps in a pthread lock the
/// sanitizer understands; see the other branch of this file.)
package typealias Lock<State: ~Copyable> = Mutex<State>
#endif
