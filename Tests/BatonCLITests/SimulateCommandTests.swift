import Foundation
import Testing

/// `baton simulate` from the command line, and the documents that show its output.
@Suite struct SimulateCommandTests {
    /// Every ```console block of the documents that runs `baton simulate` shows what the command
    /// prints: each block is `$ swift run baton simulate ARGS…` followed by the exact output.
    static let documents = ["README.md", "Sources/BatonSimulate/BatonSimulate.docc/WhatIf.md"]

    static func examples(in document: String) throws -> [(arguments: [String], output: String)] {
        let text = try String(contentsOfFile: (packageRoot as NSString).appendingPathComponent(document), encoding: .utf8)
        return text.matches(of: /```console\n\$ swift run baton (simulate [^\n]+)\n((?:.|\n)*?)```/).map { match in
            (String(match.output.1).split(separator: " ").map(String.init), String(match.output.2))
        }
    }

    /// One test for all documents, so that a command two documents show runs once.
    @Test func theDocumentsShowWhatTheCommandPrints() async throws {
        var printed: [[String]: String] = [:]
        for document in Self.documents {
            let examples = try Self.examples(in: document)
            #expect(!examples.isEmpty, "\(document) shows no `baton simulate` example")
            for example in examples {
                if printed[example.arguments] == nil {
                    let result = try await runBaton(example.arguments)
                    #expect(result.status == 0, "\(result.stderr)")
                    printed[example.arguments] = result.stdout
                }
                let output = printed[example.arguments] ?? ""
                #expect(output == example.output, "\(document): `baton \(example.arguments.joined(separator: " "))` prints\n\(output)")
            }
        }
    }

    @Test func jsonHasTheKeysOfTheSpecAndTheSameSeedGivesTheSameBytes() async throws {
        let arguments = [
            "simulate", "specs/checkout.baton.yaml", "--workflow", "checkout", "--profile", "specs/checkout.profile.yaml",
            "--runs", "300", "--concurrency", "3", "--seed", "9", "--format", "json",
        ]
        let first = try await runBaton(arguments)
        let second = try await runBaton(arguments)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == second.stdout)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])
        #expect(json["workflow"] as? String == "checkout")
        #expect(json["runs"] as? Int == 300)
        #expect(json["seed"] as? Int == 9)
        #expect(Set(json.keys) == ["workflow", "runs", "seed", "success", "complete", "latency", "calls", "extraLoad"])
    }

    @Test func aProfileWithUnknownNamesFailsWithLocatedErrors() async throws {
        let directory = try SpecDirectory(["bad.yaml": """
            services:
              pricng:
                latency: { constant: 1ms }
            """])
        let result = try await runBaton([
            "simulate", "specs/checkout.baton.yaml", "--workflow", "checkout", "--profile", directory.file("bad.yaml"), "--runs", "10",
        ])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("bad.yaml:2:3"))
        #expect(result.stderr.contains("unknown-service"))
        #expect(result.stderr.contains("did you mean 'pricing'?"))
    }

    @Test func unknownWorkflowsAndSettingsAreToolFailures() async throws {
        let workflow = try await runBaton([
            "simulate", "specs/checkout.baton.yaml", "--workflow", "chekout", "--profile", "specs/checkout.profile.yaml",
        ])
        #expect(workflow.status == 2)
        #expect(workflow.stderr.contains("no workflow 'chekout'"))
        let setting = try await runBaton([
            "simulate", "specs/checkout.baton.yaml", "--workflow", "checkout", "--profile", "specs/checkout.profile.yaml",
            "--set", "pricing.hegde=none",
        ])
        #expect(setting.status == 2)
        #expect(setting.stderr.contains("did you mean 'hedge'?"))
    }
}
