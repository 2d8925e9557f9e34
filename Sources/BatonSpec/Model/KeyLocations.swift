/// Where each key of a spec file was written, by its path of keys from the top of the document
/// (`["workflows", "checkout", "deadline"]`), down to ``maxDepth`` keys.
///
/// The model resolves settings — a step's effective timeout, a workflow's deadline, a retry policy
/// taken by name — and keeps the locations of the things it declares (types, fields, services,
/// operations, workflows, steps). Tools that must point at one setting as written, such as
/// `baton diff` reporting a shorter deadline at its `deadline:` line, or telling a timeout written
/// on a step from one inherited from its service, ask here. Sequences are not indexed.
public struct KeyLocations: Sendable, Hashable {
    /// Paths are indexed down to this many keys (`services.pricing.operations.quote.timeout` is 5).
    public static let maxDepth = 5

    private var index: [String: SourceLocation] = [:]

    public init() {}

    /// Indexes the keys of a located syntax tree.
    public init(_ root: YAMLNode) {
        var index: [String: SourceLocation] = [:]
        func walk(_ node: YAMLNode, prefix: String, depth: Int) {
            guard depth < Self.maxDepth, case .mapping(let mapping) = node else { return }
            for entry in mapping.entries {
                let path = depth == 0 ? entry.key.value : prefix + Self.separator + entry.key.value
                if index[path] == nil { index[path] = entry.key.location }
                walk(entry.value, prefix: path, depth: depth + 1)
            }
        }
        walk(root, prefix: "", depth: 0)
        self.index = index
    }

    /// The location of the key at the end of `path`, when it was written.
    public func location(_ path: [String]) -> SourceLocation? {
        guard !path.isEmpty, path.count <= Self.maxDepth else { return nil }
        return index[path.joined(separator: Self.separator)]
    }

    /// The location of the key at the end of `path`, when it was written.
    public func location(_ path: String...) -> SourceLocation? { location(path) }

    /// Whether the key at the end of `path` was written.
    public func contains(_ path: String...) -> Bool { location(path) != nil }

    /// Number of indexed keys.
    public var count: Int { index.count }

    /// Joins keys in the index; never part of a name the format allows.
    private static let separator = "\u{1F}"
}
