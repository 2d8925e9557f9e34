import BatonRuntime
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// A `CacheInvalidationBus` over PostgreSQL `LISTEN/NOTIFY`: a write's
/// invalidations are `NOTIFY`d on one channel and every replica's ``run()`` applies them to its
/// own caches (local in-memory caches stay the store; only invalidations travel).
///
/// Notifications are not stored: a replica that is not listening misses them. So whenever the
/// listener (re)connects, it drops every entry of its subscribed caches first — after an outage
/// the caches refill instead of serving what may have been invalidated meanwhile. A message too
/// large for a notification (8,000 bytes) is sent as "drop every entry" of its cache. A replica
/// ignores its own messages (it already applied them).
///
/// Run it as a `Service` (its ``run()`` listens until graceful shutdown).
public final class PostgresInvalidationBus: CacheInvalidationBus, Service {
    private struct Envelope: Codable {
        var origin: String
        var message: CacheInvalidationMessage
    }

    private let client: PostgresClient
    private let channel: String
    private let timeout: Duration
    private let retryInterval: Duration
    private let logger: Logger
    private let origin = makeOwnerID()
    private let state = Lock((targets: [String: [CacheInvalidationTarget]](), listening: false, received: 0))

    /// - Parameters:
    ///   - client: A running client.
    ///   - schema: Names the channel (`<prefix>invalidations`).
    ///   - operationTimeout: How long a `NOTIFY` may take before it is given up (logged).
    ///   - retryInterval: How long the listener waits before reconnecting (default 1 s).
    ///   - logger: Where bus problems are logged.
    public init(
        client: PostgresClient,
        schema: PostgresSchema,
        operationTimeout: Duration = .seconds(5),
        retryInterval: Duration = .seconds(1),
        logger: Logger = Logger(label: "baton.postgres.invalidation")
    ) {
        self.client = client
        self.channel = schema.invalidationChannel
        self.timeout = operationTimeout
        self.retryInterval = retryInterval
        self.logger = logger
    }

    /// Whether the listener is connected and listening.
    public var isListening: Bool { state.withLock { $0.listening } }

    /// Messages from other replicas applied so far.
    public var receivedCount: Int { state.withLock { $0.received } }

    /// `NOTIFY`s the message; a failure is logged (the other replicas' entries then end with
    /// their TTL).
    public func publish(_ message: CacheInvalidationMessage) async {
        var payload = (try? String(decoding: JSONEncoder().encode(Envelope(origin: origin, message: message)), as: UTF8.self)) ?? ""
        if payload.utf8.count > 7_900 || payload.isEmpty {
            let all = Envelope(origin: origin, message: CacheInvalidationMessage(cache: message.cache, match: nil))
            payload = (try? String(decoding: JSONEncoder().encode(all), as: UTF8.self)) ?? ""
        }
        let client = self.client
        let channel = self.channel
        let logger = self.logger
        let text = payload
        do {
            try await database("invalidation notify", timeout: timeout) {
                try await client.query("SELECT pg_notify(\(channel), \(text))", logger: logger)
            }
        } catch {
            logger.warning("cache invalidation not sent to other replicas: \(error)", metadata: ["baton.cache": .string(message.cache)])
        }
    }

    /// Applies other replicas' messages to `targets` from now on.
    public func subscribe(_ targets: [CacheInvalidationTarget]) {
        state.withLock { state in
            for target in targets { state.targets[target.cache, default: []].append(target) }
        }
    }

    /// Listens until graceful shutdown or cancellation, reconnecting after failures.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await self.listen()
                } catch {
                    if Task.isCancelled { break }
                    self.logger.warning("cache invalidation listener lost its connection: \(error); reconnecting")
                }
                self.state.withLock { $0.listening = false }
                guard await pause(self.retryInterval) else { break }
            }
        }
    }

    private func listen() async throws {
        let channel = self.channel
        try await client.withConnection { connection in
            try await connection.listen(on: channel) { notifications in
                // Messages sent while nobody listened are lost: start from empty caches.
                await self.dropEverything()
                self.state.withLock { $0.listening = true }
                for try await notification in notifications {
                    await self.receive(notification.payload)
                }
            }
        }
    }

    private func dropEverything() async {
        let targets = state.withLock { $0.targets }
        for (cache, list) in targets {
            for target in list { await target.apply(CacheInvalidationMessage(cache: cache, match: nil)) }
        }
    }

    private func receive(_ payload: String) async {
        guard let envelope = try? JSONDecoder().decode(Envelope.self, from: Data(payload.utf8)) else {
            logger.warning("cache invalidation: ignoring an undecodable notification")
            return
        }
        guard envelope.origin != origin else { return }
        let targets = state.withLock { state -> [CacheInvalidationTarget] in
            state.received += 1
            return state.targets[envelope.message.cache] ?? []
        }
        for target in targets { await target.apply(envelope.message) }
    }
}
