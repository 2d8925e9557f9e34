import Foundation
import OpenAPIKit
import OpenAPIKit30
import OpenAPIKitCompat
import Yams

/// An OpenAPI document read and decoded, with the located tree its diagnostics point into.
struct LoadedOpenAPIDocument {
    /// The path diagnostics show (the spec's folder joined with the written path).
    var path: String
    var source: SpecSource
    /// The located YAML (or JSON) tree: where every JSON pointer of the document is.
    var locator: OpenAPILocator
    /// The document in OpenAPI 3.1 form (3.0 documents are converted, as swift-openapi-generator
    /// does).
    var document: OpenAPIKit.OpenAPI.Document
}

/// Reads an OpenAPI 3.0.x or 3.1.x document, YAML or JSON, into OpenAPIKit's model (spec-v1 §12).
/// Every problem is an `openapi-error` at the document's line and column.
enum OpenAPIDocumentLoader {
    /// Documents are larger than specs (OpenAI's is ~1 MB with ~100k nodes): wider bounds, the
    /// same protections against alias bombs and deep nesting.
    static let limits: LoaderLimits = {
        var l = LoaderLimits()
        l.maxBytes = 32 * 1024 * 1024
        l.maxNodes = 4_000_000
        l.maxDepth = 200
        l.maxAliases = 10_000
        return l
    }()

    static func load(path: String, bytes: [UInt8]) -> (LoadedOpenAPIDocument?, [Diagnostic]) {
        let source = SpecSource(path: path, bytes: bytes)
        let start = SourceLocation(file: path, line: 1, column: 1)
        func failure(_ message: String, at location: SourceLocation) -> (LoadedOpenAPIDocument?, [Diagnostic]) {
            (nil, [Diagnostic(.openAPIError, message, at: location)])
        }
        let text: [UInt8]
        switch InputValidation.validate(source, limits: limits) {
        case .failure(let error):
            return failure("the OpenAPI document cannot be read: \(error.diagnostic.message)", at: error.diagnostic.location)
        case .success(let b):
            text = b
        }
        let (root, composeDiagnostics) = YAMLComposer(path: path, limits: limits).compose(text)
        if let first = composeDiagnostics.first(where: { $0.severity == .error }) {
            return failure("the OpenAPI document is not valid YAML or JSON: \(first.message)", at: first.location)
        }
        guard let root, let top = root.mapping else {
            return failure("the OpenAPI document must be a mapping with an 'openapi' version key", at: root?.location ?? start)
        }
        let locator = OpenAPILocator(root: root, path: path)
        guard let versionEntry = top["openapi"] else {
            if let swagger = top["swagger"] {
                return failure("Swagger \(swagger.value.scalar?.value ?? "2") documents are not supported; "
                               + "convert the document to OpenAPI 3.0 or 3.1", at: swagger.key.location)
            }
            return failure("not an OpenAPI document: it has no 'openapi' version key (OpenAPI 3.0.x or 3.1.x)", at: root.location)
        }
        let version = versionEntry.value.scalar?.value ?? ""
        let decoder = YAMLDecoder()
        let string = String(decoding: text, as: UTF8.self)
        do {
            let document: OpenAPIKit.OpenAPI.Document
            if version.hasPrefix("3.0.") {
                let v30 = try decoder.decode(OpenAPIKit30.OpenAPI.Document.self, from: string)
                document = v30.convert(to: .v3_1_0)
            } else if version.hasPrefix("3.1.") {
                document = try decoder.decode(OpenAPIKit.OpenAPI.Document.self, from: string)
            } else {
                return failure("OpenAPI version '\(version)' is not supported; Baton reads OpenAPI 3.0.x and 3.1.x documents",
                               at: versionEntry.value.location)
            }
            return (LoadedOpenAPIDocument(path: path, source: source, locator: locator, document: document), [])
        } catch {
            let problem = OpenAPIKit.OpenAPI.Error(from: error)
            let pointer = problem.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
            let location = locator.location(pointer)
            // OpenAPIKit's descriptions span lines; a diagnostic is one line.
            let description = problem.localizedDescription.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
            return failure("the OpenAPI document is invalid at \(OpenAPILocator.pointerText(pointer)): \(description)", at: location)
        }
    }
}

/// Maps JSON pointers of a document back to lines and columns of its located tree.
struct OpenAPILocator {
    let root: YAMLNode
    let path: String

    /// The node at `pointer` (segments unescaped), or nil when the document has no such node.
    func node(_ pointer: [String]) -> YAMLNode? {
        var current = root
        for segment in pointer {
            switch current {
            case .mapping(let m):
                guard let e = entry(m, segment) else { return nil }
                current = e.value
            case .sequence(let s):
                guard let i = Int(segment), s.items.indices.contains(i) else { return nil }
                current = s.items[i]
            case .scalar:
                return nil
            }
        }
        return current
    }

    /// Where `pointer` is written: the key of a mapping entry, the start of a list item; the
    /// deepest existing ancestor when the pointer goes further than the document does.
    func location(_ pointer: [String]) -> SourceLocation {
        var current = root
        var location = root.location
        for segment in pointer {
            switch current {
            case .mapping(let m):
                guard let e = entry(m, segment) else { return location }
                location = e.key.location
                current = e.value
            case .sequence(let s):
                guard let i = Int(segment), s.items.indices.contains(i) else { return location }
                location = s.items[i].location
                current = s.items[i]
            case .scalar:
                return location
            }
        }
        return location
    }

    /// Where the value at `pointer` starts (for scalars: the value, not its key).
    func valueLocation(_ pointer: [String]) -> SourceLocation {
        node(pointer)?.location ?? location(pointer)
    }

    private func entry(_ m: YAMLMapping, _ key: String) -> YAMLMapping.Entry? {
        if let e = m[key] { return e }
        // Status ranges: OpenAPIKit writes `2XX`, documents may write `2xx`.
        return m.entries.first { $0.key.value.lowercased() == key.lowercased() }
    }

    /// `#/paths/~1pets/get`: a pointer as RFC 6901 writes it.
    static func pointerText(_ pointer: [String]) -> String {
        "#" + pointer.map { "/" + $0.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1") }.joined()
    }
}
