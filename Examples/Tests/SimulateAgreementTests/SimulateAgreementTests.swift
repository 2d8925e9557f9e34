import BatonRuntime
import BatonSimulate
import BatonSpec
import Checkout
import Foundation
import Synchronization
import Testing

/// `baton simulate` and the generated `CheckoutOrchestrator` (built by the plugin from the same
/// spec) run the same profile on the same virtual clock and agree (spec-v1 §16, issue 19): the
/// simulator's interpreter builds the policies generated code builds, so their figures match.
@Suite struct SimulateAgreementTests {
    static let specPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/Checkout/checkout.baton.yaml").path

    /// Tails, transient and permanent failures and a `when` share: retries, timeouts, hedges,
    /// routing, breakers, the fallback and compensations all take part. (On this profile the two
    /// agree exactly: success 0.995 and p99 288.0ms both.)
    static let profile = """
        services:
          cart:
            latency: { constant: 10ms }
          pricing:
            latency: { p50: 20ms, p99: 200ms }
            errors: { rate: 2%, class: transient }
            endpoints:
              "http://pricing-us:8080": { latency: { p50: 30ms, p99: 300ms } }
          inventory:
            latency: { p50: 15ms, p99: 60ms }
            operations:
              reserve: { errors: { rate: 1%, class: unavailable } }
          payments:
            latency: { p50: 40ms, p99: 250ms }
            operations:
              charge: { errors: { rate: 0.5%, class: permanent } }
        when: { giftWrap: 20% }
        """

    static let runs = 3_000
    static let concurrency = 4
    static let seed: UInt64 = 42

    @Test func simulateAgreesWithTheGeneratedOrchestrator() async throws {
        let checked = SpecChecker.check(SpecSource(path: Self.specPath, text: try String(contentsOfFile: Self.specPath, encoding: .utf8)))
        let spec = try #require(checked.spec)
        let workflow = try #require(spec.workflow(named: "checkout"))
        let profile = try Profile.load(SpecSource(path: "agreement.yaml", text: Self.profile), spec: spec, workflow: workflow)
        let simulator = try Simulator(spec: spec, workflow: "checkout", profile: profile)
        let options = SimulationOptions(runs: Self.runs, concurrency: Self.concurrency, seed: Self.seed)

        let simulated = await simulator.run(options)
        let generated = await GeneratedRuns.run(sampler: ProfileSampler(simulator: simulator, seed: Self.seed), options: options)

        let simulatedP99 = try #require(simulated.latency?.p99)
        let generatedP99 = try #require(generated.p99)
        #expect(abs(simulated.success - generated.success) <= 0.005, "success: simulate \(simulated.success), generated \(generated.success)")
        #expect(abs(simulatedP99 - generatedP99) <= 0.05 * generatedP99, "p99: simulate \(simulatedP99)s, generated \(generatedP99)s")
        // Stricter than the bounds above, and what catches a policy that drifted: both sides draw
        // the same keyed latencies and failures and run on the same single-threaded virtual time,
        // so every operation receives exactly the same number of requests.
        for (operation, counts) in simulated.calls {
            #expect(generated.attempts[operation, default: 0] == counts.attempts, "attempts of \(operation)")
        }
        // The profile makes the comparison meaningful: some runs fail, some retry, some hedge.
        #expect(generated.success < 1 && generated.success > 0.8, "success \(generated.success)")
        #expect(simulated.calls.contains { $0.counts.hedges > 0 })
        #expect(simulated.calls.contains { $0.counts.failures > 0 })
        #expect(simulated.calls.contains { $0.operation == "inventory.release" && $0.counts.calls > 0 })
    }
}

/// Runs the generated orchestrator the way `baton simulate` runs its interpreter: on virtual
/// time, `concurrency` callers, run numbers as correlation ids, and services that answer as the
/// profile says (the simulator's own ``ProfileSampler``).
enum GeneratedRuns {
    struct Figures: Sendable {
        var success: Double
        var p99: Double?
        /// Requests each operation received (`service.operation`).
        var attempts: [String: Int]
    }

