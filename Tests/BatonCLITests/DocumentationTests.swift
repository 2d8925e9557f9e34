import Foundation
import Testing

/// Keeps the prose documentation honest: examples it shows are the ones that compile and run
/// elsewhere, and the files it links to exist. (`scripts/check-readme` runs the README's
/// commands.)
@Suite struct DocumentationTests {
    static func read(_ relativePath: String) throws -> String {
        try String(contentsOfFile: (packageRoot as NSString).appendingPathComponent(relativePath), encoding: .utf8)
    }

    /// The text between `// <marker> (begin)\n` and `// <marker> (end)` in `source`.
    static func excerpt(_ source: String, marker: String) throws -> String {
        let begin = try #require(source.range(of: "// \(marker) (begin)\n"))
        let end = try #require(source.range(of: "// \(marker) (end)"))
        return String(source[begin.upperBound..<end.lowerBound])
    }

    /// Each example a document shows, and the test file that compiles and runs it.
    static let pinnedExamples: [(document: String, test: String, marker: String)] = [
        ("README.md", "Tests/BatonRuntimeTests/ReadmeExampleTests.swift", "README: hand-written runtime example"),
        ("Sources/BatonRuntime/BatonRuntime.docc/RuntimeGuide.md",
         "Tests/Fixtures/PluginConsumer/Tests/PluginConsumerTests/GuideExampleTests.swift", "Guide: testing example"),
        ("Sources/BatonTesting/BatonTesting.docc/BatonTesting.md",
         "Tests/BatonRuntimeTests/TestingCatalogExampleTests.swift", "BatonTesting catalog: example"),
    ]

    @Test(arguments: pinnedExamples.indices)
    func documentsShowTheExamplesThatTestsRunVerbatim(index: Int) throws {
        let (document, test, marker) = Self.pinnedExamples[index]
        let example = try Self.excerpt(try Self.read(test), marker: marker)
        #expect(try Self.read(document).contains("```swift\n" + example + "```"),
                "\(document) must show the example of \(test) verbatim")
    }

    @Test(arguments: ["README.md", "Plugins/README.md", "Examples/README.md", "Benchmarks/README.md"])
    func relativeLinksPointAtFiles(document: String) throws {
        let path = (packageRoot as NSString).appendingPathComponent(document)
        guard FileManager.default.fileExists(atPath: path) else {
            Issue.record("\(document) is missing")
            return
        }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let directory = (path as NSString).deletingLastPathComponent
        // Markdown links `[text](target)` whose target is not a URL or an anchor.
        let links = text.matches(of: /\]\(([^)#\s]+)(#[^)]*)?\)/).map { String($0.output.1) }
            .filter { !$0.contains("://") && !$0.hasPrefix("mailto:") }
        for link in links {
            let target = (directory as NSString).appendingPathComponent(link)
            #expect(FileManager.default.fileExists(atPath: target), "\(document) links to \(link), which does not exist")
        }
    }

    /// README, "Services described by OpenAPI": the spec and document it shows lint clean, and
    /// after the pricing team's rename lint prints exactly the diagnostic the README quotes.
    @Test func readmeContractDriftExampleIsWhatLintPrints() async throws {
        let readme = try Self.read("README.md")
        func block(_ fence: String, startingWith first: String) throws -> String {
            let start = try #require(readme.range(of: "```\(fence)\n\(first)")).lowerBound
            let bodyStart = readme.index(start, offsetBy: fence.count + 4)
            let end = try #require(readme.range(of: "\n```\n", range: bodyStart..<readme.endIndex)).lowerBound
            return String(readme[bodyStart..<end]) + "\n"
        }
        let spec = try block("yaml", startingWith: "# file: shop.baton.yaml")
        let document = try block("yaml", startingWith: "# file: contracts/pricing.yaml")
        let expected = try block("text", startingWith: "shop.baton.yaml:")
        let directory = try SpecDirectory(["shop.baton.yaml": spec, "contracts/pricing.yaml": document])
        let clean = try await runBaton(["lint", "shop.baton.yaml"], in: directory.path)
        #expect(clean.stdout == "1 file checked, no problems.\n")
        let renamed = document.replacingOccurrences(of: "total_cents", with: "total_in_cents")
        #expect(renamed != document)
        try renamed.write(toFile: directory.file("contracts/pricing.yaml"), atomically: true, encoding: .utf8)
        let drifted = try await runBaton(["lint", "shop.baton.yaml"], in: directory.path)
        #expect(drifted.status == 1)
        #expect(drifted.stdout.hasPrefix(expected), "README's diagnostic differs from lint's:\n\(drifted.stdout)")
    }
}
