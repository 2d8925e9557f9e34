/// A resilience setting as written at one level: switched off with `none`, or on.
enum Setting<P> {
    case off(SourceLocation)
    case on(P, SourceLocation)

    var location: SourceLocation {
        switch self {
        case .off(let l), .on(_, let l): l
        }
    }

    /// This level over an inherited value.
    func over(_ inherited: P?) -> P? {
        switch self {
        case .off: nil
        case .on(let p, _): p
        }
    }
}

extension Optional {
    /// An optional setting over an inherited value: unset inherits.
    func over<P>(_ inherited: P?) -> P? where Wrapped == Setting<P> {
        switch self {
        case .none: inherited
        case .some(let s): s.over(inherited)
        }
    }
}

/// The settings written at one level (service, operation or step).
struct PolicySlots {
    var timeout: Setting<Duration>?
    var retry: Setting<RetryPolicy>?
    var circuitBreaker: Setting<CircuitBreakerPolicy>?
    var rateLimit: Setting<RateLimitPolicy>?
    var bulkhead: Setting<BulkheadPolicy>?
    var hedge: Setting<HedgePolicy>?
    var cache: Setting<CachePolicy>?

    /// These slots over inherited effective settings.
    func over(_ base: PolicySet) -> PolicySet {
        var p = PolicySet()
        p.timeout = timeout.over(base.timeout)
        p.retry = retry.over(base.retry)
        p.circuitBreaker = circuitBreaker.over(base.circuitBreaker)
        p.rateLimit = rateLimit.over(base.rateLimit)
        p.bulkhead = bulkhead.over(base.bulkhead)
        p.hedge = hedge.over(base.hedge)
        p.cache = cache.over(base.cache)
        return p
    }
}

/// Policies (spec-v1 §4): named entries, inline bodies, `none`, defaults.
extension Checker {
    static let policySections = ["retries", "circuitBreakers", "rateLimits", "bulkheads", "hedges", "caches"]

    func readPolicies(_ node: YAMLNode) {
        guard let m = closed(node, "'policies'", allowed: Self.policySections, owner: node.location) else { return }
        func each(_ key: String, _ body: (YAMLMapping.Entry) -> Void) {
            guard let e = m[key], let entries = section(e, "'policies.\(key)'", nonEmpty: false) else { return }
            for entry in entries {
                checkLowerName(entry.key, "policy")
                if entry.key.value == "none" {
                    report(.invalidName, "'none' is reserved (it switches a setting off)", at: entry.key.location)
                }
                body(entry)
            }
        }
        each("retries") { e in
            if var p = retryBody(e.value, owner: e.key.location) { p.name = e.key.value; namedRetries[e.key.value] = p }
        }
        each("circuitBreakers") { e in
            if var p = breakerBody(e.value, owner: e.key.location) { p.name = e.key.value; namedBreakers[e.key.value] = p }
        }
        each("rateLimits") { e in
            if var p = rateLimitBody(e.value, owner: e.key.location) { p.name = e.key.value; namedRateLimits[e.key.value] = p }
        }
        each("bulkheads") { e in
            if var p = bulkheadBody(e.value, owner: e.key.location) { p.name = e.key.value; namedBulkheads[e.key.value] = p }
        }
        each("hedges") { e in
            if var p = hedgeBody(e.value, owner: e.key.location) { p.name = e.key.value; namedHedges[e.key.value] = p }
        }
        each("caches") { e in
            if var p = cacheBody(e.value, owner: e.key.location, input: nil) { p.name = e.key.value; namedCaches[e.key.value] = p }
        }
    }

