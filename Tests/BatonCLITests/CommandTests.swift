@testable import baton
import BatonHTTP
import Foundation
import Testing

@Suite struct CommandTests {
    @Test func lintReportsFindingsAndFailsOnErrors() throws {
        let directory = try SpecDirectory([
            "good.baton.yaml": minimalSpec,
            "bad.baton.yaml": minimalSpec.replacingOccurrences(of: "deadline: 500ms", with: "deadlin: 500ms"),
        ])
        let lint = try LintCommand.parse([directory.path])
        let (output, failed) = try lint.evaluate()
        #expect(failed)
        #expect(output.contains("bad.baton.yaml:24:5: error: "))
        #expect(output.contains("[unknown-key]"))
        #expect(output.contains("2 files checked"))
    }

    @Test func lintSearchesDirectoriesRecursivelyForBothExtensions() throws {
        let directory = try SpecDirectory([
            "a.baton.yaml": minimalSpec,
            "nested/b.baton.yml": minimalSpec,
            "nested/ignored.yaml": "not: a spec",
            ".hidden/c.baton.yaml": "garbage: [",
        ])
        let files = try SpecFiles.collect([directory.path])
        #expect(files == [directory.file("a.baton.yaml"), directory.file("nested/b.baton.yml")])
    }

    @Test func strictMakesWarningsFail() throws {
        let withUnusedType = minimalSpec.replacingOccurrences(of: "types:\n", with: "types:\n  Unused:\n    x: int\n")
        let directory = try SpecDirectory(["w.baton.yaml": withUnusedType])
        #expect(try LintCommand.parse([directory.path]).evaluate().failed == false)
        #expect(try LintCommand.parse([directory.path, "--strict"]).evaluate().failed == true)
    }

    @Test func missingPathsAreToolFailures() throws {
        #expect(throws: ToolFailure.self) { try LintCommand.parse(["/nonexistent/specs"]).evaluate() }
        let empty = try SpecDirectory(["readme.txt": "hi"])
        #expect(throws: ToolFailure.self) { try LintCommand.parse([empty.path]).evaluate() }
    }

