import BatonNaming
import BatonSpec

/// Services, operations, and the timeouts and retries written at each level.
extension Comparison {
    mutating func compareServices(_ old: Side, _ new: Side) {
        for service in new.spec.services {
            // A service added or removed as a whole is not an operation added to or removed from a
            // protocol (§15 has no id for it): its protocol is new or gone, and the orchestrator's
            // initialiser gains or loses a parameter, which the compiler reports.
            guard let before = old.services[service.name] else { continue }
            comparePolicies(before.policies, service.policies, owner: .service(service.name),
                            old: (old, before.location), new: (new, service.location))
            let oldOperations = Dictionary(before.operations.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            for operation in service.operations {
                guard let previous = oldOperations[operation.name] else {
                    report(.operationAdded, path: Self.path(of: operation.ref),
                           "operation '\(operation.ref)' added: a new requirement of protocol '\(GeneratedNames.serviceProtocol(service.name))' that every implementation must add",
                           old: nil, new: operation.location)
                    continue
                }
                compareOperation(previous, operation, old, new)
            }
            let newNames = Set(service.operations.map(\.name))
            for operation in before.operations where !newNames.contains(operation.name) {
                report(.operationRemoved, path: Self.path(of: operation.ref), "operation '\(operation.ref)' removed",
                       old: operation.location, new: service.location)
            }
        }
    }

    private mutating func compareOperation(_ before: ResolvedOperation, _ after: ResolvedOperation, _ old: Side, _ new: Side) {
        let path = Self.path(of: after.ref)
        let keyPath = ["services", after.service, "operations", after.name]
        if let key = before.idempotencyKey, after.idempotencyKey == nil {
            report(.idempotencyKeyRemoved, path: path + ".idempotencyKey",
                   "operation '\(after.ref)': idempotency key '\(key)' removed: retries and duplicate runs may now repeat the call",
                   old: old.keys.location(keyPath + ["idempotencyKey"]) ?? before.location, new: after.location)
        }
        if let was = before.http, was.method != after.http?.method || was.path != after.http?.path {
            let now = after.http.map { "\($0.method.rawValue) \($0.path)" } ?? "none (the service is no longer called over HTTP)"
            report(.operationHTTPChanged, path: path + ".http",
                   "operation '\(after.ref)': HTTP binding changed from \(was.method.rawValue) \(was.path) to \(now)",
                   old: nil, new: after.http?.location ?? after.location)
        }
        comparePolicies(before.policies, after.policies, owner: .operation(after.ref),
                        old: (old, before.location), new: (new, after.location))
        compareSignatureType(before.input, after.input, roles: .operationInput, path: path + ".input",
                             what: "operation '\(after.ref)'", direction: "input", old: old, new: new,
                             location: new.keys.location(keyPath + ["input"]) ?? after.location)
        compareSignatureType(before.output, after.output, roles: .operationOutput, path: path + ".output",
                             what: "operation '\(after.ref)'", direction: "output", old: old, new: new,
                             location: new.keys.location(keyPath + ["output"]) ?? after.location)
    }

    /// A workflow's or operation's input or output when it names a different type than before
    /// (same name: the type is compared where it is declared). Two records are compared field by
    /// field — a renamed record with the same fields is no change; anything else is a new type.
    mutating func compareSignatureType(_ before: TypeRef, _ after: TypeRef, roles: TypeUsage.Roles, path: String,
                                       what: String, direction: String, old: Side, new: Side, location: SourceLocation) {
        guard before != after else { return }
        if case .named(let oldName) = before, case .named(let newName) = after,
           let oldType = old.types[oldName], let newType = new.types[newName], !oldType.isEnum, !newType.isEnum {
            compareFields(old: oldType, new: newType, roles: roles, path: path) { field, _ in
                "\(what): \(direction) field '\(field)'"
            }
            return
        }
        report(.fieldTypeChanged, path: path, "\(what): \(direction) changed type from \(before) to \(after)",
               old: nil, new: location)
    }

    static func path(of operation: OperationRef) -> String {
        "services.\(operation.service).operations.\(operation.operation)"
    }
}

/// Where a timeout or retry is written.
enum PolicyOwner {
    case service(String)
    case operation(OperationRef)
    case step(workflow: String, step: String)

    var keyPath: [String] {
        switch self {
        case .service(let name): ["services", name]
        case .operation(let ref): ["services", ref.service, "operations", ref.operation]
        case .step(let workflow, let step): ["workflows", workflow, "steps", step]
        }
    }

    var path: String { keyPath.joined(separator: ".") }

    var subject: String {
        switch self {
        case .service(let name): "service '\(name)'"
        case .operation(let ref): "operation '\(ref)'"
        case .step(let workflow, let step): "workflow '\(workflow)': step '\(step)'"
        }
    }

    /// A service's settings are as written; an operation's or step's are effective (inherited
    /// unless written), so they are compared only where the level writes the key in either
    /// version — otherwise the level above reports the change, once.
    var isEffective: Bool {
        if case .service = self { return false }
        return true
    }
}

extension Comparison {
    /// `timeout-decreased` and `retries-decreased` at one level. A change of a named retry policy's
    /// `maxAttempts` is reported once, at its entry under `policies`.
    mutating func comparePolicies(_ before: PolicySet, _ after: PolicySet, owner: PolicyOwner,
                                  old: (side: Side, location: SourceLocation), new: (side: Side, location: SourceLocation)) {
        func written(_ key: String) -> Bool {
            !owner.isEffective
                || old.side.keys.location(owner.keyPath + [key]) != nil
                || new.side.keys.location(owner.keyPath + [key]) != nil
        }
        func newLocation(_ key: String) -> SourceLocation {
            new.side.keys.location(owner.keyPath + [key]) ?? new.location
        }
        if written("timeout"), let shorter = after.timeout, before.timeout.map({ shorter < $0 }) ?? true {
            let message = before.timeout.map { "timeout decreased from \($0.specText) to \(shorter.specText)" }
                ?? "timeout set to \(shorter.specText) (attempts were bounded only by the workflow deadline)"
            report(.timeoutDecreased, path: owner.path + ".timeout", "\(owner.subject): \(message)",
                   old: nil, new: newLocation("timeout"))
        }
        guard written("retry"), let retry = before.retry else { return }
        guard let now = after.retry else {
            report(.retriesDecreased, path: owner.path + ".retry",
                   "\(owner.subject): retry removed (was \(retry.maxAttempts) attempts)", old: nil, new: newLocation("retry"))
            return
        }
        guard now.maxAttempts < retry.maxAttempts else { return }
        if let name = now.name, name == retry.name {
            let entry = ["policies", "retries", name]
            report(.retriesDecreased, path: "policies.retries.\(name).maxAttempts",
                   "retry policy '\(name)': maxAttempts decreased from \(retry.maxAttempts) to \(now.maxAttempts)",
                   old: nil, new: new.side.keys.location(entry + ["maxAttempts"]) ?? new.side.keys.location(entry) ?? newLocation("retry"))
        } else {
            report(.retriesDecreased, path: owner.path + ".retry",
                   "\(owner.subject): maxAttempts decreased from \(retry.maxAttempts) to \(now.maxAttempts)",
                   old: nil, new: newLocation("retry"))
        }
    }
}
