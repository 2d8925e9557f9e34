/// Spec text made safe to embed in generated Swift.
///
/// No spec text can end a string literal or a comment early, start an interpolation, or smuggle
/// invisible characters (bidi overrides, control characters) into the source: everything that is
/// not plain printable text is written as a `\u{…}` escape in literals and made visible in comments.
enum SwiftLiteral {
    /// A Swift string literal whose runtime value is exactly `text`, byte for byte.
    static func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if needsEscape(scalar) {
                    out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// `///` doc comment lines for a description, ready to stand before a declaration that is
    /// indented by `indent`: each line ends with a line break and `indent`. Empty for nil.
    ///
    /// A `///` comment ends at the line break, so the only hazards are line breaks (each becomes
    /// its own comment line) and invisible characters (shown as `\u{…}` so reviewers see them).
    /// Prose lines are wrapped at spaces to fit ``SwiftRenderer/defaultWidth``; lines that start
    /// with a space (code, lists continued) are kept as written.
    static func docComment(_ text: String?, indent: String = "") -> String {
        guard let text, !text.isEmpty else { return "" }
        // `replacing` works on Characters (grapheme breaking): only pay for it when there is a CR.
        let normalized = text.utf8.contains(UInt8(ascii: "\r"))
            ? text.replacing("\r\n", with: "\n").replacing("\r", with: "\n") : text
        var lines = normalized.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            // Printable ASCII (nearly every description) has nothing to escape.
            if line.utf8.allSatisfy({ (0x20..<0x7F).contains($0) }) { return String(line).trimmingTrailingWhitespace() }
            var out = ""
            for scalar in line.unicodeScalars {
                if needsEscape(scalar) && scalar != "\t" {
                    out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
            return out.trimmingTrailingWhitespace()
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        while lines.first?.isEmpty == true { lines.removeFirst() }
        let width = SwiftRenderer.defaultWidth - indent.columns - 4
        return lines.flatMap { wrapped($0, width: width) }.map { ($0.isEmpty ? "///" : "/// \($0)") + "\n" + indent }.joined()
    }

    /// `line` broken at spaces into lines of at most `width` characters (a longer word stays whole).
    static func wrapped(_ line: String, width: Int) -> [String] {
        guard line.columns > width, line.first != " ", line.first != "\t" else { return [line] }
        var lines: [String] = []
        var current = ""
        for word in line.split(separator: " ", omittingEmptySubsequences: true) {
            if current.isEmpty {
                current = String(word)
            } else if current.columns + 1 + word.columns <= width {
                current += " " + word
            } else {
                lines.append(current)
                current = String(word)
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }

    /// Control characters, bidi controls, line/paragraph separators, and other invisible formatting
    /// characters: anything that would read differently from what it is.
    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x20...0x7E: return false  // printable ASCII, nearly all text: no property lookup
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x206F, 0xFEFF, 0xFFF9...0xFFFB: return true
        default:
            switch scalar.properties.generalCategory {
            case .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator: return true
            default: return false
            }
        }
    }
}

extension String {
    func trimmingTrailingWhitespace() -> String {
        var copy = self
        while copy.last?.isWhitespace == true { copy.removeLast() }
        return copy
    }
}
