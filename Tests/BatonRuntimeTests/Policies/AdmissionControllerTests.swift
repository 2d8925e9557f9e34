import BatonRuntime
import BatonTesting
import Testing

@Suite(.timeLimit(.minutes(1))) struct AdmissionControllerTests {
    @Test func singleRateFormRejectsWithRetryAfter() async throws {
        let clock = ManualClock()
        let admission = AdmissionController(name: "checkout", rate: .perSecond(10), burst: 2, maxConcurrent: nil, clock: clock.asAnyClock)
        #expect(try await admission.admit { 1 } == 1)
        #expect(try await admission.admit { 2 } == 2)
        await #expect(throws: OverloadedError(reason: .admissionRate, name: "checkout", retryAfter: .milliseconds(100))) {
            try await admission.admit { Issue.record("must not run") }
        }
        clock.advance(by: .milliseconds(100))
        #expect(try await admission.admit { 3 } == 3)
    }

    @Test func batchCannotStarveInteractive() async throws {
        let clock = ManualClock()
        let admission = AdmissionController(
            name: "checkout", maxConcurrent: 200,
            classes: [.init("interactive", rate: .perSecond(500), burst: 100), .init("batch", rate: .perSecond(50), burst: 10)],
            clock: clock.asAnyClock)
        var batchAdmitted = 0
        for _ in 0..<1_000 {
            do {
                try admission.tryAdmit(class: "batch").release()
                batchAdmitted += 1
            } catch {}
        }
        #expect(batchAdmitted == 10, "batch is held to its own burst")
        // Interactive still has its whole burst, then its rate.
        for _ in 0..<100 { try admission.tryAdmit(class: "interactive").release() }
        clock.advance(by: .milliseconds(2))
        try admission.tryAdmit().release()  // no class: the first one, interactive
    }

    @Test func unknownClassesUseTheFirst() throws {
        let clock = ManualClock()
        let admission = AdmissionController(
            name: "w", maxConcurrent: nil,
            classes: [.init("interactive", rate: .perSecond(1), burst: 1), .init("batch", rate: .perSecond(1), burst: 1)],
            clock: clock.asAnyClock)
        try admission.tryAdmit(class: "nightly").release()
        #expect(throws: OverloadedError.self) { try admission.tryAdmit(class: "interactive").release() }
        try admission.tryAdmit(class: "batch").release()
    }

    @Test func maxConcurrentHoldsUntilTheCallEnds() async throws {
        let clock = ManualClock()
        let admission = AdmissionController(name: "w", rate: nil, maxConcurrent: 2, clock: clock.asAnyClock)
        let first = try admission.tryAdmit()
        let running = Task { try await admission.admit { try await clock.sleep(until: .ms(10)) } }
        try await clock.waitForSleepers(count: 1)
        #expect(admission.inFlight == 2)
        #expect(throws: OverloadedError(reason: .admissionConcurrency, name: "w")) { try admission.tryAdmit().release() }
        first.release()
        #expect(admission.inFlight == 1)
        do {
            let dropped = try admission.tryAdmit()
            #expect(admission.inFlight == 2)
            _ = dropped
        }
        clock.advance(by: .milliseconds(10))
        try await running.value
        #expect(admission.inFlight == 0, "dropping a permit and finishing a call both release")
    }

    @Test func aConcurrencyRefusalSpendsNoToken() async throws {
        let clock = ManualClock()
        let admission = AdmissionController(name: "w", rate: .perSecond(1), burst: 2, maxConcurrent: 1, clock: clock.asAnyClock)
        let held = try admission.tryAdmit()
        for _ in 0..<5 {
            #expect(throws: OverloadedError(reason: .admissionConcurrency, name: "w")) { try admission.tryAdmit().release() }
        }
        held.release()
        try admission.tryAdmit().release()  // the second token of the burst is still there
    }

    @Test func aFailingCallReleasesItsSlot() async throws {
        let admission = AdmissionController(name: "w", rate: nil, maxConcurrent: 1, clock: ManualClock().asAnyClock)
        await #expect(throws: ScriptedError(.permanent)) { try await admission.admit { throw ScriptedError(.permanent) } }
        #expect(admission.inFlight == 0)
    }

    @Test func refusalsAreClassifiedOverloaded() {
        let error = OverloadedError(reason: .admissionRate, name: "w", retryAfter: .milliseconds(20))
        #expect(ErrorClassifier.standard.classify(error) == ErrorClassification(.overloaded, retryAfter: .milliseconds(20)))
    }
}
