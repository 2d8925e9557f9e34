import Testing
@testable import BatonSpec

/// The resolved model the generator consumes: defaults, overrides, graph, types, budget.
@Suite struct ModelTests {
    func checkout() throws -> ResolvedSpec {
        let r = SpecChecker.check(try exampleSpec("checkout.baton.yaml"))
        return try #require(r.spec)
    }

    @Test func specBasics() throws {
        let spec = try checkout()
        #expect(spec.name == "Checkout")
        #expect(spec.sourceFileName == "checkout.baton.yaml")
        #expect(spec.sourcePath == "specs/checkout.baton.yaml")
        #expect(spec.services.map(\.name) == ["cart", "pricing", "inventory", "payments", "mail", "wrapping"])
        #expect(spec.workflows.map(\.name) == ["checkout"])
    }

    @Test func inlineTypesGetGeneratedNames() throws {
        let spec = try checkout()
        let getCartInput = try #require(spec.type(named: "CartGetCartInput"))
        #expect(getCartInput.isInline)
        #expect(getCartInput.origin == .operationInput(service: "cart", operation: "getCart"))
        #expect(getCartInput.fields.map(\.name) == ["cartId"])
        #expect(spec.type(named: "MailSendReceiptOutput")?.fields.first?.type == .bool)
        #expect(spec.operation(OperationRef(service: "cart", operation: "getCart"))?.input == .named("CartGetCartInput"))
        // Declared types first, in spec order, then inline ones.
        #expect(spec.types.prefix(3).map(\.name) == ["CheckoutRequest", "CartItem", "Cart"])
        #expect(spec.types.first { $0.isInline }?.name == "CartGetCartInput")
    }

    @Test func typeReferencesResolve() throws {
        let spec = try checkout()
        let cart = try #require(spec.type(named: "Cart"))
        #expect(cart.description == "A shopping cart.")
        #expect(cart.fields.map(\.type) == [.string, .array(.named("CartItem")), .optional(.string)])
        #expect(spec.type(named: "StockLevel")?.cases.map(\.name) == ["inStock", "low", "outOfStock"])
        #expect(TypeRef.optional(.array(.named("CartItem"))).description == "[CartItem]?")
        #expect(TypeRef.dictionary(.int).description == "[string: int]")
    }

    @Test func policyDefaultsAndOverrides() throws {
        let spec = try checkout()
        let cart = try #require(spec.operation(OperationRef(service: "cart", operation: "getCart")))
        // Service retry `standard` (maxAttempts 2, backoff 10ms..50ms), other members defaulted.
        let retry = try #require(cart.policies.retry)
        #expect(retry.name == "standard")
        #expect(retry.maxAttempts == 2)
        #expect(retry.backoff.initial == .milliseconds(10))
        #expect(retry.backoff.max == .milliseconds(50))
        #expect(retry.backoff.multiplier == 2)
        #expect(retry.backoff.jitter == .full)
        #expect(retry.retryOn == [.timeout, .unavailable, .overloaded, .transient])
        #expect(retry.budget == RetryPolicy.Budget())
        #expect(retry.budget?.ratio == 0.2 && retry.budget?.minPerSecond == 10)
        #expect(cart.policies.timeout == .milliseconds(50))
        // Named cache: defaults and key = all input fields.
        let cache = try #require(cart.cache)
        #expect(cache.name == "short")
        #expect(cache.ttl == .seconds(30) && cache.staleWhileRevalidate == .seconds(120))
        #expect(cache.staleIfError == .zero && cache.maxEntries == 10_000)
        #expect(cache.key == ["cartId"])

        let quote = try #require(spec.operation(OperationRef(service: "pricing", operation: "quote")))
        #expect(quote.cache?.key == ["items"])
        #expect(quote.policies.hedge == HedgePolicy(name: "reads", delay: .percentile(95), maxAttempts: 2))
        // Breaker from the service; scope defaults to endpoint because pricing has endpoints.
        let breaker = try #require(quote.policies.circuitBreaker)
        #expect(breaker.scope == .endpoint)
        #expect(breaker.failureRate == 0.5 && breaker.window == 20 && breaker.minCalls == 10)
        #expect(breaker.halfOpenProbes == 1 && breaker.consecutiveFailures == 5)
        let charge = try #require(spec.operation(OperationRef(service: "payments", operation: "charge")))
        #expect(charge.policies.circuitBreaker?.mode == .consecutive)
        #expect(charge.policies.circuitBreaker?.scope == .service)
        #expect(charge.policies.circuitBreaker?.openFor == .seconds(10))
        // Inline retry at the operation: every default but maxAttempts.
        let refund = try #require(spec.operation(OperationRef(service: "payments", operation: "refund")))
        #expect(refund.policies.retry?.maxAttempts == 5)
        #expect(refund.policies.retry?.name == nil)
        #expect(refund.policies.retry?.backoff == RetryPolicy.Backoff())
        // Nothing written anywhere: off.
        let send = try #require(spec.operation(OperationRef(service: "mail", operation: "sendReceipt")))
        #expect(send.policies == PolicySet())
    }

