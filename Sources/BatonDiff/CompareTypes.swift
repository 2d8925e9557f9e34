import BatonSpec

/// Records and enums, compared once each where they are declared (spec-v1 §15: a type change is
/// reported once per field, not once per use).
extension Comparison {
    /// Names a field for a message, given the roles the change concerns.
    typealias FieldSubject = (_ field: String, _ roles: TypeUsage.Roles) -> String

    mutating func compareTypes(_ old: Side, _ new: Side) {
        for newType in new.spec.types {
            guard let oldType = old.types[newType.name] else { continue }
            let roles = old.usage.roles(of: newType.name).union(new.usage.roles(of: newType.name))
            let path = Self.path(of: newType)
            switch (oldType.kind, newType.kind) {
            case (.record, .record):
                compareFields(old: oldType, new: newType, roles: roles, path: path) { field, roles in
                    Self.subject(field: field, of: newType, roles: roles, old: old, new: new)
                }
            case (.enumeration(let oldCases), .enumeration(let newCases)):
                compareCases(old: oldCases, new: newCases, of: newType, roles: roles, path: path)
            case (.record, .enumeration), (.enumeration, .record):
                guard !roles.isEmpty else { continue }
                let before = oldType.isEnum ? "an enum" : "a record"
                let after = newType.isEnum ? "an enum" : "a record"
                report(.fieldTypeChanged, path: path, "type '\(newType.name)' changed from \(before) to \(after)",
                       old: oldType.location, new: newType.location)
            }
        }
    }