    @Test func explainShowsLevelsChainAndVerdicts() throws {
        let directory = try SpecDirectory(["s.baton.yaml": minimalSpec])
        let text = try ExplainCommand.parse([directory.file("s.baton.yaml")]).render()
        #expect(text == """
            workflow show: deadline 500ms

            levels (a step starts as soon as its own dependencies finish):
              0  first
              1  second, extra (optional)

            critical chain (required, awaited steps at one attempt each):
              step    call         timeout  attempts  single  worst case
              first   orders.load  100ms           2   100ms       210ms
              second  orders.load  100ms           2   100ms       210ms
              total                                    200ms       420ms

              single attempt: 200ms of 500ms (40%) — fits
              worst case with retries and backoff: 420ms of 500ms (84%) — fits

            """)
    }

    @Test func explainRejectsAnUnknownWorkflow() throws {
        let directory = try SpecDirectory(["s.baton.yaml": minimalSpec])
        #expect(throws: ToolFailure.self) {
            try ExplainCommand.parse([directory.file("s.baton.yaml"), "--workflow", "nope"]).render()
        }
    }

    @Test func mermaidGraphMarksOptionalStepsAndTheCriticalChain() throws {
        let directory = try SpecDirectory(["s.baton.yaml": minimalSpec])
        let text = try GraphCommand.parse([directory.file("s.baton.yaml")]).render()
        #expect(text == """
            flowchart LR
              first["first<br/>orders.load<br/>timeout 100ms"]
              second["second<br/>orders.load<br/>timeout 100ms"]
              extra["extra (optional)<br/>orders.note<br/>timeout 100ms"]
              first --> second
              first --> extra
              classDef optional stroke-dasharray: 5 5
              classDef async fill:#eeeeee,color:#555555
              classDef critical stroke:#d62728,stroke-width:3px
              class extra optional
              class first,second critical
              linkStyle 0 stroke:#d62728,stroke-width:3px

            """)
    }

    @Test func dotGraphIsOneClusterPerWorkflow() throws {
        let directory = try SpecDirectory(["s.baton.yaml": minimalSpec])
        let text = try GraphCommand.parse([directory.file("s.baton.yaml"), "--format", "dot"]).render()
        #expect(text.hasPrefix("digraph \"Shop\" {\n"))
        #expect(text.contains("subgraph \"cluster_show\""))
        #expect(text.contains("\"show.extra\" [label=\"extra (optional)\\norders.note\\ntimeout 100ms\", style=\"rounded,dashed\"];"))
        #expect(text.contains("\"show.first\" -> \"show.second\" [color=\"#d62728\", penwidth=2];"))
    }

    @Test func exitCodesOfTheExecutable() async throws {
        let directory = try SpecDirectory([
            "good.baton.yaml": minimalSpec,
            "bad/bad.baton.yaml": "baton: 1\nname: x\n",
        ])
        #expect(try await runBaton(["lint", directory.file("good.baton.yaml")]).status == 0)
        let bad = try await runBaton(["lint", directory.file("bad")])
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("[invalid-name]"))
        let missing = try await runBaton(["lint", directory.file("missing.baton.yaml")])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no such file"))
        #expect(try await runBaton(["lint", "--format", "xml", directory.path]).status == 2)
        #expect(try await runBaton(["lint", "--no-such-flag"]).status == 2)
        #expect(try await runBaton(["--help"]).status == 0)
    }
}

@Suite struct ExplainOverBudgetTests {
    @Test func explainShowsTheNumbersBehindADeadlineBudgetError() throws {
        let tight = minimalSpec.replacingOccurrences(of: "deadline: 500ms", with: "deadline: 150ms")
        let directory = try SpecDirectory(["s.baton.yaml": tight])
        let lint = try LintCommand.parse([directory.path]).evaluate()
        #expect(lint.failed)
        #expect(lint.output.contains("[deadline-budget]"))
        let text = try ExplainCommand.parse([directory.file("s.baton.yaml")]).render()
        #expect(text.contains("single attempt: 200ms of 150ms (133%) — exceeds the deadline [deadline-budget]"))
    }
}

@Suite struct GenerateCommandTests {
    @Test func writesSourcesAndTestsThenOnlyWhatChanged() async throws {
        let directory = try SpecDirectory(["shop.baton.yaml": minimalSpec])
        let output = directory.file("out"), tests = directory.file("tests")
        let first = try await runBaton(["generate", directory.file("shop.baton.yaml"), "--output", output, "--tests-output", tests, "--module", "Shop"])
        #expect(first.status == 0)
        #expect(first.stdout == "7 files written, 0 unchanged.\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: output).sorted()
            == ["shop.HTTP.swift", "shop.Orchestrator.swift", "shop.Server.swift", "shop.Services.swift", "shop.Types.swift"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: tests).sorted() == ["shop.Mocks.swift", "shop.Tests.swift"])
        let again = try await runBaton(["generate", directory.file("shop.baton.yaml"), "--output", output])
        #expect(again.stdout == "0 files written, 5 unchanged.\n")
    }

    @Test func checkListsStaleFilesAndWritesNothing() async throws {
        let directory = try SpecDirectory(["shop.baton.yaml": minimalSpec])
        let output = directory.file("out")
        #expect(try await runBaton(["generate", directory.file("shop.baton.yaml"), "--output", output]).status == 0)
        let types = (output as NSString).appendingPathComponent("shop.Types.swift")
        try "// edited by hand\n".write(toFile: types, atomically: true, encoding: .utf8)
        let check = try await runBaton(["generate", directory.file("shop.baton.yaml"), "--output", output, "--check"])
        #expect(check.status == 1)
        #expect(check.stdout == "stale: \(types)\n")
        #expect(try String(contentsOfFile: types, encoding: .utf8) == "// edited by hand\n")
    }

    /// spec-v1 §12: the code of a service imported from an OpenAPI document follows the document,
    /// so `--check` reports the generated files stale when only the document changed; lint
    /// renders a diagnostic inside the document with its line.
    @Test func checkSeesAChangedOpenAPIDocument() async throws {
        let document = """
            openapi: 3.1.0
            info: { title: Stock, version: "1" }
            servers: [{ url: "http://stock:8080" }]
            paths:
              /stock/{sku}:
                get:
                  operationId: getStock
                  parameters: [{ name: sku, in: path, required: true, schema: { type: string } }]
                  responses:
                    "200":
                      description: ok
                      content: { application/json: { schema: { type: object, required: [level], properties: { level: { type: integer } } } } }

            """
        let spec = """
            baton: 1
            name: Shop
            services:
              stock:
                openapi: contracts/stock.yaml
                operations:
                  getStock: {}
            workflows:
              check:
                input: { sku: string }
                output: { level: int }
                deadline: 1s
                steps:
                  s: { call: stock.getStock, with: { sku: $input.sku } }
                result: { level: $s.level }

            """
        let directory = try SpecDirectory(["shop.baton.yaml": spec, "contracts/stock.yaml": document])
        let output = directory.file("out")
        #expect(try await runBaton(["generate", "shop.baton.yaml", "--output", output], in: directory.path).status == 0)
        #expect(try await runBaton(["generate", "shop.baton.yaml", "--output", output, "--check"], in: directory.path).status == 0)
        // The provider adds an optional property: the spec is unchanged, the generated types are not.
        try document.replacingOccurrences(of: "properties: { level: { type: integer } }",
                                          with: "properties: { level: { type: integer }, warehouse: { type: string } }")
            .write(toFile: directory.file("contracts/stock.yaml"), atomically: true, encoding: .utf8)
        let check = try await runBaton(["generate", "shop.baton.yaml", "--output", output, "--check"], in: directory.path)
        #expect(check.status == 1)
        #expect(check.stdout == "stale: \((output as NSString).appendingPathComponent("shop.Types.swift"))\n")
        // A construct Baton cannot import: located in the document, with its line and a caret.
        try document.replacingOccurrences(of: "level: { type: integer }", with: "level: { oneOf: [{ type: integer }, { type: string }] }")
            .write(toFile: directory.file("contracts/stock.yaml"), atomically: true, encoding: .utf8)
        let lint = try await runBaton(["lint", "shop.baton.yaml"], in: directory.path)
        #expect(lint.status == 1)
        let lines = lint.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first?.hasPrefix("contracts/stock.yaml:12:99: error: 'oneOf'") == true, "\(lint.stdout)")
        #expect(lines.count > 2 && lines[1].contains("level: { oneOf:") && lines[2].hasSuffix("^"))
    }

    @Test func specErrorsStopGenerationWithLintStyleDiagnostics() async throws {
        let directory = try SpecDirectory(["bad.baton.yaml": minimalSpec.replacingOccurrences(of: "call: orders.load", with: "call: orders.lod")])
        let output = directory.file("out")
        let run = try await runBaton(["generate", directory.file("bad.baton.yaml"), "--output", output])
        #expect(run.status == 1)
        #expect(run.stderr.contains("bad.baton.yaml:"))
        #expect(run.stderr.contains("[unknown-operation]"))
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test func argumentsThatCannotWorkAreToolFailures() async throws {
        let directory = try SpecDirectory(["shop.baton.yaml": minimalSpec])
        #expect(try await runBaton(["generate", directory.path]).status == 2)
        #expect(try await runBaton(["generate", directory.path, "--tests-output", directory.file("t")]).status == 2)
        #expect(try await runBaton(["generate", directory.path, "--output", directory.file("o"), "--templates", directory.file("none")]).status == 2)
        #expect(try await runBaton(["generate", directory.path, "--tests-output", directory.file("t"), "--module", "Shop"]).status == 0)
    }
}

/// Generated HTTP clients announce the tool's version (`User-Agent: baton/<version>`, spec-v1 §11).
@Test func theHTTPUserAgentCarriesTheToolVersion() {
    #expect(HTTPServiceClient.userAgent == "baton/\(BatonVersion.current)")
}
