/// The class of a failure under the standard classifier (used where no workflow classifier is at
/// hand, e.g. for a span's outcome attribute).
func executorErrorClass(of error: any Error) -> ErrorClass {
    ErrorClass.classify(error)
}