    @Test func stepOverridesOperationOverridesService() {
        let yaml = """
            baton: 1
            name: Shop
            policies:
              rateLimits: { slow: { rate: 50/s } }
              bulkheads: { small: { maxConcurrent: 4 } }
            services:
              cart:
                timeout: 100ms
                retry: { maxAttempts: 4 }
                rateLimit: slow
                bulkhead: small
                hedge: { delay: 20ms }
                operations:
                  get:
                    input: { id: string }
                    output: { total: int }
                    timeout: 60ms
                    hedge: none
                    cache: { ttl: 5s }
            workflows:
              buy:
                input: { id: string }
                output: { total: int }
                deadline: 2s
                steps:
                  a:
                    call: cart.get
                    with: { id: $input.id }
                    timeout: 30ms
                    retry: none
                  b:
                    call: cart.get
                    with: { id: $input.id }
                    timeout: none
                    hedge: { delay: p99, maxAttempts: 3 }
                result: { total: $a.total }
            """
        let r = check(yaml)
        #expect(r.diagnostics.isEmpty)
        guard let wf = r.spec?.workflows.first, let op = r.spec?.operation(OperationRef(service: "cart", operation: "get"))
        else { Issue.record("no spec"); return }
        #expect(op.policies.timeout == .milliseconds(60))
        #expect(op.policies.retry?.maxAttempts == 4)
        #expect(op.policies.hedge == nil)
        #expect(op.policies.rateLimit == RateLimitPolicy(name: "slow", rate: Rate(count: 50, per: .seconds(1)), burst: 50))
        #expect(op.policies.bulkhead == BulkheadPolicy(name: "small", maxConcurrent: 4))
        #expect(op.cache?.key == ["id"])
        let a = wf.steps[0], b = wf.steps[1]
        #expect(a.policies.timeout == .milliseconds(30))
        #expect(a.policies.retry == nil)
        #expect(a.policies.rateLimit?.name == "slow")
        #expect(a.policies.cache?.ttl == .seconds(5))
        #expect(b.policies.timeout == nil)
        #expect(b.policies.retry?.maxAttempts == 4)
        #expect(b.policies.hedge == HedgePolicy(delay: .percentile(99), maxAttempts: 3))
    }

