import BatonGenerator
import BatonSpec

/// The default templates, parsed once: parsing them per input would dominate every execution.
private let generator = Generator(
    templates: try! TemplateSet(),
    options: GeneratorOptions(accessModifier: .public, testedModule: "Fuzzed")
)

/// The OpenAPI document fuzzed specs may import: a path, query and header parameter, a JSON body
/// and output, an enum, `allOf`, and a `oneOf` (unsupported-openapi when reached).
private let openAPIDocument = SpecSource(path: "pricing.yaml", text: """
    openapi: 3.1.0
    info: { title: Pricing, version: "1" }
    servers: [{ url: "http://pricing:8080" }]
    paths:
      /quotes/{quote_id}:
        get:
          operationId: get-quote
          parameters:
            - { name: quote_id, in: path, required: true, schema: { type: string } }
            - { name: expand, in: query, schema: { type: array, items: { type: string } } }
            - { name: X-Tenant, in: header, schema: { type: string } }
          responses:
            "200": { description: ok, content: { application/json: { schema: { $ref: "#/components/schemas/Quote" } } } }
      /quotes:
        post:
          operationId: createQuote
          requestBody:
            required: true
            content: { application/json: { schema: { $ref: "#/components/schemas/Request" } } }
          responses:
            "201": { description: ok, content: { application/json: { schema: { $ref: "#/components/schemas/Quote" } } } }
        put:
          operationId: replace
          requestBody:
            content: { application/json: { schema: { oneOf: [{ type: string }, { type: integer }] } } }
          responses:
            "204": { description: ok }
    components:
      schemas:
        Request:
          type: object
          required: [sku]
          properties: { sku: { type: string }, kind: { type: string, enum: [a, B-c] } }
        Quote:
          allOf:
            - { type: object, required: [total_cents], properties: { total_cents: { type: integer } } }
            - { type: object, properties: { at: { type: string, format: date-time } } }

    """)

/// One fuzz input: the bytes of one spec file.
///
/// The checker promises never to trap on any input and to locate every diagnostic inside the
/// file; the generator promises bare file names for every spec that checks clean. A broken
/// promise traps here, which libFuzzer records as a crash with the input that caused it.
func fuzzOneInput(_ bytes: [UInt8]) {
    let source = SpecSource(path: "fuzz.baton.yaml", bytes: bytes)
    // An input that writes `openapi: pricing.yaml` imports this document (spec-v1 §12); nothing
    // is read from disk.
    let result = SpecChecker.check(source, documents: .inMemory([openAPIDocument.path: openAPIDocument.text]))
    for diagnostic in result.diagnostics {
        let location = diagnostic.location
        let file = location.file == openAPIDocument.path ? openAPIDocument : source
        precondition(location.file == source.path || location.file == openAPIDocument.path, "diagnostic in another file: \(diagnostic)")
        // A final line without a line break still counts, and libyaml may point just past it.
        precondition(location.line >= 1 && location.line <= file.lineCount + 1, "line out of range: \(diagnostic)")
        precondition(location.column >= 1, "column out of range: \(diagnostic)")
        precondition(!diagnostic.message.isEmpty, "empty message: \(diagnostic)")
        _ = file.line(location.line)
    }
    precondition((result.spec == nil) == result.hasErrors, "a spec with errors must not resolve, nor one without fail to")
    if let spec = result.spec {
        // A clean spec that the generator cannot render is a finding (a checker gap).
        let code: GeneratedCode
        do { code = try generator.generate(spec) } catch { preconditionFailure("generator refused a clean spec: \(error)") }
        for file in code.sources + code.tests {
            precondition(!file.name.contains("/") && !file.name.hasPrefix("."), "unsafe file name \(file.name)")
            precondition(!file.contents.isEmpty, "empty file \(file.name)")
        }
    }
}
