@testable import BatonGenerator
import BatonSpec
import Foundation
import Testing

/// The generated code of every example spec, compared byte for byte with `Tests/Golden/`.
///
/// After an intended change of the generator or templates, regenerate with
/// `BATON_UPDATE_GOLDEN=1 swift test --filter GoldenTests` and review the diff like any other.
@Suite struct GoldenTests {
    static let examples = ["checkout", "courier-dispatch", "product-page", "travel-booking"]
    static let golden = packageRoot.appendingPathComponent("Tests/Golden")
    static let updating = ProcessInfo.processInfo.environment["BATON_UPDATE_GOLDEN"] == "1"

    @Test(arguments: examples)
    func generatedCodeMatchesGolden(_ example: String) throws {
        let spec = try exampleSpec("\(example).baton.yaml")
        let code = try generate(spec, options: GeneratorOptions(testedModule: SwiftIdentifierForTests.module(example)))
        let directory = Self.golden.appendingPathComponent(example)
        for file in code.sources + code.tests {
            let url = directory.appendingPathComponent(file.name)
            if Self.updating {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                try file.contents.write(to: url, atomically: true, encoding: .utf8)
                continue
            }
            let expected = try String(contentsOf: url, encoding: .utf8)
            #expect(file.contents == expected, "\(file.name) differs from Tests/Golden/\(example); run BATON_UPDATE_GOLDEN=1 swift test --filter GoldenTests")
        }
    }

    /// The renderer's promise: no generated line passes 120 columns (only a literal longer than
    /// that could, and the examples have none).
    @Test(arguments: examples)
    func noGeneratedLineIsLongerThan120Columns(_ example: String) throws {
        let code = try generate(exampleSpec("\(example).baton.yaml"), options: GeneratorOptions(testedModule: "Example"))
        for file in code.sources + code.tests {
            let lines: [Substring] = file.contents.split(separator: "\n", omittingEmptySubsequences: false)
            let long = lines.indices.filter { lines[$0].count > SwiftRenderer.defaultWidth }.map { $0 + 1 }
            #expect(long.isEmpty, "\(file.name): lines \(long) are longer than 120 columns")
        }
    }

    @Test(arguments: examples)
    func generationIsDeterministic(_ example: String) throws {
        let spec = try exampleSpec("\(example).baton.yaml")
        #expect(try generate(spec) == generate(spec))
    }
}

enum SwiftIdentifierForTests {
    /// `product-page` → `ProductPage`.
    static func module(_ example: String) -> String {
        example.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}

/// The generated code that the package in Tests/HTTPIntegration compiles and runs against real
/// servers is committed; it must be what the generator makes of the specs in Tests/Fixtures/HTTP
/// (regenerate with `BATON_UPDATE_GOLDEN=1 swift test --filter GoldenTests`).
@Suite struct HTTPIntegrationCodeTests {
    @Test(arguments: [
        ("shop-http", "BatonHTTPIntegrationTests"),
        ("serve-http", "BatonServingIntegrationTests"),
    ])
    func theCommittedCodeIsCurrent(spec name: String, target: String) throws {
        let path = "Tests/Fixtures/HTTP/\(name).baton.yaml"
        let spec = try resolve(String(contentsOf: packageRoot.appendingPathComponent(path), encoding: .utf8), file: path)
        let directory = packageRoot.appendingPathComponent("Tests/HTTPIntegration/Tests/\(target)/Generated")
        for file in try generate(spec).sources {
            let target = directory.appendingPathComponent(file.name)
            if GoldenTests.updating {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                try file.contents.write(to: target, atomically: true, encoding: .utf8)
                continue
            }
            let committed = try String(contentsOf: target, encoding: .utf8)
            #expect(file.contents == committed, "\(file.name) is stale; run BATON_UPDATE_GOLDEN=1 swift test --filter GoldenTests")
        }
    }
}