    /// Reads the settings a mapping may carry; `keys` limits which ones exist at this level.
    func readSlots(_ m: YAMLMapping, keys: Set<String>, input: TypeRef?) -> PolicySlots {
        var slots = PolicySlots()
        if keys.contains("timeout"), let e = m["timeout"] {
            if isNone(e.value) {
                slots.timeout = .off(e.key.location)
            } else if let d = duration(e.value, "'timeout'") {
                slots.timeout = .on(d, e.key.location)
            }
        }
        if keys.contains("retry"), let e = m["retry"] {
            slots.retry = slot(e, "retries", namedRetries) { retryBody($0, owner: e.key.location) }
        }
        if keys.contains("circuitBreaker"), let e = m["circuitBreaker"] {
            slots.circuitBreaker = slot(e, "circuitBreakers", namedBreakers) { breakerBody($0, owner: e.key.location) }
        }
        if keys.contains("rateLimit"), let e = m["rateLimit"] {
            slots.rateLimit = slot(e, "rateLimits", namedRateLimits) { rateLimitBody($0, owner: e.key.location) }
        }
        if keys.contains("bulkhead"), let e = m["bulkhead"] {
            slots.bulkhead = slot(e, "bulkheads", namedBulkheads) { bulkheadBody($0, owner: e.key.location) }
        }
        if keys.contains("hedge"), let e = m["hedge"] {
            slots.hedge = slot(e, "hedges", namedHedges) { hedgeBody($0, owner: e.key.location) }
        }
        if keys.contains("cache"), let e = m["cache"] {
            slots.cache = slot(e, "caches", namedCaches) { cacheBody($0, owner: e.key.location, input: input) }
            // A named cache's key paths are checked against this operation's input too.
            if case .on(let c, _)? = slots.cache, let input, let s = e.value.scalar, !isNone(e.value),
               namedCaches[s.value] != nil {
                for path in c.key where !path.isEmpty { _ = fieldPath(path, in: input, at: s.location) }
                if c.key.isEmpty, let r = record(input) {
                    slots.cache = .on(withKey(c, r.fields.map(\.name)), e.key.location)
                }
            }
        }
        return slots
    }

    private func withKey(_ c: CachePolicy, _ key: [String]) -> CachePolicy {
        var c = c
        c.key = key
        return c
    }

    func isNone(_ node: YAMLNode) -> Bool {
        node.scalar.map { $0.isPlain && $0.value == "none" } ?? false
    }

    /// `none`, a policy name, or an inline body.
    private func slot<P>(_ e: YAMLMapping.Entry, _ section: String, _ named: [String: P],
                         inline: (YAMLNode) -> P?) -> Setting<P>? {
        switch e.value {
        case .scalar(let s) where !s.isNull:
            if s.value == "none" { return .off(e.key.location) }
            if let p = named[s.value] { return .on(p, e.key.location) }
            let hint = Suggest.didYouMean(s.value, in: named.keys.sorted())
            report(.unknownPolicy, "no policy '\(s.value)' under 'policies.\(section)'" + (hint.map { "; \($0)" } ?? ""),
                   at: s.location, suggestion: hint)
            return nil
        default:
            return inline(e.value).map { .on($0, e.key.location) }
        }
    }

