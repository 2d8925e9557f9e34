import BatonRuntime
import BatonTesting
import Synchronization

/// The soak's seeded randomness: the runtime's ``RandomSource/seeded(_:)`` (SplitMix64, the same
/// sequence on every platform for a given seed) with the draws the soak needs.
struct SoakRandom {
    private let source: RandomSource

    init(seed: UInt64) { source = .seeded(seed) }

    func next() -> UInt64 { source.next() }

    /// Uniform in `range`.
    func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    /// `true` with probability `p`.
    func chance(_ p: Double) -> Bool {
        Double(next() >> 11) / Double(1 << 53) < p
    }

    func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }

    /// The seed of run `index` of a soak seeded with `seed`, so any run can be replayed alone.
    static func runSeed(_ seed: UInt64, index: Int) -> UInt64 {
        SoakRandom(seed: seed ^ (UInt64(index) &* 0xD1B5_4A32_D192_ED03)).next()
    }
}

/// What one call (an attempt of a step, its fallback, or a compensation) does.
enum SoakBehaviour: Sendable, CustomStringConvertible {
    /// Returns after the latency.
    case succeed(Int)
    /// Throws an error of the class after the latency.
    case fail(ErrorClass, Int)
    /// Sleeps (cancellably) for a year.
    case hang
    /// Ignores cancellation: returns only once the latency has passed, whatever happens.
    case stubborn(Int)

    var description: String {
        switch self {
        case .succeed(let ms): "ok@\(ms)"
        case .fail(let errorClass, let ms): "\(errorClass)@\(ms)"
        case .hang: "hang"
        case .stubborn(let ms): "stubborn@\(ms)"
        }
    }

    static func random(_ random: inout SoakRandom, allowStubborn: Bool) -> SoakBehaviour {
        let roll = random.int(0...99)
        switch roll {
        case 0..<62: return .succeed(random.chance(0.15) ? 0 : random.int(1...40))
        case 62..<86: return .fail(random.pick(ErrorClass.allCases), random.int(0...30))
        case 86..<94: return .hang
        default: return allowStubborn ? .stubborn(random.int(1...80)) : .hang
        }
    }
}

/// The policy of a step in the soak.
enum SoakPolicy: Sendable, CustomStringConvertible {
    /// One attempt, no timeout, not bounded by the deadline (the executor runs its watcher).
    case direct
    /// `SingleAttempt` with an optional attempt timeout.
    case single(timeout: Int?)
    /// `ResiliencePipeline` with an optional timeout, retries and jittered backoff.
    case pipeline(timeout: Int?, attempts: Int, backoff: Int)

    var description: String {
        switch self {
        case .direct: "direct"
        case .single(let timeout): "single(\(timeout.map(String.init) ?? "-"))"
        case .pipeline(let timeout, let attempts, let backoff): "pipeline(\(timeout.map(String.init) ?? "-"),x\(attempts),b\(backoff))"
        }
    }

    static func random(_ random: inout SoakRandom) -> SoakPolicy {
        switch random.int(0...2) {
        case 0: .direct
        case 1: .single(timeout: random.chance(0.6) ? random.int(1...40) : nil)
        default: .pipeline(timeout: random.chance(0.7) ? random.int(1...40) : nil, attempts: random.int(1...3), backoff: random.int(0...10))
        }
    }

    func make(clock: AnyClock, seed: UInt64) -> any CallPolicy {
        switch self {
        case .direct:
            DirectCall()
        case .single(let timeout):
            SingleAttempt(timeout: timeout.map { .milliseconds($0) }, clock: clock)
        case .pipeline(let timeout, let attempts, let backoff):
            ResiliencePipeline(
                timeout: timeout.map { .milliseconds($0) },
                retry: RetryPolicy(
                    maxAttempts: attempts,
                    backoff: Backoff(initial: .milliseconds(backoff), max: .milliseconds(20)),
                    retryOn: [.timeout, .unavailable, .overloaded, .transient, .unknown],
                    budget: nil
                ),
                clock: clock,
                random: .seeded(seed)
            )
        }
    }
}

/// One step of a random workflow.
struct SoakStepPlan: Sendable, CustomStringConvertible {
    var name: String
    var dependencies: [Int]
    var optional: Bool
    /// `nil`: no `when`; otherwise the condition's value.
    var condition: Bool?
    var isAsync: Bool
    var policy: SoakPolicy
    /// Per attempt (the last repeats).
    var behaviours: [SoakBehaviour]
    var fallback: SoakFallback?
    var compensation: [SoakBehaviour]?
    var compensationAttempts: Int

