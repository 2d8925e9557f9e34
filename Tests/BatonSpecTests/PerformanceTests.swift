import Testing
@testable import BatonSpec

/// A synthetic spec with 1,000 workflows (issue 2 asks how long lint takes on one). The time is
/// printed, never asserted: CI machines vary.
@Suite struct PerformanceTests {
    static func syntheticSpec(workflows: Int) -> String {
        var s = """
            baton: 1
            name: Big
            types:
              Item: { sku: string, quantity: int }
              Order: { id: string, items: "[Item]", note: string? }
              Price: { total: decimal }
            policies:
              retries: { quick: { maxAttempts: 2, backoff: { initial: 5ms, max: 20ms } } }
            services:
              orders:
                timeout: 50ms
                retry: quick
                operations:
                  get: { input: { id: string }, output: Order }
              pricing:
                timeout: 80ms
                operations:
                  price: { input: { skus: "[string]" }, output: Price }
            workflows:

            """
        for i in 0..<workflows {
            s += """
                  flow\(i):
                    input: { id: string }
                    output: { total: decimal, note: string? }
                    deadline: 1s
                    steps:
                      order:
                        call: orders.get
                        with: { id: $input.id }
                      price:
                        call: pricing.price
                        with: { skus: "$order.items[].sku" }
                      again:
                        call: orders.get
                        with: { id: $order.id }
                        after: [price]
                    result: { total: $price.total, note: $again.note }

                """
        }
        return s
    }

    @Test func thousandWorkflows() {
        let text = Self.syntheticSpec(workflows: 1000)
        let source = SpecSource(path: "big.baton.yaml", text: text)
        let clock = ContinuousClock()
        var result: CheckResult?
        let elapsed = clock.measure { result = SpecChecker.check(source) }
        print("[performance] 1,000 workflows (\(source.lineCount) lines, \(text.utf8.count) bytes): \(elapsed)")
        #expect(result?.diagnostics.isEmpty == true)
        #expect(result?.spec?.workflows.count == 1000)
        #expect(result?.spec?.workflows.last?.graph.levels == [["order"], ["price"], ["again"]])
    }
}
