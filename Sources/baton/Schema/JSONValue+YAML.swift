extension JSONValue {
    /// The value as block-style YAML (two-space indentation, a final newline): the same data as
    /// ``rendered``, for documents people read, such as `baton openapi`'s. Strings are always
    /// double-quoted, so no text is ever read back as a number, a boolean or null.
    var yamlRendered: String {
        var out = ""
        switch self {
        case .object(let entries) where !entries.isEmpty: Self.yamlEntries(entries, into: &out, indent: "")
        case .array(let items) where !items.isEmpty: Self.yamlItems(items, into: &out, indent: "")
        default: out = inlineYAML + "\n"
        }
        return out
    }

    private static func yamlEntries(_ entries: [(String, JSONValue)], into out: inout String, indent: String, firstPrefix: String? = nil) {
        for (index, (key, value)) in entries.enumerated() {
            out += (index == 0 ? firstPrefix ?? indent : indent) + yamlKey(key) + ":"
            switch value {
            case .object(let nested) where !nested.isEmpty:
                out += "\n"
                yamlEntries(nested, into: &out, indent: indent + "  ")
            case .array(let items) where !items.isEmpty && !items.allSatisfy(\.isYAMLScalar):
                out += "\n"
                yamlItems(items, into: &out, indent: indent)
            default:
                out += " " + value.inlineYAML + "\n"
            }
        }
    }

    private static func yamlItems(_ items: [JSONValue], into out: inout String, indent: String) {
        for item in items {
            switch item {
            case .object(let entries) where !entries.isEmpty:
                yamlEntries(entries, into: &out, indent: indent + "  ", firstPrefix: indent + "- ")
            default:
                out += indent + "- " + item.inlineYAML + "\n"
            }
        }
    }

    /// Scalars, empty collections and lists of scalars, in flow style.
    private var inlineYAML: String {
        switch self {
        case .string(let s): Self.quoted(s)
        case .int(let i): String(i)
        case .bool(let b): b ? "true" : "false"
        case .array(let items): "[" + items.map(\.inlineYAML).joined(separator: ", ") + "]"
        case .object(let entries): "{" + entries.map { Self.yamlKey($0.0) + ": " + $0.1.inlineYAML }.joined(separator: ", ") + "}"
        }
    }

    private var isYAMLScalar: Bool {
        switch self {
        case .string, .int, .bool: true
        case .array, .object: false
        }
    }

    /// A key as written when it is a plain word, else quoted (paths, `$ref`, status codes).
    private static func yamlKey(_ key: String) -> String {
        let plain = !key.isEmpty && key.first?.isLetter == true
            && key.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "_" || $0 == "-" }
        return plain ? key : quoted(key)
    }
}
