import BatonNaming

/// Services, endpoints, routing and operations (spec-v1 §5).
extension Checker {
    static let serviceKeys = ["description", "endpoints", "routing", "timeout", "retry", "circuitBreaker",
                              "rateLimit", "bulkhead", "hedge", "operations", "http", "openapi"]
    static let operationKeys = ["description", "input", "output", "access", "idempotencyKey", "cache", "invalidates",
                                "timeout", "retry", "circuitBreaker", "rateLimit", "bulkhead", "hedge", "http"]

    func readServices(_ entry: YAMLMapping.Entry) {
        guard let entries = section(entry, "'services'", nonEmpty: true) else { return }
        for e in entries {
            checkLowerName(e.key, "service")
            if let why = GeneratedNames.reservedServiceNames[e.key.value] {
                report(.invalidName, "'\(e.key.value)' is reserved: \(why); rename the service", at: e.key.location)
            }
            var info = ServiceInfo(name: e.key.value, location: e.key.location)
            serviceIndex[e.key.value] = services.count
            services.append(info)
            guard let m = closed(e.value, "service '\(e.key.value)'", allowed: Self.serviceKeys,
                                 required: ["operations"], owner: e.key.location) else { continue }
            let endpoints = m["endpoints"].map(readEndpoints) ?? []
            let routing = m["routing"].flatMap { readRouting($0, endpoints: endpoints) }
            var policies = readSlots(m, keys: Set(Self.serviceKeys), input: nil).over(PolicySet())
            fillScope(&policies, hasEndpoints: !endpoints.isEmpty)
            var service = ResolvedService(name: e.key.value, description: description(m), endpoints: endpoints,
                                          routing: routing, policies: policies, operations: [], location: e.key.location)
            var opEntries: [YAMLMapping.Entry] = []
            if let ops = m["operations"], let entries = section(ops, "the operations of '\(e.key.value)'", nonEmpty: true) {
                opEntries = entries
                for o in opEntries {
                    guard let op = readOperation(o, service: service) else { continue }
                    info.operationIndex[op.resolved.name] = info.operations.count
                    info.operations.append(op)
                    service.operations.append(op.resolved)
                }
            }
            if let imported = openAPIServices[e.key.value] {
                service.http = readOpenAPIServiceHTTP(m["http"], service: e.key.value, hasEndpoints: !endpoints.isEmpty,
                                                      imported: imported)
            } else {
                service.http = readServiceHTTP(m["http"], service: e.key.value, serviceKey: e.key.location,
                                               hasEndpoints: !endpoints.isEmpty, operations: opEntries)
            }
            info.resolved = service
            services[services.count - 1] = info
        }
    }

    /// Breakers cover an endpoint when the service has endpoints, else the service (unless written).
    func fillScope(_ p: inout PolicySet, hasEndpoints: Bool) {
        if var b = p.circuitBreaker, b.writtenScope == nil {
            b.scope = hasEndpoints ? .endpoint : .service
            p.circuitBreaker = b
        }
    }

    private func readEndpoints(_ entry: YAMLMapping.Entry) -> [Endpoint] {
        guard case .sequence(let seq) = entry.value else {
            report(.invalidValue, "'endpoints' must be a list", at: entry.value.location)
            return []
        }
        var out: [Endpoint] = []
        for item in seq.items {
            guard let m = closed(item, "an endpoint", allowed: ["url", "region", "weight", "role", "variant"],
                                 required: ["url"], owner: item.location),
                  let url = m["url"].flatMap({ string($0.value, "'url'") }) else { continue }
            var ep = Endpoint(url: url)
            if url.isEmpty { report(.invalidValue, "'url' must not be empty", at: m["url"]!.value.location) }
            ep.region = m["region"].flatMap { string($0.value, "'region'") }
            ep.variant = m["variant"].flatMap { string($0.value, "'variant'") }
            if let w = m["weight"], let v = int(w.value, "'weight'", min: 1) { ep.weight = v }
            if let r = m["role"] { ep.role = choice(r.value, "'role'", EndpointRole.self) }
            out.append(ep)
        }
        return out
    }

