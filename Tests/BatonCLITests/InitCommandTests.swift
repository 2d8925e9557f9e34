@testable import baton
import BatonSpec
import Foundation
import Testing

@Suite struct InitCommandTests {
    @Test func writesALintCleanCommentedSpecAndTheSchemaAndPrintsTheNextSteps() async throws {
        let directory = try SpecDirectory([:])
        let target = directory.file("Sources/Orders")
        let run = try await runBaton(["init", "--output", target])
        #expect(run.status == 0, "\(run.stderr)")
        let spec = try String(contentsOfFile: directory.file("Sources/Orders/orders.baton.yaml"), encoding: .utf8)
        #expect(spec.hasPrefix("# yaml-language-server: $schema=./baton.schema.json\n"))
        #expect(spec.contains("\nname: Orders "))
        let schema = try String(contentsOfFile: directory.file("Sources/Orders/baton.schema.json"), encoding: .utf8)
        #expect(schema == BatonSchema.text)

        let lint = try await runBaton(["lint", "--strict", target])
        #expect(lint.status == 0, "\(lint.stdout)")
        #expect(lint.stdout == "1 file checked, no problems.\n")

        // The next steps: the dependency on this checkout, both plugins, the protocols to implement.
        #expect(run.stdout.contains(".package(name: \"Baton\", path: \"\(packageRoot)\"),"))
        #expect(run.stdout.contains("plugins: [.plugin(name: \"BatonBuildTool\", package: \"Baton\")]"))
        #expect(run.stdout.contains(".product(name: \"BatonTesting\", package: \"Baton\")"))
        #expect(run.stdout.contains("swift package --allow-writing-to-package-directory baton generate --target Orders"))
        #expect(run.stdout.contains("       OrdersService     orders.getOrder\n       ShippingService   shipping.track\n"))
        #expect(run.stdout.contains("OrdersOrchestrator(orders: …, shipping: …)"))
        #expect(run.stdout.contains("swift run baton lint \(target)/orders.baton.yaml"))
        #expect(run.stdout.contains("exclude: [\"baton.schema.json\"],"))
    }

    @Test func refusesToOverwriteAnExistingSpecUnlessForced() async throws {
        let directory = try SpecDirectory(["orders.baton.yaml": "baton: 1\n"])
        let refused = try await runBaton(["init", "--output", directory.path])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("orders.baton.yaml already exists; nothing was written"))
        #expect(try String(contentsOfFile: directory.file("orders.baton.yaml"), encoding: .utf8) == "baton: 1\n")
        #expect(!FileManager.default.fileExists(atPath: directory.file("baton.schema.json")))

        let forced = try await runBaton(["init", "--output", directory.path, "--force"])
        #expect(forced.status == 0)
        #expect(try String(contentsOfFile: directory.file("orders.baton.yaml"), encoding: .utf8) == StarterSpec.text(name: "Orders"))
    }

    @Test func aSecondSpecInTheSameFolderSharesTheSchemaButAChangedSchemaIsKept() async throws {
        let directory = try SpecDirectory([:])
        #expect(try await runBaton(["init", "--output", directory.path]).status == 0)
        let second = try await runBaton(["init", "--output", directory.path, "--name", "Returns"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.hasPrefix("Created \(directory.file("returns.baton.yaml")).\n"))

        try "{}".write(toFile: directory.file("baton.schema.json"), atomically: true, encoding: .utf8)
        let refused = try await runBaton(["init", "--output", directory.path, "--name", "Refunds"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("--no-schema"))
        #expect(try await runBaton(["init", "--output", directory.path, "--name", "Refunds", "--no-schema"]).status == 0)
        #expect(try String(contentsOfFile: directory.file("baton.schema.json"), encoding: .utf8) == "{}")
    }

    @Test func aNameThatIsNotUpperCamelCaseIsAUsageErrorWithASuggestion() async throws {
        let directory = try SpecDirectory([:])
        let run = try await runBaton(["init", "--output", directory.path, "--name", "order-status"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("--name 'order-status' must be UpperCamelCase"))
        #expect(run.stderr.contains("did you mean 'OrderStatus'?"))
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).isEmpty)
        #expect(try await runBaton(["init", "--output", directory.path, "--name", "9lives"]).status == 2)
    }

    @Test(arguments: ["Orders", "OrderStatus", "HTTPGateway", "A", "Default", "Self", "ShowOrderInput", "Order"])
    func theStarterLintsCleanWhateverTheName(_ name: String) throws {
        // makePlan checks the starter and throws when it has any finding.
        let plan = try InitCommand.parse(["--name", name, "--output", "out"]).makePlan()
        #expect(plan.files.map(\.path) == ["out/\(InitCommand.kebabCase(name)).baton.yaml", "out/baton.schema.json"])
        #expect(plan.nextSteps.contains("\(name)Orchestrator(orders: …, shipping: …)"))
    }

    @Test func withoutACheckoutTheDependencyIsAClearlyMarkedURL() throws {
        var plan = try InitCommand.parse([]).makePlan()
        #expect(plan.nextSteps.contains("This baton was built from \(packageRoot)"))
        let spec = try #require(BatonSpec.SpecChecker.check(BatonSpec.SpecSource(path: "orders.baton.yaml", text: plan.files[0].contents)).spec)
        plan.nextSteps = NextSteps(spec: spec, stem: "orders", specPath: "orders.baton.yaml", schemaWritten: true,
                                   output: ".", checkout: nil).text
        #expect(plan.nextSteps.contains("Baton has no published release yet"))
        #expect(plan.nextSteps.contains(#".package(url: "https://github.com/YOUR-ORG/baton.git", branch: "main"),"#))
        // A URL dependency's package identity is its last path component.
        #expect(plan.nextSteps.contains(#"plugins: [.plugin(name: "BatonBuildTool", package: "baton")]"#))
    }

    @Test func fileNamesAreTheNameInKebabCase() {
        #expect(InitCommand.kebabCase("Orders") == "orders")
        #expect(InitCommand.kebabCase("OrderStatus") == "order-status")
        #expect(InitCommand.kebabCase("HTTPGateway") == "http-gateway")
        #expect(InitCommand.kebabCase("Orders2Go") == "orders2-go")
        #expect(InitCommand.suggestedName(for: "orders") == "Orders")
        #expect(InitCommand.suggestedName(for: "order_status v2") == "OrderStatusV2")
        #expect(InitCommand.suggestedName(for: "2fast") == nil)
    }
}
