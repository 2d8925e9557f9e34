import BatonSpec

/// Spec type references as Swift types.
///
/// Standard and Foundation types are written module-qualified (`Swift.String`,
/// `Foundation.Date`) so a spec type named `String`, `Date` or `Result` cannot shadow them.
enum SwiftType {
    static func name(_ type: TypeRef) -> String {
        switch type {
        case .string: "Swift.String"
        case .int: "Swift.Int"
        case .double: "Swift.Double"
        case .bool: "Swift.Bool"
        case .decimal: "Foundation.Decimal"
        case .date: "Foundation.Date"
        case .uuid: "Foundation.UUID"
        case .named(let name): SwiftIdentifier.escaped(name)
        case .array(let element): "[\(name(element))]"
        case .dictionary(let value): "[Swift.String: \(name(value))]"
        case .optional(let wrapped): "\(name(wrapped))?"
        }
    }

    /// Whether `type` holds a date anywhere, which needs the RFC 3339 coding.
    static func containsDate(_ type: TypeRef) -> Bool {
        switch type {
        case .date: true
        case .array(let t), .dictionary(let t), .optional(let t): containsDate(t)
        default: false
        }
    }
}