    private func readRouting(_ entry: YAMLMapping.Entry, endpoints: [Endpoint]) -> Routing? {
        guard let m = closed(entry.value, "'routing'", allowed: ["strategy", "localRegion", "outlierDetection", "rules"],
                             owner: entry.key.location) else { return nil }
        if endpoints.isEmpty {
            report(.invalidValue, "'routing' needs 'endpoints' to choose from", at: entry.key.location)
        }
        var routing = Routing()
        if let e = m["strategy"], let s = choice(e.value, "'strategy'", RoutingStrategy.self) { routing.strategy = s }
        let regions = Set(endpoints.compactMap(\.region))
        let variants = Set(endpoints.compactMap(\.variant))
        if let e = m["localRegion"], let r = string(e.value, "'localRegion'") {
            routing.localRegion = r
            if !endpoints.isEmpty, !regions.contains(r) {
                report(.invalidValue, "no endpoint is in region '\(r)'", at: e.value.location,
                       suggestion: Suggest.didYouMean(r, in: regions.sorted()))
            }
        } else if routing.strategy == .regionFirst {
            report(.missingKey, "'routing' with strategy region-first is missing required key 'localRegion'",
                   at: entry.key.location)
        }
        if let e = m["outlierDetection"], let o = closed(e.value, "'outlierDetection'",
                                                         allowed: ["consecutiveFailures", "ejectFor", "maxEjected"],
                                                         owner: e.key.location) {
            var od = OutlierDetection()
            if let x = o["consecutiveFailures"], let v = int(x.value, "'consecutiveFailures'", min: 1) { od.consecutiveFailures = v }
            if let x = o["ejectFor"], let d = duration(x.value, "'ejectFor'") { od.ejectFor = d }
            if let x = o["maxEjected"], let r = ratio(x.value, "'maxEjected'") { od.maxEjected = r }
            routing.outlierDetection = od
        }
        if let e = m["rules"] {
            guard case .sequence(let seq) = e.value else {
                report(.invalidValue, "'rules' must be a list", at: e.value.location)
                return routing
            }
            for item in seq.items {
                guard let r = closed(item, "a routing rule", allowed: ["name", "when", "use", "prefer", "avoid"],
                                     required: ["when"], owner: item.location) else { continue }
                let name = r["name"].flatMap { string($0.value, "'name'") }
                var condition: RoutingCondition?
                if let w = r["when"] {
                    if let s = w.value.scalar, !s.isNull {
                        var parser = RoutingConditionParser(checker: self, scalar: s)
                        condition = parser.parse()
                    } else {
                        report(.invalidExpression, "a rule's 'when' must be a condition such as \"p99 > 300ms\"",
                               at: w.value.location)
                    }
                }
                let actions = ["use", "prefer", "avoid"].compactMap { r[$0] }
                if actions.count != 1 {
                    let loc = actions.count > 1 ? actions[1].key.location : item.location
                    report(actions.isEmpty ? .missingKey : .invalidValue,
                           "a routing rule needs exactly one action: 'use', 'prefer' or 'avoid'", at: loc)
                    continue
                }
                let a = actions[0]
                guard let t = closed(a.value, "'\(a.key.value)'", allowed: ["variant", "region"], owner: a.key.location)
                else { continue }
                var target: RoutingAction.Target?
                if t.entries.count != 1 {
                    report(.invalidValue, "'\(a.key.value)' names exactly one of 'variant' or 'region'", at: a.value.location)
                } else if let v = t["variant"], let s = string(v.value, "'variant'") {
                    target = .variant(s)
                    if !variants.contains(s) {
                        report(.invalidValue, "no endpoint has variant '\(s)'", at: v.value.location,
                               suggestion: Suggest.didYouMean(s, in: variants.sorted()))
                    }
                } else if let v = t["region"], let s = string(v.value, "'region'") {
                    target = .region(s)
                    if !regions.contains(s) {
                        report(.invalidValue, "no endpoint is in region '\(s)'", at: v.value.location,
                               suggestion: Suggest.didYouMean(s, in: regions.sorted()))
                    }
                }
                if let condition, let target, let kind = RoutingAction.Kind(rawValue: a.key.value) {
                    routing.rules.append(RoutingRule(name: name, condition: condition,
                                                     action: RoutingAction(kind: kind, target: target)))
                }
            }
        }
        return routing
    }

