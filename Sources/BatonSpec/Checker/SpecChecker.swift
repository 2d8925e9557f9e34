/// The result of checking one spec file.
public struct CheckResult: Sendable {
    /// Every finding, sorted by location (then rule id).
    public var diagnostics: [Diagnostic]
    /// The resolved model; nil when any diagnostic is an error.
    public var spec: ResolvedSpec?
    /// The resolved model also when its only errors are verdicts about a complete model — the
    /// budget and safety rules (`deadline-budget`, `unsafe-retry`, `cache-on-write`) — so tools
    /// like `baton explain` can show the numbers behind them. Nil when anything is unresolved.
    public var analysableSpec: ResolvedSpec?
    /// The OpenAPI documents the spec's services name (spec-v1 §12) that could be read, for
    /// rendering diagnostics that point into them.
    public var documents: [SpecSource] = []

    public init(diagnostics: [Diagnostic], spec: ResolvedSpec?, analysableSpec: ResolvedSpec? = nil,
                documents: [SpecSource] = []) {
        self.diagnostics = diagnostics
        self.spec = spec
        self.analysableSpec = analysableSpec ?? spec
        self.documents = documents
    }

    /// Errors that judge a complete model rather than leave parts of it unresolved.
    static let verdictRules: Set<Rule> = [.deadlineBudget, .unsafeRetry, .cacheOnWrite]

    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { diagnostics.filter { $0.severity == .warning } }
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}

/// Loads, checks and resolves spec files (spec-v1 §1–§6 and the rules of §8).
public enum SpecChecker {
    /// Checks one spec. Never throws and never traps on malformed input: every problem becomes a
    /// diagnostic with a location.
    /// OpenAPI documents (spec-v1 §12) are read with `documents`: by default from the file
    /// system, relative to the spec's path.
    public static func check(_ source: SpecSource, documents: OpenAPIDocumentReader = .fileSystem) -> CheckResult {
        check(source, limits: .default, documents: documents)
    }

    /// Checks one spec with custom loader limits (tests use small ones).
    public static func check(_ source: SpecSource, limits: LoaderLimits,
                             documents: OpenAPIDocumentReader = .fileSystem) -> CheckResult {
        let (root, loadDiagnostics) = load(source, limits: limits)
        var diagnostics = loadDiagnostics
        var spec: ResolvedSpec?
        var documentSources: [SpecSource] = []
        if let root, !loadDiagnostics.contains(where: { $0.rule == .yamlSyntax || isRefusal($0) }) {
            let checker = Checker(path: source.path, documents: documents)
            spec = checker.run(root)
            spec?.keyLocations = KeyLocations(root)
            diagnostics += checker.diagnostics
            documentSources = checker.documentSources
        } else if root == nil, loadDiagnostics.isEmpty {
            diagnostics.append(Diagnostic(
                .missingKey, "the spec is empty; it needs at least 'baton', 'name', 'services' and 'workflows'",
                at: SourceLocation(file: source.path, line: 1, column: 1)))
        }
        diagnostics = sorted(diagnostics)
        let errors = diagnostics.filter { $0.severity == .error }
        let analysable = errors.allSatisfy { CheckResult.verdictRules.contains($0.rule) } ? spec : nil
        if !errors.isEmpty { spec = nil }
        return CheckResult(diagnostics: diagnostics, spec: spec, analysableSpec: analysable, documents: documentSources)
    }

    /// Parses the YAML only: the located syntax tree and any loader diagnostics.
    public static func load(_ source: SpecSource, limits: LoaderLimits = .default)
        -> (root: YAMLNode?, diagnostics: [Diagnostic]) {
        switch InputValidation.validate(source, limits: limits) {
        case .failure(let error):
            return (nil, [error.diagnostic])
        case .success(let bytes):
            return YAMLComposer(path: source.path, limits: limits).compose(bytes)
        }
    }

    private static func isRefusal(_ d: Diagnostic) -> Bool {
        d.rule == .invalidValue && d.message.contains("refusing")
    }

    static func sorted(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        // Stable sort on location then rule; identical findings (e.g. from alias expansion) once.
        var seen: Set<Diagnostic> = []
        let unique = diagnostics.filter { seen.insert($0).inserted }
        return unique.enumerated().sorted { a, b in
            if a.element.location != b.element.location { return a.element.location < b.element.location }
            if a.element.rule != b.element.rule { return a.element.rule.rawValue < b.element.rule.rawValue }
            return a.offset < b.offset
        }.map(\.element)
    }
}
