import BatonRuntime
import BatonTesting
import Testing

/// Random call sequences against an independent model of the spec's breaker, checking every
/// decision, every transition, and the half-open probe bound.
@Suite(.timeLimit(.minutes(1))) struct CircuitBreakerPropertyTests {
    enum Kind { case success, failure, slow }

    /// The breaker as spec-v1 §4 and the ``CircuitBreaker`` documentation describe it.
    struct Model {
        let config: CircuitBreaker.Configuration
        var state: CircuitState = .closed
        var period = 0
        var openUntil = BatonInstant.zero
        var window: [Kind] = []
        var consecutive = 0
        var probesInFlight = 0
        var probeSuccesses = 0
        var transitions: [(CircuitState, CircuitState)] = []

        mutating func move(to next: CircuitState, now: BatonInstant) {
            transitions.append((state, next))
            state = next
            period += 1
            probesInFlight = 0
            probeSuccesses = 0
            switch next {
            case .open: openUntil = now.advanced(by: config.openFor)
            case .closed: window = []; consecutive = 0
            case .halfOpen: break
            }
        }

        mutating func refresh(now: BatonInstant) {
            if state == .open && now >= openUntil { move(to: .halfOpen, now: now) }
        }

        /// nil when rejected (with the expected retry-after in `rejection`).
        mutating func acquire(now: BatonInstant) -> (admitted: (period: Int, probe: Bool)?, retryAfter: Duration?) {
            refresh(now: now)
            switch state {
            case .closed: return ((period, false), nil)
            case .open: return (nil, now.duration(to: openUntil))
            case .halfOpen:
                guard probesInFlight < config.halfOpenProbes else { return (nil, nil) }
                probesInFlight += 1
                return ((period, true), nil)
            }
        }

        func kind(of outcome: CircuitBreaker.Outcome) -> Kind? {
            switch outcome {
            case .success(let duration):
                if let slow = config.slowCall, duration >= slow.threshold { return .slow }
                return .success
            case .failure(let errorClass):
                return [.permanent, .cancelled].contains(errorClass) ? nil : .failure
            }
        }

        mutating func record(period permitPeriod: Int, probe: Bool, _ kind: Kind?, now: BatonInstant) {
            guard permitPeriod == period else { return }
            if probe {
                probesInFlight -= 1
                switch kind {
                case nil: return
                case .failure?, .slow?: move(to: .open, now: now)
                case .success?:
                    probeSuccesses += 1
                    if probeSuccesses == config.halfOpenProbes { move(to: .closed, now: now) }
                }
                return
            }
            guard let kind else { return }
            switch config.mode {
            case .consecutive:
                consecutive = kind == .success ? 0 : consecutive + 1
                if consecutive >= config.consecutiveFailures { move(to: .open, now: now) }
            case .rate:
                window.append(kind)
                if window.count > config.window { window.removeFirst() }
                guard window.count >= config.minCalls else { return }
                let failures = Double(window.filter { $0 == .failure }.count) / Double(window.count)
                let slows = Double(window.filter { $0 == .slow }.count) / Double(window.count)
                if failures >= config.failureRate || (config.slowCall.map { slows >= $0.rate } ?? false) {
                    move(to: .open, now: now)
                }
            }
        }
    }

    struct Outstanding {
        var permit: CircuitBreaker.Permit
        var period: Int
        var probe: Bool
    }

    static func randomConfiguration(_ random: RandomSource) -> CircuitBreaker.Configuration {
        let window = 1 + Int(random.next() % 12)
        return CircuitBreaker.Configuration(
            mode: random.next() % 2 == 0 ? .rate : .consecutive,
            failureRate: [0.2, 0.5, 0.75, 1][Int(random.next() % 4)],
            window: window,
            minCalls: 1 + Int(random.next() % UInt64(window)),
            slowCall: random.next() % 2 == 0 ? nil : .init(threshold: .milliseconds(100), rate: [0.5, 0.8][Int(random.next() % 2)]),
            consecutiveFailures: 1 + Int(random.next() % 4),
            openFor: .milliseconds(Int64(100 + random.next() % 2_000)),
            halfOpenProbes: 1 + Int(random.next() % 3))
    }

    @Test func matchesTheModelAndBoundsProbes() async throws {
        let classes = ErrorClass.allCases
        var edgesSeen: Set<String> = []
        for seed in UInt64(0)..<200 {
            // Seconds of pure computation under Thread Sanitizer: hand the cooperative thread back
            // between sequences, so that tests waiting for runnable work (with a wall-clock bound)
            // are not starved on a 2-core machine.
            await Task.yield()
            let random = RandomSource.seeded(seed)
            let clock = ManualClock()
            let config = Self.randomConfiguration(random)
            let events = Recorder<CircuitBreakerTransition>()
            let breaker = CircuitBreaker(name: "b", configuration: config, clock: clock.asAnyClock) { events.append($0) }
            var model = Model(config: config)
            var outstanding: [Outstanding] = []

            for step in 0..<400 {
                let context = "seed \(seed) step \(step) config \(config)"
                switch random.next() % 8 {
                case 0:
                    clock.advance(by: .milliseconds(Int64(random.next() % 800)))
                case 1, 2, 3:
                    let expected = model.acquire(now: clock.now)
                    do {
                        let permit = try breaker.acquire()
                        guard let admitted = expected.admitted else {
                            Issue.record("admitted but the model rejects: \(context)")
                            return
                        }
                        outstanding.append(Outstanding(permit: permit, period: admitted.period, probe: admitted.probe))
                    } catch {
                        #expect(expected.admitted == nil, "rejected but the model admits: \(context)")
                        #expect(error.retryAfter == expected.retryAfter, "\(context)")
                    }
                default:
                    guard !outstanding.isEmpty else { continue }
                    let chosen = outstanding.remove(at: Int(random.next() % UInt64(outstanding.count)))
                    let outcome: CircuitBreaker.Outcome? =
                        switch random.next() % 6 {
                        case 0: nil  // handed back without an outcome
                        case 1: .success(duration: .milliseconds(Int64(random.next() % 200)))
                        case 2: .success(duration: .milliseconds(5))
                        default: .failure(classes[Int(random.next() % UInt64(classes.count))])
                        }
                    if let outcome {
                        model.record(period: chosen.period, probe: chosen.probe, model.kind(of: outcome), now: clock.now)
                        breaker.record(chosen.permit, outcome)
                    } else {
                        model.record(period: chosen.period, probe: chosen.probe, nil, now: clock.now)
                        breaker.recordIgnored(chosen.permit)
                    }
                }
                model.refresh(now: clock.now)
                #expect(breaker.state == model.state, "\(context)")
                // The bound itself, independently of the model: live probes of this half-open period.
                if model.state == .halfOpen {
                    let live = outstanding.filter { $0.probe && $0.period == model.period }.count
                    #expect(live <= config.halfOpenProbes, "\(context)")
                }
                let observed = events.all.map { ($0.from, $0.to) }
                #expect(observed.elementsEqual(model.transitions, by: ==), "\(context)")
                if breaker.state != model.state { return }
            }
            // Every transition is one of the four edges of the state machine.
            let edges: Set<String> = ["closed->open", "open->halfOpen", "halfOpen->open", "halfOpen->closed"]
            #expect(events.all.allSatisfy { edges.contains("\($0.from)->\($0.to)") })
            edgesSeen.formUnion(events.all.map { "\($0.from)->\($0.to)" })
        }
        #expect(edgesSeen.count == 4, "the random sequences exercise every transition")
    }
}