    private func readOperation(_ o: YAMLMapping.Entry, service: ResolvedService) -> OperationInfo? {
        checkLowerName(o.key, "operation")
        let id = "\(service.name).\(o.key.value)"
        let imported = openAPIServices[service.name]
        let input: TypeRef, output: TypeRef
        let m: YAMLMapping
        if let imported {
            // OpenAPI (§12): the document gives input, output and the binding.
            guard let mapping = closed(o.value, "operation '\(id)'",
                                       allowed: Self.openAPIOperationKeys + ["input", "output", "http"],
                                       owner: o.key.location) else { return nil }
            m = mapping
            checkOpenAPIOperationKeys(m, id: id, document: imported.document)
            let op = imported.operations[o.key.value]
            input = op?.input ?? .error
            output = op?.output ?? .error
            if op == nil { unresolvedCalls = true }
        } else {
            guard let mapping = closed(o.value, "operation '\(id)'", allowed: Self.operationKeys,
                                       required: ["input", "output"], owner: o.key.location) else { return nil }
            m = mapping
            input = m["input"].flatMap { ioType($0, inlineName: GeneratedNames.operationInput(service: service.name, operation: o.key.value)) } ?? .named("?")
            output = m["output"].flatMap { ioType($0, inlineName: GeneratedNames.operationOutput(service: service.name, operation: o.key.value)) } ?? .named("?")
        }
        var access = Access.read
        if let e = m["access"], let a = choice(e.value, "'access'", Access.self) { access = a }
        var key: String?
        if let e = m["idempotencyKey"], let s = e.value.scalar, !s.isNull {
            key = s.value
            if input != .named("?") { _ = fieldPath(s.value, in: input, at: s.location) }
        } else if let e = m["idempotencyKey"] {
            report(.invalidValue, "'idempotencyKey' must name an input field", at: e.value.location)
        }
        let slots = readSlots(m, keys: Set(Self.operationKeys), input: input == .named("?") ? nil : input)
        var policies = slots.over(service.policies)
        fillScope(&policies, hasEndpoints: !service.endpoints.isEmpty)

        if access == .write, let c = slots.cache, case .on = c {
            report(.cacheOnWrite, "write operation '\(id)' must not be cached", at: c.location)
            policies.cache = nil
        }
        if access == .write, key == nil {
            if let r = policies.retry, r.maxAttempts > 1 {
                let loc = slots.retry?.location ?? o.key.location
                let from = slots.retry == nil ? " (inherited from service '\(service.name)'; write 'retry: none')" : ""
                report(.unsafeRetry,
                       "write operation '\(id)' is retried without an 'idempotencyKey'\(from)", at: loc,
                       suggestion: "add 'idempotencyKey: <input field>' or 'retry: none'")
            }
            if policies.hedge != nil {
                let loc = slots.hedge?.location ?? o.key.location
                let from = slots.hedge == nil ? " (inherited from service '\(service.name)'; write 'hedge: none')" : ""
                report(.unsafeRetry, "write operation '\(id)' is hedged without an 'idempotencyKey'\(from)", at: loc,
                       suggestion: "add 'idempotencyKey: <input field>' or 'hedge: none'")
            }
        }
        var op = ResolvedOperation(service: service.name, name: o.key.value,
                                   description: description(m) ?? imported?.operations[o.key.value]?.description,
                                   input: input, output: output, access: access, idempotencyKey: key,
                                   invalidates: [], policies: policies, location: o.key.location)
        if let imported {
            op.http = imported.operations[o.key.value]?.http
        } else {
            op.http = m["http"].flatMap { readOperationHTTP($0, id: id, input: input) }
        }
        return OperationInfo(resolved: op, invalidatesNode: m["invalidates"]?.value, cacheLocation: slots.cache?.location)
    }

    /// Resolves `service.operation`; reports `unknown-service`/`unknown-operation`/`invalid-value`.
    func resolveCall(_ node: YAMLNode, _ what: String) -> OperationRef? {
        let ref = resolveCallReporting(node, what)
        if ref == nil { unresolvedCalls = true }
        return ref
    }

    private func resolveCallReporting(_ node: YAMLNode, _ what: String) -> OperationRef? {
        guard case .scalar(let s) = node, !s.isNull else {
            report(.invalidValue, "\(what) must be 'service.operation'", at: node.location)
            return nil
        }
        let parts = s.value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            report(.invalidValue, "\(what) must be 'service.operation', not '\(s.value)'", at: s.location)
            return nil
        }
        let svc = String(parts[0]), opName = String(parts[1])
        guard let si = serviceIndex[svc] else {
            let hint = Suggest.didYouMean(svc, in: services.map(\.name))
            report(.unknownService, "unknown service '\(svc)'" + (hint.map { "; \($0)" } ?? ""),
                   at: s.location, suggestion: hint)
            return nil
        }
        guard services[si].operationIndex[opName] != nil else {
            let hint = Suggest.didYouMean(opName, in: services[si].operations.map(\.resolved.name))
            report(.unknownOperation, "service '\(svc)' has no operation '\(opName)'" + (hint.map { "; \($0)" } ?? ""),
                   at: s.location(atOffset: svc.count + 1), suggestion: hint)
            return nil
        }
        return OperationRef(service: svc, operation: opName)
    }

    func operation(_ ref: OperationRef) -> ResolvedOperation? {
        guard let si = serviceIndex[ref.service], let oi = services[si].operationIndex[ref.operation] else { return nil }
        return services[si].operations[oi].resolved
    }

    /// `invalidates`: writes only, each naming a cached read operation.
    func resolveInvalidates() {
        for si in services.indices {
            for oi in services[si].operations.indices {
                guard let node = services[si].operations[oi].invalidatesNode else { continue }
                let op = services[si].operations[oi].resolved
                if op.access != .write {
                    report(.invalidValue, "only write operations can invalidate caches; '\(op.ref)' is a read",
                           at: node.location)
                }
                var refs: [OperationRef] = []
                for s in scalarList(node, "'invalidates'") ?? [] {
                    guard let ref = resolveCall(.scalar(s), "an 'invalidates' entry") else { continue }
                    if operation(ref)?.cache == nil {
                        report(.invalidValue, "'\(ref)' has no cache to invalidate", at: s.location)
                    }
                    refs.append(ref)
                }
                services[si].operations[oi].resolved.invalidates = refs
                if let i = services[si].resolved?.operations.firstIndex(where: { $0.name == op.name }) {
                    services[si].resolved?.operations[i].invalidates = refs
                }
            }
        }
    }
}

