import Foundation

/// The JSON coding of HTTP bodies: what generated types expect (dates as RFC 3339 text, with or
/// without fractional seconds; everything else as `JSONEncoder` writes it). One encoder and one
/// decoder for every request: they are configured once and never mutated.
enum BatonJSON {
    static let encoder = makeEncoder()
    static let decoder = makeDecoder()

    private static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(rfc3339String(date))
        }
        return encoder
    }

    private static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = rfc3339Date(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an RFC 3339 date: \(text)")
            }
            return date
        }
        return decoder
    }

    static func rfc3339String(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    static func rfc3339Date(_ text: String) -> Date? {
        (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
            ?? (try? Date.ISO8601FormatStyle().parse(text))
    }
}

/// A JSON object built member by member: the body of a `POST`/`PUT`/`PATCH` operation whose
/// input fields (all but those in the path, query and headers) are sent as one object, under
/// their wire names. An absent optional is left out.
public struct HTTPJSONObject: Encodable, Sendable {
    private var members: [(name: String, value: any Encodable & Sendable)] = []

    /// An empty object.
    public init() {}

    /// Adds `value` under `name`; nothing when it is `nil`.
    public mutating func add(_ name: String, _ value: (some Encodable & Sendable)?) {
        guard let value else { return }
        members.append((name, value))
    }

    /// The members as one JSON object, in the order they were added.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: MemberKey.self)
        for member in members {
            try container.encode(member.value, forKey: MemberKey(stringValue: member.name))
        }
    }

    private struct MemberKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
