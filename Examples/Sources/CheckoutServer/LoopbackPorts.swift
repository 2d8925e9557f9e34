import Foundation
import HTTPTypes
import OpenAPIRuntime
import Synchronization

/// Where each downstream server listens: host of its base URL in the spec → loopback port, filled
/// in as the servers come up (they bind ephemeral ports).
final class LoopbackPorts: Sendable {
    private struct State {
        var hosts: Set<String> = []
        var ports: [String: Int] = [:]
        var waiting: [String: [CheckedContinuation<Int, Never>]] = [:]
    }

    private let state = Mutex(State())

    /// Declares the hosts that get a server: a request to one of them waits until it is up.
    func expect(_ hosts: some Sequence<String>) {
        state.withLock { $0.hosts.formUnion(hosts) }
    }

    /// Records that the server for `host` listens on `port`, and wakes those waiting for it.
    func register(host: String, port: Int) {
        let waiting = state.withLock { state in
            state.ports[host] = port
            return state.waiting.removeValue(forKey: host) ?? []
        }
        for continuation in waiting { continuation.resume(returning: port) }
    }

    /// The port of `host`'s server, waiting until it is up (a request that arrives while the
    /// servers start waits instead of failing); `nil` for a host without a server.
    func port(of host: String) async -> Int? {
        enum Lookup { case known(Int), pending, unknown }
        let lookup: Lookup = state.withLock { state in
            if let port = state.ports[host] { return .known(port) }
            return state.hosts.contains(host) ? .pending : .unknown
        }
        switch lookup {
        case .known(let port): return port
        case .unknown: return nil
        case .pending:
            return await withCheckedContinuation { continuation in
                let port: Int? = state.withLock { state in
                    if let port = state.ports[host] { return port }
                    state.waiting[host, default: []].append(continuation)
                    return nil
                }
                if let port { continuation.resume(returning: port) }
            }
        }
    }
}

/// Points the generated clients at the loopback servers: a base URL whose host has a downstream
/// server (`http://cart.checkout.invalid`, the routed endpoint `http://pricing-eu:8080`) becomes
/// `http://127.0.0.1:<port>`; any other is left alone. This is the middleware mechanism of
/// swift-openapi-runtime, the one users have for the same job (a sidecar, a staging host).
struct LoopbackMiddleware: ClientMiddleware {
    let ports: LoopbackPorts

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard let host = baseURL.host, let port = await ports.port(of: host) else {
            return try await next(request, body, baseURL)
        }
        return try await next(request, body, URL(string: "http://127.0.0.1:\(port)")!)
    }
}
