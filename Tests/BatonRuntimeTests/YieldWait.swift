/// Thrown by ``yieldUntil(_:maxYields:_:)`` when the condition still does not hold after its
/// bound: names what the test waited for.
struct YieldWaitExhausted: Error, CustomStringConvertible {
    var waitingFor: String
    var yields: Int

    var description: String { "gave up after \(yields) yields waiting for \(waitingFor)" }
}

/// Yields until `condition` holds, at most `maxYields` times, and throws
/// ``YieldWaitExhausted`` naming `waitingFor` when it never does.
///
/// Only for states another task reaches without sleeping on the clock (a waiter parked in a
/// bulkhead queue without a timeout, a detached timer task that ends), where there is no sleeper
/// or call to wait for with `waitForSleepers(count:)` / `waitForCalls(count:)`. The bound is in
/// yields, not wall time: each yield lets the other tasks run, and a state that a few hundred
/// yields do not bring about is a bug, not a slow machine.
func yieldUntil(
    _ waitingFor: @autoclosure () -> String,
    maxYields: Int = 100_000,
    _ condition: () -> Bool
) async throws {
    for _ in 0..<maxYields {
        if condition() { return }
        await Task.yield()
    }
    if condition() { return }
    throw YieldWaitExhausted(waitingFor: waitingFor(), yields: maxYields)
}
