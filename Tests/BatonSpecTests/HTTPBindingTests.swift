import Testing
@testable import BatonSpec

/// HTTP bindings (spec-v1 §11): every `invalid-http` case with its exact location, and the
/// placement of input fields the checker resolves for the generator.
@Suite struct HTTPBindingTests {
    static let input = #"{ cartId: string, expand: bool?, tags: "[string]", status: Status?, count: int, filter: Filter? }"#

    /// A spec whose service `carts` has `ping` (bound, called by the workflow) and `op`, whose
    /// `http` line is line 14.
    static func spec(input: String = input, http: String?,
                     service: String = #"    http: { baseURL: "http://carts:8080" }"#,
                     extraOperations: String = "") -> String {
        var lines = [
            "baton: 1",
            "name: Shop",
            "types:",
            "  Filter: { color: string }",
            "  Status: { enum: [open, closed] }",
            "services:",
            "  carts:",
            service,
            "    operations:",
            #"      ping: { input: { id: string }, output: { ok: bool }, http: { method: GET, path: "/ping/{id}" } }"#,
            "      op:",
            "        input: \(input)",
            "        output: { total: int }",
        ]
        if let http { lines.append("        http: \(http)") }
        if !extraOperations.isEmpty { lines.append(extraOperations) }
        lines += [
            "workflows:",
            "  buy:",
            "    input: { id: string }",
            "    output: { ok: bool }",
            "    deadline: 1s",
            "    steps:",
            "      p: { call: carts.ping, with: { id: $input.id } }",
            "    result: { ok: $p.ok }",
        ]
        return lines.joined(separator: "\n")
    }

