/// A set of endpoint indices (positions in an ``EndpointRouter``'s endpoint list), as a bit set.
///
/// Used for the endpoints an attempt should avoid (the endpoints earlier attempts failed on, or
/// that concurrent hedges already use) and internally for candidate filtering. Sets of the first
/// 64 endpoints live inline and never allocate.
package struct EndpointSet: Sendable, Hashable, ExpressibleByArrayLiteral, CustomStringConvertible {
    private var low: UInt64 = 0
    private var high: [UInt64] = []

    /// The empty set.
    package init() {}

    package init(arrayLiteral elements: Int...) {
        for element in elements { insert(element) }
    }

    /// Whether the set has no member.
    package var isEmpty: Bool {
        low == 0 && high.allSatisfy { $0 == 0 }
    }

    /// The number of members.
    package var count: Int {
        high.reduce(low.nonzeroBitCount) { $0 + $1.nonzeroBitCount }
    }

    /// Whether `index` is a member.
    package func contains(_ index: Int) -> Bool {
        if index < 64 { return index >= 0 && low & (1 << UInt64(index)) != 0 }
        let word = index / 64 - 1
        return word < high.count && high[word] & (1 << UInt64(index % 64)) != 0
    }

    /// Adds `index` (non-negative).
    package mutating func insert(_ index: Int) {
        precondition(index >= 0, "endpoint indices are non-negative")
        if index < 64 {
            low |= 1 << UInt64(index)
            return
        }
        let word = index / 64 - 1
        if word >= high.count { high.append(contentsOf: repeatElement(0, count: word - high.count + 1)) }
        high[word] |= 1 << UInt64(index % 64)
    }

    /// Removes `index`.
    package mutating func remove(_ index: Int) {
        if index < 64 {
            if index >= 0 { low &= ~(1 << UInt64(index)) }
            return
        }
        let word = index / 64 - 1
        if word < high.count { high[word] &= ~(1 << UInt64(index % 64)) }
    }

    /// The members of both sets.
    package func intersection(_ other: EndpointSet) -> EndpointSet {
        var result = EndpointSet()
        result.low = low & other.low
        if !high.isEmpty && !other.high.isEmpty {
            let words = min(high.count, other.high.count)
            result.high = (0..<words).map { high[$0] & other.high[$0] }
        }
        return result
    }

    /// The members of either set.
    package func union(_ other: EndpointSet) -> EndpointSet {
        var result = self
        result.low |= other.low
        if !other.high.isEmpty {
            if result.high.count < other.high.count {
                result.high.append(contentsOf: repeatElement(0, count: other.high.count - result.high.count))
            }
            for word in other.high.indices { result.high[word] |= other.high[word] }
        }
        return result
    }

    /// The members of this set that are not in `other`.
    package func subtracting(_ other: EndpointSet) -> EndpointSet {
        var result = self
        result.low &= ~other.low
        if !result.high.isEmpty && !other.high.isEmpty {
            for word in 0..<min(result.high.count, other.high.count) { result.high[word] &= ~other.high[word] }
        }
        return result
    }

    /// The members in increasing order.
    package var members: [Int] {
        var result: [Int] = []
        forEach { result.append($0) }
        return result
    }

    /// Calls `body` with each member in increasing order (allocates nothing).
    package func forEach(_ body: (Int) throws -> Void) rethrows {
        var bits = low
        while bits != 0 {
            try body(bits.trailingZeroBitCount)
            bits &= bits - 1
        }
        for (word, value) in high.enumerated() {
            var bits = value
            while bits != 0 {
                try body((word + 1) * 64 + bits.trailingZeroBitCount)
                bits &= bits - 1
            }
        }
    }

    /// The `n`-th member (0-based) in increasing order; `n` must be less than ``count``.
    package func member(at n: Int) -> Int {
        var remaining = n
        var found = -1
        forEach { index in
            if remaining == 0 && found < 0 { found = index }
            remaining -= 1
        }
        precondition(found >= 0, "member(at:) past the end of the set")
        return found
    }

    package static func == (lhs: EndpointSet, rhs: EndpointSet) -> Bool {
        lhs.members == rhs.members
    }

    package func hash(into hasher: inout Hasher) {
        forEach { hasher.combine($0) }
    }

    package var description: String { "\(members)" }
}
