import BatonSpec

/// The response caches of a spec: one per cached read operation, shared by every workflow, with a
/// key type built from the operation's `key` fields.
struct CachePlan {
    struct KeyField {
        var name: String
        var path: [String]
        var type: TypeRef
    }

    struct Cache {
        var operation: OperationRef
        /// `cartGetCart`: the member of the orchestrator's `Caches`.
        var member: String
        /// `CartGetCartCacheKey`.
        var keyType: String
        var valueType: String
        var keyFields: [KeyField]
        var policy: CachePolicy
    }

    let spec: ResolvedSpec
    private(set) var caches: [Cache] = []

    init(spec: ResolvedSpec) {
        self.spec = spec
        for service in spec.services {
            for operation in service.operations where operation.access == .read {
                guard let policy = operation.cache else { continue }
                let base = SwiftIdentifier.upperCamel(service.name) + SwiftIdentifier.upperCamel(operation.name)
                caches.append(Cache(
                    operation: operation.ref,
                    member: SwiftIdentifier.lowerCamel(base),
                    keyType: base + "CacheKey",
                    valueType: SwiftType.name(operation.output),
                    keyFields: policy.key.map { keyField($0, in: operation.input) },
                    policy: policy
                ))
            }
        }
    }

    func cache(for operation: OperationRef) -> Cache? {
        caches.first { $0.operation == operation }
    }

    /// `a.b` of the input type: its type (optional if any part is) and a field name `aB`.
    private func keyField(_ path: String, in input: TypeRef) -> KeyField {
        let parts = path.split(separator: ".").map(String.init)
        var type = input
        var optional = false
        for part in parts {
            optional = optional || type.isOptional
            let record = type.unwrapped.namedCore.flatMap { spec.type(named: $0) }
            type = record?.field(part)?.type ?? .string
        }
        let name = parts.enumerated().map { $0.offset == 0 ? $0.element : SwiftIdentifier.upperCamel($0.element) }.joined()
        return KeyField(name: name, path: parts, type: optional ? type.optional : type)
    }

    /// `request.a?.b`: a key field read from a built request.
    func access(_ field: KeyField, on request: String, input: TypeRef) -> String {
        var code = request
        var type = input
        for part in field.path {
            code += (type.isOptional ? "?." : ".") + SwiftIdentifier.escaped(part)
            let record = type.unwrapped.namedCore.flatMap { spec.type(named: $0) }
            type = record?.field(part)?.type ?? .string
        }
        return code
    }

    /// The key of `cache` from the request in `request`.
    func keyExpression(_ cache: Cache, request: String) -> String {
        guard let input = spec.operation(cache.operation)?.input else { return "" }
        let arguments = cache.keyFields.map { "\(SwiftIdentifier.label($0.name)): \(access($0, on: request, input: input))" }
        return "\(cache.keyType)(\(arguments.joined(separator: ", ")))"
    }

    /// The `ResponseCache` construction for the orchestrator's initialiser.
    func construction(_ cache: Cache) -> String {
        var policy = ["ttl: \(PolicyPlan.duration(cache.policy.ttl))"]
        if cache.policy.staleWhileRevalidate > .zero {
            policy.append("staleWhileRevalidate: \(PolicyPlan.duration(cache.policy.staleWhileRevalidate))")
        }
        if cache.policy.staleIfError > .zero { policy.append("staleIfError: \(PolicyPlan.duration(cache.policy.staleIfError))") }
        policy.append("maxEntries: \(cache.policy.maxEntries)")
        return "BatonRuntime.ResponseCache<\(cache.keyType), \(cache.valueType)>(service: \(SwiftLiteral.string(cache.operation.service)), "
            + "operation: \(SwiftLiteral.string(cache.operation.operation)), "
            + "policy: BatonRuntime.CachePolicy(\(policy.joined(separator: ", "))), clock: options.clock, telemetry: options.telemetry)"
    }
}