    static func run(sampler: ProfileSampler, options: SimulationOptions) async -> Figures {
        await VirtualTime.run { clock in
            let runtime = OrchestratorOptions(clock: clock.asAnyClock, random: .seeded(options.seed), telemetry: .disabled)
            let services = SampledServices(sampler: sampler, clock: clock.asAnyClock, attempts: AttemptCounter())
            let orchestrator = CheckoutOrchestrator(
                cart: services, pricing: services, inventory: services, payments: services, mail: services, wrapping: services,
                options: runtime)
            let state = State()
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<options.concurrency {
                    group.addTask {
                        while true {
                            let run = state.next.add(1, ordering: .relaxed).oldValue
                            guard run < options.runs else { return }
                            let input = CheckoutRequest(
                                cartId: "run\(run).cartId", orderId: "run\(run).orderId",
                                giftWrap: sampler.runs("giftWrap", run: UInt64(run)))
                            let start = clock.now
                            let succeeded = (try? await orchestrator.checkout(input, correlationID: String(run))) != nil
                            let latency = start.duration(to: clock.now)
                            if succeeded { state.latencies.withLock { $0.append(latency) } }
                        }
                    }
                }
            }
            await orchestrator.shutdown()
            let latencies = state.latencies.withLock { $0 }.sorted()
            let p99 = latencies.isEmpty ? nil : latencies[Int((0.99 * Double(latencies.count)).rounded(.up)) - 1]
            return Figures(
                success: Double(latencies.count) / Double(options.runs),
                p99: p99.map { Double($0.components.seconds) + Double($0.components.attoseconds) * 1e-18 },
                attempts: services.attempts.counts.withLock { $0 })
        }
    }

    final class State: Sendable {
        let next = Atomic<Int>(0)
        let latencies = Mutex<[Duration]>([])
    }
}

/// Requests received, by `service.operation`.
final class AttemptCounter: Sendable {
    let counts = Mutex<[String: Int]>([:])
}

/// The six services of the checkout spec, answering as the profile says: each attempt sleeps
/// its sampled latency on the virtual clock, then fails with the sampled class or answers.
struct SampledServices: CartService, PricingService, InventoryService, PaymentsService, MailService, WrappingService {
    let sampler: ProfileSampler
    let clock: AnyClock
    let attempts: AttemptCounter

    struct Failure: ClassifiedError {
        var errorClass: ErrorClass
    }

    private func answer(_ service: String, _ operation: String, _ context: CallContext) async throws {
        attempts.counts.withLock { $0["\(service).\(operation)", default: 0] += 1 }
        let run = UInt64(context.correlationID) ?? 0
        let (latency, failure) = sampler.attempt(
            OperationRef(service: service, operation: operation), step: context.step, run: run, attempt: context.attempt,
            endpoint: context.endpoint?.url)
        if latency > .zero { try await clock.sleep(until: clock.now.advanced(by: latency), tolerance: nil) }
        if let failure { throw Failure(errorClass: failure) }
    }

    func getCart(_ input: CartGetCartInput, context: CallContext) async throws -> Cart {
        try await answer("cart", "getCart", context)
        return Cart(id: input.cartId, items: [CartItem(sku: input.cartId + ".sku", quantity: 1)])
    }

    func quote(_ input: QuoteRequest, context: CallContext) async throws -> Quote {
        try await answer("pricing", "quote", context)
        return Quote(id: "quote", total: 1)
    }

    func listPrice(_ input: PricingListPriceInput, context: CallContext) async throws -> Quote {
        try await answer("pricing", "listPrice", context)
        return Quote(id: "list", total: 1)
    }

    func check(_ input: InventoryCheckInput, context: CallContext) async throws -> StockReport {
        try await answer("inventory", "check", context)
        return StockReport(level: .inStock)
    }

    func reserve(_ input: InventoryReserveInput, context: CallContext) async throws -> Reservation {
        try await answer("inventory", "reserve", context)
        return Reservation(id: input.orderId)
    }

    func release(_ input: InventoryReleaseInput, context: CallContext) async throws -> Reservation {
        try await answer("inventory", "release", context)
        return Reservation(id: input.reservationId)
    }

    func charge(_ input: PaymentsChargeInput, context: CallContext) async throws -> Charge {
        try await answer("payments", "charge", context)
        return Charge(id: input.orderId, amount: input.amount)
    }

    func refund(_ input: PaymentsRefundInput, context: CallContext) async throws -> Charge {
        try await answer("payments", "refund", context)
        return Charge(id: input.chargeId, amount: 0)
    }

    func sendReceipt(_ input: MailSendReceiptInput, context: CallContext) async throws -> MailSendReceiptOutput {
        try await answer("mail", "sendReceipt", context)
        return MailSendReceiptOutput(queued: true)
    }

    func book(_ input: WrappingBookInput, context: CallContext) async throws -> WrappingBookOutput {
        try await answer("wrapping", "book", context)
        return WrappingBookOutput(bookingId: input.orderId)
    }

    func cancel(_ input: WrappingCancelInput, context: CallContext) async throws -> WrappingCancelOutput {
        try await answer("wrapping", "cancel", context)
        return WrappingCancelOutput(bookingId: input.bookingId)
    }
}
