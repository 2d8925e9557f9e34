// Hand-written; scripts/check-generated copies this folder into the test target of the code
// generated from numbers.baton.yaml.
//
// Number literals at the edges of their types must reach run time exactly. expected.json holds
// doubles as IEEE 754 bit patterns and decimals as plain decimal text, both computed with Python
// (struct, decimal) from the spec's literals, independently of the checker and generator.

import BatonRuntime
import BatonTesting
import Foundation
import Testing
@testable import Numbers

private struct Expected: Decodable {
    struct Result: Decodable {
        var ints: [Int]
        var doubleBits: [String]
        var decimals: [String]
    }

    var ints: [Int]
    var doubleBits: [String]
    var decimals: [String]
    var oneBits: String
    var result: Result

    static func load() throws -> Expected {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("expected.json")
        return try JSONDecoder().decode(Expected.self, from: Data(contentsOf: file))
    }
}

private func bits(_ value: Double) -> String {
    let hex = String(value.bitPattern, radix: 16, uppercase: true)
    return String(repeating: "0", count: 16 - hex.count) + hex
}

@Suite struct NumbersRuntimeTests {
    @Test func everyNumberArrivesExactly() async throws {
        let expected = try Expected.load()
        let world = NumbersTestWorld()
        let result = try await world.orchestrator.compute(ComputeInput(x: 1))
        let sent = try #require(world.mocks.calc.put.inputs.first)
        #expect(sent.ints == expected.ints)
        #expect(sent.doubles.map(bits) == expected.doubleBits)
        #expect(sent.decimals.map(\.description) == expected.decimals)
        #expect(sent.one.map(bits) == expected.oneBits)
        #expect(result.output.ints == expected.result.ints)
        #expect(result.output.doubles.map(bits) == expected.result.doubleBits)
        #expect(result.output.decimals.map(\.description) == expected.result.decimals)
        await world.orchestrator.shutdown()
    }
}