    /// The fields of two versions of one record (or of the records two versions of a workflow or
    /// operation take or return). `roles` decides which ids apply: added and removed fields are
    /// changes of a workflow's input or output; optionality matters in inputs and outputs.
    mutating func compareFields(old: ResolvedType, new: ResolvedType, roles: TypeUsage.Roles, path: String,
                                subject: FieldSubject) {
        let oldFields = Dictionary(old.fields.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let newNames = Set(new.fields.map(\.name))
        for field in new.fields {
            let fieldPath = path + "." + field.name
            guard let before = oldFields[field.name] else {
                if roles.contains(.workflowInput) {
                    let what = subject(field.name, .workflowInput)
                    if field.type.isOptional {
                        report(.workflowInputFieldAddedOptional, path: fieldPath,
                               "\(what) added (optional, \(field.type))", old: nil, new: field.location)
                    } else {
                        report(.workflowInputFieldAdded, path: fieldPath,
                               "\(what) added (required, \(field.type)): every caller must pass it",
                               old: nil, new: field.location)
                    }
                }
                if roles.contains(.workflowOutput) {
                    report(.workflowOutputFieldAdded, path: fieldPath,
                           "\(subject(field.name, .workflowOutput)) added (\(field.type))", old: nil, new: field.location)
                }
                continue
            }
            if before.wireName != field.wireName, !roles.isEmpty {
                report(.wireNameChanged, path: fieldPath,
                       "\(subject(field.name, roles)) changed its JSON name from '\(before.wireName)' to '\(field.wireName)'",
                       old: nil, new: field.location)
            }
            compareFieldType(before.type, field.type, roles: roles, path: fieldPath, at: field.location) {
                subject(field.name, $0)
            }
        }
        for field in old.fields where !newNames.contains(field.name) {
            let fieldPath = path + "." + field.name
            if roles.contains(.workflowInput) {
                report(.workflowInputFieldRemoved, path: fieldPath,
                       "\(subject(field.name, .workflowInput)) removed: callers that set it stop compiling",
                       old: field.location, new: new.location)
            }
            if roles.contains(.workflowOutput) {
                report(.workflowOutputFieldRemoved, path: fieldPath,
                       "\(subject(field.name, .workflowOutput)) removed: callers that read it stop compiling",
                       old: field.location, new: new.location)
            }
        }
    }

    /// One field's type in two versions: optionality alone changing matters for outputs (readers
    /// must now handle absence) and inputs (producers must now set it); any other change breaks.
    private mutating func compareFieldType(_ before: TypeRef, _ after: TypeRef, roles: TypeUsage.Roles, path: String,
                                           at location: SourceLocation, subject: (TypeUsage.Roles) -> String) {
        guard before != after, !roles.isEmpty else { return }
        if before.isOptional != after.isOptional, before.unwrapped == after.unwrapped {
            if after.isOptional, !roles.isDisjoint(with: .output) {
                report(.fieldBecameOptional, path: path,
                       "\(subject(roles.intersection(.output))) became optional (\(after), was \(before)): readers must handle its absence",
                       old: nil, new: location)
            } else if !after.isOptional, !roles.isDisjoint(with: .input) {
                report(.fieldBecameRequired, path: path,
                       "\(subject(roles.intersection(.input))) became required (\(after), was \(before)): every producer must set it",
                       old: nil, new: location)
            }
            return
        }
        report(.fieldTypeChanged, path: path, "\(subject(roles)) changed type from \(before) to \(after)",
               old: nil, new: location)
    }

    private mutating func compareCases(old: [ResolvedEnumCase], new: [ResolvedEnumCase], of type: ResolvedType,
                                       roles: TypeUsage.Roles, path: String) {
        let oldCases = Dictionary(old.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let newNames = Set(new.map(\.name))
        for enumCase in new {
            guard let before = oldCases[enumCase.name], before.wireName != enumCase.wireName else { continue }
            report(.wireNameChanged, path: path + "." + enumCase.name,
                   "enum '\(type.name)': case '\(enumCase.name)' changed its JSON value from '\(before.wireName)' to '\(enumCase.wireName)'",
                   old: nil, new: enumCase.location)
        }
        for enumCase in old where !newNames.contains(enumCase.name) {
            report(.enumCaseRemoved, path: path + "." + enumCase.name,
                   "enum '\(type.name)': case '\(enumCase.name)' removed", old: enumCase.location, new: type.location)
        }
        guard !roles.isDisjoint(with: .output) else { return }
        for enumCase in new where oldCases[enumCase.name] == nil {
            report(.enumCaseAdded, path: path + "." + enumCase.name,
                   "enum '\(type.name)': case '\(enumCase.name)' added; code that reads it (it is in an output) meets a value it has not seen",
                   old: nil, new: enumCase.location)
        }
    }

    /// Where a type is declared, as a dotted path: `types.Quote`, `workflows.checkout.output`,
    /// `services.pricing.operations.quote.input`.
    static func path(of type: ResolvedType) -> String {
        switch type.origin {
        case .declared: "types.\(type.name)"
        case .workflowInput(let workflow): "workflows.\(workflow).input"
        case .workflowOutput(let workflow): "workflows.\(workflow).output"
        case .operationInput(let service, let operation): "services.\(service).operations.\(operation).input"
        case .operationOutput(let service, let operation): "services.\(service).operations.\(operation).output"
        }
    }

    /// A field as messages name it: by the workflow or operation whose input or output it is
    /// (`workflow 'checkout': output field 'total'`) when that is one workflow or operation, else
    /// by its record (`type 'CartItem': field 'sku'`). `roles` narrows which uses count.
    static func subject(field: String, of type: ResolvedType, roles: TypeUsage.Roles, old: Side, new: Side) -> String {
        switch type.origin {
        case .workflowInput(let workflow): return "workflow '\(workflow)': input field '\(field)'"
        case .workflowOutput(let workflow): return "workflow '\(workflow)': output field '\(field)'"
        case .operationInput(let service, let operation): return "operation '\(service).\(operation)': input field '\(field)'"
        case .operationOutput(let service, let operation): return "operation '\(service).\(operation)': output field '\(field)'"
        case .declared: break
        }
        var uses = new.usage.directUses(of: type.name)
        if uses.isEmpty { uses = old.usage.directUses(of: type.name) }
        let relevant = uses.filter { use in
            switch use {
            case .workflowInput: roles.contains(.workflowInput)
            case .workflowOutput: roles.contains(.workflowOutput)
            case .operationInput: roles.contains(.operationInput)
            case .operationOutput: roles.contains(.operationOutput)
            }
        }
        guard relevant.count == 1 else { return "type '\(type.name)': field '\(field)'" }
        switch relevant[0] {
        case .workflowInput(let workflow): return "workflow '\(workflow)': input field '\(field)'"
        case .workflowOutput(let workflow): return "workflow '\(workflow)': output field '\(field)'"
        case .operationInput(let ref): return "operation '\(ref)': input field '\(field)'"
        case .operationOutput(let ref): return "operation '\(ref)': output field '\(field)'"
        }
    }
}
