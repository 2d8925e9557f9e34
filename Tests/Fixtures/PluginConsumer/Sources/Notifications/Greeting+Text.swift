/// Hand-written code next to the generated types of two specs in one module.
extension Greeting {
    /// The greeting as one line, e.g. "Hallo, Ada!".
    public var text: String { "\(phrase), \(userName)!" }
}

extension StatusReport {
    /// Whether a carrier has the parcel.
    public var isShipped: Bool { shipment != nil }
}
