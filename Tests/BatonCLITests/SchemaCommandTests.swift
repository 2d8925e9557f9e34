@testable import baton
@testable import BatonSpec
import Foundation
import Testing

@Suite struct SchemaCommandTests {
    @Test func printsValidJSONOfDraft202012() async throws {
        let run = try await runBaton(["schema"])
        #expect(run.status == 0)
        #expect(run.stdout == BatonSchema.text)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(object["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
        #expect(object["additionalProperties"] as? Bool == false)
        #expect((object["$defs"] as? [String: Any])?["duration"] != nil)
    }

    /// Like the embedded templates: the committed copy is what the tool prints, byte for byte.
    @Test func theCommittedSchemaIsTheToolsOutput() throws {
        let committed = try String(contentsOfFile: "\(packageRoot)/specs/baton.schema.json", encoding: .utf8)
        #expect(committed == BatonSchema.text, "specs/baton.schema.json is stale; run: swift run baton schema > specs/baton.schema.json")
    }

    @Test func everyExampleSpecPointsEditorsAtTheSchema() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: "\(packageRoot)/specs")
            .filter { $0.hasSuffix(".baton.yaml") }.sorted()
        #expect(names.count >= 4)
        for name in names {
            let text = try String(contentsOfFile: "\(packageRoot)/specs/\(name)", encoding: .utf8)
            #expect(text.hasPrefix("# yaml-language-server: $schema=./baton.schema.json\n"), "\(name)")
        }
        #expect(StarterSpec.text(name: "Orders").hasPrefix("# yaml-language-server: $schema=./baton.schema.json\n"))
    }

    /// Editors show descriptions on hover: every property of every mapping has one (conditions in
    /// `if` and properties forbidden by `false` describe nothing).
    @Test func everyPropertyHasADescription() {
        var missing: [String] = []
        func walk(_ value: JSONValue, _ path: String) {
            switch value {
            case .object(let entries):
                for (key, child) in entries where key != "if" {
                    if key == "properties", case .object(let properties) = child {
                        for (name, property) in properties where property["description"] == nil && property != .bool(false) {
                            missing.append("\(path)/properties/\(name)")
                        }
                    }
                    walk(child, "\(path)/\(key)")
                }
            case .array(let items):
                for (i, item) in items.enumerated() { walk(item, "\(path)/\(i)") }
            default:
                break
            }
        }
        walk(BatonSchema.document, "#")
        #expect(missing.isEmpty, "\(missing)")
    }

    /// The schema's mappings have exactly the keys the checker accepts.
    @Test func closedMappingsMatchTheChecker() throws {
        func keys(_ definition: String?, top: Bool = false) throws -> [String] {
            var node = BatonSchema.document
            if let definition { node = try #require(node["$defs"]?[definition]) }
            guard case .object(let properties)? = node["properties"] else { return [] }
            #expect(node["additionalProperties"] == .bool(false), "\(definition ?? "top") is closed")
            return properties.map(\.0)
        }
        #expect(try keys(nil) == ["baton", "name", "description", "types", "policies", "services", "workflows"])
        #expect(try keys("policies") == Checker.policySections)
        #expect(try keys("service") == Checker.serviceKeys)
        #expect(try Set(keys("operation")) == Set(Checker.operationKeys))
        #expect(try keys("workflow") == Checker.workflowKeys)
        #expect(try keys("step") == Checker.stepKeys)
        #expect(try keys("slo") == Checker.sloKeys)
    }
}
