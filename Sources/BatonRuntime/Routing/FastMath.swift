/// `e^x` without Foundation or libm, for decay factors (x ≤ 0 in practice). Relative error below
/// 1e-12 on the range the runtime uses.
func exponential(_ x: Double) -> Double {
    if x.isNaN { return x }
    if x < -700 { return 0 }
    if x > 700 { return .infinity }
    // x = k·ln 2 + r with |r| ≤ ln 2 / 2, e^x = 2^k · e^r.
    let ln2 = 0.693_147_180_559_945_3
    let k = (x / ln2).rounded()
    let r = x - k * ln2
    var term = 1.0
    var sum = 1.0
    for n in 1...14 {
        term *= r / Double(n)
        sum += term
    }
    return sum * Double(sign: .plus, exponent: Int(k), significand: 1)
}

extension Duration {
    /// Nanoseconds, saturating at `Int64.max`, negative durations as zero.
    var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        guard seconds < 9_000_000_000 else { return .max }
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
