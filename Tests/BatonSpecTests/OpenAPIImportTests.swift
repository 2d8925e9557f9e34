import Testing
@testable import BatonSpec

/// Services described by OpenAPI documents (spec-v1 §12): what is imported, and every rule with
/// its exact file, line and column, in the spec or inside the document.
@Suite struct OpenAPIImportTests {
    static let document = """
        openapi: 3.1.0
        info: { title: Pricing, version: "1" }
        servers:
          - url: https://pricing.example.com/v1
        paths:
          /quotes:
            post:
              operationId: create-quote
              parameters:
                - { name: X-Tenant, in: header, required: true, schema: { type: string } }
                - { name: Authorization, in: header, schema: { type: string } }
              requestBody:
                required: true
                content:
                  application/json:
                    schema: { $ref: "#/components/schemas/QuoteRequest" }
              responses:
                "201":
                  description: created
                  content:
                    application/json:
                      schema: { $ref: "#/components/schemas/Quote" }
          /quotes/{quote_id}:
            get:
              operationId: getQuote
              parameters:
                - { name: quote_id, in: path, required: true, schema: { type: string, format: uuid } }
                - { name: expand, in: query, schema: { type: array, items: { type: string } } }
              responses:
                "200":
                  description: ok
                  content:
                    application/json:
                      schema: { $ref: "#/components/schemas/Quote" }
        components:
          schemas:
            QuoteRequest:
              type: object
              required: [items]
              properties:
                items: { type: array, items: { $ref: "#/components/schemas/Item" } }
                currency: { type: string, enum: [EUR, USD] }
            Item:
              type: object
              required: [sku, quantity]
              properties:
                sku: { type: string }
                quantity: { type: integer }
            Quote:
              allOf:
                - $ref: "#/components/schemas/QuoteId"
                - type: object
                  required: [total_cents]
                  properties:
                    total_cents: { type: integer }
                    created_at: { type: string, format: date-time }
            QuoteId:
              type: object
              required: [id]
              properties:
                id: { type: string, format: uuid }

        """

    static let spec = """
        baton: 1
        name: Shop
        services:
          pricing:
            openapi: contracts/pricing.yaml
            operations:
              createQuote: {}
              getQuote: {}
        workflows:
          buy:
            input: { sku: string }
            output: { total: int }
            deadline: 1s
            steps:
              q:
                call: pricing.createQuote
                with: { xTenant: acme, body: { items: [{ sku: $input.sku, quantity: 1 }] } }
              g:
                call: pricing.getQuote
                with: { quoteId: $q.id }
            result: { total: $g.totalCents }
        """

    static let documentPath = "specs/contracts/pricing.yaml"

    /// Checks `spec` as `specs/shop.baton.yaml` with the documents given (by path from the
    /// package root, as diagnostics show them).
    func run(_ spec: String = spec, documents: [String: String] = [documentPath: document]) -> CheckResult {
        SpecChecker.check(SpecSource(path: "specs/shop.baton.yaml", text: spec), documents: .inMemory(documents))
    }

    func found(_ r: CheckResult) -> [String] {
        r.diagnostics.map { "\($0.rule.id)@\($0.location.file):\($0.location.line):\($0.location.column)" }
    }

    /// `document` with line `n` (1-based) replaced.
    static func document(line n: Int, _ text: String) -> String {
        var lines = document.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[n - 1] = text
        return lines.joined(separator: "\n")
    }

    static func spec(line n: Int, _ text: String) -> String {
        var lines = spec.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[n - 1] = text
        return lines.joined(separator: "\n")
    }

