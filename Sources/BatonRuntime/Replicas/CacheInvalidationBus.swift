#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A JSON value, for comparing cache key fields across processes.
public enum JSONValue: Sendable, Hashable, Codable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number (every JSON number, as a `Double`).
    case number(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object.
    case object([String: JSONValue])

    /// Decodes any JSON value.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// Encodes the value as JSON.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// `value` as a JSON value (through its `Encodable` form).
    public init(encoding value: some Encodable) throws {
        let data = try JSONEncoder().encode(value)
        self = try JSONDecoder().decode(JSONValue.self, from: data)
    }
}

/// What a write invalidated, as sent to the other replicas: the cached operation and the key
/// fields whose entries are dropped (spec-v1 §5 `invalidates`).
public struct CacheInvalidationMessage: Sendable, Hashable, Codable {
    /// The cached operation, `service.operation`.
    public var cache: String
    /// Key field name → value: entries whose key has all of them are dropped. `nil`: every entry.
    public var match: [String: JSONValue]?

    /// - Parameters:
    ///   - cache: The cached operation, `service.operation`.
    ///   - match: The key fields to match; `nil` drops every entry.
    public init(cache: String, match: [String: JSONValue]?) {
        self.cache = cache
        self.match = match
    }
}

/// A cache that applies invalidations received from other replicas; generated orchestrators
/// subscribe one per cached operation.
public struct CacheInvalidationTarget: Sendable {
    /// The cached operation, `service.operation`.
    public let cache: String
    let apply: @Sendable (CacheInvalidationMessage) async -> Void

    /// A target for `cache`, whose keys are compared with messages through their JSON form.
    ///
    /// - Parameters:
    ///   - name: The cached operation, `service.operation`.
    ///   - cache: The replica's cache of that operation.
    public init<Key: Codable & Hashable & Sendable, Value: Sendable>(_ name: String, cache: ResponseCache<Key, Value>) {
        self.cache = name
        apply = { message in
            guard let match = message.match else {
                await cache.invalidateAll()
                return
            }
            await cache.invalidate { key in
                guard case .object(let fields)? = try? JSONValue(encoding: key) else { return false }
                return match.allSatisfy { fields[$0.key] == $0.value }
            }
        }
    }

    /// Applies `message` to the cache.
    public func apply(_ message: CacheInvalidationMessage) async {
        await apply(message)
    }
}

/// Carries cache invalidations between replicas: a write's `invalidates` drops the entries in the
/// replica that made it and is published here, and every other replica applies it to its caches
/// (the caches stay local, in memory; only invalidations travel).
///
/// The default, ``LocalInvalidationBus``, publishes nowhere: as in a single process, only the
/// replica that wrote drops its entries, and the others serve theirs until their TTL ends.
/// `BatonPostgres` provides one over `LISTEN/NOTIFY`.
public protocol CacheInvalidationBus: Sendable {
    /// Whether messages leave the process (`false` lets the executor skip encoding them).
    var isShared: Bool { get }

    /// Sends `message` to the other replicas. Never throws: a message that cannot be sent is
    /// logged by the bus, and the other replicas' entries expire with their TTL.
    func publish(_ message: CacheInvalidationMessage) async

    /// Applies the messages of other replicas to `targets` from now on.
    func subscribe(_ targets: [CacheInvalidationTarget])
}

extension CacheInvalidationBus {
    /// Buses are shared unless they say otherwise.
    public var isShared: Bool { true }
}

/// The default ``CacheInvalidationBus``: invalidations stay in the process that made them.
public struct LocalInvalidationBus: CacheInvalidationBus {
    /// A bus that sends nothing.
    public init() {}

    /// `false`.
    public var isShared: Bool { false }

    /// Does nothing: the writing replica has already dropped its own entries.
    public func publish(_ message: CacheInvalidationMessage) async {}

    /// Does nothing: no other replica sends here.
    public func subscribe(_ targets: [CacheInvalidationTarget]) {}
}
