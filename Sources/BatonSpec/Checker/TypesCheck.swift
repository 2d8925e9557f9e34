import BatonNaming

/// Types (spec-v1 §3): declarations, inline input/output types, references, recursion.
extension Checker {
    /// Collects every type name before anything is resolved, so references may point forward.
    func declareTypes(_ top: YAMLMapping) {
        if let types = top["types"], let entries = section(types, "'types'", nonEmpty: false) {
            for e in entries {
                checkTypeName(e.key)
                addType(TypeDecl(name: e.key.value, location: e.key.location, origin: .declared, body: e.value))
            }
        }
        // Inline types are found by a tolerant walk; shape errors are reported later.
        for s in top["services"]?.value.mapping?.entries ?? [] {
            for o in s.value.mapping?["operations"]?.value.mapping?.entries ?? [] {
                guard let op = o.value.mapping else { continue }
                if let i = op["input"], case .mapping = i.value {
                    addType(TypeDecl(name: GeneratedNames.operationInput(service: s.key.value, operation: o.key.value), location: i.key.location,
                                     origin: .operationInput(service: s.key.value, operation: o.key.value), body: i.value))
                }
                if let out = op["output"], case .mapping = out.value {
                    addType(TypeDecl(name: GeneratedNames.operationOutput(service: s.key.value, operation: o.key.value), location: out.key.location,
                                     origin: .operationOutput(service: s.key.value, operation: o.key.value), body: out.value))
                }
            }
        }
        for w in top["workflows"]?.value.mapping?.entries ?? [] {
            guard let wf = w.value.mapping else { continue }
            if let i = wf["input"], case .mapping = i.value {
                addType(TypeDecl(name: GeneratedNames.workflowInput(w.key.value), location: i.key.location,
                                 origin: .workflowInput(workflow: w.key.value), body: i.value))
            }
            if let out = wf["output"], case .mapping = out.value {
                addType(TypeDecl(name: GeneratedNames.workflowOutput(w.key.value), location: out.key.location,
                                 origin: .workflowOutput(workflow: w.key.value), body: out.value))
            }
        }
    }

    private func addType(_ decl: TypeDecl) {
        if let existing = typeIndex[decl.name] {
            let other = typeDecls[existing]
            report(.duplicateName,
                   "\(describe(decl)) is named '\(decl.name)', which is already \(describe(other, short: true)) at line \(other.location.line)",
                   at: decl.location)
            return
        }
        typeIndex[decl.name] = typeDecls.count
        typeDecls.append(decl)
    }

    private func describe(_ decl: TypeDecl, short: Bool = false) -> String {
        if let source = decl.imported?.openAPISource {
            return short ? "imported from \(source.description)" : "\(source.description)"
        }
        switch decl.origin {
        case .declared: return short ? "declared" : "type '\(decl.name)'"
        case .operationInput(let s, let o): return short ? "generated for the input of \(s).\(o)" : "the inline input type of \(s).\(o)"
        case .operationOutput(let s, let o): return short ? "generated for the output of \(s).\(o)" : "the inline output type of \(s).\(o)"
        case .workflowInput(let w): return short ? "generated for the input of workflow '\(w)'" : "the inline input type of workflow '\(w)'"
        case .workflowOutput(let w): return short ? "generated for the output of workflow '\(w)'" : "the inline output type of workflow '\(w)'"
        }
    }

    /// Resolves every declared and inline type, then looks for records that contain themselves.
    func resolveTypes() {
        for decl in typeDecls {
            resolvedTypes[decl.name] = resolveType(decl)
        }
        checkRecursion()
    }

