@testable import BatonGenerator
import BatonSpec
import Foundation
import Testing

@Suite struct TemplateTests {
    @Test func embeddedTemplatesEqualTheTemplatesDirectory() throws {
        let directory = packageRoot.appendingPathComponent("templates")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".mustache") }
        #expect(Set(files.map { String($0.dropLast(".mustache".count)) }) == Set(TemplateSet.embedded.keys))
        for file in files {
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            #expect(
                TemplateSet.embedded[String(file.dropLast(".mustache".count))] == text,
                "templates/\(file) differs from its embedded copy: run scripts/embed-templates"
            )
        }
    }

    @Test func anOverrideReplacesOneTemplate() throws {
        let spec = try resolve(minimalSpec)
        let templates = try TemplateSet(overrides: ["services": "{{% CONTENT_TYPE: TEXT}}\n// custom {{#services}}{{protocolName}} {{/services}}\n"])
        let code = Generator(templates: templates).generate(spec)
        #expect(code.sources.first { $0.name.hasSuffix("Services.swift") }?.contents == "// custom OrdersService\n")
        #expect(code.sources.first { $0.name.hasSuffix("Types.swift") }?.contents.contains("struct Order") == true)
        #expect(templates.overridden == ["services"])
    }

    @Test func unknownTemplateNamesAreRefused() {
        #expect(throws: GeneratorError.unknownTemplate("servics", known: TemplateSet.names)) {
            try TemplateSet(overrides: ["servics": "x"])
        }
    }

    @Test func fileNamesDeriveFromTheSpecFileAndStayInTheDirectory() {
        #expect(Generator.fileNames(forSpec: "specs/checkout.baton.yaml").sources
            == ["checkout.Types.swift", "checkout.Services.swift", "checkout.Orchestrator.swift"])
        #expect(Generator.fileNames(forSpec: "a/b.baton.yml").tests == ["b.Mocks.swift", "b.Tests.swift"])
        #expect(Generator.fileStem("../../etc/passwd.baton.yaml") == "passwd")
        #expect(Generator.fileStem("..baton.yaml") == "_")
        #expect(Generator.fileStem("my spec!.baton.yaml") == "my_spec_")
    }
}

/// A small spec used by several generator tests.
let minimalSpec = """
    baton: 1
    name: Shop
    types:
      Order:
        id: string
    services:
      orders:
        operations:
          load:
            input: { id: string }
            output: Order
    workflows:
      show:
        input: { id: string }
        output: Order
        deadline: 500ms
        steps:
          load:
            call: orders.load
            with: { id: $input.id }
        result: $load

    """