    @Test func checkoutWorkflowModel() throws {
        let spec = try checkout()
        let wf = try #require(spec.workflow(named: "checkout"))
        #expect(wf.deadline == .milliseconds(800))
        #expect(wf.input == .named("CheckoutRequest") && wf.output == .named("CheckoutSummary"))
        #expect(wf.admission?.maxConcurrent == 200)
        #expect(wf.admission?.classes.map(\.name) == ["interactive", "batch"])
        #expect(wf.admission?.classes.first?.limit == Admission.Limit(rate: Rate(count: 500, per: .seconds(1)), burst: 100))
        #expect(wf.steps.map(\.name) == ["cart", "quote", "stock", "reserve", "charge", "receipt", "giftWrap"])

        let quote = try #require(wf.step("quote"))
        #expect(quote.call == OperationRef(service: "pricing", operation: "quote"))
        guard case .call(let fref, let fwith, _)? = quote.fallback else {
            Issue.record("expected a call fallback"); return
        }
        #expect(fref == OperationRef(service: "pricing", operation: "listPrice"))
        guard case .record(_, let ffields) = fwith, case .reference(let proj) = ffields[0].value else {
            Issue.record("expected a projection"); return
        }
        #expect(proj.description == "$cart.items[].sku")
        #expect(proj.type == .array(.string))
        #expect(proj.path == [.field("items"), .each, .field("sku")])

        let stock = try #require(wf.step("stock"))
        #expect(stock.optional && stock.valueIsOptional)
        let receipt = try #require(wf.step("receipt"))
        #expect(receipt.mode == .async)
        let giftWrap = try #require(wf.step("giftWrap"))
        #expect(giftWrap.when?.test == .isTrue)
        #expect(giftWrap.when?.reference.description == "$input.giftWrap")
        #expect(wf.step("reserve")?.after == ["quote"])
        #expect(wf.step("charge")?.compensate?.call == OperationRef(service: "payments", operation: "refund"))

        // The result: `stock` is filled from an optional step, so it is `StockLevel?`.
        guard case .record(let name, let fields) = wf.result else { Issue.record("expected a record"); return }
        #expect(name == "CheckoutSummary")
        #expect(fields.map(\.name) == ["orderId", "total", "stock", "chargeId"])
        if case .reference(let r) = fields[2].value {
            #expect(r.rootType == .optional(.named("StockReport")))
            #expect(r.type == .optional(.named("StockLevel")))
        } else {
            Issue.record("expected a reference")
        }
    }

    @Test func graphOrderAndLevels() throws {
        let wf = try #require(try checkout().workflow(named: "checkout"))
        #expect(wf.graph.dependencies["quote"] == ["cart"])
        #expect(wf.graph.dependencies["reserve"] == ["cart", "quote"])
        #expect(wf.graph.dependencies["charge"] == ["quote"])
        #expect(wf.graph.dependencies["receipt"] == ["reserve", "charge"])  // `after` only
        #expect(wf.step("charge")?.dependencies == ["quote"])
        #expect(wf.graph.topologicalOrder == ["cart", "quote", "stock", "reserve", "charge", "receipt", "giftWrap"])
        #expect(wf.graph.levels == [["cart", "giftWrap"], ["quote", "stock"], ["reserve", "charge"], ["receipt"]])
        #expect(wf.graph.transitiveDependencies(of: "charge") == ["quote", "cart"])
        #expect(wf.graph.dependents(of: "cart") == ["quote", "stock", "reserve"])
    }

    @Test func budgetAnalysis() throws {
        let wf = try #require(try checkout().workflow(named: "checkout"))
        let b = wf.budget
        #expect(b == BudgetAnalysis(workflow: wf))
        #expect(b.deadline == .milliseconds(800))
        #expect(b.levels == wf.graph.levels)
        // cart 50ms → quote 100ms → charge 200ms.
        #expect(b.criticalChain.map(\.step) == ["cart", "quote", "charge"])
        #expect(b.singleAttemptSum == .milliseconds(350))
        // Each has 2 attempts and a 10ms backoff: 110 + 210 + 410.
        #expect(b.criticalChain.map(\.worstCase) == [.milliseconds(110), .milliseconds(210), .milliseconds(410)])
        #expect(b.worstCaseSum == .milliseconds(730))
        #expect(!b.exceedsDeadline && !b.retriesExceedDeadline)
        #expect(b.criticalChain.allSatisfy { !$0.boundedByDeadline })
    }

