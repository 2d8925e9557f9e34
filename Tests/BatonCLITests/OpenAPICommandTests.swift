import Foundation
import Testing

/// `baton openapi` (spec-v1 §13): the served workflows as an OpenAPI 3.1 document. CI validates
/// the output with openapi-spec-validator and generates a client from it with
/// swift-openapi-generator (Tests/Fixtures/OpenAPIClient); these tests pin its shape.
@Suite struct OpenAPICommandTests {
    static let fixture = packageRoot + "/Tests/Fixtures/HTTP/serve-http.baton.yaml"

    static func document(_ arguments: [String]) async throws -> [String: Any] {
        let run = try await runBaton(["openapi", "--format", "json"] + arguments)
        #expect(run.status == 0, "\(run.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    }

    @Test func oneOperationPerServedWorkflowNamedAfterIt() async throws {
        let document = try await Self.document([Self.fixture])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: [String: Any]]])
        #expect(paths["/v1/orders"]?["post"]?["operationId"] as? String == "placeOrder")
        #expect(paths["/v1/orders/{orderId}"]?["get"]?["operationId"] as? String == "orderStatus")
        let post = try #require(paths["/v1/orders"]?["post"])
        let responses = try #require(post["responses"] as? [String: Any])
        #expect(Set(responses.keys) == ["200", "400", "413", "429", "502", "503", "504"])
        let headers = (post["parameters"] as? [[String: Any]] ?? []).map { $0["name"] as? String }
        #expect(headers == ["X-Correlation-ID", "X-Request-Timeout-Ms", "traceparent", "X-Caller-Class"])
        let get = try #require(paths["/v1/orders/{orderId}"]?["get"])
        let inputs = (get["parameters"] as? [[String: Any]] ?? []).filter { $0["in"] as? String != "header" }
        #expect(inputs.map { "\($0["in"] ?? "") \($0["name"] ?? "")" } == ["path orderId", "query limit", "query verbose", "query priority", "query tags"])
    }

    @Test func schemasAreTheSpecsTypesUnderTheirWireNames() async throws {
        let document = try await Self.document([Self.fixture])
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: [String: Any]])
        #expect(Set(schemas.keys) == ["OrderRequest", "OrderReceipt", "StatusQuery", "OrderStatus", "Priority", "BatonProblem", "BatonProblemCompensation"])
        let request = try #require(schemas["OrderRequest"])
        #expect((request["properties"] as? [String: Any])?.keys.sorted() == ["amount", "gift_note", "orderId"])
        #expect(request["required"] as? [String] == ["orderId", "amount"])
        #expect(schemas["Priority"]?["enum"] as? [String] == ["low", "high"])
    }

    @Test func yamlIsTheDefaultAndTheOutputIsDeterministic() async throws {
        let first = try await runBaton(["openapi", Self.fixture])
        let second = try await runBaton(["openapi", Self.fixture])
        #expect(first.status == 0 && first.stdout == second.stdout)
        #expect(first.stdout.hasPrefix("openapi: \"3.1.0\"\ninfo:\n  title: \"Orders\"\n"))
    }

    /// Tests/Fixtures/OpenAPIClient generates a client from a committed copy with
    /// swift-openapi-generator's build plugin: it must be what the tool prints.
    @Test func theClientFixturesDocumentIsCurrent() async throws {
        let run = try await runBaton(["openapi", "Tests/Fixtures/HTTP/serve-http.baton.yaml"])
        let committed = try String(contentsOfFile: packageRoot + "/Tests/Fixtures/OpenAPIClient/Sources/OrdersClient/openapi.yaml", encoding: .utf8)
        #expect(run.stdout == committed, "regenerate: swift run baton openapi Tests/Fixtures/HTTP/serve-http.baton.yaml > Tests/Fixtures/OpenAPIClient/Sources/OrdersClient/openapi.yaml")
    }

    @Test func aSpecServingNothingIsAnError() async throws {
        let directory = try SpecDirectory(["shop.baton.yaml": minimalSpec])
        let run = try await runBaton(["openapi", directory.file("shop.baton.yaml")])
        #expect(run.status == 1)
        #expect(run.stderr.contains("no workflow is served over HTTP"))
    }
}