/// Parses routing-rule conditions: comparisons of p50/p90/p99 (durations), errorRate/healthy
/// (ratios) and inflight (counts) with `< <= > >= == !=`, joined by `and`/`or`, with parentheses.
/// `and` binds tighter than `or`.
struct RoutingConditionParser {
    let checker: Checker
    let scalar: YAMLScalar
    private var tokens: [(text: String, offset: Int)] = []
    private var pos = 0
    private var failed = false

    init(checker: Checker, scalar: YAMLScalar) {
        self.checker = checker
        self.scalar = scalar
        let chars = Array(scalar.value.unicodeScalars)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == " " || c == "\t" || c == "\n" { i += 1; continue }
            if c == "(" || c == ")" { tokens.append((String(c), i)); i += 1; continue }
            if "<>=!".unicodeScalars.contains(c) {
                if i + 1 < chars.count, chars[i + 1] == "=" {
                    tokens.append((String(c) + "=", i)); i += 2
                } else {
                    tokens.append((String(c), i)); i += 1
                }
                continue
            }
            let start = i
            var word = ""
            while i < chars.count, !" \t\n()<>=!".unicodeScalars.contains(chars[i]) {
                word.unicodeScalars.append(chars[i]); i += 1
            }
            tokens.append((word, start))
        }
    }

    mutating func parse() -> RoutingCondition? {
        let c = parseOr()
        if !failed, pos < tokens.count { fail("unexpected '\(tokens[pos].text)'") }
        return failed ? nil : c
    }

    private mutating func fail(_ why: String) {
        guard !failed else { return }
        failed = true
        let offset = pos < tokens.count ? tokens[pos].offset : scalar.value.unicodeScalars.count
        checker.report(.invalidExpression, "malformed routing condition: \(why)", at: scalar.location(atOffset: offset))
    }

    private mutating func parseOr() -> RoutingCondition? {
        guard var lhs = parseAnd() else { return nil }
        while pos < tokens.count, tokens[pos].text == "or" {
            pos += 1
            guard let rhs = parseAnd() else { return nil }
            lhs = .or(lhs, rhs)
        }
        return lhs
    }

    private mutating func parseAnd() -> RoutingCondition? {
        guard var lhs = parseAtom() else { return nil }
        while pos < tokens.count, tokens[pos].text == "and" {
            pos += 1
            guard let rhs = parseAtom() else { return nil }
            lhs = .and(lhs, rhs)
        }
        return lhs
    }

    private mutating func parseAtom() -> RoutingCondition? {
        guard pos < tokens.count else { fail("expected a comparison such as 'p99 > 300ms'"); return nil }
        if tokens[pos].text == "(" {
            pos += 1
            let inner = parseOr()
            guard !failed else { return nil }
            guard pos < tokens.count, tokens[pos].text == ")" else { fail("expected ')'"); return nil }
            pos += 1
            return inner
        }
        guard let metric = RoutingMetric(rawValue: tokens[pos].text) else {
            let hint = Suggest.didYouMean(tokens[pos].text, in: RoutingMetric.allCases.map(\.rawValue))
            fail("unknown metric '\(tokens[pos].text)' (expected p50, p90, p99, errorRate, healthy or inflight)"
                 + (hint.map { "; \($0)" } ?? ""))
            return nil
        }
        pos += 1
        guard pos < tokens.count, let op = ComparisonOperator(rawValue: tokens[pos].text) else {
            fail("expected a comparison operator (< <= > >= == !=) after '\(metric.rawValue)'")
            return nil
        }
        pos += 1
        guard pos < tokens.count else { fail("expected \(metric.valueKind) after '\(op.rawValue)'"); return nil }
        let text = tokens[pos].text
        var value: RoutingValue?
        switch metric {
        case .p50, .p90, .p99:
            if let d = ScalarSyntax.duration(text), d > .zero { value = .duration(d) }
        case .errorRate, .healthy:
            if let r = ScalarSyntax.ratio(text), r >= 0, r <= 1 { value = .ratio(r) }
        case .inflight:
            if let n = Int(text), n >= 0 { value = .count(n) }
        }
        guard let value else {
            fail("'\(metric.rawValue)' compares with \(metric.valueKind), not '\(text)'")
            return nil
        }
        pos += 1
        return .compare(metric, op, value)
    }
}
