/// HTTP bindings of services and operations (spec-v1 §11): shapes, the rule `invalid-http`, and
/// the placement of every input field (path, query, headers, body) with the defaults resolved.
extension Checker {
    /// Headers Baton sets on every request itself (§11), or that the transport owns; a binding
    /// may not set them. Lowercased.
    static let reservedHTTPHeaders: Set<String> = [
        "accept", "content-type", "content-length", "host", "transfer-encoding", "connection",
        "x-correlation-id", "idempotency-key", "x-request-timeout-ms", "traceparent",
    ]

    // MARK: - Services

    /// A service's `http` mapping, and the rules that judge the service as a whole: it binds all
    /// of its operations or none, and bound services need `http.baseURL` or `endpoints`.
    ///
    /// - Parameters:
    ///   - entry: the service's `http` entry, if written.
    ///   - operations: the service's operation entries (key and value as written).
    func readServiceHTTP(_ entry: YAMLMapping.Entry?, service: String, serviceKey: SourceLocation,
                         hasEndpoints: Bool, operations: [YAMLMapping.Entry]) -> HTTPServiceBinding? {
        let binding = readServiceHTTPSettings(entry, service: service)
        let bound = operations.filter { $0.value.mapping?["http"] != nil }
        if bound.isEmpty {
            if let entry {
                report(.invalidHTTP,
                       "service '\(service)' has 'http' settings but none of its operations has an 'http' binding; "
                       + "bind every operation with 'http: { method, path }' or remove the settings",
                       at: entry.key.location)
            }
            return nil
        }
        let boundNames = bound.map { "'\($0.key.value)'" }.joined(separator: ", ")
        for o in operations where o.value.mapping?["http"] == nil {
            report(.invalidHTTP,
                   "operation '\(service).\(o.key.value)' has no 'http' binding while other operations of the service do "
                   + "(\(boundNames)); a service binds all of its operations or none",
                   at: o.key.location)
        }
        // A base URL that was written but is wrong, or settings that are not a mapping, were reported.
        let settingsRead = entry == nil || (binding != nil && entry?.value.mapping?["baseURL"] == nil)
        if !hasEndpoints, binding?.baseURL == nil, settingsRead {
            report(.invalidHTTP,
                   "service '\(service)' is called over HTTP but has neither 'http.baseURL' nor 'endpoints'; "
                   + "add 'http: { baseURL: \"http://host:port\" }' or a list of endpoints",
                   at: entry?.key.location ?? serviceKey)
        }
        return binding ?? HTTPServiceBinding(location: serviceKey)
    }

    /// The `http` settings of a service (`baseURL`, `headers`), or nil when not written or not a
    /// mapping (reported).
    func readServiceHTTPSettings(_ entry: YAMLMapping.Entry?, service: String) -> HTTPServiceBinding? {
        guard let entry, let m = closed(entry.value, "the 'http' settings of service '\(service)'",
                                        allowed: ["baseURL", "headers"], owner: entry.key.location) else { return nil }
        var b = HTTPServiceBinding(location: entry.key.location)
        if let u = m["baseURL"], let url = string(u.value, "'baseURL'") {
            if isHTTPURL(url) {
                b.baseURL = url
            } else {
                report(.invalidHTTP,
                       "'baseURL' of service '\(service)' must be an absolute http:// or https:// URL without spaces, not '\(url)'",
                       at: u.value.location)
            }
        }
        if let h = m["headers"] { b.headers = staticHeaders(h, service: service) }
        return b
    }

