@testable import BatonGenerator
import BatonSpec
import Foundation
import Testing

/// Circuit breakers on a service with endpoints: the router holds one breaker per endpoint of the
/// service's own (endpoint-scoped) breaker; an operation or step with another breaker, or `none`,
/// must not silently get the service's instead (found with specs/courier-dispatch.baton.yaml).
@Suite struct BreakerWiringTests {
    static let spec = """
        baton: 1
        name: Wiring
        policies:
          circuitBreakers:
            shared: { failureRate: 50%, window: 20, minCalls: 10, openFor: 5s }
            strict: { mode: consecutive, consecutiveFailures: 3, openFor: 20s }
        services:
          search:
            endpoints:
              - { url: "http://a:80" }
              - { url: "http://b:80" }
            timeout: 50ms
            circuitBreaker: shared
            operations:
              inherits:
                input: { q: string }
                output: { n: int }
              own:
                input: { q: string }
                output: { n: int }
                circuitBreaker: strict
              whole:
                input: { q: string }
                output: { n: int }
                circuitBreaker: { mode: consecutive, consecutiveFailures: 4, scope: service }
              index:
                input: { id: string }
                output: { n: int }
                access: write
                idempotencyKey: id
                hedge: { delay: 20ms }
          maps:
            endpoints:
              - { url: "http://m1:80" }
              - { url: "http://m2:80" }
            timeout: 50ms
            operations:
              eta:
                input: { q: string }
                output: { n: int }
                circuitBreaker: strict
        workflows:
          run:
            input: { q: string, id: string }
            output: { a: int, b: int, c: int, d: int, e: int, f: int }
            deadline: 1s
            steps:
              a: { call: search.inherits, with: { q: $input.q } }
              b: { call: search.own, with: { q: $input.q } }
              c: { call: search.whole, with: { q: $input.q } }
              d: { call: search.inherits, with: { q: $input.q }, circuitBreaker: none }
              e: { call: maps.eta, with: { q: $input.q } }
              f: { call: search.index, with: { id: $input.id } }
            result: { a: $a.n, b: $b.n, c: $c.n, d: $d.n, e: $e.n, f: $f.n }
        """

    /// The `let <name>Policy = ResiliencePipeline(…)` declaration of each step, by step name.
    static func pipelines() throws -> (orchestrator: String, byStep: [String: String]) {
        let code = try generate(resolve(spec))
        let orchestrator = joinedLines(try #require(code.sources.first { $0.name.hasSuffix("Orchestrator.swift") }).contents)
        var byStep: [String: String] = [:]
        for step in ["a", "b", "c", "d", "e", "f"] {
            // `builder.step("a", service: "search", policy: policies.<name>, …)`
            let pattern = try NSRegularExpression(pattern: #""\#(step)",\s*service: "[a-z]+",\s*policy: policies\.([A-Za-z0-9]+)"#)
            let whole = NSRange(orchestrator.startIndex..., in: orchestrator)
            guard let match = pattern.firstMatch(in: orchestrator, range: whole),
                  let range = Range(match.range(at: 1), in: orchestrator) else { continue }
            let name = String(orchestrator[range])
            if let decl = orchestrator.range(of: "let \(name) = BatonRuntime.ResiliencePipeline(") {
                let rest = orchestrator[decl.lowerBound...]
                byStep[step] = String(rest[..<rest.range(of: "\n")!.upperBound])
            }
        }
        return (orchestrator, byStep)
    }

    @Test func operationsAndStepsOverridingTheServicesEndpointBreakerGetTheirOwnOrNone() throws {
        let (orchestrator, byStep) = try Self.pipelines()
        // The router holds the service's breaker per endpoint; inheriting steps use it as is.
        #expect(orchestrator.contains("circuitBreaker: BatonRuntime.CircuitBreaker.Configuration(mode: .rate, failureRate: 0.5, window: 20"))
        let inherits = try #require(byStep["a"])
        #expect(!inherits.contains("endpointBreakers"))
        // Another endpoint-scoped breaker: per-endpoint breakers of its own, built from the router.
        let own = try #require(byStep["b"])
        #expect(own.contains("endpointBreakers: searchEndpointBreakers"))
        #expect(orchestrator.contains(#"let searchEndpointBreakers = searchRouter.makeEndpointBreakers(name: "search.strict", configuration: BatonRuntime.CircuitBreaker.Configuration(mode: .consecutive"#))
        // A service-scoped breaker: one breaker, and none of the router's.
        let whole = try #require(byStep["c"])
        #expect(whole.contains("circuitBreaker: searchBreaker"))
        #expect(whole.contains("endpointBreakers: []"))
        // `circuitBreaker: none` on a step: no breaker at all.
        let none = try #require(byStep["d"])
        #expect(none.contains("endpointBreakers: []"))
        #expect(!none.contains("circuitBreaker:"))
        // An operation's breaker on a service without one: kept (it used to be dropped).
        let eta = try #require(byStep["e"])
        #expect(eta.contains("endpointBreakers: mapsEndpointBreakers"))
    }

    @Test func aHedgedIdempotentWritePassesItsArgumentsInTheInitialisersOrder() throws {
        let (_, byStep) = try Self.pipelines()
        let write = try #require(byStep["f"])
        let hedging = try #require(write.range(of: "hedging: "))
        let access = try #require(write.range(of: "access: .write"))
        #expect(hedging.lowerBound < access.lowerBound)
    }
}
