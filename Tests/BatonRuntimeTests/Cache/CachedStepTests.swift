import BatonRuntime
import BatonTesting
import Testing

// What `baton generate` should emit for a cached read with `fallback: { stale: true }` and a
// write that `invalidates` it. Everything in this section is "generated"; the tests below are
// the user's. The spec:
//
//   services:
//     catalog:
//       operations:
//         price:
//           input: { sku: string, region: string }
//           output: Price
//           cache: { ttl: 10s, staleWhileRevalidate: 30s }      # key: all input fields
//         setPrice:
//           input: { sku: string, amount: int }
//           output: Price
//           access: write
//           invalidates: [catalog.price]                       # shared field: sku
//   workflows:
//     showPrice:
//       input: { sku: string, region: string }
//       deadline: 500ms
//       steps:
//         price: { call: catalog.price, with: { sku: $input.sku, region: $input.region }, fallback: { stale: true } }
//       result: { amount: $price.amount }
//     updatePrice:
//       input: { sku: string, amount: int }
//       deadline: 500ms
//       steps:
//         set: { call: catalog.setPrice, with: { sku: $input.sku, amount: $input.amount } }
//       result: { amount: $set.amount }

// MARK: - Generated types

struct CatalogPriceInput: Codable, Hashable, Sendable {
    var sku: String
    var region: String
}

struct CatalogSetPriceInput: Codable, Hashable, Sendable {
    var sku: String
    var amount: Int
}

struct Price: Codable, Hashable, Sendable {
    var amount: Int
}

struct ShowPriceInput: Codable, Hashable, Sendable {
    var sku: String
    var region: String
}

struct UpdatePriceInput: Codable, Hashable, Sendable {
    var sku: String
    var amount: Int
}

struct ShowPriceOutput: Codable, Hashable, Sendable {
    var amount: Int
}

struct UpdatePriceOutput: Codable, Hashable, Sendable {
    var amount: Int
}

// MARK: - Generated service protocol

protocol CatalogService: Sendable {
    func price(_ input: CatalogPriceInput, context: CallContext) async throws -> Price
    func setPrice(_ input: CatalogSetPriceInput, context: CallContext) async throws -> Price
}

// MARK: - Generated orchestrator

/// The key fields of `catalog.price`'s cache (spec `key`, default: every input field).
struct CatalogPriceCacheKey: Hashable, Sendable {
    var sku: String
    var region: String
}

struct ShopOrchestrator: Sendable {
    private let showPriceWorkflow: Workflow<ShowPriceInput, ShowPriceOutput>
    private let updatePriceWorkflow: Workflow<UpdatePriceInput, UpdatePriceOutput>
    /// One cache per cached operation, shared by every workflow that calls it.
    let catalogPriceCache: ResponseCache<CatalogPriceCacheKey, Price>

    init(
        catalog: any CatalogService,
        options: OrchestratorOptions = OrchestratorOptions()
    ) {
        let clock = options.clock
        let telemetry = options.telemetry
        let catalogPriceCache = ResponseCache<CatalogPriceCacheKey, Price>(
            service: "catalog",
            operation: "price",
            policy: CachePolicy(ttl: .seconds(10), staleWhileRevalidate: .seconds(30)),
            clock: clock,
            telemetry: telemetry
        )
        self.catalogPriceCache = catalogPriceCache
        let catalogPricePolicy = SingleAttempt(clock: clock, classifier: options.classifier)
        let catalogSetPricePolicy = SingleAttempt(clock: clock, classifier: options.classifier)

        var showPrice = WorkflowBuilder<ShowPriceInput>(
            workflow: "showPrice",
            deadline: .milliseconds(500),
            clock: clock,
            random: options.random,
            telemetry: telemetry,
            classifier: options.classifier
        )
        let priceStep: StepKey<Price> = showPrice.step(
            "price",
            service: "catalog",
            policy: catalogPricePolicy,
            cache: StepCache(catalogPriceCache) { (input: ShowPriceInput, _: StepValues) -> CatalogPriceCacheKey in
                CatalogPriceCacheKey(sku: input.sku, region: input.region)
            },
            fallback: .stale,
            call: { (input: ShowPriceInput, _: StepValues, context: CallContext) async throws -> Price in
                try await catalog.price(CatalogPriceInput(sku: input.sku, region: input.region), context: context)
            }
        )
        showPriceWorkflow = showPrice.build { (_: ShowPriceInput, values: StepValues) -> ShowPriceOutput in
            ShowPriceOutput(amount: values[priceStep].amount)
        }

        var updatePrice = WorkflowBuilder<UpdatePriceInput>(
            workflow: "updatePrice",
            deadline: .milliseconds(500),
            clock: clock,
            random: options.random,
            telemetry: telemetry,
            classifier: options.classifier
        )
        let setStep: StepKey<Price> = updatePrice.step(
            "set",
            service: "catalog",
            policy: catalogSetPricePolicy,
            invalidates: [
                CacheInvalidation(catalogPriceCache) { (input: UpdatePriceInput, _: StepValues, key: CatalogPriceCacheKey) -> Bool in
                    key.sku == input.sku
                }
            ],
            call: { (input: UpdatePriceInput, _: StepValues, context: CallContext) async throws -> Price in
                try await catalog.setPrice(CatalogSetPriceInput(sku: input.sku, amount: input.amount), context: context)
            }
        )
        updatePriceWorkflow = updatePrice.build { (_: UpdatePriceInput, values: StepValues) -> UpdatePriceOutput in
            UpdatePriceOutput(amount: values[setStep].amount)
        }
    }

