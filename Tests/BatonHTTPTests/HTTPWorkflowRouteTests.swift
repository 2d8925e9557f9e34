import BatonRuntime
import Foundation
import HTTPTypes
import Synchronization
import Testing
import Tracing
@testable import BatonHTTP

/// The framework-neutral workflow routes (spec-v1 §13) without a server: request heads in,
/// response heads out. The integration tests in Tests/HTTPIntegration run every status over HTTP.
@Suite struct HTTPWorkflowRouteTests {
    struct Input: Codable, Sendable, Equatable {
        var id: String
        var limit: Int?
        var tags: [String]?
    }

    struct Output: Codable, Sendable {
        var ok: Bool
    }

    /// What the route handed to the workflow.
    final class Calls: Sendable {
        private let list = Mutex<[(Input, HTTPWorkflowCall)]>([])
        var all: [(Input, HTTPWorkflowCall)] { list.withLock { $0 } }
        func record(_ input: Input, _ call: HTTPWorkflowCall) { list.withLock { $0.append((input, call)) } }
    }

    static func report(missing: [String] = []) -> RunReport {
        RunReport(workflow: "buy", correlationID: "c", steps: missing.map { step in
            StepReport(step: step, service: "s", isOptional: true, outcome: .failed, attempts: 1)
        }, latency: .zero)
    }

    static func route(_ calls: Calls, method: HTTPRequest.Method = .post, path: String = "/v1/buy",
                      parameters: [HTTPInputParameter] = [], instrument: (any Instrument)? = nil,
                      failure: (any Error)? = nil, missing: [String] = []) -> HTTPWorkflowRoute {
        .workflow("buy", method: method, path: path, parameters: parameters, admissionClasses: ["interactive", "batch"],
                  maxBodyBytes: 64, instrument: instrument) { (input: Input, call) in
            calls.record(input, call)
            if let failure { throw failure }
            return WorkflowResult(output: Output(ok: true), report: report(missing: missing))
        }
    }

    static func request(_ method: HTTPRequest.Method = .post, _ path: String = "/v1/buy", _ headers: [String: String] = [:]) -> HTTPRequest {
        var fields = HTTPFields()
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { fields[HTTPField.Name(name)!] = value }
        return HTTPRequest(method: method, scheme: "http", authority: "localhost", path: path, headerFields: fields)
    }

    static func problem(_ response: HTTPWorkflowResponse) throws -> HTTPProblem {
        try JSONDecoder().decode(HTTPProblem.self, from: Data(response.body))
    }

