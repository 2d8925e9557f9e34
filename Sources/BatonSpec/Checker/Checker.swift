/// The checker's mutable state for one spec; single-threaded and discarded after `run`.
final class Checker {
    let path: String
    var diagnostics: [Diagnostic] = []

    // Types (§3): declarations in order, then their resolved form.
    var typeDecls: [TypeDecl] = []
    var typeIndex: [String: Int] = [:]
    var resolvedTypes: [String: ResolvedType] = [:]

    // Policies (§4) by kind and name.
    var namedRetries: [String: RetryPolicy] = [:]
    var namedBreakers: [String: CircuitBreakerPolicy] = [:]
    var namedRateLimits: [String: RateLimitPolicy] = [:]
    var namedBulkheads: [String: BulkheadPolicy] = [:]
    var namedHedges: [String: HedgePolicy] = [:]
    var namedCaches: [String: CachePolicy] = [:]

    // Services (§5).
    var services: [ServiceInfo] = []
    var serviceIndex: [String: Int] = [:]
    /// Operations called anywhere (steps, fallbacks, compensations).
    var calledOperations: Set<OperationRef> = []
    /// A call failed to resolve: usage warnings would be guesses, so they are skipped.
    var unresolvedCalls = false
    /// Workflow inputs and outputs, roots for `unused-type`.
    var workflowTypes: [TypeRef] = []
    /// Step references met while typing the current expression group (for the graph).
    var exprRefs: [(step: String, location: SourceLocation)] = []

    // OpenAPI-described services (§12).
    let documentReader: OpenAPIDocumentReader
    var openAPIServices: [String: OpenAPIServiceImport] = [:]
    var importers: [String: OpenAPIImporter] = [:]
    var importerOrder: [String] = []
    var failedDocuments: Set<String> = []
    /// Every document read, for rendering diagnostics that point into it.
    var documentSources: [SpecSource] = []

    init(path: String, documents: OpenAPIDocumentReader = .fileSystem) {
        self.path = path
        self.documentReader = documents
    }

    func report(_ rule: Rule, _ message: String, at location: SourceLocation, suggestion: String? = nil) {
        diagnostics.append(Diagnostic(rule, message, at: location, suggestion: suggestion))
    }

    /// Errors reported so far. Diagnostics are only ever appended, so each call counts only what
    /// came since the last one (a count over every diagnostic per workflow was quadratic).
    var errorCount: Int {
        for diagnostic in diagnostics[countedDiagnostics...] where diagnostic.severity == .error {
            countedErrors += 1
        }
        countedDiagnostics = diagnostics.count
        return countedErrors
    }

    private var countedDiagnostics = 0
    private var countedErrors = 0

    /// Checks the whole document and builds the model (discarded by the caller on errors).
    func run(_ root: YAMLNode) -> ResolvedSpec? {
        let top = closed(root, "the spec",
                         allowed: ["baton", "name", "description", "types", "policies", "services", "workflows"],
                         required: ["baton", "name", "services", "workflows"], owner: root.location)
        guard let top else { return nil }

        if let v = top["baton"]?.value {
            if let s = v.scalar, s.isPlain, let n = ScalarSyntax.integer(s.value) {
                if n != 1 {
                    report(.invalidValue, "unsupported format version \(n); this tool reads 'baton: 1'", at: s.location)
                }
            } else {
                report(.invalidValue, "'baton' must be the format version 1", at: v.location)
            }
        }
        var name = ""
        if let e = top["name"], let s = string(e.value, "'name'") {
            name = s
            if !ScalarSyntax.isTypeName(s) {
                report(.invalidName, "spec name '\(s)' must be UpperCamelCase ([A-Z][A-Za-z0-9]*)",
                       at: e.value.location)
            }
        }
        let description = top["description"].flatMap { string($0.value, "'description'") }

        // Pass 1: every type name, declared, generated or imported from an OpenAPI document, so
        // references resolve in any order.
        importOpenAPIServices(top)
        declareTypes(top)
        declareImportedTypes()
        resolveTypes()
        if let p = top["policies"] { readPolicies(p.value) }
        if let s = top["services"] { readServices(s) }
        checkGeneratedNameClashes(specName: name, workflows: top["workflows"])
        resolveInvalidates()

        var workflows: [ResolvedWorkflow] = []
        if let w = top["workflows"] {
            workflows = readWorkflows(w)
        }
        reportUnused()

        return ResolvedSpec(
            name: name, description: description,
            sourceFileName: String(path.split(separator: "/").last ?? Substring(path)),
            sourcePath: path,
            types: typeDecls.compactMap { resolvedTypes[$0.name] },
            services: services.compactMap(\.resolved),
            workflows: workflows,
            openAPIDocuments: importerOrder)
    }
}

extension TypeRef {
    /// The placeholder for a type that failed to resolve (already reported).
    static let error = TypeRef.named("?")

    /// Whether this mentions an unresolved type; checks against it are skipped.
    var isErrorType: Bool { namedCore == "?" }
}

/// A type declared under `types` or generated for an inline input/output.
struct TypeDecl {
    var name: String
    /// The key that declares it (the type name, or the `input`/`output` key).
    var location: SourceLocation
    var origin: ResolvedType.Origin
    var body: YAMLNode
    /// The type as an OpenAPI document defines it (spec-v1 §12); `body` is then unused.
    var imported: ResolvedType? = nil
}

/// A service while it is being checked.
struct ServiceInfo {
    var name: String
    var location: SourceLocation
    var resolved: ResolvedService?
    var operations: [OperationInfo] = []
    var operationIndex: [String: Int] = [:]
}

/// An operation while it is being checked.
struct OperationInfo {
    var resolved: ResolvedOperation
    /// `invalidates` entries, resolved after all services are read.
    var invalidatesNode: YAMLNode?
    /// Where `cache` was written (for `cache-on-write` and `invalid-value`).
    var cacheLocation: SourceLocation?
}