    private func resolveType(_ decl: TypeDecl) -> ResolvedType {
        if let imported = decl.imported { return imported }
        var description: String?
        var kind = ResolvedType.Kind.record([])
        let what = "type '\(decl.name)'"
        if decl.origin == .declared, let m = decl.body.mapping, m["enum"] != nil {
            if let m = closed(decl.body, what, allowed: ["enum", "description"], owner: decl.location) {
                description = self.description(m)
                kind = .enumeration(m["enum"].map { enumCases($0.value, of: decl.name) } ?? [])
            }
        } else if decl.origin == .declared, let m = decl.body.mapping, m["fields"] != nil {
            if let m = closed(decl.body, what, allowed: ["fields", "description"], owner: decl.location) {
                description = self.description(m)
                if let f = m["fields"] {
                    kind = .record(fields(f.value, of: decl.name, owner: f.key.location))
                }
            }
        } else {
            kind = .record(fields(decl.body, of: decl.name, owner: decl.location))
        }
        return ResolvedType(name: decl.name, description: description, kind: kind, origin: decl.origin,
                            location: decl.location)
    }

    private func fields(_ node: YAMLNode, of typeName: String, owner: SourceLocation) -> [ResolvedField] {
        if case .scalar(let s) = node, s.isNull { return [] }
        guard case .mapping(let m) = node else {
            report(.invalidValue, "type '\(typeName)' must be a mapping of fields (or have 'enum' or 'fields'), not \(node.kindDescription)",
                   at: node.location)
            return []
        }
        var out: [ResolvedField] = []
        var wireNames: [String: String] = [:]
        for e in m.entries {
            if checkLowerName(e.key, "field"), let why = GeneratedNames.reservedFieldNames[e.key.value] {
                report(.invalidName, "field name '\(e.key.value)' is reserved: \(why); rename the field", at: e.key.location)
            }
            var description: String?
            var type: TypeRef?
            var wire: (name: String, location: SourceLocation)?
            switch e.value {
            case .scalar(let s):
                type = typeRef(s)
            case .mapping:
                if let fm = closed(e.value, "field '\(e.key.value)'", allowed: ["type", "description", "json"],
                                   required: ["type"], owner: e.key.location) {
                    description = self.description(fm)
                    if let t = fm["type"] {
                        if let s = t.value.scalar { type = typeRef(s) } else { typeRefShapeError(t.value) }
                    }
                    if let j = fm["json"], let name = wireName(j.value, of: "field '\(e.key.value)'") {
                        wire = (name, j.value.location)
                    }
                }
            case .sequence:
                typeRefShapeError(e.value)
            }
            let wireName = wire?.name ?? e.key.value
            if let first = wireNames[wireName] {
                report(.duplicateName,
                       "field '\(e.key.value)' of type '\(typeName)' has the JSON name '\(wireName)', which field '\(first)' already has; "
                       + "two fields of one record cannot share a JSON name",
                       at: wire?.location ?? e.key.location)
            } else {
                wireNames[wireName] = e.key.value
            }
            out.append(ResolvedField(name: e.key.value, type: type ?? .named("?"), description: description,
                                     location: e.key.location, wireName: wire?.name))
        }
        return out
    }

    /// A `json` name (spec-v1 §10): any non-empty text.
    private func wireName(_ node: YAMLNode, of what: String) -> String? {
        guard case .scalar(let s) = node, !s.isNull else {
            report(.invalidValue, "the 'json' name of \(what) must be a non-empty text value, not \(node.kindDescription)",
                   at: node.location)
            return nil
        }
        guard !s.value.isEmpty else {
            report(.invalidValue, "the 'json' name of \(what) must not be empty; leave 'json' out to use the spec name",
                   at: node.location)
            return nil
        }
        return s.value
    }

