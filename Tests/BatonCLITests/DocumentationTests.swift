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

    @Test func runtimeGuideShowsTheTestThatThePluginFixtureRuns() throws {
        let test = try Self.read("Tests/Fixtures/PluginConsumer/Tests/PluginConsumerTests/GuideExampleTests.swift")
        let example = try Self.excerpt(test, marker: "Guide: testing example")
        let guide = try Self.read("Sources/BatonRuntime/BatonRuntime.docc/RuntimeGuide.md")
        #expect(guide.contains("```swift\n" + example + "```"),
                "RuntimeGuide.md must show the test of GuideExampleTests.swift verbatim")
    }

    @Test func batonTestingPageShowsATestThatRuns() throws {
        let test = try Self.read("Tests/BatonRuntimeTests/TestingCatalogExampleTests.swift")
        let example = try Self.excerpt(test, marker: "BatonTesting catalog: example")
        let page = try Self.read("Sources/BatonTesting/BatonTesting.docc/BatonTesting.md")
        #expect(page.contains("```swift\n" + example + "```"),
                "BatonTesting.md must show the test of TestingCatalogExampleTests.swift verbatim")
    }

    @Test(arguments: ["README.md", "Plugins/README.md", "Examples/README.md"])
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
}
