/// HTTP bindings of workflows (spec-v1 §13): `http: { method, path }` on a workflow serves it as
/// one route. Mistakes are `invalid-http`.
extension Checker {
    /// A workflow's `http` mapping, with the input fields its path and query carry.
    ///
    /// `POST`/`PUT`/`PATCH` take the whole input from the JSON body, so their path has no
    /// placeholders; `GET`/`DELETE` take it from path placeholders and the query string, so every
    /// input field must be a scalar or a list of scalars.
    func readWorkflowHTTP(_ entry: YAMLMapping.Entry, workflow: String, input: TypeRef?) -> WorkflowHTTPBinding? {
        guard let m = closed(entry.value, "the 'http' binding of workflow '\(workflow)'",
                             allowed: ["method", "path"], required: ["method", "path"], owner: entry.key.location) else { return nil }
        var fields: [ResolvedField]?
        if let input, !input.isErrorType {
            if let r = record(input), !input.isOptional {
                fields = r.fields
            } else {
                report(.invalidHTTP,
                       "workflow '\(workflow)' is served over HTTP, so its input must be a record, not '\(input)'",
                       at: entry.key.location)
                return nil
            }
        }
        let inputName = input?.namedCore ?? input.map { "\($0)" } ?? "?"

        let method = m["method"].flatMap(readHTTPMethod)

        var path: String?
        var pathParts: [HTTPPathPart] = []
        var placed: Set<String> = []
        if let e = m["path"] {
            if case .scalar(let s) = e.value, !s.isNull {
                path = s.value
                if !s.value.hasPrefix("/") {
                    report(.invalidHTTP, "the path '\(s.value)' of workflow '\(workflow)' must start with '/'",
                           at: s.location, suggestion: "write '/\(s.value)'")
                }
                pathParts = parsePath(s) { name, location in
                    if let method, method.hasBody {
                        report(.invalidHTTP,
                               "a \(method.rawValue) workflow takes its whole input from the JSON body, so its path has no placeholders; "
                               + "remove '{\(name)}' or serve the workflow with GET",
                               at: location)
                        return
                    }
                    guard let fields else { return }
                    guard let f = fields.first(where: { $0.name == name }) else {
                        let hint = Suggest.didYouMean(name, in: fields.map(\.name))
                        report(.invalidHTTP, "the path placeholder '\(name)' names no field of the input '\(inputName)'"
                               + (hint.map { "; \($0)" } ?? ""), at: location, suggestion: hint)
                        return
                    }
                    if !placed.insert(name).inserted {
                        report(.invalidHTTP, "field '\(name)' is placed twice in the path; each input field goes to one place",
                               at: location)
                    } else if f.type.isOptional {
                        report(.invalidHTTP,
                               "path placeholder '{\(name)}' names an optional field; a path needs a value, so make the field required or take it from the query",
                               at: location)
                    } else if !isPathScalar(f.type) {
                        report(.invalidHTTP,
                               "path placeholder '{\(name)}' names field '\(name)' of type '\(f.type)'; a path carries only string, int, uuid or enum fields",
                               at: location)
                    }
                }
            } else {
                report(.invalidValue, "'path' must be a text value such as /v1/checkout, not \(e.value.kindDescription)",
                       at: e.value.location)
            }
        }
        guard let method, let path, let fields else { return nil }
        var query: [String] = []
        if !method.hasBody {
            for f in fields where !placed.contains(f.name) {
                if isQueryValue(f.type) {
                    query.append(f.name)
                } else {
                    report(.invalidHTTP,
                           "a \(method.rawValue) workflow takes every input field not in its path from the query string, but field "
                           + "'\(f.name)' of input '\(inputName)' has type '\(f.type)', which a query string cannot carry "
                           + "(scalars and lists of scalars only); serve the workflow with POST, PUT or PATCH to take a JSON body",
                           at: m["method"]?.value.location ?? entry.key.location)
                }
            }
        }
        return WorkflowHTTPBinding(method: method, path: path, pathParts: pathParts, query: query, location: entry.key.location)
    }

    /// Two workflows served at the same method and path (placeholder names aside): the later one
    /// is the mistake.
    func checkWorkflowRoutes(_ workflows: [ResolvedWorkflow]) {
        var seen: [String: ResolvedWorkflow] = [:]
        for w in workflows {
            guard let http = w.http else { continue }
            let key = "\(http.method.rawValue) \(http.routeShape)"
            if let first = seen[key], let firstHTTP = first.http {
                report(.invalidHTTP,
                       "workflow '\(w.name)' is served at \(http.method.rawValue) \(http.path), which workflow '\(first.name)' "
                       + "already serves (\(firstHTTP.method.rawValue) \(firstHTTP.path), line \(firstHTTP.location.line)); "
                       + "each method and path serves one workflow",
                       at: http.location)
            } else {
                seen[key] = w
            }
        }
    }
}