    var description: String {
        var text = "\(name) deps=\(dependencies) \(policy) calls=\(behaviours)"
        if optional { text += " optional" }
        if let condition { text += " when=\(condition)" }
        if isAsync { text += " async" }
        if let fallback { text += " fallback=\(fallback)" }
        if let compensation { text += " compensate=\(compensation) x\(compensationAttempts)" }
        return text
    }
}

enum SoakFallback: Sendable, CustomStringConvertible {
    case value
    case call(timeout: Int?, SoakBehaviour)

    var description: String {
        switch self {
        case .value: "value"
        case .call(let timeout, let behaviour): "call(\(timeout.map(String.init) ?? "-"), \(behaviour))"
        }
    }
}

/// A random workflow and how its run is disturbed.
struct SoakRunPlan: Sendable, CustomStringConvertible {
    var deadline: Int
    var compensationTimeout: Int
    var steps: [SoakStepPlan]
    /// Cancel the caller's task this long after the start, if set.
    var cancelAfter: Int?

    init(seed: UInt64) {
        var random = SoakRandom(seed: seed)
        deadline = random.int(10...120)
        compensationTimeout = random.int(5...50)
        cancelAfter = random.chance(0.12) ? random.int(0...deadline) : nil
        let count = random.int(1...7)
        steps = []
        for index in 0..<count {
            var dependencies: [Int] = []
            for earlier in 0..<index where random.chance(0.35) { dependencies.append(earlier) }
            let isAsync = random.chance(0.07)
            let attempts = random.int(1...3)
            let behaviours = (0..<attempts).map { _ in SoakBehaviour.random(&random, allowStubborn: !isAsync) }
            var step = SoakStepPlan(
                name: "s\(index)",
                dependencies: dependencies,
                optional: !isAsync && random.chance(0.3),
                condition: random.chance(0.12) ? random.chance(0.5) : nil,
                isAsync: isAsync,
                policy: isAsync ? .direct : SoakPolicy.random(&random),
                behaviours: isAsync ? behaviours.map(Self.immediate) : behaviours,
                fallback: nil,
                compensation: nil,
                compensationAttempts: 1
            )
            if !isAsync, random.chance(0.15) {
                step.fallback = random.chance(0.4)
                    ? .value
                    : .call(timeout: random.chance(0.7) ? random.int(1...30) : nil, SoakBehaviour.random(&random, allowStubborn: false))
            }
            if !isAsync, random.chance(0.45) {
                step.compensationAttempts = random.int(1...3)
                step.compensation = (0..<random.int(1...2)).map { _ in
                    switch random.int(0...9) {
                    case 0..<6: .succeed(random.int(0...15))
                    case 6..<9: .fail(.transient, random.int(0...10))
                    default: .hang
                    }
                }
            }
            steps.append(step)
        }
    }

    /// Background calls do not sleep: the queue's detached workers run outside the soak's
    /// executor, so their timing must not matter.
    private static func immediate(_ behaviour: SoakBehaviour) -> SoakBehaviour {
        switch behaviour {
        case .succeed, .hang, .stubborn: .succeed(0)
        case .fail(let errorClass, _): .fail(errorClass, 0)
        }
    }

    var description: String {
        "deadline=\(deadline)ms compensationTimeout=\(compensationTimeout)ms cancelAfter=\(cancelAfter.map(String.init) ?? "-")\n    "
            + steps.map(\.description).joined(separator: "\n    ")
    }
}

/// Counts the inputs alive, to show that runs release everything they hold.
final class SoakToken: Sendable {
    static let live = Atomic<Int>(0)
    init() { Self.live.add(1, ordering: .relaxed) }
    deinit { Self.live.subtract(1, ordering: .relaxed) }
}

/// Everything the fake services saw during one run.
final class SoakLedger: Sendable {
    enum Role: String, Sendable { case primary, fallback, compensation, background }

    struct Call: Sendable {
        var step: Int
        var role: Role
        var attempt: Int
        var key: String?
        var startedAt: BatonInstant
        var endedAt: BatonInstant?
        var succeeded = false
        var stubborn = false
    }

    private let state = Lock<[Call]>([])

    func begin(step: Int, role: Role, context: CallContext, at instant: BatonInstant, stubborn: Bool) -> Int {
        state.withLock { calls in
            calls.append(Call(step: step, role: role, attempt: context.attempt, key: context.idempotencyKey, startedAt: instant, stubborn: stubborn))
            return calls.count - 1
        }
    }

    func end(_ index: Int, succeeded: Bool, at instant: BatonInstant) {
        state.withLock { calls in
            calls[index].endedAt = instant
            calls[index].succeeded = succeeded
        }
    }

    var calls: [Call] { state.withLock { $0 } }
}

/// The run's input: carries the token whose lifetime shows the run let go of it.
struct SoakInput: Sendable {
    var token: SoakToken
}
