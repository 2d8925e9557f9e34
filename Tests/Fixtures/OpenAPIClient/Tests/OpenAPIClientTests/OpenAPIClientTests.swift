import BatonHummingbird
import BatonRuntime
import Foundation
import Hummingbird
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime
import Orders
import OrdersClient
import Testing

struct Refused: ClassifiedError {
    var errorClass: ErrorClass { .permanent }
}

/// The four services of serve-http, in process: order "fail" cannot be shipped.
struct Services: PaymentsService, ShippingService, RecommendationsService, OrdersService {
    func charge(_ input: PaymentsChargeInput, context: CallContext) async throws -> PaymentsChargeOutput {
        PaymentsChargeOutput(chargeId: "ch-\(input.orderId)")
    }

    func refund(_ input: PaymentsRefundInput, context: CallContext) async throws -> PaymentsRefundOutput {
        PaymentsRefundOutput()
    }

    func ship(_ input: ShippingShipInput, context: CallContext) async throws -> ShippingShipOutput {
        if input.orderId == "fail" { throw Refused() }
        return ShippingShipOutput(trackingId: "tr-\(input.orderId)")
    }

    func suggest(_ input: RecommendationsSuggestInput, context: CallContext) async throws -> RecommendationsSuggestOutput {
        RecommendationsSuggestOutput(text: "gift wrap")
    }

    func state(_ input: OrdersStateInput, context: CallContext) async throws -> OrdersStateOutput {
        OrdersStateOutput(state: "shipped")
    }
}

/// A client that swift-openapi-generator made from `baton openapi`'s document, calling the
/// workflows Baton generated from the same spec, served over loopback.
@Suite(.timeLimit(.minutes(2))) struct OpenAPIClientTests {
    static func withServer(_ body: @Sendable (OrdersClient.Client) async throws -> Void) async throws {
        let services = Services()
        let orchestrator = OrdersOrchestrator(payments: services, shipping: services, recommendations: services, orders: services)
        let router = Router()
        router.addWorkflowRoutes(orchestrator.httpRoutes())
        let (ports, port) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in port.yield(channel.localAddress?.port ?? 0) }
        )
        let running = Task { try await app.runService(gracefulShutdownSignals: []) }
        defer { running.cancel() }
        var iterator = ports.makeAsyncIterator()
        let listening = await iterator.next() ?? 0
        let url = try #require(URL(string: "http://127.0.0.1:\(listening)"))
        try await body(OrdersClient.Client(serverURL: url, transport: AsyncHTTPClientTransport()))
    }

    @Test func aPOSTWorkflowAnswersWithItsOutputAndHeaders() async throws {
        try await Self.withServer { client in
            let response = try await client.placeOrder(
                headers: .init(xCorrelationID: "c-1"),
                body: .json(.init(orderId: "o-1", amount: 12.5, giftNote: "for you"))
            )
            let ok = try response.ok
            #expect(ok.headers.xCorrelationID == "c-1")
            #expect(ok.headers.batonComplete == ._true)
            let receipt = try ok.body.json
            #expect(receipt.chargeId == "ch-o-1" && receipt.trackingId == "tr-o-1" && receipt.suggestion == "gift wrap")
        }
    }

    @Test func aGETWorkflowTakesThePathAndTheQuery() async throws {
        try await Self.withServer { client in
            let response = try await client.orderStatus(path: .init(orderId: "o-9"), query: .init(limit: 2, priority: .high, tags: ["a", "b"]))
            let status = try response.ok.body.json
            #expect(status.orderId == "o-9" && status.state == "shipped" && status.limit == 2 && status.priority == .high && status.tags == ["a", "b"])
        }
    }

    @Test func aFailedRunIsAProblem() async throws {
        try await Self.withServer { client in
            let response = try await client.placeOrder(body: .json(.init(orderId: "fail", amount: 1)))
            guard case .badGateway(let failed) = response else {
                Issue.record("expected 502, got \(response)")
                return
            }
            let problem = try failed.body.applicationProblemJson
            #expect(problem.step == "ship" && problem.errorClass == .permanent && problem.status == 502)
            #expect(problem.compensations?.map(\.step) == ["charge"])
        }
    }
}
