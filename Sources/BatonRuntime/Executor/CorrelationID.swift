/// Correlation ids for workflow runs (spec-v1 §7.8).
package enum CorrelationID {
    /// A random 128-bit id in the lowercase UUID v4 shape (`8-4-4-4-12` hex digits), made without
    /// Foundation from `random`, so a seeded source gives reproducible ids in tests.
    package static func make(using random: RandomSource) -> String {
        var high = random.next()
        var low = random.next()
        // RFC 9562 version 4 and variant bits, so tools that parse UUIDs accept it.
        high = (high & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000
        low = (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        var bytes: [UInt8] = []
        bytes.reserveCapacity(36)
        appendHex(high >> 32, digits: 8, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendHex(high >> 16, digits: 4, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendHex(high, digits: 4, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendHex(low >> 48, digits: 4, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendHex(low, digits: 12, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The idempotency key a compensation of `step` carries: the same for every attempt of that
    /// compensation in this run, different across runs and steps.
    package static func compensationKey(correlationID: String, step: String) -> String {
        "\(correlationID):\(step):compensate"
    }

    private static func appendHex(_ value: UInt64, digits: Int, to bytes: inout [UInt8]) {
        let alphabet: StaticString = "0123456789abcdef"
        for position in stride(from: digits - 1, through: 0, by: -1) {
            let nibble = Int((value >> UInt64(position * 4)) & 0xF)
            bytes.append(alphabet.utf8Start[nibble])
        }
    }
}
