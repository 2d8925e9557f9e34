/// The class of a failure seen by the executor.
///
/// Stop-gap until the shared classifier in `Errors/` lands: errors that declare their class keep
/// it, cancellation is `cancelled`, timeouts are `timeout`, anything else `unknown`.
func executorErrorClass(of error: any Error) -> ErrorClass {
    if let classified = error as? any ClassifiedError { return classified.errorClass }
    if error is CancellationError { return .cancelled }
    return .unknown
}