    private func staticHeaders(_ entry: YAMLMapping.Entry, service: String) -> [HTTPStaticHeader] {
        guard case .mapping(let m) = entry.value else {
            if entry.value.scalar?.isNull != true {
                report(.invalidValue, "'headers' must be a mapping of header names to values, not \(entry.value.kindDescription)",
                       at: entry.value.location)
            }
            return []
        }
        var out: [HTTPStaticHeader] = []
        var seen: Set<String> = []
        for e in m.entries {
            guard checkHeaderName(e.key, seen: &seen) else { continue }
            guard let value = string(e.value, "the value of header '\(e.key.value)'") else { continue }
            if value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) {
                report(.invalidHTTP, "the value of header '\(e.key.value)' must not contain line breaks", at: e.value.location)
                continue
            }
            out.append(HTTPStaticHeader(name: e.key.value, value: value))
        }
        return out
    }

    /// A header name: an RFC 9110 token, not repeated (case-insensitively), not one Baton sets.
    private func checkHeaderName(_ key: YAMLScalar, seen: inout Set<String>) -> Bool {
        let name = key.value
        guard !name.isEmpty, name.unicodeScalars.allSatisfy(Self.isTokenCharacter) else {
            report(.invalidHTTP,
                   "'\(name)' is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)", at: key.location)
            return false
        }
        let lower = name.lowercased()
        if Self.reservedHTTPHeaders.contains(lower) {
            report(.invalidHTTP, "header '\(name)' is set by Baton or the transport on every request; a binding cannot set it",
                   at: key.location)
            return false
        }
        guard seen.insert(lower).inserted else {
            report(.invalidHTTP, "header '\(name)' is listed twice (header names are case-insensitive)", at: key.location)
            return false
        }
        return true
    }

    private static func isTokenCharacter(_ c: Unicode.Scalar) -> Bool {
        ScalarSyntax.isAlnum(c) || "!#$%&'*+-.^_`|~".unicodeScalars.contains(c)
    }

    private func isHTTPURL(_ url: String) -> Bool {
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else { return false }
        let host = lower.drop(while: { $0 != ":" }).dropFirst(3)
        return !host.isEmpty && !url.unicodeScalars.contains { $0.properties.isWhitespace || $0.value < 0x20 }
    }

    // MARK: - Operations

    /// Where one input field is sent, for "placed twice".
    private struct Placement {
        var field: String
        var location: SourceLocation
        var place: String
    }

    /// An operation's `http` mapping, every input field placed.
    func readOperationHTTP(_ entry: YAMLMapping.Entry, id: String, input: TypeRef) -> HTTPOperationBinding? {
        guard let m = closed(entry.value, "the 'http' binding of '\(id)'",
                             allowed: ["method", "path", "query", "headers", "body"],
                             required: ["method", "path"], owner: entry.key.location) else { return nil }
        // The input's fields; nil when the input failed to resolve (reported where written).
        var fields: [ResolvedField]?
        if !input.isErrorType {
            if let r = record(input), !input.isOptional {
                fields = r.fields
            } else {
                report(.invalidHTTP,
                       "operation '\(id)' is called over HTTP, so its input must be a record whose fields the binding places, not '\(input)'",
                       at: entry.key.location)
                return nil
            }
        }
        let inputName = input.namedCore ?? "\(input)"
        var placements: [Placement] = []

        /// The input field `name`, or nil after reporting (nil too when the input is unresolved).
        func field(_ name: String, _ what: String, at location: SourceLocation) -> ResolvedField? {
            guard let fields else { return nil }
            if let f = fields.first(where: { $0.name == name }) { return f }
            let hint = Suggest.didYouMean(name, in: fields.map(\.name))
            report(.invalidHTTP, "\(what) '\(name)' names no field of the input '\(inputName)'" + (hint.map { "; \($0)" } ?? ""),
                   at: location, suggestion: hint)
            return nil
        }

        let method = m["method"].flatMap(readHTTPMethod)

        var path: String?
        var pathParts: [HTTPPathPart] = []
        if let e = m["path"] {
            if case .scalar(let s) = e.value, !s.isNull {
                path = s.value
                if !s.value.hasPrefix("/") {
                    report(.invalidHTTP, "the path '\(s.value)' must start with '/'; it is relative to the service's base URL",
                           at: s.location, suggestion: "write '/\(s.value)'")
                }
                pathParts = parsePath(s) { name, location in
                    guard let f = field(name, "the path placeholder", at: location) else { return }
                    if f.type.isOptional {
                        report(.invalidHTTP,
                               "path placeholder '{\(name)}' names an optional field; a path needs a value, so make the field required or send it in the query",
                               at: location)
                    } else if !isPathScalar(f.type) {
                        report(.invalidHTTP,
                               "path placeholder '{\(name)}' names field '\(name)' of type '\(f.type)'; a path carries only string, int, uuid or enum fields",
                               at: location)
                    }
                    placements.append(Placement(field: name, location: location, place: "the path"))
                }
            } else {
                report(.invalidValue, "'path' must be a text value such as /v1/carts/{cartId}, not \(e.value.kindDescription)",
                       at: e.value.location)
            }
        }

        var explicitQuery: [String] = []
        if let e = m["query"] {
            for s in scalarList(e.value, "'query'") ?? [] {
                guard let f = field(s.value, "the query entry", at: s.location) else { continue }
                if !isQueryValue(f.type) {
                    report(.invalidHTTP,
                           "field '\(f.name)' of type '\(f.type)' cannot be sent in a query string (scalars and lists of scalars only); "
                           + "send it in a body with POST, PUT or PATCH",
                           at: s.location)
                }
                placements.append(Placement(field: f.name, location: s.location, place: "the query"))
                explicitQuery.append(f.name)
            }
        }

        var headers: [HTTPHeaderBinding] = []
        if let e = m["headers"] {
            if case .mapping(let hm) = e.value {
                var seen: Set<String> = []
                for h in hm.entries {
                    let nameOK = checkHeaderName(h.key, seen: &seen)
                    guard case .scalar(let s) = h.value, !s.isNull else {
                        report(.invalidValue, "header '\(h.key.value)' must name an input field, not \(h.value.kindDescription)",
                               at: h.value.location)
                        continue
                    }
                    guard let f = field(s.value, "header '\(h.key.value)'", at: s.location) else { continue }
                    if !isHeaderValue(f.type) {
                        report(.invalidHTTP,
                               "field '\(f.name)' of type '\(f.type)' cannot be sent as header '\(h.key.value)'; a header carries one scalar value",
                               at: s.location)
                    }
                    placements.append(Placement(field: f.name, location: s.location, place: "header '\(h.key.value)'"))
                    if nameOK { headers.append(HTTPHeaderBinding(name: h.key.value, field: f.name)) }
                }
            } else if e.value.scalar?.isNull != true {
                report(.invalidValue, "'headers' must map header names to input fields, not \(e.value.kindDescription)",
                       at: e.value.location)
            }
        }

        var bodyField: String?
        if let e = m["body"] {
            if case .scalar(let s) = e.value, !s.isNull {
                if let method, !method.hasBody {
                    report(.invalidHTTP,
                           "a \(method.rawValue) request has no body; its input goes to the path and the query string",
                           at: e.key.location)
                } else if let f = field(s.value, "'body'", at: s.location) {
                    placements.append(Placement(field: f.name, location: s.location, place: "the body"))
                    bodyField = f.name
                }
            } else {
                report(.invalidValue, "'body' must name the input field sent as the body, not \(e.value.kindDescription)",
                       at: e.value.location)
            }
        }

        // A field placed twice: the later one (in the file) is the mistake.
        var placedAt: [String: Placement] = [:]
        for p in placements.sorted(by: { $0.location < $1.location }) {
            if let first = placedAt[p.field] {
                let places = first.place == p.place ? "twice in \(p.place)" : "in \(first.place) (line \(first.location.line)) and in \(p.place)"
                report(.invalidHTTP, "field '\(p.field)' is placed twice: \(places); each input field goes to one place",
                       at: p.location)
            } else {
                placedAt[p.field] = p
            }
        }

        guard let method, let path, let fields else { return nil }
        // Defaults: what is not placed goes to the query (GET, DELETE, or next to a `body: field`)
        // or into a JSON object body (POST, PUT, PATCH).
        let rest = fields.filter { placedAt[$0.name] == nil }
        var body = HTTPBodyBinding.none
        var defaultQuery: [ResolvedField] = []
        if let bodyField {
            body = .field(bodyField)
            defaultQuery = rest
        } else if method.hasBody {
            body = .fields(rest.map(\.name))
        } else {
            defaultQuery = rest
        }
        for f in defaultQuery where !isQueryValue(f.type) {
            let why = bodyField == nil
                ? "a \(method.rawValue) request sends every input field not in the path or a header as a query parameter"
                : "with 'body: \(bodyField!)', every other input field not in the path or a header is a query parameter"
            report(.invalidHTTP,
                   "\(why), but field '\(f.name)' of input '\(inputName)' has type '\(f.type)', which a query string cannot carry "
                   + "(scalars and lists of scalars only); use POST, PUT or PATCH to send it in a body",
                   at: bodyField == nil ? (m["method"]?.value.location ?? entry.key.location) : (m["body"]?.value.location ?? entry.key.location))
        }
        let queried = Set(explicitQuery + defaultQuery.map(\.name))
        return HTTPOperationBinding(
            method: method, path: path, pathParts: pathParts,
            query: fields.map(\.name).filter { queried.contains($0) },
            headers: headers, body: body, location: entry.key.location)
    }

    /// A binding's `method`: one of ``HTTPMethodName``, with the uppercase spelling suggested for a
    /// lowercase one. Nil after reporting.
    func readHTTPMethod(_ e: YAMLMapping.Entry) -> HTTPMethodName? {
        guard case .scalar(let s) = e.value, !s.isNull else {
            report(.invalidValue, "'method' must be GET, POST, PUT, PATCH or DELETE, not \(e.value.kindDescription)",
                   at: e.value.location)
            return nil
        }
        if let method = HTTPMethodName(rawValue: s.value) { return method }
        let options = HTTPMethodName.allCases.map(\.rawValue)
        let hint = HTTPMethodName(rawValue: s.value.uppercased()).map { "did you mean '\($0.rawValue)'?" }
            ?? Suggest.didYouMean(s.value.uppercased(), in: options)
        report(.invalidHTTP, "unknown HTTP method '\(s.value)'; use one of \(options.joined(separator: ", "))"
               + (hint.map { "; \($0)" } ?? ""), at: s.location, suggestion: hint)
        return nil
    }

    /// Splits a path template into text and `{field}` placeholders; `placeholder` is called for
    /// each name with the location of its first character.
    func parsePath(_ s: YAMLScalar, placeholder: (String, SourceLocation) -> Void) -> [HTTPPathPart] {
        let chars = Array(s.value.unicodeScalars)
        var parts: [HTTPPathPart] = []
        var literal = ""
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "{" {
                guard let close = chars[(i + 1)...].firstIndex(of: "}") else {
                    report(.invalidHTTP, "unclosed '{' in path '\(s.value)'; write placeholders as {field}",
                           at: s.location(atOffset: i))
                    return parts
                }
                var name = ""
                name.unicodeScalars.append(contentsOf: chars[(i + 1)..<close])
                guard ScalarSyntax.isLowerName(name) else {
                    report(.invalidHTTP, "path placeholder '{\(name)}' must name an input field (lowerCamelCase)",
                           at: s.location(atOffset: name.isEmpty ? i : i + 1))
                    i = close + 1
                    continue
                }
                if !literal.isEmpty { parts.append(.literal(literal)) }
                literal = ""
                parts.append(.field(name))
                placeholder(name, s.location(atOffset: i + 1))
                i = close + 1
                continue
            }
            if c == "}" || c == "?" || c == "#" || c.properties.isWhitespace || c.value < 0x20 {
                let why = c == "}" ? "an unmatched '}'"
                    : c == "?" ? "'?': list query parameters under 'query' instead"
                    : c == "#" ? "'#': a fragment is never sent" : "a space or control character"
                report(.invalidHTTP, "the path '\(s.value)' contains \(why)", at: s.location(atOffset: i))
            }
            literal.unicodeScalars.append(c)
            i += 1
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        return parts
    }

    /// string, int, uuid or an enum: what a path segment carries.
    func isPathScalar(_ t: TypeRef) -> Bool {
        if t.isErrorType { return true }
        switch t {
        case .string, .int, .uuid: return true
        case .named(let n): return resolvedTypes[n]?.isEnum == true
        default: return false
        }
    }

    /// Any scalar: the built-in scalars and enums.
    private func isScalar(_ t: TypeRef) -> Bool {
        switch t {
        case .string, .int, .double, .bool, .decimal, .date, .uuid: true
        case .named(let n): resolvedTypes[n]?.isEnum == true
        default: false
        }
    }

    /// A scalar or a list of scalars, optional or not.
    func isQueryValue(_ t: TypeRef) -> Bool {
        if t.isErrorType { return true }
        let core = t.unwrapped
        if case .array(let element) = core { return isScalar(element) }
        return isScalar(core)
    }

    /// A scalar, optional or not.
    private func isHeaderValue(_ t: TypeRef) -> Bool { t.isErrorType || isScalar(t.unwrapped) }
}