    /// `line:column` of the `occurrence`-th (1-based) appearance of `needle`.
    static func position(of needle: String, in yaml: String, occurrence: Int = 1) -> String {
        var seen = 0
        let pattern = Array(needle.unicodeScalars)
        for (index, line) in yaml.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let chars = Array(line.unicodeScalars)
            guard chars.count >= pattern.count else { continue }
            for start in 0...(chars.count - pattern.count) where Array(chars[start..<(start + pattern.count)]) == pattern {
                seen += 1
                if seen == occurrence { return "\(index + 1):\(start + 1)" }
            }
        }
        Issue.record("'\(needle)' not found")
        return "?"
    }

    /// Errors only (the spec leaves `Filter`, `Status` and `op` unused: warnings).
    static func errors(_ yaml: String) -> [String] {
        check(yaml).diagnostics.filter { $0.severity == .error }.map { "\($0.rule.id)@\($0.location.line):\($0.location.column)" }
    }

    func expectHTTPError(_ yaml: String, at needle: String, occurrence: Int = 1, messageContains: String? = nil,
                         suggestion: String? = nil, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let expected = "invalid-http@" + Self.position(of: needle, in: yaml, occurrence: occurrence)
        #expect(Self.errors(yaml) == [expected], sourceLocation: sourceLocation)
        let d = check(yaml).diagnostics.first { $0.rule == .invalidHTTP }
        #expect(d?.severity == .error, sourceLocation: sourceLocation)
        if let messageContains {
            #expect(d?.message.contains(messageContains) == true, "\(d?.message ?? "")", sourceLocation: sourceLocation)
        }
        if let suggestion {
            #expect(d?.suggestion == suggestion, sourceLocation: sourceLocation)
        }
    }

    func binding(_ yaml: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> HTTPOperationBinding {
        let r = check(yaml)
        #expect(r.errors.isEmpty, "\(r.errors)", sourceLocation: sourceLocation)
        let spec = try #require(r.spec, sourceLocation: sourceLocation)
        return try #require(spec.operation(OperationRef(service: "carts", operation: "op"))?.http, sourceLocation: sourceLocation)
    }

    // MARK: - A valid base

    @Test func theBaseSpecIsClean() throws {
        let yaml = Self.spec(input: "{ cartId: string }", http: #"{ method: GET, path: "/v1/carts/{cartId}" }"#)
        #expect(Self.errors(yaml).isEmpty)
        let b = try binding(yaml)
        #expect(b.location.line == 14 && b.location.column == 9)
    }

    // MARK: - invalid-http, one case each

    @Test func unknownMethod() {
        let yaml = Self.spec(http: #"{ method: FETCH, path: "/v1/carts/{cartId}" }"#)
        expectHTTPError(yaml, at: "FETCH", messageContains: "unknown HTTP method 'FETCH'")
    }

    @Test func lowercaseMethodSuggestsTheUppercaseOne() {
        let yaml = Self.spec(http: #"{ method: get, path: "/v1/carts/{cartId}" }"#)
        expectHTTPError(yaml, at: "get,", suggestion: "did you mean 'GET'?")
    }

    @Test func pathMustStartWithASlash() {
        let yaml = Self.spec(http: #"{ method: POST, path: "v1/carts/{cartId}" }"#)
        expectHTTPError(yaml, at: #""v1/carts"#, messageContains: "must start with '/'")
    }

    @Test func placeholderNamingNoInputField() {
        let yaml = Self.spec(http: #"{ method: POST, path: "/v1/carts/{cartID}" }"#)
        expectHTTPError(yaml, at: "cartID}", messageContains: "names no field", suggestion: "did you mean 'cartId'?")
    }

    @Test func malformedPlaceholders() {
        expectHTTPError(Self.spec(http: #"{ method: POST, path: "/v1/carts/{cartId" }"#), at: "{cartId\"",
                        messageContains: "unclosed")
        expectHTTPError(Self.spec(http: #"{ method: POST, path: "/v1/carts/{}/{cartId}" }"#), at: "{}")
        expectHTTPError(Self.spec(http: #"{ method: POST, path: "/v1/carts/{cartId}?x=1" }"#), at: "?x",
                        messageContains: "'query'")
    }

    @Test func optionalFieldInThePath() {
        let yaml = Self.spec(http: #"{ method: POST, path: "/v1/carts/{cartId}/{status}" }"#)
        expectHTTPError(yaml, at: "status}", messageContains: "optional")
    }

    @Test func nonScalarFieldInThePath() {
        // A list, and a bool (a path carries only string, int, uuid and enum values).
        expectHTTPError(Self.spec(http: #"{ method: POST, path: "/v1/carts/{cartId}/{tags}" }"#), at: "tags}",
                        messageContains: "string, int, uuid or enum")
        let withBool = Self.spec(input: "{ cartId: string, flag: bool }", http: #"{ method: POST, path: "/c/{cartId}/{flag}" }"#)
        expectHTTPError(withBool, at: "flag}")
    }

    @Test func queryEntryNamingNoInputField() {
        let yaml = Self.spec(http: #"{ method: POST, path: "/v1/carts/{cartId}", query: [expnd] }"#)
        expectHTTPError(yaml, at: "expnd", suggestion: "did you mean 'expand'?")
    }

    @Test func headerEntryNamingNoInputField() {
        let yaml = Self.spec(http: #"{ method: POST, path: "/v1/carts/{cartId}", headers: { X-Count: cont } }"#)
        expectHTTPError(yaml, at: "cont }", suggestion: "did you mean 'count'?")
    }

    @Test func bodyNamingNoInputField() {
        let yaml = Self.spec(http: #"{ method: POST, path: "/v1/carts/{cartId}", body: filtr }"#)
        expectHTTPError(yaml, at: "filtr", suggestion: "did you mean 'filter'?")
    }

    @Test func aFieldPlacedTwice() {
        // In the path and in the query: the later one (in the file) is reported.
        let yaml = Self.spec(http: #"{ method: POST, path: "/v1/carts/{cartId}", query: [cartId] }"#)
        expectHTTPError(yaml, at: "cartId", occurrence: 3, messageContains: "placed twice")
        // Twice in one list, and in a header and the body.
        expectHTTPError(Self.spec(http: #"{ method: POST, path: "/c/{cartId}", query: [count, count] }"#), at: "count", occurrence: 3)
        expectHTTPError(Self.spec(input: "{ cartId: string, count: int }",
                                  http: #"{ method: POST, path: "/c/{cartId}", headers: { X-Tags: count }, body: count }"#),
                        at: "count", occurrence: 3)
    }

    @Test func aRecordLeftForAGETQuery() {
        // `filter` is a record; GET sends every field not in the path to the query: at the method.
        let yaml = Self.spec(http: #"{ method: GET, path: "/v1/carts/{cartId}" }"#)
        expectHTTPError(yaml, at: "GET, path: \"/v1/carts", messageContains: "'filter'")
        // DELETE too, and an array of records.
        let arrays = Self.spec(input: #"{ cartId: string, filters: "[Filter]" }"#, http: #"{ method: DELETE, path: "/c/{cartId}" }"#)
        expectHTTPError(arrays, at: "DELETE", messageContains: "'filters'")
        // Listed in `query` explicitly: at the entry.
        let listed = Self.spec(http: #"{ method: POST, path: "/c/{cartId}", query: [filter] }"#)
        expectHTTPError(listed, at: "filter]")
    }

    @Test func aRecordSentOtherwiseIsFineWithGET() throws {
        // A header cannot carry it, but a POST body can; GET with the record removed is clean.
        let b = try binding(Self.spec(input: "{ cartId: string, filter: Filter }", http: #"{ method: POST, path: "/c/{cartId}" }"#))
        #expect(b.body == .fields(["filter"]))
    }

    @Test func aServiceBindingSomeOperationsButNotAll() {
        // `op` has no binding while `ping` has one: reported at the operation's name.
        let yaml = Self.spec(input: "{ cartId: string }", http: nil)
        expectHTTPError(yaml, at: "op:", messageContains: "all of its operations or none")
    }

    @Test func bindingsWithoutBaseURLOrEndpoints() {
        // No `http` on the service: at the service's name.
        let none = Self.spec(input: "{ cartId: string }", http: #"{ method: GET, path: "/c/{cartId}" }"#, service: "    timeout: 1s")
        expectHTTPError(none, at: "carts:", messageContains: "baseURL")
        // `http` without `baseURL`: at the service's `http` key.
        let noBase = Self.spec(input: "{ cartId: string }", http: #"{ method: GET, path: "/c/{cartId}" }"#,
                               service: #"    http: { headers: { X-Api-Version: "2" } }"#)
        expectHTTPError(noBase, at: "http: { headers")
        // Endpoints stand in for the base URL.
        let endpoints = Self.spec(input: "{ cartId: string }", http: #"{ method: GET, path: "/c/{cartId}" }"#,
                                  service: #"    endpoints: [{ url: "http://carts-eu:8080" }]"#)
        #expect(Self.errors(endpoints).isEmpty)
    }

    @Test func serviceSettingsWithoutBoundOperations() {
        let yaml = """
            baton: 1
            name: Shop
            services:
              carts:
                http: { baseURL: "http://carts:8080" }
                operations:
                  ping: { input: { id: string }, output: { ok: bool } }
            workflows:
              buy:
                input: { id: string }
                output: { ok: bool }
                deadline: 1s
                steps:
                  p: { call: carts.ping, with: { id: $input.id } }
                result: { ok: $p.ok }
            """
        #expect(Self.errors(yaml) == ["invalid-http@5:5"])
    }

    @Test func bodyOnAGETAndBadHeaders() {
        expectHTTPError(Self.spec(input: "{ cartId: string }", http: #"{ method: GET, path: "/c/{cartId}", body: cartId }"#),
                        at: "body:", messageContains: "no body")
        expectHTTPError(Self.spec(http: #"{ method: POST, path: "/c/{cartId}", headers: { "Bad Header": count } }"#),
                        at: "\"Bad Header\"")
        expectHTTPError(Self.spec(http: #"{ method: POST, path: "/c/{cartId}", headers: { Idempotency-Key: count } }"#),
                        at: "Idempotency-Key", messageContains: "set by Baton")
        expectHTTPError(Self.spec(http: #"{ method: POST, path: "/c/{cartId}", headers: { X-Filter: filter } }"#),
                        at: "filter }", messageContains: "one scalar value")
        expectHTTPError(Self.spec(input: "{ cartId: string }", http: #"{ method: GET, path: "/c/{cartId}" }"#,
                                  service: #"    http: { baseURL: "carts:8080" }"#),
                        at: #""carts:8080""#, messageContains: "http://")
    }

    @Test func shapeErrorsAreNotInvalidHTTP() {
        let missing = Self.spec(http: "{ method: GET }")
        #expect(Self.errors(missing) == ["missing-key@14:9"])
        let unknown = Self.spec(http: #"{ method: POST, path: "/c/{cartId}", qery: [count] }"#)
        let d = check(unknown).diagnostics.first { $0.rule == .unknownKey }
        #expect(Self.errors(unknown) == ["unknown-key@" + Self.position(of: "qery", in: unknown)])
        #expect(d?.suggestion == "did you mean 'query'?")
    }

    @Test func noCascadeFromMalformedServiceSettings() {
        // Settings that are not a mapping, or a base URL without a value: one finding each.
        let scalar = Self.spec(input: "{ cartId: string }", http: #"{ method: GET, path: "/c/{cartId}" }"#,
                               service: "    http: carts")
        #expect(Self.errors(scalar) == ["invalid-value@8:11"])
        let null = Self.spec(input: "{ cartId: string }", http: #"{ method: GET, path: "/c/{cartId}" }"#,
                             service: "    http: { baseURL: }")
        #expect(Self.errors(null).count == 1)
        #expect(Self.errors(null).first?.hasPrefix("invalid-value@8:") == true)
        // An empty `http` on a service without endpoints has no base URL: at its key.
        let empty = Self.spec(input: "{ cartId: string }", http: #"{ method: GET, path: "/c/{cartId}" }"#,
                              service: "    http:")
        #expect(Self.errors(empty) == ["invalid-http@8:5"])
    }

    @Test func anUnresolvedInputTypeDoesNotCascade() {
        let yaml = Self.spec(input: "Missing", http: #"{ method: GET, path: "/c/{cartId}" }"#)
        #expect(Self.errors(yaml) == ["unknown-type@" + Self.position(of: "Missing", in: yaml)])
        let field = Self.spec(input: "{ cartId: string, filter: Fltr }", http: #"{ method: GET, path: "/c/{cartId}" }"#)
        #expect(Self.errors(field) == ["unknown-type@" + Self.position(of: "Fltr", in: field)])
    }

    @Test func aNonRecordInputCannotBeBound() {
        let yaml = Self.spec(input: "string", http: #"{ method: GET, path: "/c" }"#)
        expectHTTPError(yaml, at: "http: { method: GET, path: \"/c\"", messageContains: "must be a record")
    }

    // MARK: - Placement

    @Test func getSendsEveryOtherFieldToTheQuery() throws {
        let b = try binding(Self.spec(input: #"{ cartId: string, expand: bool?, tags: "[string]", status: Status? }"#,
                                      http: #"{ method: GET, path: "/v1/carts/{cartId}" }"#))
        #expect(b.method == .get)
        #expect(b.method.rawValue == "GET")
        #expect(b.path == "/v1/carts/{cartId}")
        #expect(b.pathParts == [.literal("/v1/carts/"), .field("cartId")])
        #expect(b.pathFields == ["cartId"])
        #expect(b.query == ["expand", "tags", "status"])
        #expect(b.headers.isEmpty)
        #expect(b.body == .none)
    }

    @Test func deleteWithAHeaderAndAnExplicitQuery() throws {
        let b = try binding(Self.spec(input: "{ cartId: string, etag: string?, reason: string?, force: bool }",
                                      http: #"{ method: DELETE, path: "/v1/carts/{cartId}", query: [force], headers: { If-Match: etag } }"#))
        #expect(b.method == .delete)
        #expect(b.headers == [HTTPHeaderBinding(name: "If-Match", field: "etag")])
        // Listed and defaulted query fields together, in input-field order.
        #expect(b.query == ["reason", "force"])
        #expect(b.body == .none)
    }

    @Test func postSendsEveryOtherFieldAsAJSONObject() throws {
        let b = try binding(Self.spec(input: #"{ cartId: string, dryRun: bool?, items: "[string]", note: string? }"#,
                                      http: #"{ method: POST, path: "/v1/carts/{cartId}/items", query: [dryRun] }"#))
        #expect(b.method == .post)
        #expect(b.pathParts == [.literal("/v1/carts/"), .field("cartId"), .literal("/items")])
        #expect(b.query == ["dryRun"])
        #expect(b.body == .fields(["items", "note"]))
        // PUT and PATCH place the same way; with every field elsewhere the object is empty.
        let put = try binding(Self.spec(input: "{ cartId: string }", http: #"{ method: PUT, path: "/c/{cartId}" }"#))
        #expect(put.method == .put && put.body == .fields([]))
        let patch = try binding(Self.spec(input: "{ a: int, b: int }", http: "{ method: PATCH, path: /c }"))
        #expect(patch.method == .patch && patch.body == .fields(["a", "b"]) && patch.pathParts == [.literal("/c")])
    }

    @Test func bodyFieldIsSentAloneAndTheRestGoesToTheQuery() throws {
        let b = try binding(Self.spec(input: #"{ cartId: string, items: "[Filter]", dryRun: bool? }"#,
                                      http: #"{ method: POST, path: "/v1/carts/{cartId}", body: items }"#))
        #expect(b.body == .field("items"))
        #expect(b.query == ["dryRun"])
        #expect(b.pathFields == ["cartId"])
    }

    @Test func serviceBindings() throws {
        let yaml = Self.spec(input: "{ cartId: string }", http: #"{ method: GET, path: "/c/{cartId}" }"#,
                             service: #"    http: { baseURL: "http://carts:8080", headers: { X-Api-Version: "2", X-Client: shop } }"#)
        let spec = try #require(check(yaml).spec)
        let http = try #require(spec.service(named: "carts")?.http)
        #expect(http.baseURL == "http://carts:8080")
        #expect(http.headers == [HTTPStaticHeader(name: "X-Api-Version", value: "2"), HTTPStaticHeader(name: "X-Client", value: "shop")])
        #expect(http.location.line == 8 && http.location.column == 5)
        // Endpoints without `http`: a binding with no base URL, located at the service.
        let routed = Self.spec(input: "{ cartId: string }", http: #"{ method: GET, path: "/c/{cartId}" }"#,
                               service: #"    endpoints: [{ url: "http://carts-eu:8080" }]"#)
        let routedHTTP = try #require(check(routed).spec?.service(named: "carts")?.http)
        #expect(routedHTTP.baseURL == nil && routedHTTP.headers.isEmpty)
        #expect(routedHTTP.location.line == 7 && routedHTTP.location.column == 3)
    }

    @Test func theProductPageExampleBindsTwoServices() throws {
        let spec = try #require(SpecChecker.check(try exampleSpec("product-page.baton.yaml")).spec)
        // `catalogue` routes over endpoints: a binding without a base URL.
        let catalogue = try #require(spec.service(named: "catalogue"))
        #expect(catalogue.http == HTTPServiceBinding(location: catalogue.location))
        let product = try #require(catalogue.operation("product")?.http)
        #expect(product.method == .get && product.pathParts == [.literal("/v1/products/"), .field("sku")])
        #expect(product.query.isEmpty && product.body == .none)
        let pricing = try #require(spec.service(named: "pricing")?.http)
        #expect(pricing.baseURL == "http://pricing:8080")
        #expect(pricing.headers == [HTTPStaticHeader(name: "X-Api-Version", value: "2")])
        let price = try #require(spec.operation(OperationRef(service: "pricing", operation: "price"))?.http)
        #expect(price.query == ["region"] && price.pathFields == ["sku"])
        #expect(spec.services.filter { $0.http != nil }.map(\.name) == ["catalogue", "pricing"])
    }

    @Test func servicesWithoutBindingsHaveNone() throws {
        let spec = try #require(SpecChecker.check(try exampleSpec("checkout.baton.yaml")).spec)
        #expect(spec.services.allSatisfy { $0.http == nil && $0.operations.allSatisfy { $0.http == nil } })
    }

    @Test func wireNamesAndEnumsInTheQuery() throws {
        // A date and an enum are scalars; the model keeps field names (the client looks up wire names).
        let b = try binding(Self.spec(input: "{ since: { type: date, json: since_date }, status: Status }",
                                      http: "{ method: GET, path: /carts }"))
        #expect(b.query == ["since", "status"])
    }
}
