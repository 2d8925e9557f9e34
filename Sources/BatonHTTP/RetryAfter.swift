import Foundation

/// `Retry-After` (RFC 9110 §10.2.3): a number of seconds, or an HTTP-date in any of the three
/// formats a recipient must accept (IMF-fixdate, RFC 850, asctime).
public enum RetryAfter {
    /// How long to wait, or `nil` when the value is neither form. A date is measured from
    /// `reference` (the response's `Date`, else the local clock); one in the past is zero.
    public static func parse(_ value: String, reference: Date) -> Duration? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            // Digits beyond Int64: longer than anyone will wait anyway.
            return .seconds(Int64(text) ?? Int64(Int32.max))
        }
        guard let date = httpDate(text) else { return nil }
        let interval = date.timeIntervalSince(reference)
        return interval > 0 ? .seconds(interval) : .zero
    }

    /// An HTTP-date: `Sun, 06 Nov 1994 08:49:37 GMT`, `Sunday, 06-Nov-94 08:49:37 GMT` or
    /// `Sun Nov  6 08:49:37 1994`.
    public static func httpDate(_ text: String) -> Date? {
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            // RFC 850's two-digit years: within 50 years of now (RFC 9110 §5.6.7).
            formatter.twoDigitStartDate = Calendar(identifier: .gregorian).date(byAdding: .year, value: -50, to: Date())
            if let date = formatter.date(from: text.replacingOccurrences(of: "  ", with: " ")) { return date }
        }
        return nil
    }

    /// `Retry-After` in whole seconds for a wait: rounded up, at least 1 (a client told 0 would
    /// retry at once, which is what the answer asks it not to do).
    public static func wholeSeconds(_ wait: Duration) -> Int64 {
        let (seconds, attoseconds) = wait.components
        return max(1, seconds + (attoseconds > 0 ? 1 : 0))
    }
}