    func showPrice(_ input: ShowPriceInput, correlationID: String? = nil) async throws -> WorkflowResult<ShowPriceOutput> {
        try await showPriceWorkflow.run(input, correlationID: correlationID)
    }

    func updatePrice(_ input: UpdatePriceInput, correlationID: String? = nil) async throws -> WorkflowResult<UpdatePriceOutput> {
        try await updatePriceWorkflow.run(input, correlationID: correlationID)
    }

    /// Cancels and awaits the caches' background refreshes.
    func shutdown() async {
        await catalogPriceCache.shutdown()
    }
}

// MARK: - Generated mock (test output)

final class MockCatalogService: CatalogService {
    let price: MockOperation<CatalogPriceInput, Price>
    let setPrice: MockOperation<CatalogSetPriceInput, Price>

    init(
        clock: ManualClock,
        price: [ScriptedCall<Price>.Behaviour] = [.succeed(Price(amount: 10))],
        setPrice: [ScriptedCall<Price>.Behaviour] = [.succeed(Price(amount: 12))]
    ) {
        self.price = MockOperation(clock: clock, price)
        self.setPrice = MockOperation(clock: clock, setPrice)
    }

    func price(_ input: CatalogPriceInput, context: CallContext) async throws -> Price {
        try await self.price(input, context: context)
    }

    func setPrice(_ input: CatalogSetPriceInput, context: CallContext) async throws -> Price {
        try await self.setPrice(input, context: context)
    }
}

// MARK: - Tests a user would write

@Suite struct CachedStepTests {
    struct Fixture {
        let clock = ManualClock()
        let catalog: MockCatalogService
        let shop: ShopOrchestrator

        init(price: [ScriptedCall<Price>.Behaviour] = [.succeed(Price(amount: 10))]) {
            catalog = MockCatalogService(clock: clock, price: price)
            shop = ShopOrchestrator(
                catalog: catalog,
                options: OrchestratorOptions(clock: clock.asAnyClock, random: .seeded(1), telemetry: .disabled)
            )
        }
    }

    let widget = ShowPriceInput(sku: "widget", region: "eu")

    @Test func aRepeatedReadIsServedFreshFromTheCache() async throws {
        let fixture = Fixture()
        let first = try await fixture.shop.showPrice(widget)
        #expect(first.report[step: "price"]?.outcome == .succeeded)
        #expect(first.report[step: "price"]?.attempts == 1)

        fixture.clock.advance(by: .seconds(5))
        let second = try await fixture.shop.showPrice(widget)
        #expect(second.output.amount == 10)
        #expect(second.report[step: "price"]?.outcome == .cached(.fresh))
        #expect(second.report[step: "price"]?.attempts == 0)
        #expect(second.report.isComplete && second.report.degraded.isEmpty)
        #expect(fixture.catalog.price.callCount == 1)

        // Another key misses.
        let other = try await fixture.shop.showPrice(ShowPriceInput(sku: "widget", region: "us"))
        #expect(other.report[step: "price"]?.outcome == .succeeded)
        #expect(fixture.catalog.price.inputs.last == CatalogPriceInput(sku: "widget", region: "us"))
        await fixture.shop.shutdown()
    }

