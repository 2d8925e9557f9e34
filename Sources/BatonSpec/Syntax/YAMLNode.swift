/// A YAML node with the location of its first character, converted from libyaml events.
///
/// This is the only tree the checker reads. It is `Sendable` and owns no Yams types, so the
/// rest of the module never touches YAML machinery (see DESIGN.md, "convert at the edge").
public indirect enum YAMLNode: Sendable, Hashable {
    case scalar(YAMLScalar)
    case sequence(YAMLSequence)
    case mapping(YAMLMapping)

    /// Where the node starts (for block mappings this is the first key).
    public var location: SourceLocation {
        switch self {
        case .scalar(let s): s.location
        case .sequence(let s): s.location
        case .mapping(let m): m.location
        }
    }

    public var scalar: YAMLScalar? {
        if case .scalar(let s) = self { return s }
        return nil
    }

    public var mapping: YAMLMapping? {
        if case .mapping(let m) = self { return m }
        return nil
    }

    public var sequence: YAMLSequence? {
        if case .sequence(let s) = self { return s }
        return nil
    }

    /// A short word for messages: "a mapping", "a list", "a scalar".
    var kindDescription: String {
        switch self {
        case .scalar(let s): s.isNull ? "null" : "a scalar"
        case .sequence: "a list"
        case .mapping: "a mapping"
        }
    }
}

/// A scalar exactly as written (the checker decides its type from the target it fills).
public struct YAMLScalar: Sendable, Hashable {
    /// How the scalar was written; quoting decides whether `1` is a number or a string.
    public enum Style: Sendable, Hashable {
        case plain, singleQuoted, doubleQuoted, literal, folded
    }

    public var value: String
    public var style: Style
    /// An explicit tag such as `!!str`, when one was written.
    public var tag: String?
    public var location: SourceLocation

    public init(value: String, style: Style, tag: String? = nil, location: SourceLocation) {
        self.value = value
        self.style = style
        self.tag = tag
        self.location = location
    }

    public var isPlain: Bool { style == .plain && tag == nil }

    /// YAML core-schema null: `~`, `null`, or nothing at all, unquoted.
    public var isNull: Bool {
        isPlain && (value.isEmpty || value == "~" || value == "null" || value == "Null" || value == "NULL")
    }

    /// The location of the character `offset` Unicode scalars into the value. Exact for plain
    /// and simply quoted single-line scalars, which is where expressions live.
    public func location(atOffset offset: Int) -> SourceLocation {
        var loc = location
        switch style {
        case .plain: loc.column += offset
        case .singleQuoted, .doubleQuoted: loc.column += offset + 1
        case .literal, .folded: break
        }
        return loc
    }
}

/// A YAML sequence.
public struct YAMLSequence: Sendable, Hashable {
    public var items: [YAMLNode]
    public var location: SourceLocation

    public init(items: [YAMLNode], location: SourceLocation) {
        self.items = items
        self.location = location
    }
}

/// A YAML mapping whose keys are scalars, in the order written. Duplicate keys were already
/// reported (at the second occurrence) and only the first one is kept.
public struct YAMLMapping: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public var key: YAMLScalar
        public var value: YAMLNode
    }

    public var entries: [Entry]
    public var location: SourceLocation

    public init(entries: [Entry], location: SourceLocation) {
        self.entries = entries
        self.location = location
    }

    public subscript(key: String) -> Entry? {
        entries.first { $0.key.value == key }
    }

    public var keys: [String] { entries.map(\.key.value) }
}
