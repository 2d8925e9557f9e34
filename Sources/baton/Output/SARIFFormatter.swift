import BatonSpec
import Foundation

/// SARIF 2.1.0 for code-scanning tools (e.g. GitHub's `upload-sarif`).
///
/// Every rule of spec-v1 §8 is listed in `tool.driver.rules` (so rule metadata is available even
/// for rules with no result), results reference them by `ruleId` and `ruleIndex`, and file URIs are
/// relative to the working directory under the `%SRCROOT%` base. Columns count Unicode code
/// points, as stated by the run's `columnKind`.
struct SARIFFormatter {
    var workingDirectory: String = FileManager.default.currentDirectoryPath

    struct Log: Encodable {
        var schema = "https://json.schemastore.org/sarif-2.1.0.json"
        var version = "2.1.0"
        var runs: [Run]

        enum CodingKeys: String, CodingKey {
            case schema = "$schema"
            case version, runs
        }
    }

    struct Run: Encodable {
        var tool: Tool
        var columnKind = "unicodeCodePoints"
        var originalUriBaseIds: [String: ArtifactLocation]
        var artifacts: [Artifact]
        var results: [Result]
    }

    struct Tool: Encodable { var driver: Driver }

    struct Driver: Encodable {
        var name = "baton"
        var semanticVersion = BatonVersion.current
        var rules: [ReportingDescriptor]
    }

    struct ReportingDescriptor: Encodable {
        var id: String
        var name: String
        var shortDescription: Message
        var defaultConfiguration: Configuration
        var help: Message
    }

    struct Configuration: Encodable { var level: String }
    struct Message: Encodable { var text: String }

    struct ArtifactLocation: Encodable {
        var uri: String
        var uriBaseId: String?
    }

    struct Artifact: Encodable { var location: ArtifactLocation }

    struct Result: Encodable {
        var ruleId: String
        var ruleIndex: Int
        var level: String
        var message: Message
        var locations: [Location]
    }

    struct Location: Encodable { var physicalLocation: PhysicalLocation }

    struct PhysicalLocation: Encodable {
        var artifactLocation: ArtifactLocation
        var region: Region
    }

    struct Region: Encodable {
        var startLine: Int
        var startColumn: Int
    }

    func render(_ report: DiagnosticReport) -> String {
        let rules = Rule.allCases
        let ruleIndex = Dictionary(uniqueKeysWithValues: rules.enumerated().map { ($1, $0) })
        let root = workingDirectory.hasSuffix("/") ? workingDirectory : workingDirectory + "/"
        let run = Run(
            tool: Tool(driver: Driver(rules: rules.map(Self.descriptor))),
            originalUriBaseIds: ["%SRCROOT%": ArtifactLocation(uri: Self.fileURI(root))],
            artifacts: report.files.map { Artifact(location: artifactLocation($0)) },
            results: report.diagnostics.map { diagnostic in
                let text = diagnostic.messageWithSuggestion
                return Result(
                    ruleId: diagnostic.rule.id,
                    ruleIndex: ruleIndex[diagnostic.rule] ?? 0,
                    level: diagnostic.severity.rawValue,
                    message: Message(text: text),
                    locations: [
                        Location(physicalLocation: PhysicalLocation(
                            artifactLocation: artifactLocation(diagnostic.location.file),
                            region: Region(startLine: diagnostic.location.line, startColumn: diagnostic.location.column)
                        ))
                    ]
                )
            }
        )
        return encodeJSON(Log(runs: [run]))
    }

    private static func descriptor(_ rule: Rule) -> ReportingDescriptor {
        ReportingDescriptor(
            id: rule.id,
            name: rule.id.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(),
            shortDescription: Message(text: rule.summary),
            defaultConfiguration: Configuration(level: rule.defaultSeverity.rawValue),
            help: Message(text: "See the rule `\(rule.id)` in Docs/spec-reference.md.")
        )
    }

    /// A path relative to the working directory, as a URI reference under `%SRCROOT%`; paths
    /// outside it become absolute `file://` URIs.
    private func artifactLocation(_ path: String) -> ArtifactLocation {
        let absolute = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: workingDirectory, isDirectory: true))
            .standardizedFileURL.path
        let root = workingDirectory.hasSuffix("/") ? workingDirectory : workingDirectory + "/"
        if absolute.hasPrefix(root) {
            return ArtifactLocation(uri: Self.percentEncode(String(absolute.dropFirst(root.count))), uriBaseId: "%SRCROOT%")
        }
        return ArtifactLocation(uri: Self.fileURI(absolute))
    }

    private static func fileURI(_ absolutePath: String) -> String {
        "file://" + percentEncode(absolutePath)
    }

    private static func percentEncode(_ path: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: ";?#[]")
        return path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
    }
}
