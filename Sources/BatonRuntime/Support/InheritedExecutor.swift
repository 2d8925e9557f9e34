/// The current task's executor preference, so that an unstructured task the runtime starts on its
/// behalf (a compensation, an async step's worker, a cache refresh) runs where the current task
/// runs.
///
/// Unstructured tasks do not inherit a task executor preference (SE-0417); child tasks do. With
/// no preference — production, where everything runs on the global concurrent executor — this
/// is `nil` and `Task(executorPreference: nil)` is the same as `Task { … }`. Under a preference,
/// e.g. `baton simulate`'s single-threaded executor of virtual time, every task of a run stays on
/// that executor, which is what makes a simulation deterministic and lets it know when every
/// task is parked.
func inheritedTaskExecutor() -> (any TaskExecutor)? {
    if #available(macOS 26.4, iOS 26.4, tvOS 26.4, watchOS 26.4, visionOS 26.4, *) {
        return withUnsafeCurrentTask { $0?.unownedTaskExecutor?.asTaskExecutor() }
    }
    return nil
}
