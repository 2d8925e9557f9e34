@testable import BatonGenerator
import BatonSpec
import Testing

/// What hostile names and edge literals generate (scripts/check-generated compiles and runs the
/// full adversarial specs in Tests/Fixtures/Adversarial; these pin the mechanisms).
@Suite struct AdversarialGenerationTests {
    static let spec = """
        baton: 1
        name: Shop
        types:
          Date: { at: date }
          Task: { id: string }
        services:
          self:
            operations:
              clock: { input: { x: int }, output: Date }
          caches:
            operations:
              self: { input: { x: int }, output: Task }
        workflows:
          run:
            input: { x: int }
            output: { tiny: double, when: Date }
            deadline: 1s
            steps:
              a: { call: self.clock, with: { x: $input.x } }
              b: { call: caches.self, with: { x: $input.x } }
            result: { tiny: 5e-324, when: $a }
        """

    func file(_ suffix: String) throws -> String {
        let code = try generate(resolve(Self.spec), options: GeneratorOptions(testedModule: "Shop"))
        return try #require((code.sources + code.tests).first { $0.name.hasSuffix(suffix) }).contents
    }

    @Test func servicesNamedLikeTheInitialisersOwnNamesGetInternalNames() throws {
        let orchestrator = try file(".Orchestrator.swift")
        #expect(orchestrator.contains("        self self_: any SelfService,\n"))
        #expect(orchestrator.contains("        caches caches_: any CachesService,\n"))
        #expect(orchestrator.contains("Services(self: self_, caches: caches_)"))
    }

    @Test func mockOperationsNamedClockOrSelfGetInternalNames() throws {
        let mocks = try file(".Mocks.swift")
        #expect(mocks.contains("clock clock_: [BatonTesting.ScriptedCall<Date>.Behaviour]"))
        #expect(mocks.contains("BatonTesting.MockOperation(clock: clock, name: \"self.clock\", clock_)"))
        #expect(mocks.contains("self self_: [BatonTesting.ScriptedCall<Task>.Behaviour]"))
    }

    @Test func generatedTestsImportEachSpecTypeByName() throws {
        for suffix in [".Mocks.swift", ".Tests.swift"] {
            let text = try file(suffix)
            #expect(text.contains("@testable import Shop\n@testable import struct Shop.Date\n@testable import struct Shop.Task\n"))
        }
    }

    @Test func noGeneratedCodeSaysSelfOrAnUnqualifiedTask() throws {
        for suffix in [".Types.swift", ".Services.swift", ".Orchestrator.swift", ".Mocks.swift", ".Tests.swift"] {
            let text = try file(suffix)
            #expect(!text.contains("Self."), "\(suffix)")
            #expect(!text.contains("= Task {"), "\(suffix)")
        }
    }

    @Test func subnormalDoublesAreWrittenAsBitPatterns() throws {
        #expect(try file(".Orchestrator.swift").contains("Swift.Double(bitPattern: 0x1)"))
    }
}