    /// An enum's cases: names, or `{ name, json }` with a wire value (spec-v1 §10).
    private func enumCases(_ node: YAMLNode, of typeName: String) -> [ResolvedEnumCase] {
        guard case .sequence(let seq) = node else {
            report(.invalidValue, "the cases of type '\(typeName)' must be a list", at: node.location)
            return []
        }
        var cases: [ResolvedEnumCase] = []
        var seen: Set<String> = []
        var wireValues: [String: String] = [:]
        for item in seq.items {
            var name: YAMLScalar?
            var wire: (name: String, location: SourceLocation)?
            switch item {
            case .scalar(let s) where !s.isNull:
                name = s
            case .mapping:
                guard let cm = closed(item, "an enum case", allowed: ["name", "json"], required: ["name"],
                                      owner: item.location) else { continue }
                if let n = cm["name"] {
                    if let s = n.value.scalar, !s.isNull {
                        name = s
                    } else {
                        report(.invalidValue, "an enum case's 'name' must be a name, not \(n.value.kindDescription)",
                               at: n.value.location)
                    }
                }
                if let j = cm["json"], let value = wireName(j.value, of: "case '\(name?.value ?? "?")'") {
                    wire = (value, j.value.location)
                }
            default:
                report(.invalidValue,
                       "the cases of type '\(typeName)' must be names or { name, json } mappings, not \(item.kindDescription)",
                       at: item.location)
            }
            guard let c = name else { continue }
            checkLowerName(c, "enum case")
            if !seen.insert(c.value).inserted {
                report(.duplicateName, "enum '\(typeName)' lists case '\(c.value)' twice", at: c.location)
                continue
            }
            let wireValue = wire?.name ?? c.value
            if let first = wireValues[wireValue] {
                report(.duplicateName,
                       "case '\(c.value)' of enum '\(typeName)' has the JSON value '\(wireValue)', which case '\(first)' already has; "
                       + "two cases of one enum cannot share a JSON value",
                       at: wire?.location ?? c.location)
            } else {
                wireValues[wireValue] = c.value
            }
            cases.append(ResolvedEnumCase(name: c.value, location: c.location, wireName: wire?.name))
        }
        if seq.items.isEmpty { report(.invalidValue, "enum '\(typeName)' needs at least one case", at: node.location) }
        return cases
    }

    private func typeRefShapeError(_ node: YAMLNode) {
        if case .sequence(let seq) = node, seq.items.count == 1, let inner = seq.items[0].scalar {
            report(.invalidValue, "a list type must be quoted in YAML: write \"[\(inner.value)]\"", at: node.location,
                   suggestion: "write \"[\(inner.value)]\"")
        } else {
            report(.invalidValue, "expected a type reference such as string, CartItem or \"[CartItem]\"", at: node.location)
        }
    }

    /// Parses and resolves a type reference (`string`, `Cart`, `[Item]?`, `[string: int]`).
    /// Reports `unknown-type` or `invalid-value` at the exact character and returns nil.
    func typeRef(_ scalar: YAMLScalar) -> TypeRef? {
        let chars = Array(scalar.value.unicodeScalars)
        var i = 0
        var failed = false
        func skipSpaces() { while i < chars.count, chars[i] == " " { i += 1 } }
        func malformed(_ why: String) -> TypeRef? {
            if !failed {
                report(.invalidValue, "malformed type reference '\(scalar.value)': \(why)",
                       at: scalar.location(atOffset: min(i, chars.count)))
            }
            failed = true
            return nil
        }
        func parse() -> TypeRef? {
            skipSpaces()
            var core: TypeRef
            if i < chars.count, chars[i] == "[" {
                i += 1
                guard let first = parse() else { return nil }
                skipSpaces()
                if i < chars.count, chars[i] == ":" {
                    i += 1
                    guard first == .string else {
                        return malformed("dictionary keys must be string")
                    }
                    guard let value = parse() else { return nil }
                    core = .dictionary(value)
                } else {
                    core = .array(first)
                }
                skipSpaces()
                guard i < chars.count, chars[i] == "]" else { return malformed("expected ']'") }
                i += 1
            } else {
                let start = i
                while i < chars.count, ScalarSyntax.isAlnum(chars[i]) { i += 1 }
                guard i > start else { return malformed("expected a type name") }
                var name = ""
                name.unicodeScalars.append(contentsOf: chars[start..<i])
                if let b = TypeRef.builtins[name] {
                    core = b
                } else if typeIndex[name] != nil {
                    core = .named(name)
                } else {
                    let candidates = Array(TypeRef.builtins.keys) + typeDecls.map(\.name)
                    let hint = Suggest.didYouMean(name, in: candidates.sorted())
                    if !failed {
                        report(.unknownType, "unknown type '\(name)'" + (hint.map { "; \($0)" } ?? ""),
                               at: scalar.location(atOffset: start), suggestion: hint)
                    }
                    failed = true
                    return nil
                }
            }
            skipSpaces()
            if i < chars.count, chars[i] == "?" {
                i += 1
                core = .optional(core)
                skipSpaces()
                if i < chars.count, chars[i] == "?" { return malformed("a type can be optional only once") }
            }
            return core
        }
        guard let t = parse() else { return nil }
        skipSpaces()
        guard i == chars.count else { return malformed("unexpected '\(chars[i])'") }
        return t
    }

