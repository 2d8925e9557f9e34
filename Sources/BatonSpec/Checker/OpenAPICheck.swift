import BatonNaming

/// A service whose operations come from an OpenAPI document (spec-v1 §12), once imported.
struct OpenAPIServiceImport {
    /// The document's path as diagnostics show it.
    var document: String
    /// The `openapi` value in the spec.
    var location: SourceLocation
    /// Imported operations by Baton name (those that failed are absent, already reported).
    var operations: [String: ImportedOperation]
    /// The document's first server URL, or why there is none.
    var serverURL: (url: String?, problem: String?)
    /// Whether the document loaded (otherwise every operation is unresolved, reported once).
    var loaded: Bool
}

/// Services described by OpenAPI documents (spec-v1 §12): reading the `openapi` key, importing the
/// listed operations before types are resolved, and the operation keys such services allow.
extension Checker {
    /// Keys of an operation of an OpenAPI-described service (`input`, `output` and `http` are
    /// recognised only to say that the document provides them).
    static let openAPIOperationKeys = ["description", "operationId", "route", "access", "idempotencyKey", "cache",
                                       "invalidates", "timeout", "retry", "circuitBreaker", "rateLimit", "bulkhead", "hedge"]

    /// Imports every service with an `openapi` key. Runs before types are declared, so imported
    /// types are known to references anywhere in the spec. Tolerant of shape errors, which the
    /// service pass reports.
    func importOpenAPIServices(_ top: YAMLMapping) {
        for s in top["services"]?.value.mapping?.entries ?? [] {
            guard let m = s.value.mapping, let e = m["openapi"] else { continue }
            guard case .scalar(let written) = e.value, !written.isNull else {
                report(.invalidValue, "'openapi' must be the path of an OpenAPI document relative to the spec, not \(e.value.kindDescription)",
                       at: e.value.location)
                openAPIServices[s.key.value] = OpenAPIServiceImport(document: "", location: e.value.location, operations: [:],
                                                                    serverURL: (nil, nil), loaded: false)
                continue
            }
            var entry = OpenAPIServiceImport(document: written.value, location: written.location, operations: [:],
                                             serverURL: (nil, nil), loaded: false)
            defer { openAPIServices[s.key.value] = entry }
            guard let importer = importer(for: written) else { continue }
            entry.document = importer.path
            entry.loaded = true
            entry.serverURL = importer.serverURL
            for o in m["operations"]?.value.mapping?.entries ?? [] {
                let om = o.value.mapping
                let selection = OpenAPIOperationSelection(
                    key: o.key.value, keyLocation: o.key.location,
                    operationId: om?["operationId"]?.value.scalar.flatMap { $0.isNull ? nil : $0 },
                    route: om?["route"]?.value.scalar.flatMap { $0.isNull ? nil : $0 })
                if om?["operationId"] != nil, om?["route"] != nil {
                    report(.invalidValue, "operation '\(s.key.value).\(o.key.value)' names its document operation twice; "
                           + "write 'operationId' or 'route', not both", at: om!["route"]!.key.location)
                    continue
                }
                guard let op = importer.find(selection, service: s.key.value),
                      let imported = importer.importOperation(op, service: s.key.value, name: o.key.value) else { continue }
                entry.operations[o.key.value] = imported
            }
            diagnostics += importer.takeDiagnostics()
        }
    }

    /// The importer of the document `written` names (one per document and check), or nil after
    /// reporting why it cannot be read.
    private func importer(for written: YAMLScalar) -> OpenAPIImporter? {
        let (resolved, folder, problem) = OpenAPIDocumentReader.resolve(written.value, specPath: path)
        guard let resolved else {
            report(.invalidValue, "'openapi: \(written.value)' cannot be read: \(problem ?? "")", at: written.location)
            return nil
        }
        if let known = importers[resolved] { return known }
        if failedDocuments.contains(resolved) { return nil }
        let bytes: [UInt8]
        do {
            bytes = try documentReader.read(resolved, folder)
        } catch {
            report(.openAPIError, "the OpenAPI document \(resolved) cannot be read: \(error.reason)", at: written.location)
            failedDocuments.insert(resolved)
            return nil
        }
        let (loaded, problems) = OpenAPIDocumentLoader.load(path: resolved, bytes: bytes)
        documentSources.append(SpecSource(path: resolved, bytes: bytes))
        diagnostics += problems
        guard let loaded else {
            failedDocuments.insert(resolved)
            return nil
        }
        let importer = OpenAPIImporter(document: loaded)
        importers[resolved] = importer
        importerOrder.append(resolved)
        return importer
    }

    /// Adds the imported types after the spec's own: a clash is `duplicate-name` at the schema.
    func declareImportedTypes() {
        for path in importerOrder {
            for type in importers[path]?.types ?? [] {
                if let existing = typeIndex[type.name] {
                    let other = typeDecls[existing]
                    if other.imported?.openAPISource == type.openAPISource, other.imported != nil { continue }
                    let where_ = other.location.file == type.location.file ? "line \(other.location.line)"
                        : "\(other.location.file):\(other.location.line)"
                    report(.duplicateName,
                           "\(type.openAPISource?.description ?? "an imported schema") becomes the type '\(type.name)', which is already "
                           + "\(other.imported != nil ? "imported" : "declared") at \(where_); rename the spec's type",
                           at: type.location)
                    continue
                }
                typeIndex[type.name] = typeDecls.count
                typeDecls.append(TypeDecl(name: type.name, location: type.location, origin: type.origin,
                                          body: .scalar(YAMLScalar(value: "", style: .plain, location: type.location)),
                                          imported: type))
            }
        }
    }

    /// The service binding of an OpenAPI-described service: `http` settings as for any service;
    /// the base URL is `endpoints`, else `http.baseURL`, else the document's first server.
    func readOpenAPIServiceHTTP(_ entry: YAMLMapping.Entry?, service: String, hasEndpoints: Bool,
                                imported: OpenAPIServiceImport) -> HTTPServiceBinding {
        var binding = readServiceHTTPSettings(entry, service: service) ?? HTTPServiceBinding(location: imported.location)
        let baseURLWritten = entry?.value.mapping?["baseURL"] != nil
        if !hasEndpoints, binding.baseURL == nil, !baseURLWritten, imported.loaded {
            if let url = imported.serverURL.url {
                binding.baseURL = url
            } else {
                report(.invalidHTTP,
                       "service '\(service)' has no base URL: no 'endpoints', no 'http.baseURL', and \(imported.serverURL.problem ?? "no server")",
                       at: imported.location)
            }
        }
        return binding
    }

    /// An operation of an OpenAPI-described service: the document gives input, output and the
    /// HTTP binding; the spec gives everything else.
    func checkOpenAPIOperationKeys(_ m: YAMLMapping, id: String, document: String) {
        for key in ["input", "output", "http"] {
            if let e = m[key] {
                report(.invalidValue, "'\(key)' of '\(id)' comes from the OpenAPI document \(document); remove it",
                       at: e.key.location)
            }
        }
        for key in ["operationId", "route"] {
            if let e = m[key], e.value.scalar == nil || e.value.scalar?.isNull == true {
                report(.invalidValue, "'\(key)' must be a text value, not \(e.value.kindDescription)", at: e.value.location)
            }
        }
    }

    /// ` (schema #/components/schemas/Quote of contracts/pricing.yaml)` for an imported type, so
    /// contract drift names the document's schema; empty for the spec's own types.
    func schemaNote(_ type: ResolvedType, from: Bool = false) -> String {
        guard let source = type.openAPISource else { return "" }
        return from ? ", from \(source.description)" : " (\(source.description))"
    }
}
