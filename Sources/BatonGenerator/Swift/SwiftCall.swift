/// Layout of generated calls and closures, so the view code reads as what it emits.
enum SwiftCall {
    /// `name(` + one argument per line + `)`, for a statement starting at `indent`.
    static func multiline(_ name: String, _ arguments: [String], indent: String) -> String {
        guard !arguments.isEmpty else { return name + "()" }
        let inner = indent + "    "
        return name + "(\n" + arguments.map { inner + $0 }.joined(separator: ",\n") + "\n" + indent + ")"
    }

    /// A trailing-closure argument whose body sits one level deeper than the argument (itself one
    /// level inside a statement at eight spaces).
    static func closure(_ opening: String, body: String) -> String {
        opening + "\n                " + body + "\n            }"
    }
}
