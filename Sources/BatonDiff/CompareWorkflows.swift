import BatonSpec

/// Workflows and their steps.
extension Comparison {
    mutating func compareWorkflows(_ old: Side, _ new: Side) {
        for workflow in new.spec.workflows {
            guard let before = old.workflows[workflow.name] else {
                report(.workflowAdded, path: "workflows.\(workflow.name)", "workflow '\(workflow.name)' added",
                       old: nil, new: workflow.location)
                continue
            }
            compareWorkflow(before, workflow, old, new)
        }
        for workflow in old.spec.workflows where new.workflows[workflow.name] == nil {
            report(.workflowRemoved, path: "workflows.\(workflow.name)",
                   "workflow '\(workflow.name)' removed: callers of its orchestrator method stop compiling",
                   old: workflow.location, new: nil)
        }
    }

    private mutating func compareWorkflow(_ before: ResolvedWorkflow, _ after: ResolvedWorkflow, _ old: Side, _ new: Side) {
        let name = after.name
        let path = "workflows.\(name)"
        let keyPath = ["workflows", name]
        if after.deadline < before.deadline {
            report(.deadlineDecreased, path: path + ".deadline",
                   "workflow '\(name)': deadline decreased from \(before.deadline.specText) to \(after.deadline.specText)",
                   old: nil, new: new.keys.location(keyPath + ["deadline"]) ?? after.location)
        }
        compareSignatureType(before.input, after.input, roles: .workflowInput, path: path + ".input",
                             what: "workflow '\(name)'", direction: "input", old: old, new: new,
                             location: new.keys.location(keyPath + ["input"]) ?? after.location)
        compareSignatureType(before.output, after.output, roles: .workflowOutput, path: path + ".output",
                             what: "workflow '\(name)'", direction: "output", old: old, new: new,
                             location: new.keys.location(keyPath + ["output"]) ?? after.location)
        compareObjectives(before.slo, after.slo, workflow: name, new: new, at: after.location)
        // A route that moved or is gone breaks its callers; a newly served workflow breaks no one.
        if let was = before.http, was.method != after.http?.method || was.routeShape != after.http?.routeShape {
            let message = after.http.map { "workflow '\(name)': served at \($0.method.rawValue) \($0.path) instead of \(was.method.rawValue) \(was.path)" }
                ?? "workflow '\(name)': no longer served over HTTP (was \(was.method.rawValue) \(was.path))"
            report(.workflowHTTPChanged, path: path + ".http", message, old: was.location, new: after.http?.location)
        }
        let oldSteps = Dictionary(before.steps.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for step in after.steps {
            guard let previous = oldSteps[step.name] else { continue }
            compareStep(previous, step, workflow: name, old, new)
        }
    }

    private mutating func compareStep(_ before: ResolvedStep, _ after: ResolvedStep, workflow: String, _ old: Side, _ new: Side) {
        let owner = PolicyOwner.step(workflow: workflow, step: after.name)
        let subject = owner.subject
        let keyPath = owner.keyPath
        if before.optional, !after.optional {
            report(.stepBecameRequired, path: owner.path + ".optional",
                   "\(subject) is no longer optional: its failure now fails the run",
                   old: nil, new: new.keys.location(keyPath + ["optional"]) ?? after.location)
        }
        if let compensation = before.compensate, after.compensate == nil {
            report(.compensationRemoved, path: owner.path + ".compensate",
                   "\(subject): compensation '\(compensation.call)' removed: a later failure no longer undoes it",
                   old: old.keys.location(keyPath + ["compensate"]) ?? before.location, new: after.location)
        }
        if let fallback = before.fallback, after.fallback == nil {
            report(.fallbackRemoved, path: owner.path + ".fallback",
                   "\(subject): fallback (\(Self.describe(fallback))) removed: a failure of the call is now the step's failure",
                   old: old.keys.location(keyPath + ["fallback"]) ?? before.location, new: after.location)
        }
        comparePolicies(before.policies, after.policies, owner: owner,
                        old: (old, before.location), new: (new, after.location))
    }

    /// `slo-tightened`: a higher objective, a lower latency threshold, or an objective where there
    /// was none — each of which can make alerts fire on the same traffic. A longer or shorter
    /// window is not reported (the burn-rate thresholds do not depend on it).
    private mutating func compareObjectives(_ before: ServiceLevelObjectives?, _ after: ServiceLevelObjectives?,
                                            workflow: String, new: Side, at workflowLocation: SourceLocation) {
        guard let after else { return }
        let path = "workflows.\(workflow).slo"
        let keyPath = ["workflows", workflow, "slo"]
        func location(_ keys: String...) -> SourceLocation {
            new.keys.location(keyPath + keys) ?? after.location
        }
        if let objective = after.availability {
            if let previous = before?.availability {
                if objective > previous {
                    report(.sloTightened, path: path + ".availability",
                           "workflow '\(workflow)': availability objective raised from \(percentText(previous)) to \(percentText(objective))",
                           old: nil, new: location("availability"))
                }
            } else {
                report(.sloTightened, path: path + ".availability",
                       "workflow '\(workflow)': availability objective of \(percentText(objective)) added",
                       old: nil, new: location("availability"))
            }
        }
        guard let latency = after.latency else { return }
        guard let previous = before?.latency else {
            report(.sloTightened, path: path + ".latency",
                   "workflow '\(workflow)': latency objective added (\(percentText(latency.target)) within \(latency.threshold.specText))",
                   old: nil, new: location("latency"))
            return
        }
        if latency.threshold < previous.threshold {
            report(.sloTightened, path: path + ".latency.threshold",
                   "workflow '\(workflow)': latency threshold lowered from \(previous.threshold.specText) to \(latency.threshold.specText)",
                   old: nil, new: location("latency", "threshold"))
        }
        if latency.target > previous.target {
            report(.sloTightened, path: path + ".latency.target",
                   "workflow '\(workflow)': latency target raised from \(percentText(previous.target)) to \(percentText(latency.target))",
                   old: nil, new: location("latency", "target"))
        }
    }

    private static func describe(_ fallback: Fallback) -> String {
        switch fallback {
        case .value: "a value"
        case .call(let ref, _, _): "a call of '\(ref)'"
        case .stale: "stale cache"
        }
    }
}
