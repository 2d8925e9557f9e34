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

    /// One key under the mapping whose path has id `parent` (0: the top of the document). Paths
    /// are numbered as they are met, so indexing concatenates no strings: a 1,000-workflow spec
    /// has ~40k keys, and joining their paths was a fifth of `baton lint`.
    private struct PathStep: Sendable, Hashable {
        var parent: Int
        var key: String
    }

    private struct IndexedKey: Sendable, Hashable {
        var location: SourceLocation
        var id: Int
    }

    private var index: [PathStep: IndexedKey] = [:]

    public init() {}

    /// Indexes the keys of a located syntax tree.
    public init(_ root: YAMLNode) {
        var index: [PathStep: IndexedKey] = [:]
        func walk(_ node: YAMLNode, parent: Int, depth: Int) {
            guard depth < Self.maxDepth, case .mapping(let mapping) = node else { return }
            for entry in mapping.entries {
                let step = PathStep(parent: parent, key: entry.key.value)
                // A repeated key keeps its first location; what is under it is indexed as well.
                let id: Int
                if let known = index[step] {
                    id = known.id
                } else {
                    id = index.count + 1
                    index[step] = IndexedKey(location: entry.key.location, id: id)
                }
                walk(entry.value, parent: id, depth: depth + 1)
            }
        }
        walk(root, parent: 0, depth: 0)
        self.index = index
    }

    /// The location of the key at the end of `path`, when it was written.
    public func location(_ path: [String]) -> SourceLocation? {
        guard !path.isEmpty, path.count <= Self.maxDepth else { return nil }
        var found: IndexedKey?
        for key in path {
            guard let next = index[PathStep(parent: found?.id ?? 0, key: key)] else { return nil }
            found = next
        }
        return found?.location
    }

    /// The location of the key at the end of `path`, when it was written.
    public func location(_ path: String...) -> SourceLocation? { location(path) }

    /// Whether the key at the end of `path` was written.
    public func contains(_ path: String...) -> Bool { location(path) != nil }

    /// Number of indexed keys.
    public var count: Int { index.count }
}