    /// `recursive-type`: a record reaching itself through plain (non-optional, non-collection) fields.
    private func checkRecursion() {
        var edges: [String: [(String, ResolvedField)]] = [:]
        for decl in typeDecls {
            for f in resolvedTypes[decl.name]?.fields ?? [] {
                if case .named(let n) = f.type, resolvedTypes[n].map({ !$0.isEnum }) == true {
                    edges[decl.name, default: []].append((n, f))
                }
            }
        }
        var reported: Set<String> = []
        for decl in typeDecls where !reported.contains(decl.name) {
            // Depth-first search for a path back to `decl`.
            var stack: [(String, [ResolvedField])] = [(decl.name, [])]
            var visited: Set<String> = []
            while let (current, path) = stack.popLast() {
                var found: [ResolvedField]?
                for (next, field) in edges[current] ?? [] {
                    if next == decl.name { found = path + [field]; break }
                    if visited.insert(next).inserted { stack.append((next, path + [field])) }
                }
                if let cycle = found {
                    var names = [decl.name]
                    var loc = cycle[0].location
                    // Follow the field types to name the cycle.
                    for f in cycle { names.append(f.type.namedCore ?? "?") }
                    names.forEach { reported.insert($0) }
                    if let first = cycle.first, let t = resolvedTypes[decl.name]?.field(first.name) { loc = t.location }
                    report(.recursiveType,
                           "record '\(decl.name)' contains itself: \(names.joined(separator: " → ")); make a field optional or a list",
                           at: loc)
                    break
                }
            }
        }
    }

    /// Types whose names clash with generated names (`<Service>Service`, `Mock…`,
    /// `<Name>Orchestrator`, `<Workflow>AdmissionClass` for admission with caller classes, the
    /// fixtures and test types of the generated tests, cache keys) or with names generated code
    /// relies on (``reservedTypeNames``).
    func checkGeneratedNameClashes(specName: String, workflows: YAMLMapping.Entry?) {
        // Read from the syntax tree: the workflows are checked after the types they refer to.
        let admissionWorkflows = (workflows?.value.mapping?.entries ?? [])
            .filter { $0.value.mapping?["admission"]?.value.mapping?["classes"] != nil }
            .map(\.key.value)
        let generated = GeneratedNames.generatedTypeNames(
            spec: specName,
            services: services.map { service in
                (service.name, service.operations.filter { $0.resolved.access == .read && $0.resolved.policies.cache != nil }.map(\.resolved.name))
            },
            workflowsWithAdmissionClasses: admissionWorkflows
        )
        for decl in typeDecls {
            if let what = GeneratedNames.reservedTypeNames[decl.name] {
                report(.invalidName, "type name '\(decl.name)' is reserved: it is \(what); rename the type", at: decl.location)
            }
        }
        for decl in typeDecls {
            if let what = generated[decl.name] {
                report(.duplicateName, "type name '\(decl.name)' clashes with \(what)", at: decl.location)
            }
        }
    }

    /// The record type behind `t` (through one optional), if it is one.
    func record(_ t: TypeRef) -> ResolvedType? {
        guard case .named(let n) = t.unwrapped, let r = resolvedTypes[n], !r.isEnum else { return nil }
        return r
    }

    /// Resolves an `input`/`output` value: a reference, or an inline mapping (already declared).
    func ioType(_ entry: YAMLMapping.Entry, inlineName: String) -> TypeRef? {
        switch entry.value {
        case .mapping:
            return typeIndex[inlineName] != nil ? .named(inlineName) : nil
        case .scalar(let s) where !s.isNull:
            return typeRef(s)
        default:
            typeRefShapeError(entry.value)
            return nil
        }
    }
}
