import BatonNaming
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
        let code = try Generator(templates: templates).generate(spec)
        #expect(code.sources.first { $0.name.hasSuffix("Services.swift") }?.contents == "// custom OrdersService\n")
        #expect(code.sources.first { $0.name.hasSuffix("Types.swift") }?.contents.contains("struct Order") == true)
        #expect(templates.overridden == ["services"])
    }

    /// Views reach the templates as dictionaries (reflected once, not on every lookup); they must
    /// render as the structs themselves would: nil optionals fall through to the enclosing view,
    /// empty lists are false, a value with a description renders as that description.
    @Test func viewsRenderTheSameAsDictionaries() throws {
        struct Label: CustomStringConvertible { var text: String; var description: String { "<\(text)>" } }
        struct Item { var name: String; var note: String?; var last: Bool }
        struct View { var title: String; var note: String?; var label: Label; var items: [Item]; var empty: [Item]; var count: Int }
        let view = View(
            title: "T", note: "outer", label: Label(text: "l"),
            items: [Item(name: "a", note: nil, last: false), Item(name: "b", note: "inner", last: true)], empty: [], count: 2
        )
        let template = "{{% CONTENT_TYPE: TEXT}}{{title}} {{label}} {{count}}:{{#items}} {{name}}={{note}}{{^last}},{{/last}}{{/items}}{{^empty}} none{{/empty}}\n"
        let templates = try TemplateSet(overrides: ["services": template])
        #expect(try templates.render(view, with: "services") == "T <l> 2: a=outer, b=inner none\n")
        let context = try #require(TemplateSet.context(of: view) as? [String: Any])
        #expect(context["items"] is [Any])
        #expect((context["items"] as? [Any])?.first is [String: Any])
        #expect(context["label"] is Label, "kept whole: it renders as its description")
    }

    @Test func tidyDropsTrailingSpacesAndRepeatedBlankLines() {
        #expect(Generator.tidy("\n\n  \na  \t\n\n\n b\t\n \n") == "a\n\n b\n")
        #expect(Generator.tidy("") == "\n")
        #expect(Generator.tidy("é x  \n\n") == "é x\n")
    }

    @Test func unknownTemplateNamesAreRefused() {
        #expect(throws: GeneratorError.unknownTemplate("servics", known: TemplateSet.names)) {
            try TemplateSet(overrides: ["servics": "x"])
        }
    }

    @Test func fileNamesDeriveFromTheSpecFileAndStayInTheDirectory() {
        #expect(Generator.fileNames(forSpec: "specs/checkout.baton.yaml").sources
            == ["checkout.Types.swift", "checkout.Services.swift", "checkout.Orchestrator.swift", "checkout.HTTP.swift", "checkout.Server.swift"])
        #expect(Generator.fileNames(forSpec: "a/b.baton.yml").tests == ["b.Mocks.swift", "b.Tests.swift"])
        #expect(GeneratedFileNames.stem(of: "../../etc/passwd.baton.yaml") == "passwd")
        #expect(GeneratedFileNames.stem(of: "..baton.yaml") == "_")
        #expect(GeneratedFileNames.stem(of: "my spec!.baton.yaml") == "my_spec_")
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

/// swift-mustache reads views by reflection, which sees stored properties only: a name that a
/// template uses but no view stores renders as missing (an `{{#flag}}` section silently never
/// shows). This once dropped admission control from every generated orchestrator.
@Suite struct TemplateViewTests {
    /// The names a template reads: variables, sections and inverted sections.
    static func names(in template: String) -> Set<String> {
        Set(template.matches(of: /\{\{\{?[#^]?\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}?\}\}/).map { String($0.output.1) })
    }

    /// Every stored property label anywhere in `value` (arrays and optionals included).
    static func storedLabels(of value: Any) -> Set<String> {
        var labels = Set<String>()
        var stack: [Any] = [value]
        while let next = stack.popLast() {
            for child in Mirror(reflecting: next).children {
                if let label = child.label { labels.insert(label) }
                stack.append(child.value)
            }
        }
        return labels
    }

    /// The labels each view stores, over all example specs together, since an empty list (a spec
    /// without caches, say) shows no labels of its elements.
    static func storedLabelsByTemplate() throws -> [String: Set<String>] {
        let specs = try FileManager.default.contentsOfDirectory(atPath: packageRoot.appendingPathComponent("specs").path)
            .filter { $0.hasSuffix(".baton.yaml") }.sorted().map(exampleSpec)
        let options = GeneratorOptions(testedModule: "Example")
        var stored: [String: Set<String>] = [:]
        for spec in specs {
            stored["types", default: []].formUnion(Self.storedLabels(of: TypesView(spec: spec, options: options)))
            stored["services", default: []].formUnion(Self.storedLabels(of: ServicesView(spec: spec, options: options)))
            stored["orchestrator", default: []].formUnion(Self.storedLabels(of: try OrchestratorView(spec: spec, options: options)))
            stored["mocks", default: []].formUnion(Self.storedLabels(of: MocksView(spec: spec, options: options)))
            stored["tests", default: []].formUnion(Self.storedLabels(of: try TestsView(spec: spec, options: options)))
            stored["http", default: []].formUnion(Self.storedLabels(of: try HTTPClientView(spec: spec, options: options)))
            stored["server", default: []].formUnion(Self.storedLabels(of: try ServerView(spec: spec, options: options)))
        }
        // `some` is how reflection labels an optional's value, not a name of the view.
        return stored.mapValues { $0.subtracting(["some"]) }
    }

    /// templates/README.md is the contract for `--templates`: its table for each template lists
    /// exactly the names the view has, so the documentation cannot drift from the code.
    @Test func theTemplatesReadmeListsExactlyTheNamesOfEachView() throws {
        let readme = try String(contentsOf: packageRoot.appendingPathComponent("templates/README.md"), encoding: .utf8)
        var documented: [String: Set<String>] = [:]
        var current: String?
        for line in readme.split(separator: "\n") {
            if let heading = line.wholeMatch(of: /### ([a-z]+)\.mustache/) {
                current = String(heading.output.1)
            } else if let current, let row = line.prefixMatch(of: /\| `([A-Za-z]+)` \|/) {
                documented[current, default: []].insert(String(row.output.1))
            }
        }
        let stored = try Self.storedLabelsByTemplate()
        #expect(Set(documented.keys) == Set(TemplateSet.embedded.keys))
        for (template, labels) in stored {
            let names = documented[template] ?? []
            #expect(labels.subtracting(names).isEmpty, "templates/README.md does not document \(labels.subtracting(names).sorted()) of \(template)")
            #expect(names.subtracting(labels).isEmpty, "templates/README.md documents \(names.subtracting(labels).sorted()), which \(template)'s view does not have")
        }
    }

    @Test func everyNameATemplateReadsIsStoredInItsView() throws {
        let stored = try Self.storedLabelsByTemplate()
        #expect(Set(stored.keys) == Set(TemplateSet.embedded.keys))
        for (template, labels) in stored {
            let missing = Self.names(in: try #require(TemplateSet.embedded[template])).subtracting(labels)
            #expect(missing.isEmpty, "\(template).mustache reads \(missing.sorted()), which its view does not store")
        }
    }
}