    @Test func headersBecomeTheCall() async throws {
        let calls = Calls()
        let response = await Self.route(calls).respond(
            to: Self.request(.post, "/v1/buy", ["X-Correlation-ID": "abc", "X-Request-Timeout-Ms": "250", "X-Caller-Class": "batch"]),
            body: Array(#"{"id": "1"}"#.utf8)
        )
        #expect(response.head.status == .ok)
        #expect(response.head.headerFields[HTTPField.Name("X-Correlation-ID")!] == "abc")
        #expect(response.head.headerFields[HTTPField.Name("Baton-Complete")!] == "true")
        let call = try #require(calls.all.first?.1)
        #expect(call.correlationID == "abc" && call.timeout == .milliseconds(250) && call.admissionClass == "batch")
    }

    @Test func absentHeadersGiveANewCorrelationIDAndTheDefaults() async throws {
        let calls = Calls()
        let response = await Self.route(calls, missing: ["a", "b"]).respond(to: Self.request(), body: Array(#"{"id": "1"}"#.utf8))
        let call = try #require(calls.all.first?.1)
        #expect(call.timeout == nil && call.admissionClass == nil && call.correlationID.count == 36)
        #expect(response.head.headerFields[HTTPField.Name("X-Correlation-ID")!] == call.correlationID)
        #expect(response.head.headerFields[HTTPField.Name("Baton-Complete")!] == "false")
        #expect(response.head.headerFields[HTTPField.Name("Baton-Missing")!] == "a,b")
    }

    @Test(arguments: [
        ("X-Request-Timeout-Ms", "soon", "X-Request-Timeout-Ms must be a whole number of milliseconds, not 'soon'"),
        ("X-Request-Timeout-Ms", "-5", "X-Request-Timeout-Ms must be a whole number of milliseconds, not '-5'"),
        ("X-Caller-Class", "vip", "unknown caller class 'vip' in X-Caller-Class; use one of interactive, batch"),
        ("X-Correlation-ID", "has space", "X-Correlation-ID must be 1 to 128 visible ASCII characters"),
    ])
    func badHeadersAre400(name: String, value: String, detail: String) async throws {
        let calls = Calls()
        let response = await Self.route(calls).respond(to: Self.request(.post, "/v1/buy", [name: value]), body: Array(#"{"id": "1"}"#.utf8))
        #expect(response.head.status == .badRequest)
        #expect(try Self.problem(response).detail == detail)
        #expect(calls.all.isEmpty)
    }

    @Test func aBodyOverTheLimitIs413() async throws {
        let response = await Self.route(Calls()).respond(to: Self.request(), body: Array(repeating: 0x20, count: 65))
        #expect(response.head.status == .contentTooLarge)
        #expect(try Self.problem(response).type == "urn:baton:problem:body-too-large")
    }

    @Test func aGETReadsPathParametersAndTheQuery() async throws {
        let calls = Calls()
        let route = Self.route(calls, method: .get, path: "/v1/buy/{id}", parameters: [
            HTTPInputParameter("id", .string), HTTPInputParameter("limit", .integer), HTTPInputParameter("tags", .string, isArray: true),
        ])
        let parameters = try #require(route.matchPath("/v1/buy/a%20b"))
        #expect(parameters == ["id": "a b"])
        #expect(route.matchPath("/v1/buy/a/extra") == nil && route.matchPath("/v1/sell/a") == nil)
        let response = await route.respond(to: Self.request(.get, "/v1/buy/a%20b?limit=2&tags=x&tags=y%26z&other=1"),
                                           pathParameters: parameters, body: [])
        #expect(response.head.status == .ok)
        #expect(calls.all.first?.0 == Input(id: "a b", limit: 2, tags: ["x", "y&z"]))
        let twice = await route.respond(to: Self.request(.get, "/v1/buy/a?limit=1&limit=2"), pathParameters: ["id": "a"], body: [])
        #expect(try Self.problem(twice).detail == "the query parameter 'limit' is given 2 times but takes one value")
    }

    @Test func rejectionIs429WithWholeSecondsRoundedUp() async throws {
        let refused = OverloadedError(reason: .admissionRate, name: "buy", retryAfter: .milliseconds(2100))
        let response = await Self.route(Calls(), failure: refused).respond(to: Self.request(), body: Array(#"{"id": "1"}"#.utf8))
        #expect(response.head.status == .tooManyRequests)
        #expect(response.head.headerFields[.retryAfter] == "3")
        #expect(RetryAfter.wholeSeconds(.zero) == 1 && RetryAfter.wholeSeconds(.seconds(4)) == 4)
    }

    @Test func theTraceparentIsTheRunsParentContext() async throws {
        let seen = Mutex<String?>(nil)
        let route = HTTPWorkflowRoute.workflow("buy", method: .post, path: "/v1/buy", instrument: TraceparentReader()) { (_: Input, _) in
            seen.withLock { $0 = ServiceContext.current?[TraceparentKey.self] }
            return WorkflowResult(output: Output(ok: true), report: Self.report())
        }
        let parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        _ = await route.respond(to: Self.request(.post, "/v1/buy", ["traceparent": parent]), body: Array(#"{"id": "1"}"#.utf8))
        #expect(seen.withLock { $0 } == parent)
    }
}

private enum TraceparentKey: ServiceContextKey {
    typealias Value = String
}

/// An instrument that keeps the incoming `traceparent` in the context, as a W3C propagator would.
private struct TraceparentReader: Instrument {
    func extract<Carrier, Extract: Extractor>(_ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract)
    where Extract.Carrier == Carrier {
        context[TraceparentKey.self] = extractor.extract(key: "traceparent", from: carrier)
    }

    func inject<Carrier, Inject: Injector>(_ context: ServiceContext, into carrier: inout Carrier, using injector: Inject)
    where Inject.Carrier == Carrier {}
}