    @Test func importsTheListedOperationsAndTheSchemasTheyReach() throws {
        let r = run()
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics)")
        let spec = try #require(r.spec)
        #expect(spec.openAPIDocuments == [Self.documentPath])
        #expect(r.documents.map(\.path) == [Self.documentPath])
        #expect(spec.types.map(\.name) == ["PricingCreateQuoteInput", "QuoteRequest", "Item", "QuoteRequestCurrency",
                                           "Quote", "PricingGetQuoteInput", "BuyInput", "BuyOutput"].sorted { a, b in
            spec.types.firstIndex { $0.name == a }! < spec.types.firstIndex { $0.name == b }!
        })
        // Input record: one field per header parameter (Authorization left to middleware) and `body`.
        let input = try #require(spec.type(named: "PricingCreateQuoteInput"))
        #expect(input.fields.map { "\($0.name):\($0.type):\($0.wireName)" } == ["xTenant:string:X-Tenant", "body:QuoteRequest:body"])
        #expect(input.location == SourceLocation(file: Self.documentPath, line: 7, column: 5))
        // allOf of a reference and an inline object: one merged record, wire names kept.
        let quote = try #require(spec.type(named: "Quote"))
        #expect(quote.fields.map { "\($0.name):\($0.type):\($0.wireName)" }
                == ["id:uuid:id", "totalCents:int:total_cents", "createdAt:date?:created_at"])
        #expect(quote.openAPISource == OpenAPISchemaSource(document: Self.documentPath, pointer: "#/components/schemas/Quote"))
        #expect(quote.location == SourceLocation(file: Self.documentPath, line: 49, column: 5))
        // QuoteId is only merged into Quote, so it is no type of its own.
        #expect(spec.type(named: "QuoteId") == nil)
        let currency = try #require(spec.type(named: "QuoteRequestCurrency"))
        #expect(currency.cases.map { "\($0.name)=\($0.wireName)" } == ["eur=EUR", "usd=USD"])
        #expect(spec.type(named: "QuoteRequest")?.fields.map { "\($0.name):\($0.type)" } == ["items:[Item]", "currency:QuoteRequestCurrency?"])

        let pricing = try #require(spec.service(named: "pricing"))
        #expect(pricing.http?.baseURL == "https://pricing.example.com/v1")
        let create = try #require(pricing.operation("createQuote")?.http)
        #expect(create.method == .post)
        #expect(create.pathParts == [.literal("/quotes")])
        #expect(create.headers == [HTTPHeaderBinding(name: "X-Tenant", field: "xTenant")])
        #expect(create.body == .field("body"))
        #expect(pricing.operation("createQuote")?.output == .named("Quote"))
        let get = try #require(pricing.operation("getQuote")?.http)
        #expect(get.method == .get)
        #expect(get.pathParts == [.literal("/quotes/"), .field("quoteId")])
        #expect(get.query == ["expand"])
        #expect(get.body == HTTPBodyBinding.none)
        #expect(spec.type(named: "PricingGetQuoteInput")?.fields.map { "\($0.name):\($0.type):\($0.wireName)" }
                == ["quoteId:uuid:quote_id", "expand:[string]?:expand"])
    }

    @Test func routeAndOperationIdSelectOperations() throws {
        let yaml = Self.spec(line: 7, "      createQuote: { operationId: create-quote }")
        let yaml2 = Self.spec(line: 8, "      getQuote: { route: \"GET /quotes/{quote_id}\" }")
        #expect(run(yaml).diagnostics.isEmpty)
        #expect(run(yaml2).diagnostics.isEmpty)
    }

    @Test func baseURLIsEndpointsThenHTTPBaseURLThenTheFirstServer() throws {
        let withBase = Self.spec.replacingOccurrences(of: "    operations:\n", with: "    http: { baseURL: \"http://pricing:8080\" }\n    operations:\n")
        #expect(run(withBase).spec?.service(named: "pricing")?.http?.baseURL == "http://pricing:8080")
        let withEndpoints = Self.spec.replacingOccurrences(of: "    operations:\n", with: "    endpoints: [{ url: \"http://eu:8080\" }]\n    operations:\n")
        let r = run(withEndpoints)
        #expect(r.diagnostics.isEmpty)
        #expect(r.spec?.service(named: "pricing")?.http != nil)
        #expect(r.spec?.service(named: "pricing")?.http?.baseURL == nil)
        // No servers and no base URL: invalid-http at the spec's `openapi` value.
        let noServers = Self.document.replacingOccurrences(of: "servers:\n  - url: https://pricing.example.com/v1\n", with: "")
        #expect(found(run(documents: [Self.documentPath: noServers])) == ["invalid-http@specs/shop.baton.yaml:5:14"])
    }

    // MARK: - Rules, located

    @Test func unknownOperationByKeyHasDidYouMean() {
        let r = run(Self.spec(line: 8, "      getQuot: {}").replacingOccurrences(of: "pricing.getQuote", with: "pricing.getQuot"))
        #expect(found(r) == ["unknown-operation@specs/shop.baton.yaml:8:7"])
        #expect(r.diagnostics.first?.suggestion == "did you mean 'getQuote'?")
    }

    @Test func unknownOperationByOperationIdAndRoute() {
        let r = run(Self.spec(line: 7, "      createQuote: { operationId: create-quot }"))
        #expect(found(r) == ["unknown-operation@specs/shop.baton.yaml:7:35"])
        #expect(r.diagnostics.first?.suggestion == "did you mean 'create-quote'?")
        let r2 = run(Self.spec(line: 8, "      getQuote: { route: \"GET /quote/{quote_id}\" }"))
        #expect(found(r2) == ["unknown-operation@specs/shop.baton.yaml:8:26"])
    }

    @Test func inputOutputAndHTTPComeFromTheDocument() {
        let r = run(Self.spec(line: 8, "      getQuote: { output: Quote }"))
        #expect(found(r) == ["invalid-value@specs/shop.baton.yaml:8:19"])
        #expect(r.diagnostics.first?.message.contains("comes from the OpenAPI document specs/contracts/pricing.yaml") == true)
    }

    @Test func documentPathsStayInsideTheSpecsFolder() {
        let r = run(Self.spec(line: 5, "    openapi: ../contracts/pricing.yaml"),
                    documents: ["contracts/pricing.yaml": Self.document])
        #expect(found(r) == ["invalid-value@specs/shop.baton.yaml:5:14"])
        #expect(r.diagnostics.first?.message.contains("'..' climbs out of the spec's folder") == true)
        // Climbing down and back up inside the folder is fine.
        #expect(run(Self.spec(line: 5, "    openapi: contracts/../contracts/pricing.yaml")).diagnostics.isEmpty)
        #expect(found(run(Self.spec(line: 5, "    openapi: /etc/pricing.yaml"))) == ["invalid-value@specs/shop.baton.yaml:5:14"])
    }

    @Test func openAPIErrorForAMissingFileIsAtTheSpecsValue() {
        let r = run(documents: [:])
        #expect(found(r) == ["openapi-error@specs/shop.baton.yaml:5:14"])
    }

    @Test func openAPIErrorForBadYAMLIsInsideTheDocument() {
        let r = run(documents: [Self.documentPath: Self.document(line: 10, "          - { name: X-Tenant, in: header")])
        #expect(found(r).first == "openapi-error@specs/contracts/pricing.yaml:11:11")
        #expect(found(r).count == 1)
    }

    @Test func openAPIErrorForAnInvalidDocumentPointsAtTheProblem() {
        // `in: body` is no parameter location in OpenAPI 3: OpenAPIKit's coding path names the parameter.
        let r = run(documents: [Self.documentPath: Self.document(line: 10, "        - { name: X-Tenant, in: body, required: true, schema: { type: string } }")])
        #expect(found(r) == ["openapi-error@specs/contracts/pricing.yaml:10:11"])
        #expect(r.diagnostics.first?.message.hasPrefix("the OpenAPI document is invalid at #/paths/~1quotes/post/parameters/0: ") == true)
        #expect(r.diagnostics.first?.message.contains("\n") == false)
    }

    @Test func openAPIErrorForAnUnsupportedVersion() {
        let r = run(documents: [Self.documentPath: Self.document(line: 1, "openapi: 2.0.0")])
        #expect(found(r) == ["openapi-error@specs/contracts/pricing.yaml:1:10"])
    }

    @Test func unsupportedOpenAPIPointsInsideTheDocument() {
        // A `oneOf` of two schemas reached by an imported operation.
        let r = run(documents: [Self.documentPath: Self.document(line: 56, "            created_at: { oneOf: [{ type: string }, { type: integer }] }")])
        #expect(found(r) == ["unsupported-openapi@specs/contracts/pricing.yaml:56:13"])
        #expect(r.diagnostics.first?.message.contains("'oneOf'") == true)
        #expect(r.diagnostics.first?.message.contains("#/components/schemas/Quote/allOf/1/properties/created_at") == true)
    }

    @Test func nonJSONBodiesAreUnsupported() {
        let r = run(documents: [Self.documentPath: Self.document(line: 15, "          text/plain:")])
        #expect(found(r) == ["unsupported-openapi@specs/contracts/pricing.yaml:14:9"])
    }

    @Test func oneOfWithNullIsOptional() throws {
        let doc = Self.document(line: 56, "            created_at: { oneOf: [{ type: string, format: date-time }, { type: \"null\" }] }")
        let r = run(documents: [Self.documentPath: doc])
        #expect(r.diagnostics.isEmpty)
        #expect(r.spec?.type(named: "Quote")?.field("createdAt")?.type == .optional(.date))
    }

    @Test func aClashWithASpecTypeIsDuplicateNameAtTheSchema() {
        let yaml = Self.spec.replacingOccurrences(of: "services:\n", with: "types:\n  Quote: { total: int }\nservices:\n")
        let r = run(yaml)
        #expect(found(r).contains("duplicate-name@specs/contracts/pricing.yaml:49:5"))
        #expect(r.diagnostics.first { $0.rule == .duplicateName }?.message.contains("already declared at specs/shop.baton.yaml:4") == true)
    }

    // MARK: - Contract drift

    @Test func aRenamedFieldIsUnknownFieldAtTheSpecNamingTheSchema() {
        // The pricing team renames total_cents to total_in_cents.
        let renamed = Self.document.replacingOccurrences(of: "total_cents", with: "total_in_cents")
        let r = run(documents: [Self.documentPath: renamed])
        #expect(found(r) == ["unknown-field@specs/shop.baton.yaml:21:25"])
        #expect(r.diagnostics.first?.message
                == "type 'Quote' (schema #/components/schemas/Quote of specs/contracts/pricing.yaml) has no field 'totalCents'; did you mean 'totalInCents'?")
    }

    @Test func aNewRequiredPropertyIsMissingFieldNamingTheSchema() {
        let doc = Self.document.replacingOccurrences(of: "required: [sku, quantity]", with: "required: [sku, quantity, warehouse]")
            .replacingOccurrences(of: "        quantity: { type: integer }\n", with: "        quantity: { type: integer }\n        warehouse: { type: string }\n")
        let r = run(documents: [Self.documentPath: doc])
        #expect(found(r) == ["missing-field@specs/shop.baton.yaml:17:48"])
        #expect(r.diagnostics.first?.message.contains("from schema #/components/schemas/Item of specs/contracts/pricing.yaml") == true)
    }

    @Test func aChangedTypeIsTypeMismatchNamingTheSchema() {
        let doc = Self.document.replacingOccurrences(of: "quantity: { type: integer }", with: "quantity: { type: string }")
        let r = run(documents: [Self.documentPath: doc])
        #expect(found(r) == ["type-mismatch@specs/shop.baton.yaml:17:77"])
        #expect(r.diagnostics.first?.message.contains("schema #/components/schemas/Item of specs/contracts/pricing.yaml") == true)
    }

    // MARK: - Formats

    @Test func jsonAndOpenAPI30DocumentsImport() throws {
        let json = """
            {
              "openapi": "3.0.3",
              "info": { "title": "Stock", "version": "1" },
              "servers": [{ "url": "http://stock:8080" }],
              "paths": {
                "/stock/{sku}": {
                  "get": {
                    "operationId": "get_stock",
                    "parameters": [{ "name": "sku", "in": "path", "required": true, "schema": { "type": "string" } }],
                    "responses": { "200": { "description": "ok", "content": { "application/json": {
                      "schema": { "type": "object", "required": ["level"], "properties": {
                        "level": { "type": "string", "enum": ["in_stock", "out_of_stock"] },
                        "note": { "type": "string", "nullable": true } } } } } } }
                  }
                }
              }
            }
            """
        let yaml = """
            baton: 1
            name: Stock
            services:
              stock:
                openapi: stock.json
                operations:
                  getStock: {}
            workflows:
              check:
                input: { sku: string }
                output: { level: GetStockLevel }
                deadline: 1s
                steps:
                  s: { call: stock.getStock, with: { sku: $input.sku } }
                result: { level: $s.level }
            """
        let r = SpecChecker.check(SpecSource(path: "stock.baton.yaml", text: yaml), documents: .inMemory(["stock.json": json]))
        #expect(found(r) == ["unknown-type@stock.baton.yaml:11:22"])
        let fixed = yaml.replacingOccurrences(of: "GetStockLevel", with: "StockGetStockOutputLevel")
        let r2 = SpecChecker.check(SpecSource(path: "stock.baton.yaml", text: fixed), documents: .inMemory(["stock.json": json]))
        #expect(r2.diagnostics.isEmpty, "\(r2.diagnostics)")
        let output = try #require(r2.spec?.type(named: "StockGetStockOutput"))
        #expect(output.fields.map { "\($0.name):\($0.type)" } == ["level:StockGetStockOutputLevel", "note:string?"])
        #expect(r2.spec?.type(named: "StockGetStockOutputLevel")?.cases.map(\.name) == ["inStock", "outOfStock"])
        #expect(r2.spec?.service(named: "stock")?.http?.baseURL == "http://stock:8080")
    }
}
