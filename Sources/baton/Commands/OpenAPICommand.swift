import ArgumentParser
import BatonSpec
import Foundation

struct OpenAPICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openapi",
        abstract: "Print the OpenAPI 3.1 document of the workflows the specs serve over HTTP.",
        discussion: """
            One operation per workflow with an `http` binding (operationId = the workflow's name), \
            the schemas of the types it uses under the spec's type names, the request headers the \
            generated routes honour (X-Correlation-ID, X-Request-Timeout-Ms, X-Caller-Class, \
            traceparent) and every response they send: 200 with Baton-Complete and Baton-Missing, \
            and 400, 413, 429, 502, 503 and 504 as RFC 9457 problem details. Clients can be \
            generated from it, e.g. with swift-openapi-generator.

            Exit status: 0 success, 1 errors in a spec or no workflow served, 2 the tool could not run.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case yaml, json
    }

    @Argument(help: "Spec files, or directories searched for *.baton.yaml and *.baton.yml.")
    var paths: [String]

    @Option(help: "yaml (default) or json.")
    var format: Format = .yaml

    func run() throws {
        print(try render(), terminator: "")
    }

    /// The document, after the specs checked without errors (diagnostics go to standard error).
    func render() throws -> String {
        let specs = try SpecFiles.resolvedSpecs(paths)
        guard let document = ServedOpenAPI(specs: specs).document() else {
            FileHandle.standardError.write(Data("no workflow is served over HTTP: give one an http binding, e.g. http: { method: POST, path: /v1/checkout }\n".utf8))
            throw ExitCode(1)
        }
        return format == .json ? document.rendered : document.yamlRendered
    }
}