    func retryBody(_ node: YAMLNode, owner: SourceLocation) -> RetryPolicy? {
        guard let m = closed(node, "a retry policy", allowed: ["maxAttempts", "backoff", "retryOn", "budget"],
                             owner: owner) else { return nil }
        var p = RetryPolicy()
        if let e = m["maxAttempts"], let v = int(e.value, "'maxAttempts'", min: 1, max: 10) { p.maxAttempts = v }
        if let e = m["backoff"], let b = closed(e.value, "'backoff'", allowed: ["initial", "max", "multiplier", "jitter"],
                                                owner: e.key.location) {
            if let x = b["initial"], let d = duration(x.value, "'initial'") { p.backoff.initial = d }
            if let x = b["max"], let d = duration(x.value, "'max'") { p.backoff.max = d }
            if let x = b["multiplier"], let v = number(x.value, "'multiplier'", min: 1) { p.backoff.multiplier = v }
            if let x = b["jitter"], let j = choice(x.value, "'jitter'", Jitter.self) { p.backoff.jitter = j }
        }
        if let e = m["retryOn"], let list = scalarList(e.value, "'retryOn'") {
            var classes: [ErrorClassName] = []
            for s in list {
                if let c = choice(.scalar(s), "an error class", ErrorClassName.self), !classes.contains(c) { classes.append(c) }
            }
            if list.isEmpty { report(.invalidValue, "'retryOn' must list at least one error class", at: e.value.location) }
            p.retryOn = classes
        }
        if let e = m["budget"] {
            if isNone(e.value) {
                p.budget = nil
            } else if let b = closed(e.value, "'budget'", allowed: ["ratio", "minPerSecond"], owner: e.key.location) {
                var budget = RetryPolicy.Budget()
                if let x = b["ratio"], let r = ratio(x.value, "'ratio'") { budget.ratio = r }
                if let x = b["minPerSecond"], let v = int(x.value, "'minPerSecond'", min: 0) { budget.minPerSecond = v }
                p.budget = budget
            }
        }
        return p
    }

    func breakerBody(_ node: YAMLNode, owner: SourceLocation) -> CircuitBreakerPolicy? {
        guard let m = closed(node, "a circuit breaker",
                             allowed: ["mode", "failureRate", "window", "minCalls", "slowCall", "consecutiveFailures",
                                       "openFor", "halfOpenProbes", "scope"], owner: owner) else { return nil }
        var p = CircuitBreakerPolicy()
        if let e = m["mode"], let v = choice(e.value, "'mode'", CircuitBreakerMode.self) { p.mode = v }
        if let e = m["failureRate"], let v = ratio(e.value, "'failureRate'") { p.failureRate = v }
        if let e = m["window"], let v = int(e.value, "'window'", min: 1) { p.window = v }
        if let e = m["minCalls"], let v = int(e.value, "'minCalls'", min: 1) { p.minCalls = v }
        if let e = m["slowCall"], !isNone(e.value),
           let s = closed(e.value, "'slowCall'", allowed: ["threshold", "rate"], required: ["threshold", "rate"],
                          owner: e.key.location) {
            if let t = s["threshold"].flatMap({ duration($0.value, "'threshold'") }),
               let r = s["rate"].flatMap({ ratio($0.value, "'rate'") }) {
                p.slowCall = .init(threshold: t, rate: r)
            }
        }
        if let e = m["consecutiveFailures"], let v = int(e.value, "'consecutiveFailures'", min: 1) { p.consecutiveFailures = v }
        if let e = m["openFor"], let d = duration(e.value, "'openFor'") { p.openFor = d }
        if let e = m["halfOpenProbes"], let v = int(e.value, "'halfOpenProbes'", min: 1) { p.halfOpenProbes = v }
        if let e = m["scope"], let v = choice(e.value, "'scope'", CircuitBreakerScope.self) {
            p.scope = v
            p.writtenScope = v
        }
        return p
    }

    func rateLimitBody(_ node: YAMLNode, owner: SourceLocation) -> RateLimitPolicy? {
        guard let m = closed(node, "a rate limit", allowed: ["rate", "burst", "maxWait"], required: ["rate"],
                             owner: owner),
              let r = m["rate"].flatMap({ rate($0.value, "'rate'") }) else { return nil }
        var p = RateLimitPolicy(rate: r, burst: defaultBurst(r))
        if let e = m["burst"], let v = int(e.value, "'burst'", min: 1) { p.burst = v }
        if let e = m["maxWait"], let d = duration(e.value, "'maxWait'") { p.maxWait = d }
        return p
    }

    /// One second's worth of `rate`, at least 1.
    func defaultBurst(_ r: Rate) -> Int {
        max(1, Int(r.perSecond.rounded(.up)))
    }