    @Test func stepsWithoutTimeoutAreBoundedByDeadline() {
        let yaml = RuleTests.valid.replacingOccurrences(of: "    result:", with: "      d:\n        call: cart.get\n        with: { id: $c.total }\n    result:")
            .replacingOccurrences(of: "output: { total: int }\nworkflows", with: "output: { total: int }\n        timeout: 100ms\nworkflows")
        // `d` reads `$c.total` (int) into `id` (string): fix by making id an int.
            .replacingOccurrences(of: "with: { id: $c.total }", with: "with: { id: \"x\" }\n        after: [c]\n        timeout: none")
        let r = check(yaml)
        #expect(r.diagnostics.isEmpty)
        let b = r.spec?.workflows.first?.budget
        #expect(b?.criticalChain.map(\.step) == ["c", "d"])
        #expect(b?.criticalChain.last?.boundedByDeadline == true)
        #expect(b?.singleAttemptSum == .milliseconds(100))
    }

    @Test func backoffWorstCase() {
        var r = RetryPolicy()
        r.maxAttempts = 5
        r.backoff.initial = .milliseconds(100)
        r.backoff.max = .milliseconds(300)
        // 100, 200, 300 (capped), 300.
        #expect(r.backoff.worstDelay(beforeRetry: 1) == .milliseconds(100))
        #expect(r.backoff.worstDelay(beforeRetry: 3) == .milliseconds(300))
        #expect(r.worstCaseBackoff == .milliseconds(900))
    }

    @Test func durationText() {
        #expect(Duration.milliseconds(250).specText == "250ms")
        #expect(Duration.milliseconds(1500).specText == "1.5s")
        #expect(Duration.seconds(90).specText == "1m30s")
        #expect(Duration.seconds(3600).specText == "1h")
        #expect(Duration.microseconds(1500).specText == "1.5ms")
        #expect(Duration.microseconds(7).specText == "7us")
        #expect(ScalarSyntax.duration("1m30s") == .seconds(90))
        #expect(ScalarSyntax.duration("1.5s") == .milliseconds(1500))
        #expect(ScalarSyntax.duration("250") == nil)
        #expect(ScalarSyntax.duration("5 s") == nil)
        #expect(ScalarSyntax.duration("99999999999999h") == nil)
        #expect(ScalarSyntax.ratio("0.5%") == 0.005)
        #expect(ScalarSyntax.rate("6000/m")?.count == 6000)
    }
}

/// Where each key was written, by its path of keys (what `baton diff` points at).
@Suite struct KeyLocationsTests {
    func locations(_ yaml: String) throws -> KeyLocations {
        let root = try #require(YAMLComposer(path: "k.yaml", limits: .default).compose(Array(yaml.utf8)).root)
        return KeyLocations(root)
    }

    @Test func pathsOfKeysDownToTheDepthLimit() throws {
        let keys = try locations("""
            a:
              b:
                c: 1
              list:
                - { hidden: 1 }
            d: { e: { f: { g: { h: { i: 1 } } } } }
            """)
        #expect(keys.location("a", "b", "c").map { [$0.line, $0.column] } == [3, 5])
        #expect(keys.location("a").map { [$0.line, $0.column] } == [1, 1])
        #expect(keys.contains("d", "e", "f", "g", "h"), "five keys deep")
        #expect(!keys.contains("d", "e", "f", "g", "h", "i"), "six is past maxDepth")
        #expect(!keys.contains("a", "list", "hidden"), "sequences are not indexed")
        #expect(!keys.contains("b"), "a key is found by its whole path")
        #expect(!keys.contains("a", "c"))
        #expect(keys.location([]) == nil)
    }

    @Test func theSameKeyUnderDifferentParentsIsTwoPaths() throws {
        let keys = try locations("""
            x: { name: 1 }
            y: { name: 2 }
            """)
        #expect(keys.location("x", "name")?.line == 1)
        #expect(keys.location("y", "name")?.line == 2)
        #expect(keys.count == 4)
    }
}
