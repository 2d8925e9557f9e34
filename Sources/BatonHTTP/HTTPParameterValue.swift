import Foundation

/// A value that can stand in a URL path segment, a query parameter or a header (spec-v1 §11):
/// the scalars of the spec language and enums with string raw values (their wire names).
public protocol HTTPParameterValue: Sendable {
    /// The value as text, before percent-encoding.
    var httpParameterText: String { get }
}

extension String: HTTPParameterValue {
    public var httpParameterText: String { self }
}

extension Int: HTTPParameterValue {
    public var httpParameterText: String { String(self) }
}

extension Bool: HTTPParameterValue {
    public var httpParameterText: String { self ? "true" : "false" }
}

extension Double: HTTPParameterValue {
    public var httpParameterText: String { String(self) }
}

extension Decimal: HTTPParameterValue {
    public var httpParameterText: String { description }
}

extension UUID: HTTPParameterValue {
    /// The same text as in JSON bodies (`JSONEncoder` writes `uuidString`).
    public var httpParameterText: String { uuidString }
}

extension Date: HTTPParameterValue {
    /// RFC 3339 with fractional seconds, as generated types write dates in JSON.
    public var httpParameterText: String { BatonJSON.rfc3339String(self) }
}

extension HTTPParameterValue where Self: RawRepresentable, RawValue == String {
    /// An enum's wire name.
    public var httpParameterText: String { rawValue }
}

/// Percent-encoding for the parts of a request target.
public enum HTTPPercentEncoding {
    /// `value` as one path segment: everything but RFC 3986's unreserved characters is
    /// percent-encoded, so a `/` or `?` in a value can never change the route.
    public static func pathSegment(_ value: some HTTPParameterValue) -> String {
        encode(value.httpParameterText)
    }

    /// A query component (name or value), encoded like a path segment (a space is `%20`).
    public static func queryComponent(_ text: String) -> String {
        encode(text)
    }

    private static func encode(_ text: String) -> String {
        var encoded = ""
        encoded.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"), UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                encoded += "%"
                encoded += String(byte >> 4, radix: 16, uppercase: true)
                encoded += String(byte & 0x0F, radix: 16, uppercase: true)
            }
        }
        return encoded
    }
}
