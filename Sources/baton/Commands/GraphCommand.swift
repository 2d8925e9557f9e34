import ArgumentParser
import BatonSpec

struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Draw workflow graphs as Mermaid (renders on GitHub) or Graphviz DOT.",
        discussion: """
            Steps show their operation and timeout. Optional steps have dashed borders, async steps \
            are grey, compensated steps have a double border, and the critical chain is drawn in red. \
            Solid edges carry data, dotted edges are `after` orderings, labelled edges are `when` \
            conditions.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case mermaid
        case dot
    }

    @Argument(help: "The spec file.")
    var spec: String

    @Option(help: "Only this workflow.")
    var workflow: String?

    @Option(help: "mermaid or dot.")
    var format: Format = .mermaid

    func run() throws {
        print(try render(), terminator: "")
    }

    func render() throws -> String {
        let spec = try loadModel(self.spec)
        let graphs = try select(workflow, in: spec).map(WorkflowDrawing.init)
        return switch format {
        case .mermaid: MermaidRenderer().render(graphs)
        case .dot: DOTRenderer().render(graphs, name: spec.name)
        }
    }
}

/// What both renderers draw: nodes with their kind, and edges with theirs.
struct WorkflowDrawing {
    enum EdgeKind {
        /// The step reads the dependency's value.
        case data
        /// Only `after` orders the two.
        case order
        /// The dependency decides the step's `when`.
        case condition
    }

    struct Node {
        var step: ResolvedStep
        var critical: Bool
        var label: [String] {
            var first = step.name
            var marks: [String] = []
            if step.optional { marks.append("optional") }
            if step.mode == .async { marks.append("async") }
            if step.compensate != nil { marks.append("compensated") }
            if !marks.isEmpty { first += " (\(marks.joined(separator: ", ")))" }
            let timeout = step.policies.timeout.map { "timeout \($0.specText)" } ?? "bounded by deadline"
            return [first, step.call.description, timeout]
        }
    }

    struct Edge {
        var from: String
        var to: String
        var kind: EdgeKind
        var critical: Bool
    }

    var workflow: ResolvedWorkflow
    var nodes: [Node]
    var edges: [Edge]

    init(_ workflow: ResolvedWorkflow) {
        self.workflow = workflow
        let chain = workflow.budget.criticalChain.map(\.step)
        let chainIndex = Dictionary(uniqueKeysWithValues: chain.enumerated().map { ($1, $0) })
        nodes = workflow.steps.map { Node(step: $0, critical: chainIndex[$0.name] != nil) }
        edges = workflow.steps.flatMap { step -> [Edge] in
            let reads = Set(step.with.referencedSteps)
            let condition: String? = step.when.flatMap {
                if case .step(let name) = $0.reference.root { name } else { nil }
            }
            return step.dependencies.map { dependency in
                let kind: EdgeKind =
                    if reads.contains(dependency) { .data }
                    else if dependency == condition { .condition }
                    else if step.after.contains(dependency) { .order }
                    else { .data }  // a fallback's input
                let consecutive = chainIndex[dependency].map { chainIndex[step.name] == $0 + 1 } ?? false
                return Edge(from: dependency, to: step.name, kind: kind, critical: consecutive)
            }
        }
    }
}

struct MermaidRenderer {
    func render(_ drawings: [WorkflowDrawing]) -> String {
        var out = "flowchart LR\n"
        var edgeNumber = 0
        var criticalEdges: [Int] = []
        var classes: [String: [String]] = [:]
        let nested = drawings.count > 1
        for drawing in drawings {
            let prefix = nested ? "\(drawing.workflow.name)_" : ""
            let indent = nested ? "    " : "  "
            if nested {
                out += "  subgraph \(drawing.workflow.name)[\"\(drawing.workflow.name) · deadline \(drawing.workflow.deadline.specText)\"]\n"
            }
            for node in drawing.nodes {
                let id = prefix + node.step.name
                let label = node.label.map(escape).joined(separator: "<br/>")
                let (open, close) = shape(node.step)
                out += "\(indent)\(id)\(open)\"\(label)\"\(close)\n"
                if node.step.optional { classes["optional", default: []].append(id) }
                if node.step.mode == .async { classes["async", default: []].append(id) }
                if node.critical { classes["critical", default: []].append(id) }
            }
            for edge in drawing.edges {
                let arrow = switch edge.kind {
                case .data: "-->"
                case .order: "-.->"
                case .condition: "-- when -->"
                }
                out += "\(indent)\(prefix)\(edge.from) \(arrow) \(prefix)\(edge.to)\n"
                if edge.critical { criticalEdges.append(edgeNumber) }
                edgeNumber += 1
            }
            if nested { out += "  end\n" }
        }
        out += "  classDef optional stroke-dasharray: 5 5\n"
        out += "  classDef async fill:#eeeeee,color:#555555\n"
        out += "  classDef critical stroke:#d62728,stroke-width:3px\n"
        for name in ["optional", "async", "critical"] {
            if let ids = classes[name] { out += "  class \(ids.joined(separator: ",")) \(name)\n" }
        }
        if !criticalEdges.isEmpty {
            out += "  linkStyle \(criticalEdges.map(String.init).joined(separator: ",")) stroke:#d62728,stroke-width:3px\n"
        }
        return out
    }

    /// Compensated steps are subroutine boxes (double border); async steps asymmetric flags.
    private func shape(_ step: ResolvedStep) -> (String, String) {
        if step.compensate != nil { return ("[[", "]]") }
        if step.mode == .async { return (">", "]") }
        return ("[", "]")
    }

    private func escape(_ text: String) -> String {
        text.replacingAll(["\"": "#quot;", "<": "#lt;", ">": "#gt;"])
    }
}

struct DOTRenderer {
    func render(_ drawings: [WorkflowDrawing], name: String) -> String {
        var out = "digraph \(quote(name)) {\n"
        out += "  rankdir=LR;\n"
        out += "  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n"
        for drawing in drawings {
            let prefix = "\(drawing.workflow.name)."
            out += "  subgraph \(quote("cluster_" + drawing.workflow.name)) {\n"
            out += "    label=\(quote("\(drawing.workflow.name) · deadline \(drawing.workflow.deadline.specText)"));\n"
            for node in drawing.nodes {
                var attributes = ["label=\(quote(node.label.joined(separator: "\n")))"]
                var styles = ["rounded"]
                if node.step.optional { styles.append("dashed") }
                if node.step.mode == .async { styles.append("filled"); attributes.append("fillcolor=\"#eeeeee\"") }
                if node.step.compensate != nil { attributes.append("peripheries=2") }
                if node.critical { attributes.append("color=\"#d62728\""); attributes.append("penwidth=2") }
                attributes.append("style=\(quote(styles.joined(separator: ",")))")
                out += "    \(quote(prefix + node.step.name)) [\(attributes.joined(separator: ", "))];\n"
            }
            for edge in drawing.edges {
                var attributes: [String] = []
                switch edge.kind {
                case .data: break
                case .order: attributes.append("style=dotted")
                case .condition: attributes.append("label=\"when\"")
                }
                if edge.critical { attributes += ["color=\"#d62728\"", "penwidth=2"] }
                let suffix = attributes.isEmpty ? "" : " [\(attributes.joined(separator: ", "))]"
                out += "    \(quote(prefix + edge.from)) -> \(quote(prefix + edge.to))\(suffix);\n"
            }
            out += "  }\n"
        }
        out += "}\n"
        return out
    }

    private func quote(_ text: String) -> String {
        "\"" + text.replacingAll(["\"": "\\\"", "\\": "\\\\", "\n": "\\n"]) + "\""
    }
}