    func bulkheadBody(_ node: YAMLNode, owner: SourceLocation) -> BulkheadPolicy? {
        guard let m = closed(node, "a bulkhead", allowed: ["maxConcurrent", "maxQueue", "queueTimeout"],
                             required: ["maxConcurrent"], owner: owner),
              let c = m["maxConcurrent"].flatMap({ int($0.value, "'maxConcurrent'", min: 1) }) else { return nil }
        var p = BulkheadPolicy(maxConcurrent: c)
        if let e = m["maxQueue"], let v = int(e.value, "'maxQueue'", min: 0) { p.maxQueue = v }
        if let e = m["queueTimeout"], let d = duration(e.value, "'queueTimeout'") { p.queueTimeout = d }
        return p
    }

    func hedgeBody(_ node: YAMLNode, owner: SourceLocation) -> HedgePolicy? {
        guard let m = closed(node, "a hedge", allowed: ["delay", "maxAttempts"], required: ["delay"], owner: owner),
              let e = m["delay"] else { return nil }
        var delay: HedgePolicy.Delay?
        if let s = e.value.scalar, s.value.hasPrefix("p") {
            if let v = Double(s.value.dropFirst()), v >= 50, v < 100 {
                delay = .percentile(v)
            } else {
                report(.invalidValue, "hedge 'delay' percentile must be p50 to p99", at: s.location)
            }
        } else if let d = duration(e.value, "hedge 'delay'") {
            delay = .fixed(d)
        }
        guard let delay else { return nil }
        var p = HedgePolicy(delay: delay)
        if let x = m["maxAttempts"], let v = int(x.value, "hedge 'maxAttempts'", min: 2, max: 5) { p.maxAttempts = v }
        return p
    }

    /// `input` is the operation's input type, for `key` paths (nil under `policies`).
    func cacheBody(_ node: YAMLNode, owner: SourceLocation, input: TypeRef?) -> CachePolicy? {
        guard let m = closed(node, "a cache", allowed: ["ttl", "staleWhileRevalidate", "staleIfError", "maxEntries", "key"],
                             required: ["ttl"], owner: owner),
              let ttl = m["ttl"].flatMap({ duration($0.value, "'ttl'") }) else { return nil }
        var p = CachePolicy(ttl: ttl, key: [])
        if let e = m["staleWhileRevalidate"], let d = duration(e.value, "'staleWhileRevalidate'") { p.staleWhileRevalidate = d }
        if let e = m["staleIfError"], let d = duration(e.value, "'staleIfError'") { p.staleIfError = d }
        if let e = m["maxEntries"], let v = int(e.value, "'maxEntries'", min: 1) { p.maxEntries = v }
        if let e = m["key"], let list = scalarList(e.value, "cache 'key'") {
            for s in list {
                if let input { _ = fieldPath(s.value, in: input, at: s.location) }
                p.key.append(s.value)
            }
        }
        if p.key.isEmpty, let input, let r = record(input) { p.key = r.fields.map(\.name) }
        return p
    }

    /// Resolves a dotted field path (`items`, `customer.id`) in a record type; reports `unknown-field`.
    func fieldPath(_ path: String, in type: TypeRef, at location: SourceLocation) -> TypeRef? {
        var current = type
        var offset = 0
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            // A type that failed to resolve was reported where it was written; do not cascade.
            if current.isErrorType { return nil }
            guard let r = record(current) else {
                report(.unknownField, "'\(path)': type '\(current)' has no fields", at: location)
                return nil
            }
            guard let f = r.field(String(part)) else {
                let hint = Suggest.didYouMean(String(part), in: r.fields.map(\.name))
                var loc = location
                loc.column += offset
                report(.unknownField, "type '\(r.name)'\(schemaNote(r)) has no field '\(part)'" + (hint.map { "; \($0)" } ?? ""),
                       at: loc, suggestion: hint)
                return nil
            }
            current = f.type
            offset += part.count + 1
        }
        return current
    }
}
