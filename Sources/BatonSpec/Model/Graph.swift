/// A workflow's dependency graph (spec-v1 §6.2): an edge `d → s` means `s` waits for `d`.
///
/// Dependencies are the steps referenced in a step's `with`, `when` and fallback `with`, plus
/// `after`. References inside `compensate` and `result` are not dependencies: compensations
/// run after their step succeeded, and the result is built when all steps are done.
public struct WorkflowGraph: Sendable, Hashable {
    /// Step names in spec order.
    public var steps: [String]
    /// Each step's direct dependencies, in spec order.
    public var dependencies: [String: [String]]
    /// A topological order; among ready steps, spec order decides. Empty when the graph has a cycle.
    public var topologicalOrder: [String]
    /// `levels[0]` have no dependencies; a step is one level below its deepest dependency.
    /// Spec order within a level. Empty when the graph has a cycle.
    public var levels: [[String]]

    public init(steps: [String], dependencies: [String: [String]]) {
        self.steps = steps
        self.dependencies = dependencies
        let index = Dictionary(uniqueKeysWithValues: steps.enumerated().map { ($1, $0) })
        var indegree = steps.map { (dependencies[$0] ?? []).filter { index[$0] != nil }.count }
        var dependents = [[Int]](repeating: [], count: steps.count)
        for (i, s) in steps.enumerated() {
            for d in dependencies[s] ?? [] { if let j = index[d] { dependents[j].append(i) } }
        }
        var order: [Int] = []
        var level = [Int](repeating: 0, count: steps.count)
        // Ready set kept sorted by spec index; graphs are small, so a sorted array is enough.
        var ready = (0..<steps.count).filter { indegree[$0] == 0 }
        while !ready.isEmpty {
            let i = ready.removeFirst()
            order.append(i)
            for j in dependents[i] {
                level[j] = max(level[j], level[i] + 1)
                indegree[j] -= 1
                if indegree[j] == 0 {
                    let at = ready.firstIndex { $0 > j } ?? ready.count
                    ready.insert(j, at: at)
                }
            }
        }
        if order.count == steps.count {
            topologicalOrder = order.map { steps[$0] }
            let depth = (level.max() ?? -1) + 1
            var lv = [[String]](repeating: [], count: depth)
            for (i, s) in steps.enumerated() { lv[level[i]].append(s) }
            levels = lv
        } else {
            topologicalOrder = []
            levels = []
        }
    }

    public var hasCycle: Bool { topologicalOrder.count != steps.count }

    /// Steps that directly depend on `step`, in spec order.
    public func dependents(of step: String) -> [String] {
        steps.filter { (dependencies[$0] ?? []).contains(step) }
    }

    /// Every step `step` waits for, directly or not.
    public func transitiveDependencies(of step: String) -> Set<String> {
        var seen: Set<String> = []
        var stack = dependencies[step] ?? []
        while let s = stack.popLast() {
            if seen.insert(s).inserted { stack.append(contentsOf: dependencies[s] ?? []) }
        }
        return seen
    }

    /// One cycle per strongly connected component that has one, each as a closed path
    /// (`["a", "b", "a"]`: a waits for b, which waits for a) starting at the component's first
    /// step in spec order.
    public func cycles() -> [[String]] {
        // Tarjan's algorithm, iterative so deep graphs cannot overflow the stack.
        let n = steps.count
        let index = Dictionary(uniqueKeysWithValues: steps.enumerated().map { ($1, $0) })
        let adj: [[Int]] = steps.map { s in (dependencies[s] ?? []).compactMap { index[$0] } }
        var idx = [Int](repeating: -1, count: n), low = [Int](repeating: 0, count: n)
        var onStack = [Bool](repeating: false, count: n)
        var stack: [Int] = [], counter = 0
        var components: [[Int]] = []
        for root in 0..<n where idx[root] == -1 {
            var work: [(node: Int, edge: Int)] = [(root, 0)]
            idx[root] = counter; low[root] = counter; counter += 1
            stack.append(root); onStack[root] = true
            while let (v, e) = work.last {
                if e < adj[v].count {
                    work[work.count - 1].edge += 1
                    let w = adj[v][e]
                    if idx[w] == -1 {
                        idx[w] = counter; low[w] = counter; counter += 1
                        stack.append(w); onStack[w] = true
                        work.append((w, 0))
                    } else if onStack[w] {
                        low[v] = min(low[v], idx[w])
                    }
                } else {
                    work.removeLast()
                    if let parent = work.last { low[parent.node] = min(low[parent.node], low[v]) }
                    if low[v] == idx[v] {
                        var comp: [Int] = []
                        while let w = stack.popLast() {
                            onStack[w] = false
                            comp.append(w)
                            if w == v { break }
                        }
                        components.append(comp)
                    }
                }
            }
        }
        var result: [(Int, [String])] = []
        for comp in components {
            let members = Set(comp)
            let start = comp.min()!
            if comp.count == 1 && !adj[start].contains(start) { continue }
            // Shortest path start → … → start inside the component (BFS over dependency edges).
            var prev: [Int: Int] = [:]
            var queue = [start], head = 0
            var found = false
            while head < queue.count, !found {
                let v = queue[head]; head += 1
                for w in adj[v].sorted() where members.contains(w) {
                    if w == start { prev[-1] = v; found = true; break }
                    if prev[w] == nil { prev[w] = v; queue.append(w) }
                }
            }
            var path = [start]
            var cur = prev[-1] ?? start
            while cur != start {
                path.append(cur)
                cur = prev[cur] ?? start
            }
            path.append(start)
            path.reverse()
            // Read in the direction of the edges: each step waits for the next one.
            result.append((start, path.map { steps[$0] }))
        }
        return result.sorted { $0.0 < $1.0 }.map(\.1)
    }
}
