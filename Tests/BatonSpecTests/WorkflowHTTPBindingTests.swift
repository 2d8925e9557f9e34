import Testing
@testable import BatonSpec

/// Workflow HTTP bindings (spec-v1 §13): every `invalid-http` case with its exact location, and
/// the binding the checker resolves for the generator.
@Suite struct WorkflowHTTPBindingTests {
    /// A spec with workflow `buy` (its `http` line is line 13) and, optionally, a second workflow
    /// `sell` bound at `second`.
    static func spec(input: String = #"{ id: string, limit: int?, tags: "[string]?", filter: Filter? }"#,
                     http: String, second: String? = nil) -> String {
        var lines = [
            "baton: 1",
            "name: Shop",
            "types:",
            "  Filter: { color: string }",
            "services:",
            "  carts:",
            "    operations:",
            "      ping: { input: { id: string }, output: { ok: bool } }",
            "workflows:",
            "  buy:",
            "    input: \(input)",
            "    output: { ok: bool }",
            "    http: \(http)",
            "    deadline: 1s",
            "    steps:",
            "      p: { call: carts.ping, with: { id: $input.id } }",
            "    result: { ok: $p.ok }",
        ]
        if let second {
            lines += [
                "  sell:",
                "    input: { id: string }",
                "    output: { ok: bool }",
                "    http: \(second)",
                "    deadline: 1s",
                "    steps:",
                "      p: { call: carts.ping, with: { id: $input.id } }",
                "    result: { ok: $p.ok }",
            ]
        }
        return lines.joined(separator: "\n")
    }

    func expectHTTPError(_ yaml: String, at needle: String, occurrence: Int = 1, messageContains: String? = nil,
                         suggestion: String? = nil, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let expected = "invalid-http@" + HTTPBindingTests.position(of: needle, in: yaml, occurrence: occurrence)
        #expect(HTTPBindingTests.errors(yaml) == [expected], sourceLocation: sourceLocation)
        let d = check(yaml).diagnostics.first { $0.rule == .invalidHTTP }
        if let messageContains {
            #expect(d?.message.contains(messageContains) == true, "\(d?.message ?? "")", sourceLocation: sourceLocation)
        }
        if let suggestion {
            #expect(d?.suggestion == suggestion, sourceLocation: sourceLocation)
        }
    }

    func binding(_ yaml: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> WorkflowHTTPBinding {
        let r = check(yaml)
        #expect(r.errors.isEmpty, "\(r.errors)", sourceLocation: sourceLocation)
        let spec = try #require(r.spec, sourceLocation: sourceLocation)
        return try #require(spec.workflows.first?.http, sourceLocation: sourceLocation)
    }

    @Test func aPOSTTakesTheBody() throws {
        let b = try binding(Self.spec(http: "{ method: POST, path: /v1/buy }"))
        #expect(b.method == .post && b.path == "/v1/buy" && b.query.isEmpty && b.pathParts == [.literal("/v1/buy")])
        #expect(b.location.line == 13 && b.location.column == 5)
    }

    @Test func aGETTakesThePathAndEveryOtherFieldFromTheQuery() throws {
        let b = try binding(Self.spec(input: #"{ id: string, limit: int?, tags: "[string]?" }"#, http: #"{ method: GET, path: "/v1/buy/{id}" }"#))
        #expect(b.pathFields == ["id"] && b.query == ["limit", "tags"])
        #expect(b.routeShape == "/v1/buy/{}")
    }

    @Test func unknownMethod() {
        expectHTTPError(Self.spec(http: "{ method: SEND, path: /v1/buy }"), at: "SEND", messageContains: "unknown HTTP method 'SEND'")
        expectHTTPError(Self.spec(http: "{ method: post, path: /v1/buy }"), at: "post,", suggestion: "did you mean 'POST'?")
    }

    @Test func pathMustStartWithASlash() {
        expectHTTPError(Self.spec(http: "{ method: POST, path: v1/buy }"), at: "v1/buy", messageContains: "must start with '/'")
    }

    @Test func aPOSTPathHasNoPlaceholders() {
        expectHTTPError(Self.spec(http: #"{ method: POST, path: "/v1/buy/{id}" }"#), at: "id}",
                        messageContains: "takes its whole input from the JSON body")
    }

    @Test func aGETPlaceholderNamesARequiredScalarField() {
        expectHTTPError(Self.spec(input: "{ id: string }", http: #"{ method: GET, path: "/v1/buy/{idd}" }"#), at: "idd}",
                        messageContains: "names no field", suggestion: "did you mean 'id'?")
        expectHTTPError(Self.spec(input: "{ id: string, limit: int? }", http: #"{ method: GET, path: "/v1/buy/{limit}" }"#),
                        at: "limit}", messageContains: "optional")
        expectHTTPError(Self.spec(input: #"{ id: string, tags: "[string]" }"#, http: #"{ method: GET, path: "/v1/buy/{id}/{tags}" }"#),
                        at: "tags}", messageContains: "a path carries only")
    }

    @Test func aGETInputWithARecordFieldCannotBeRead() {
        expectHTTPError(Self.spec(http: #"{ method: GET, path: "/v1/buy/{id}" }"#), at: "GET",
                        messageContains: "field 'filter' of input 'BuyInput' has type 'Filter?'")
    }

    @Test func twoWorkflowsAtTheSameMethodAndPath() {
        let yaml = Self.spec(input: "{ id: string }", http: #"{ method: GET, path: "/v1/x/{id}" }"#,
                             second: #"{ method: GET, path: "/v1/x/{id}" }"#)
        expectHTTPError(yaml, at: "http:", occurrence: 2, messageContains: "which workflow 'buy' already serves")
        // Another method at the same path is another route.
        let other = Self.spec(input: "{ id: string }", http: #"{ method: GET, path: "/v1/x/{id}" }"#,
                              second: #"{ method: DELETE, path: "/v1/x/{id}" }"#)
        #expect(HTTPBindingTests.errors(other).isEmpty)
    }

    @Test func unknownKeysAndMissingKeys() {
        let extra = Self.spec(http: "{ method: POST, path: /v1/buy, body: id }")
        #expect(HTTPBindingTests.errors(extra) == ["unknown-key@" + HTTPBindingTests.position(of: "body", in: extra)])
        #expect(HTTPBindingTests.errors(Self.spec(http: "{ method: POST }")) == ["missing-key@13:5"])
    }
}
