import BatonRuntime
import Notifications
import Testing

// Fakes for the two specs generated into the one `Notifications` target.

struct FakeDirectory: DirectoryService {
    let log: CallLog
    func lookup(_ input: DirectoryLookupInput, context: CallContext) async throws -> DirectoryLookupOutput {
        log.record("directory.lookup", context)
        return DirectoryLookupOutput(name: "Ada", language: "de")
    }
}

struct FakePhrasebook: PhrasebookService {
    let log: CallLog
    let fails: Bool
    func hello(_ input: PhrasebookHelloInput, context: CallContext) async throws -> PhrasebookHelloOutput {
        log.record("phrasebook.hello", context)
        if fails { throw FakeFailure() }
        return PhrasebookHelloOutput(phrase: input.language == "de" ? "Hallo" : "Hello")
    }
}

struct FakeOrders: OrdersService {
    let log: CallLog
    func state(_ input: OrdersStateInput, context: CallContext) async throws -> OrdersStateOutput {
        log.record("orders.state", context)
        return OrdersStateOutput(state: "packed", shipped: false)
    }
}

struct FakeShipping: ShippingService {
    let log: CallLog
    func track(_ input: ShippingTrackInput, context: CallContext) async throws -> Shipment {
        log.record("shipping.track", context)
        return Shipment(carrier: "post", trackingCode: "T-1")
    }
}

@Suite struct NotificationsTests {
    @Test func greetUsesTheUsersLanguage() async throws {
        let log = CallLog()
        let orchestrator = GreetingOrchestrator(
            directory: FakeDirectory(log: log), phrasebook: FakePhrasebook(log: log, fails: false))
        let result = try await orchestrator.greet(GreetingRequest(userId: "u-1"))
        #expect(result.output == Greeting(userName: "Ada", phrase: "Hallo", language: "de"))
        #expect(result.output.text == "Hallo, Ada!")
        #expect(log.names == ["directory.lookup", "phrasebook.hello"])
    }

    @Test func greetFallsBackToALiteralPhrase() async throws {
        let log = CallLog()
        let orchestrator = GreetingOrchestrator(
            directory: FakeDirectory(log: log), phrasebook: FakePhrasebook(log: log, fails: true))
        let result = try await orchestrator.greet(GreetingRequest(userId: "u-1"))
        #expect(result.output.text == "Hello, Ada!")
        #expect(result.report[step: "hello"]?.outcome == .fallback)
    }

    @Test func statusSkipsTrackingUntilShipped() async throws {
        let log = CallLog()
        let orchestrator = OrderStatusOrchestrator(orders: FakeOrders(log: log), shipping: FakeShipping(log: log))
        let result = try await orchestrator.status(StatusRequest(orderId: "o-9"))
        #expect(result.output == StatusReport(orderId: "o-9", state: "packed"))
        #expect(!result.output.isShipped)
        #expect(result.report[step: "shipment"]?.outcome == .skipped)
        #expect(log.names == ["orders.state"])
    }
}
