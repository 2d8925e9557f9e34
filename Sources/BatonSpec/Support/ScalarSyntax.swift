/// Parsers for the scalar kinds of spec-v1 §2. Each returns nil when the text is malformed;
/// callers turn that into the right diagnostic.
package enum ScalarSyntax {
    /// `250ms`, `1.5s`, `1m30s`; units us, ms, s, m, h. Returns nil for malformed or overflowing
    /// text; zero is returned as `.zero` so the caller can report "must be > 0".
    package static func duration(_ text: String) -> Duration? {
        let chars = Array(text.unicodeScalars)
        guard !chars.isEmpty else { return nil }
        var i = 0
        var totalNanos: Int64 = 0
        while i < chars.count {
            guard let (whole, frac, fracDigits, next) = number(chars, from: i) else { return nil }
            i = next
            var unit = ""
            while i < chars.count, chars[i].properties.isAlphabetic {
                unit.unicodeScalars.append(chars[i])
                i += 1
            }
            let perUnit: Int64
            switch unit {
            case "us": perUnit = 1_000
            case "ms": perUnit = 1_000_000
            case "s": perUnit = 1_000_000_000
            case "m": perUnit = 60_000_000_000
            case "h": perUnit = 3_600_000_000_000
            default: return nil
            }
            guard let nanos = scaled(whole: whole, frac: frac, fracDigits: fracDigits, by: perUnit) else { return nil }
            let (sum, overflow) = totalNanos.addingReportingOverflow(nanos)
            guard !overflow else { return nil }
            totalNanos = sum
        }
        // Longer than a year is surely a typo, and keeps every later sum far from overflow.
        guard totalNanos <= maxDurationNanos else { return nil }
        return .nanoseconds(totalNanos)
    }

    /// The longest accepted duration: 8760h (one year).
    static let maxDurationNanos: Int64 = 8760 * 3_600_000_000_000

    /// `100/s`, `6000/m`, `0.5/s`.
    static func rate(_ text: String) -> (count: Double, per: Duration)? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let count = decimal(String(parts[0])) else { return nil }
        let per: Duration
        switch parts[1] {
        case "s": per = .seconds(1)
        case "m": per = .seconds(60)
        case "h": per = .seconds(3600)
        default: return nil
        }
        return (count, per)
    }

    /// `50%`, `0.5%` as a fraction (0.5, 0.005). Range checks are the caller's.
    package static func ratio(_ text: String) -> Double? {
        guard text.hasSuffix("%"), let value = decimal(String(text.dropLast())) else { return nil }
        return value / 100
    }

    /// A plain decimal number without sign or exponent: `12`, `0.5`.
    static func decimal(_ text: String) -> Double? {
        let chars = Array(text.unicodeScalars)
        guard let (_, _, _, next) = number(chars, from: 0), next == chars.count else { return nil }
        return Double(text)
    }

    /// YAML core-schema integer (decimal with optional sign, `0x`, `0o`).
    static func integer(_ text: String) -> Int? {
        if let v = Int(text) { return v }
        var body = Substring(text)
        var negative = false
        if body.first == "-" || body.first == "+" {
            negative = body.first == "-"
            body = body.dropFirst()
        }
        if body.hasPrefix("0x"), let v = Int(body.dropFirst(2), radix: 16) { return negative ? -v : v }
        if body.hasPrefix("0o"), let v = Int(body.dropFirst(2), radix: 8) { return negative ? -v : v }
        return nil
    }

    /// YAML core-schema float (`1.5`, `-2e3`, `.5`); integers count too.
    static func float(_ text: String) -> Double? {
        if let i = integer(text) { return Double(i) }
        let lower = text.lowercased()
        if [".inf", "+.inf", "-.inf", ".nan"].contains(lower) { return nil }
        guard text.unicodeScalars.allSatisfy({ "0123456789.eE+-".unicodeScalars.contains($0) }),
              text.unicodeScalars.contains(where: { $0.properties.numericType != nil }) else { return nil }
        return Double(text)
    }

    /// Why `text` (already a YAML number) is not a literal `Foundation.Decimal` holds exactly, or
    /// nil when it is: decimal notation (no `0x`/`0o`), at most 38 digits (leading zeros aside),
    /// and an exponent within -128...127 once the fraction digits are counted in (`12.5e-127` is
    /// 125 × 10^-128). `Decimal(string:)` does not move trailing zeros into the exponent, so
    /// neither does this; it is stricter than Foundation in corner cases, never looser, because
    /// generated code force-unwraps `Decimal(string:)`.
    static func decimalLiteralProblem(_ text: String) -> String? {
        let notation = "write it in decimal notation, such as 12.5"
        var chars = Substring(text).unicodeScalars[...]
        if chars.first == "+" || chars.first == "-" { chars = chars.dropFirst() }
        var digits = 0
        var leading = true
        var fractionDigits = 0
        var seenPoint = false
        var seenDigit = false
        while let c = chars.first, c == "." || ("0"..."9").contains(c) {
            chars = chars.dropFirst()
            if c == "." {
                guard !seenPoint else { return notation }
                seenPoint = true
                continue
            }
            seenDigit = true
            if seenPoint { fractionDigits += 1 }
            if leading, c == "0" { continue }
            leading = false
            digits += 1
        }
        guard seenDigit else { return notation }
        var exponent = 0
        if let e = chars.first, e == "e" || e == "E" {
            chars = chars.dropFirst()
            var negative = false
            if chars.first == "+" || chars.first == "-" {
                negative = chars.first == "-"
                chars = chars.dropFirst()
            }
            guard !chars.isEmpty, chars.allSatisfy({ ("0"..."9").contains($0) }) else { return notation }
            // Any exponent longer than this is out of range anyway.
            let written = chars.count > 6 ? 999_999 : Int(String(String.UnicodeScalarView(chars))) ?? 999_999
            exponent = negative ? -written : written
            chars = chars.dropFirst(chars.count)
        }
        guard chars.isEmpty else { return notation }
        if digits > 38 { return "it has \(digits) digits; a decimal holds 38" }
        exponent -= fractionDigits
        if exponent > 127 || exponent < -128 { return "it is out of a decimal's range (exponents -128...127)" }
        return nil
    }

    /// YAML core-schema booleans.
    static func bool(_ text: String) -> Bool? {
        switch text {
        case "true", "True", "TRUE": true
        case "false", "False", "FALSE": false
        default: nil
        }
    }

    /// `[A-Z][A-Za-z0-9]*`
    static func isTypeName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, ("A"..."Z").contains(first) else { return false }
        return s.unicodeScalars.allSatisfy(isAlnum)
    }

    /// `[a-z][A-Za-z0-9]*`
    static func isLowerName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
        return s.unicodeScalars.allSatisfy(isAlnum)
    }

    static func isAlnum(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c)
    }

    // MARK: - Helpers

    /// Reads `digits[.digits]` at `i`.
    private static func number(_ chars: [Unicode.Scalar], from start: Int)
        -> (whole: Int64, frac: Int64, fracDigits: Int, next: Int)? {
        var i = start
        var whole: Int64 = 0
        var digits = 0
        while i < chars.count, let d = digit(chars[i]) {
            let (m, o1) = whole.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(d)
            guard !o1, !o2 else { return nil }
            whole = s
            digits += 1
            i += 1
        }
        guard digits > 0 else { return nil }
        var frac: Int64 = 0
        var fracDigits = 0
        if i < chars.count, chars[i] == "." {
            i += 1
            while i < chars.count, let d = digit(chars[i]) {
                if fracDigits < 12 {  // more precision than nanoseconds of an hour needs
                    frac = frac * 10 + d
                    fracDigits += 1
                }
                i += 1
            }
            guard fracDigits > 0 else { return nil }
        }
        return (whole, frac, fracDigits, i)
    }

    private static func digit(_ c: Unicode.Scalar) -> Int64? {
        guard ("0"..."9").contains(c) else { return nil }
        return Int64(c.value - 48)
    }

    private static func scaled(whole: Int64, frac: Int64, fracDigits: Int, by unit: Int64) -> Int64? {
        let (w, o) = whole.multipliedReportingOverflow(by: unit)
        guard !o else { return nil }
        var pow10: Int64 = 1
        for _ in 0..<fracDigits { pow10 *= 10 }
        // frac < 10^12 and unit <= 3.6e12: split to avoid overflow.
        let f = Int64((Double(frac) / Double(pow10) * Double(unit)).rounded())
        let (sum, o2) = w.addingReportingOverflow(f)
        return o2 ? nil : sum
    }
}

