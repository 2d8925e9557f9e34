import BatonRuntime
import Checkout
import CheckoutSimulation
import Foundation
import HTTPTypes
import Hummingbird
import Logging

// The downstream services of checkout-server: each simulated service of the demo (the same
// latencies and `--fail`/`--slow` faults) behind a Hummingbird server of its own on loopback. A
// service with several endpoints (pricing: pricing-eu, pricing-us, pricing-lite) gets one server
// per endpoint, so `--fail pricing-eu=50%` breaks only that one.
//
// The wire format is the one the generated HTTP clients speak (spec-v1 §11, and the bindings that
// derive-checkout-http-spec.py writes): `POST /<service>/<operation>` with the input as a JSON
// object, the output as JSON on 200. An injected fault answers 500, which the clients classify as
// `transient`, the class `SimulatedError` has in the demo.

/// One downstream server to start: the host its base URL names in the spec and its router.
struct DownstreamServer {
    /// The host of the base URL the generated client is given (`cart.checkout.invalid`,
    /// `pricing-eu`): what ``LoopbackPorts`` maps to this server's port.
    var host: String
    /// The service's routes.
    var router: Router<BasicRequestContext>
}

extension DownstreamServer {
    /// The servers of every simulated service: one per service, or one per endpoint of a routed
    /// service.
    ///
    /// - Parameters:
    ///   - services: the simulated services.
    ///   - endpoints: the endpoints of each routed service, by service name (`pricing`).
    ///   - baseHost: the host of a service without endpoints (`cart` → `cart.checkout.invalid`).
    static func all(
        services: SimulatedCheckoutServices,
        endpoints: [String: [Endpoint]],
        baseHost: (String) -> String
    ) -> [DownstreamServer] {
        services.all.flatMap { service -> [DownstreamServer] in
            guard let routed = endpoints[service.name], !routed.isEmpty else {
                return [DownstreamServer(host: baseHost(service.name), router: router(for: service.name, services: services, endpoint: nil))]
            }
            return routed.map { endpoint in
                DownstreamServer(
                    host: URL(string: endpoint.url)?.host ?? endpoint.url,
                    router: router(for: service.name, services: services, endpoint: endpoint)
                )
            }
        }
    }

    /// The routes of one service: one `POST /<service>/<operation>` per operation.
    static func router(for name: String, services: SimulatedCheckoutServices, endpoint: Endpoint?) -> Router<BasicRequestContext> {
        let routes = DownstreamRoutes(router: Router(), service: name, endpoint: endpoint)
        switch name {
        case "cart":
            let cart = services.cartService
            routes.add("getCart") { try await cart.getCart($0, context: $1) }
        case "pricing":
            let pricing = services.pricingService
            routes.add("quote") { try await pricing.quote($0, context: $1) }
            routes.add("listPrice") { try await pricing.listPrice($0, context: $1) }
        case "inventory":
            let inventory = services.inventoryService
            routes.add("check") { try await inventory.check($0, context: $1) }
            routes.add("reserve") { try await inventory.reserve($0, context: $1) }
            routes.add("release") { try await inventory.release($0, context: $1) }
        case "payments":
            let payments = services.paymentsService
            routes.add("charge") { try await payments.charge($0, context: $1) }
            routes.add("refund") { try await payments.refund($0, context: $1) }
        case "mail":
            let mail = services.mailService
            routes.add("sendReceipt") { try await mail.sendReceipt($0, context: $1) }
        case "wrapping":
            let wrapping = services.wrappingService
            routes.add("book") { try await wrapping.book($0, context: $1) }
            routes.add("cancel") { try await wrapping.cancel($0, context: $1) }
        default:
            preconditionFailure("no simulated service named \(name)")
        }
        return routes.router
    }
}

/// Adds a service's operations to its router.
private struct DownstreamRoutes {
    let router: Router<BasicRequestContext>
    let service: String
    let endpoint: Endpoint?

    /// `POST /<service>/<operation>`: decodes the input, calls the simulated operation with a
    /// context rebuilt from the request (correlation id, idempotency key, the endpoint it serves),
    /// and answers the output; 400 for a body that does not decode, 500 for an injected fault.
    func add<Input: Decodable & Sendable, Output: Encodable & Sendable>(
        _ operation: String,
        _ call: @escaping @Sendable (Input, CallContext) async throws -> Output
    ) {
        let endpoint = self.endpoint
        router.post(RouterPath("/\(service)/\(operation)")) { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            guard let input = try? JSONDecoder().decode(Input.self, from: Data(body.readableBytesView)) else {
                return Response(status: .badRequest)
            }
            let context = CallContext(
                workflow: "checkout",
                step: operation,
                endpoint: endpoint,
                correlationID: request.headers[.correlationID] ?? "",
                idempotencyKey: request.headers[.idempotencyKey]
            )
            do {
                let output = try await call(input, context)
                return Response(
                    status: .ok,
                    headers: [.contentType: "application/json"],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(output)))
                )
            } catch is SimulatedError {
                return Response(status: .internalServerError)
            }
        }
    }
}

extension HTTPField.Name {
    /// `X-Correlation-ID`.
    static let correlationID = HTTPField.Name("X-Correlation-ID")!
    /// `Idempotency-Key`.
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
}
