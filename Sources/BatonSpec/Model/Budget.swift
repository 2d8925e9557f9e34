/// The numbers behind `deadline-budget` and `retry-budget`, for one workflow.
///
/// A chain is a path through the dependency graph. Only required, awaited steps count: optional
/// and async steps contribute zero (their dependents still wait for whatever they waited for).
/// A step without a timeout contributes zero to the single-attempt sum and only its backoff to the
/// worst case; it is reported as bounded by the deadline. Fallback calls are not counted.
public struct BudgetAnalysis: Sendable, Hashable {
    /// One step on a chain.
    public struct Link: Sendable, Hashable {
        public var step: String
        public var call: OperationRef
        /// The effective per-attempt timeout; nil when the step is bounded only by the deadline.
        public var timeout: Duration?
        public var attempts: Int
        /// The timeout (zero without one).
        public var singleAttempt: Duration
        /// All attempts at their full timeout plus the largest backoff before each retry.
        public var worstCase: Duration
        public var boundedByDeadline: Bool { timeout == nil }
    }

    public var workflow: String
    public var deadline: Duration
    /// The graph's levels (see `WorkflowGraph.levels`).
    public var levels: [[String]]
    /// The chain with the largest single-attempt sum (ties: larger worst case, then longer).
    public var criticalChain: [Link]
    public var singleAttemptSum: Duration
    /// The chain with the largest worst-case sum (often the critical chain).
    public var worstCaseChain: [Link]
    public var worstCaseSum: Duration

    /// `deadline-budget`: the critical chain cannot finish even with single attempts.
    public var exceedsDeadline: Bool { singleAttemptSum > deadline }
    /// `retry-budget`: the deadline cannot fit every attempt and backoff along some chain.
    public var retriesExceedDeadline: Bool { worstCaseSum > deadline }

    /// Analyses a resolved workflow (the checker stores the result as `ResolvedWorkflow.budget`).
    public init(workflow: ResolvedWorkflow) {
        self.init(name: workflow.name, deadline: workflow.deadline, steps: workflow.steps, graph: workflow.graph)
    }

    public init(name: String, deadline: Duration, steps: [ResolvedStep], graph: WorkflowGraph) {
        workflow = name
        self.deadline = deadline
        levels = graph.levels
        var links: [String: Link] = [:]
        var counted: Set<String> = []
        for step in steps {
            let timeout = step.policies.timeout
            let attempts = step.policies.attempts
            let single = timeout ?? .zero
            let backoff = step.policies.retry?.worstCaseBackoff ?? .zero
            links[step.name] = Link(step: step.name, call: step.call, timeout: timeout, attempts: attempts,
                                    singleAttempt: single, worstCase: single * attempts + backoff)
            if !step.optional && step.mode == .await { counted.insert(step.name) }
        }
        let order = graph.topologicalOrder
        func longest(_ weight: (Link) -> (Int64, Int64)) -> (chain: [Link], total: (Int64, Int64)) {
            // Longest path by (primary, secondary, length), lexicographic; sums stay additive.
            var best: [String: (Int64, Int64, Int)] = [:]
            var pred: [String: String] = [:]
            for s in order {
                var base: (Int64, Int64, Int) = (0, 0, 0)
                for d in graph.dependencies[s] ?? [] {
                    if let b = best[d], b > base { base = b; pred[s] = d }
                }
                if counted.contains(s), let link = links[s] {
                    let w = weight(link)
                    best[s] = (base.0.addingSaturating(w.0), base.1.addingSaturating(w.1), base.2 + 1)
                } else {
                    best[s] = base
                }
            }
            var end: String?
            var top: (Int64, Int64, Int) = (0, 0, 0)
            for s in order where counted.contains(s) {
                if let b = best[s], end == nil || b > top { top = b; end = s }
            }
            var chain: [Link] = []
            var cur = end
            while let s = cur {
                if counted.contains(s), let l = links[s] { chain.append(l) }
                cur = pred[s]
            }
            return (chain.reversed(), (top.0, top.1))
        }
        let critical = longest { ($0.singleAttempt.nanoseconds, $0.worstCase.nanoseconds) }
        criticalChain = critical.chain
        singleAttemptSum = .nanoseconds(critical.total.0)
        let worst = longest { ($0.worstCase.nanoseconds, $0.singleAttempt.nanoseconds) }
        worstCaseChain = worst.chain
        worstCaseSum = .nanoseconds(worst.total.0)
    }
}