/// "Did you mean" support.
package enum Suggest {
    /// Edit distance counting insertions, deletions, substitutions and adjacent transpositions
    /// (optimal string alignment), case-insensitive.
    static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a.lowercased().unicodeScalars), y = Array(b.lowercased().unicodeScalars)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: y.count + 1), count: x.count + 1)
        for i in 0...x.count { d[i][0] = i }
        for j in 0...y.count { d[0][j] = j }
        for i in 1...x.count {
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[x.count][y.count]
    }

    /// The closest candidate within a distance that scales with the word, if any.
    static func closest(to word: String, in candidates: some Sequence<String>) -> String? {
        let limit = max(1, min(3, word.count / 3))
        var best: (String, Int)?
        for c in candidates where c != word {
            let d = distance(word, c)
            if d <= limit, d < (best?.1 ?? .max) { best = (c, d) }
        }
        return best?.0
    }

    /// "did you mean 'x'?" or nil.
    package static func didYouMean(_ word: String, in candidates: some Sequence<String>) -> String? {
        closest(to: word, in: candidates).map { "did you mean '\($0)'?" }
    }
}

extension Duration {
    /// The duration in the spec's notation: `250ms`, `1.5s`, `2m`, `1m30s`, `1h30m`, `0s`.
    public var specText: String {
        let nanos = nanoseconds
        let us: Int64 = 1_000, ms: Int64 = 1_000_000, sec: Int64 = 1_000_000_000
        let min = 60 * sec, hour = 60 * min
        // `value / unit` with up to three decimals; only called when exact.
        func fixed(_ value: Int64, _ unit: Int64, _ suffix: String) -> String {
            let whole = value / unit
            var frac = String((value % unit) / (unit / 1000))
            if frac == "0" { return "\(whole)\(suffix)" }
            while frac.count < 3 { frac = "0" + frac }
            while frac.hasSuffix("0") { frac.removeLast() }
            return "\(whole).\(frac)\(suffix)"
        }
        if nanos <= 0 { return "0s" }
        if nanos >= hour, nanos % min == 0 {
            let m = nanos % hour / min
            return m == 0 ? "\(nanos / hour)h" : "\(nanos / hour)h\(m)m"
        }
        if nanos >= min, nanos % sec == 0 {
            let s = nanos % min / sec
            return s == 0 ? "\(nanos / min)m" : "\(nanos / min)m\(s)s"
        }
        if nanos >= sec, nanos % ms == 0 { return fixed(nanos, sec, "s") }
        if nanos >= ms, nanos % us == 0 { return fixed(nanos, ms, "ms") }
        return fixed(nanos, us, "us")
    }

    /// Whole nanoseconds, saturating at `Int64.max`, for arithmetic in analyses.
    var nanoseconds: Int64 {
        let (s, a) = components
        let (ns, overflow) = s.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return s < 0 ? .min : .max }
        return ns.addingSaturating(a / 1_000_000_000)
    }
}

extension Int64 {
    /// `self + other`, clamped to the representable range.
    func addingSaturating(_ other: Int64) -> Int64 {
        let (r, o) = addingReportingOverflow(other)
        return o ? (other > 0 ? .max : .min) : r
    }
}
