import BatonNaming

/// Turns spec names into Swift identifiers.
///
/// Spec names are already restricted to `[A-Za-z][A-Za-z0-9]*` by the checker, so the only work
/// left is keywords: they are valid names in a spec and get backticks in Swift.
enum SwiftIdentifier {
    /// Swift keywords and contextual words that cannot stand unescaped as a declaration name or a
    /// member reference. Escaping a word that did not need it is harmless, so the list errs wide.
    static let reserved: Set<String> = [
        // Declarations
        "associatedtype", "borrowing", "class", "consuming", "deinit", "enum", "extension", "fileprivate",
        "func", "import", "init", "inout", "internal", "let", "nonisolated", "open", "operator", "package",
        "precedencegroup", "private", "protocol", "public", "rethrows", "static", "struct", "subscript",
        "typealias", "var",
        // Statements
        "break", "case", "catch", "continue", "default", "defer", "do", "else", "fallthrough", "for",
        "guard", "if", "in", "repeat", "return", "switch", "throw", "where", "while",
        // Expressions and types
        "Any", "as", "await", "false", "is", "nil", "self", "Self", "super", "throws", "true", "try",
        "some", "any", "each", "macro", "Type", "Protocol",
    ]

    /// `name`, with backticks when Swift reserves it.
    static func escaped(_ name: String) -> String {
        reserved.contains(name) ? "`\(name)`" : name
    }

    /// `name` as an argument label, at a call site or in a declaration: any keyword but `inout`,
    /// `var` and `let` is a valid label there, and escaping it draws a warning.
    static func label(_ name: String) -> String {
        ["inout", "var", "let"].contains(name) ? "`\(name)`" : name
    }

    /// A parameter name for `name` that never shadows `self` (a field may be called `self`).
    static func parameter(_ name: String) -> String {
        name == "self" ? "self_" : escaped(name)
    }

    /// `Name` from `name` (for names built from spec names, e.g. `makeCheckoutWorkflow`).
    static func upperCamel(_ name: String) -> String { GeneratedNames.upperCamel(name) }

    /// `name` from `Name`.
    static func lowerCamel(_ name: String) -> String { GeneratedNames.lowerCamel(name) }
}