    @Test func staleWhileRevalidateThroughTheExecutor() async throws {
        let fixture = Fixture(price: [.succeed(Price(amount: 10)), .succeed(Price(amount: 11))])
        _ = try await fixture.shop.showPrice(widget)
        fixture.clock.advance(by: .seconds(15))  // past ttl, within staleWhileRevalidate

        let stale = try await fixture.shop.showPrice(widget)
        #expect(stale.output.amount == 10)
        #expect(stale.report[step: "price"]?.outcome == .cached(.stale))
        #expect(stale.report.degraded.map(\.step) == ["price"])
        await fixture.shop.catalogPriceCache.waitForRefreshes()
        #expect(fixture.catalog.price.callCount == 2)
        // The background refresh carries the run's correlation id and a deadline of its own.
        let refresh = fixture.catalog.price.calls[1].context
        #expect(refresh.correlationID == stale.report.correlationID)
        #expect(refresh.deadline?.instant == fixture.clock.now.advanced(by: .milliseconds(500)))

        let fresh = try await fixture.shop.showPrice(widget)
        #expect(fresh.output.amount == 11)
        #expect(fresh.report[step: "price"]?.outcome == .cached(.fresh))
        await fixture.shop.shutdown()
    }

    @Test func staleFallbackServesAnEntryOfAnyAgeWhenTheCallFails() async throws {
        let fixture = Fixture(price: [.succeed(Price(amount: 10)), .fail(ScriptedError(.unavailable))])
        _ = try await fixture.shop.showPrice(widget)
        fixture.clock.advance(by: .seconds(3_600))  // far past ttl + staleWhileRevalidate

        let result = try await fixture.shop.showPrice(widget)
        #expect(result.output.amount == 10)
        let price = try #require(result.report[step: "price"])
        #expect(price.outcome == .cached(.stale))
        #expect(price.errorClass == .unavailable)
        #expect(price.attempts == 1)
        #expect(result.report.isComplete)
        #expect(result.report.degraded.map(\.step) == ["price"])
        #expect(fixture.shop.catalogPriceCache.statistics.staleFallbacks == 1)
        await fixture.shop.shutdown()
    }

    @Test func withoutAnEntryTheStaleFallbackCannotHelp() async throws {
        let fixture = Fixture(price: [.fail(ScriptedError(.unavailable))])
        let error = await #expect(throws: WorkflowError.self) { try await fixture.shop.showPrice(widget) }
        #expect(error?.failedStep == "price")
        #expect(error?.errorClass == .unavailable)
        #expect(error?.report[step: "price"]?.outcome == .failed)
        await fixture.shop.shutdown()
    }

    @Test func aWriteInvalidatesTheEntriesSharingItsFields() async throws {
        let fixture = Fixture(price: [.succeed(Price(amount: 10)), .succeed(Price(amount: 10)), .succeed(Price(amount: 10)), .succeed(Price(amount: 12))])
        let widgetUS = ShowPriceInput(sku: "widget", region: "us")
        let gadget = ShowPriceInput(sku: "gadget", region: "eu")
        for input in [widget, widgetUS, gadget] { _ = try await fixture.shop.showPrice(input) }

        let update = try await fixture.shop.updatePrice(UpdatePriceInput(sku: "widget", amount: 12))
        #expect(update.report[step: "set"]?.outcome == .succeeded)

        let after = try await fixture.shop.showPrice(widget)
        #expect(after.output.amount == 12)
        #expect(after.report[step: "price"]?.outcome == .succeeded)
        #expect(fixture.shop.catalogPriceCache.storage is InMemoryCacheStorage<CatalogPriceCacheKey, Price>)
        #expect(await fixture.shop.catalogPriceCache.serveStale(for: CatalogPriceCacheKey(sku: "widget", region: "us")) == nil)
        #expect(try await fixture.shop.showPrice(gadget).report[step: "price"]?.outcome == .cached(.fresh))
        await fixture.shop.shutdown()
    }

    @Test func concurrentRunsShareOneCall() async throws {
        let fixture = Fixture(price: [.succeed(Price(amount: 10), after: .milliseconds(50))])
        let shop = fixture.shop
        let widget = self.widget
        let outcomes = try await withThrowingTaskGroup(of: StepOutcome?.self) { group in
            for _ in 0..<50 {
                group.addTask { try await shop.showPrice(widget).report[step: "price"]?.outcome }
            }
            try await fixture.catalog.price.waitForCalls(count: 1)
            // The leader's attempt timer (its run's deadline) and the call's latency. The other
            // runs have the same deadline as the leader, so they wait for its call without a
            // timer of their own.
            try await fixture.clock.waitForSleepers(count: 2)
            fixture.clock.advance(by: .milliseconds(50))
            var outcomes: [StepOutcome?] = []
            for try await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        #expect(fixture.catalog.price.callCount == 1)
        #expect(outcomes.filter { $0 == .succeeded }.count == 1)
        #expect(outcomes.filter { $0 == .cached(.fresh) }.count == 49)
        await shop.shutdown()
    }
}
