/// Checks applied to the raw bytes before libyaml sees them: size, encoding, binary content.
enum InputValidation {
    /// Returns the UTF-8 bytes to parse (a UTF-8 byte-order mark removed), or the diagnostic
    /// that refuses the file.
    static func validate(_ source: SpecSource, limits: LoaderLimits) -> Result<[UInt8], DiagnosticError> {
        let bytes = source.bytes
        let start = SourceLocation(file: source.path, line: 1, column: 1)
        if bytes.count > limits.maxBytes {
            return .failure(DiagnosticError(Diagnostic(
                .invalidValue,
                "the file is \(bytes.count) bytes; specs larger than \(limits.maxBytes / (1024 * 1024)) MiB are refused",
                at: start)))
        }
        // UTF-16/32 byte-order marks, or the NUL pattern of BOM-less UTF-16 text.
        if bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0xFF, 0xFE])
            || (bytes.count >= 2 && (bytes[0] == 0 || bytes[1] == 0)) {
            return .failure(DiagnosticError(Diagnostic(
                .yamlSyntax, "the file looks like UTF-16 or UTF-32; spec files must be UTF-8", at: start)))
        }
        var body = bytes
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body.removeFirst(3) }

        // Walk the UTF-8 once, tracking line and column (in Unicode scalars, as libyaml counts).
        var line = 1
        var column = 1
        var i = 0
        while i < body.count {
            let b = body[i]
            var width = 0
            if b < 0x80 {
                width = 1
            } else if b & 0xE0 == 0xC0, b >= 0xC2 {
                width = 2
            } else if b & 0xF0 == 0xE0 {
                width = 3
            } else if b & 0xF8 == 0xF0, b <= 0xF4 {
                width = 4
            }
            var valid = width > 0 && i + width <= body.count
            if valid, width > 1 {
                for k in 1..<width where body[i + k] & 0xC0 != 0x80 { valid = false }
                if valid {
                    let b1 = body[i + 1]
                    if (b == 0xE0 && b1 < 0xA0) || (b == 0xED && b1 >= 0xA0)
                        || (b == 0xF0 && b1 < 0x90) || (b == 0xF4 && b1 >= 0x90) {
                        valid = false  // overlong, surrogate or beyond U+10FFFF
                    }
                }
            }
            let here = SourceLocation(file: source.path, line: line, column: column)
            guard valid else {
                return .failure(DiagnosticError(Diagnostic(
                    .yamlSyntax, "the file is not valid UTF-8 (byte 0x\(String(b, radix: 16, uppercase: true)))",
                    at: here)))
            }
            // NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR: libyaml (YAML 1.1) breaks lines at
            // them, editors and this file's line table do not, so every location after one would
            // point at the wrong line (found by fuzzing). Escapes in double quotes still work.
            if (b == 0xC2 && body[i + 1] == 0x85) || (b == 0xE2 && body[i + 1] == 0x80 && (body[i + 2] == 0xA8 || body[i + 2] == 0xA9)) {
                let name = b == 0xC2 ? "U+0085 (next line)" : body[i + 2] == 0xA8 ? "U+2028 (line separator)" : "U+2029 (paragraph separator)"
                let escape = b == 0xC2 ? "\\N" : body[i + 2] == 0xA8 ? "\\L" : "\\P"
                return .failure(DiagnosticError(Diagnostic(
                    .yamlSyntax,
                    "the file contains \(name), which YAML reads as a line break and editors do not; write it as \(escape) in a double-quoted string",
                    at: here)))
            }
            if b == 0 || (b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D) || b == 0x7F {
                return .failure(DiagnosticError(Diagnostic(
                    .yamlSyntax,
                    "the file contains a control character (0x\(String(b, radix: 16, uppercase: true))); is it a binary file?",
                    at: here)))
            }
            if b == 0x0A || (b == 0x0D && !(i + 1 < body.count && body[i + 1] == 0x0A)) {
                line += 1
                column = 1
            } else if b != 0x0D {
                column += 1
            }
            i += width
        }
        return .success(body)
    }
}

/// A diagnostic carried as an error inside the loader.
struct DiagnosticError: Error {
    var diagnostic: Diagnostic
    init(_ diagnostic: Diagnostic) { self.diagnostic = diagnostic }
}
