/// How a router chooses among its endpoints: which are candidates for an attempt, and which
/// candidate the strategy picks.
///
/// Immutable; the round-robin counters it advances belong to the router's locked state, and the
/// router supplies the costs that `leastLatency` compares.
struct EndpointSelector: Sendable {
    /// What the strategy decided.
    enum Pick: Equatable {
        /// This endpoint.
        case endpoint(Int)
        /// Power of two choices: the cheaper of these two, by the router's cost.
        case cheaperOf(Int, Int)
    }

    let strategy: RoutingStrategy
    private let weights: [Int]
    private let all: EndpointSet
    /// The primaries when any endpoint is one, else all: where writes go.
    private let writeTargets: EndpointSet
    /// The endpoints of the local region (for `regionFirst`).
    private let local: EndpointSet

    init(endpoints: [Endpoint], strategy: RoutingStrategy, localRegion: String?) {
        self.strategy = strategy
        self.weights = endpoints.map(\.weight)
        var all = EndpointSet()
        var primaries = EndpointSet()
        var local = EndpointSet()
        for (index, endpoint) in endpoints.enumerated() {
            all.insert(index)
            if endpoint.role == .primary { primaries.insert(index) }
            if let localRegion, endpoint.region == localRegion { local.insert(index) }
        }
        self.all = all
        self.writeTargets = primaries.isEmpty ? all : primaries
        self.local = local
    }

    /// The weight of endpoint `index`.
    func weight(of index: Int) -> Int { weights[index] }

    /// The endpoints an attempt may go to (never empty).
    ///
    /// Writes go to the primaries; the active rule narrows the set (`use`: only the matching
    /// endpoints; `prefer`: them while one is usable; `avoid`: the others while one is usable);
    /// `regionFirst` keeps the local region while one of it is usable. "Usable" is tried from the
    /// most to the least demanding notion: healthy and not excluded; healthy; not excluded; any.
    func candidates(
        access: OperationAccess,
        excluded: EndpointSet,
        unhealthy: EndpointSet,
        rule: (action: RoutingAction, matches: EndpointSet)?
    ) -> EndpointSet {
        let base = access == .write ? writeTargets : all
        // From the most to the least demanding notion of "acceptable"; the first pass that leaves
        // a candidate wins.
        let healthy = all.subtracting(unhealthy)
        for pass in 0..<4 {
            let usable: EndpointSet
            switch pass {
            case 0: usable = excluded.isEmpty ? healthy : healthy.subtracting(excluded)
            case 1: if excluded.isEmpty { continue } else { usable = healthy }
            case 2: if unhealthy.isEmpty { continue } else { usable = excluded.isEmpty ? all : all.subtracting(excluded) }
            default: usable = all
            }
            var pool = base
            if let rule {
                switch rule.action {
                case .use:
                    let narrowed = pool.intersection(rule.matches)
                    if !narrowed.isEmpty { pool = narrowed }
                case .prefer:
                    let narrowed = pool.intersection(rule.matches)
                    if !narrowed.intersection(usable).isEmpty { pool = narrowed }
                case .avoid:
                    let narrowed = pool.subtracting(rule.matches)
                    if !narrowed.intersection(usable).isEmpty { pool = narrowed }
                }
            }
            if strategy == .regionFirst && !local.isEmpty {
                let narrowed = pool.intersection(local)
                if !narrowed.intersection(usable).isEmpty { pool = narrowed }
            }
            let result = pool.intersection(usable)
            if !result.isEmpty { return result }
        }
        return base
    }

    /// Applies the strategy to `candidates` (not empty): smooth weighted round robin (nginx's)
    /// advancing `roundRobin` (one counter per endpoint), weighted random, or — for
    /// `leastLatency` — two distinct candidates drawn at random for the caller to compare.
    func pick(from candidates: EndpointSet, roundRobin: inout [Int], random: RandomSource) -> Pick {
        let count = candidates.count
        if count == 1 { return .endpoint(candidates.member(at: 0)) }
        switch strategy {
        case .roundRobin, .regionFirst:
            var total = 0
            var best = -1
            candidates.forEach { index in
                total += weights[index]
                roundRobin[index] += weights[index]
                if best < 0 || roundRobin[index] > roundRobin[best] { best = index }
            }
            roundRobin[best] -= total
            return .endpoint(best)
        case .random:
            var total = 0
            candidates.forEach { total += weights[$0] }
            var target = Int(random.next() % UInt64(total))
            var chosen = -1
            candidates.forEach { index in
                guard chosen < 0 else { return }
                if target < weights[index] { chosen = index } else { target -= weights[index] }
            }
            return .endpoint(chosen)
        case .leastLatency:
            let first = Int(random.next() % UInt64(count))
            var second = Int(random.next() % UInt64(count - 1))
            if second >= first { second += 1 }
            return .cheaperOf(candidates.member(at: first), candidates.member(at: second))
        }
    }
}
