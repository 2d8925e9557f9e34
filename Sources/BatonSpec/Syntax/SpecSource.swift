/// The text of one spec file and the name the user gave it.
///
/// Diagnostics use `path` verbatim; `line(_:)` gives the source line for caret rendering.
public struct SpecSource: Sendable {
    /// The file as the user named it (relative paths stay relative).
    public let path: String
    /// The raw bytes; the loader validates them (size, encoding) before parsing.
    public let bytes: [UInt8]
    /// The text, decoded leniently (invalid UTF-8 sequences become U+FFFD) for display.
    public let text: String
    /// Byte offsets of line starts in `bytes`.
    private let lineStarts: [Int]

    public init(path: String, text: String) {
        self.init(path: path, bytes: Array(text.utf8))
    }

    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
        self.text = String(decoding: bytes, as: UTF8.self)
        var starts = [0]
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\n") {
                starts.append(i + 1)
            } else if bytes[i] == UInt8(ascii: "\r") {
                if i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "\n") { i += 1 }
                starts.append(i + 1)
            }
            i += 1
        }
        self.lineStarts = starts
    }

    /// The number of lines (a final line break does not start another line).
    public var lineCount: Int {
        if let last = lineStarts.last, last == bytes.count, lineStarts.count > 1 {
            return lineStarts.count - 1
        }
        return lineStarts.count
    }

    /// The 1-based line `n` without its line break, or nil when out of range.
    public func line(_ n: Int) -> String? {
        guard n >= 1, n <= lineCount else { return nil }
        let start = lineStarts[n - 1]
        var end = n < lineStarts.count ? lineStarts[n] : bytes.count
        while end > start, bytes[end - 1] == UInt8(ascii: "\n") || bytes[end - 1] == UInt8(ascii: "\r") {
            end -= 1
        }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// Lines of the file, for callers that render context.
    public var lines: [String] {
        (1...max(1, lineCount)).map { line($0) ?? "" }
    }
}
