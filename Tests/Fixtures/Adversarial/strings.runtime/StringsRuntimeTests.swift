// Hand-written; scripts/check-generated copies this folder into the test target of the code
// generated from strings.baton.yaml, next to the generated mocks and tests.
//
// Every string literal of the spec must reach run time byte for byte: in step requests (`with`),
// workflow results, fallback values, `when` comparisons and endpoint descriptions. The expected
// values come from expected.json, pure ASCII with \u escapes, written with the spec by
// make-strings.py: they pass through neither libyaml, nor the checker, nor the generator.

import BatonRuntime
import BatonTesting
import Foundation
import Testing
@testable import Strings

/// The strings the spec holds, as make-strings.py wrote them.
private struct Expected: Decodable {
    struct Step: Decodable {
        var step: String
        var text: String
    }

    struct Output: Decodable {
        var text: String
        var list: [String]
        var table: [String: String]
    }

    struct EndpointText: Decodable {
        var url: String
        var region: String
        var variant: String
    }

    var steps: [Step]
    var list: [String]
    var table: [String: String]
    var output: Output
    var fallback: String
    var mode: String
    var endpoint: EndpointText

    static func load() throws -> Expected {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("expected.json")
        return try JSONDecoder().decode(Expected.self, from: Data(contentsOf: file))
    }
}

/// UTF-8 bytes: `String ==` compares canonical equivalence ("é" equals "e\u{301}"), not bytes.
private func bytes(_ text: String?) -> [UInt8]? {
    text.map { Array($0.utf8) }
}

/// A table as (key bytes, value bytes) pairs in byte order of the keys.
private func bytes(_ table: [String: String]?) -> [[UInt8]]? {
    table.map { table in
        table.map { (Array($0.key.utf8), Array($0.value.utf8)) }
            .sorted { $0.0.lexicographicallyPrecedes($1.0) }
            .flatMap { [$0.0, $0.1] }
    }
}

@Suite struct StringsRuntimeTests {
    @Test func everyRequestCarriesItsStringByteForByte() async throws {
        let expected = try Expected.load()
        let world = StringsTestWorld()
        _ = try await world.orchestrator.speak(SpeakInput(mode: expected.mode))
        let calls = world.mocks.echo.say.calls
        let inputs = world.mocks.echo.say.inputs
        // The steps run one after another (`after`), so calls come in spec order.
        let stepNames = calls.map(\.context.step)
        #expect(stepNames == expected.steps.map(\.step) + ["lists", "chosen"])
        try #require(inputs.count == expected.steps.count + 2)
        for (index, step) in expected.steps.enumerated() {
            #expect(bytes(inputs[index].text) == bytes(step.text), "step \(step.step)")
            #expect(inputs[index].list == nil && inputs[index].table == nil, "step \(step.step)")
        }
        let lists = inputs[expected.steps.count]
        #expect(lists.list?.map { Array($0.utf8) } == expected.list.map { Array($0.utf8) })
        #expect(bytes(lists.table) == bytes(expected.table))
        await world.orchestrator.shutdown()
    }

    @Test func theResultKeepsEveryByte() async throws {
        let expected = try Expected.load()
        let world = StringsTestWorld()
        let result = try await world.orchestrator.speak(SpeakInput(mode: expected.mode))
        #expect(result.output.text.utf8.count == expected.output.text.utf8.count)
        #expect(bytes(result.output.text) == bytes(expected.output.text))
        #expect(result.output.list?.map { Array($0.utf8) } == expected.output.list.map { Array($0.utf8) })
        #expect(bytes(result.output.table) == bytes(expected.output.table))
        await world.orchestrator.shutdown()
    }

    @Test func aFallbackValueKeepsEveryByte() async throws {
        let expected = try Expected.load()
        let world = StringsTestWorld(scripts: ["echo.say": .fail(BatonTesting.ScriptedError(.permanent))])
        let result = try await world.orchestrator.fallBack(FallBackInput(mode: expected.mode))
        #expect(result.report[step: "failing"]?.outcome == .fallback)
        #expect(bytes(result.output.text) == bytes(expected.fallback))
        #expect(result.output.list?.map { Array($0.utf8) } == [Array(expected.fallback.utf8)])
        #expect(bytes(result.output.table) == bytes([expected.fallback: expected.fallback]))
        await world.orchestrator.shutdown()
    }

    @Test func aWhenComparisonMatchesTheExactText() async throws {
        let expected = try Expected.load()
        for (mode, runs) in [(expected.mode, true), (expected.mode + " ", false), (String(expected.mode.dropLast()), false)] {
            let world = StringsTestWorld()
            let result = try await world.orchestrator.speak(SpeakInput(mode: mode))
            #expect(world.mocks.echo.say.calls.contains { $0.context.step == "chosen" } == runs, "mode \(mode.debugDescription)")
            #expect(result.report[step: "chosen"]?.outcome == (runs ? .succeeded : .skipped))
            await world.orchestrator.shutdown()
        }
    }

    @Test func endpointDescriptionsKeepEveryByte() async throws {
        let expected = try Expected.load()
        let world = StringsTestWorld()
        _ = try await world.orchestrator.speak(SpeakInput(mode: expected.mode))
        let endpoint = try #require(world.mocks.relay.pass.calls.first?.context.endpoint)
        #expect(bytes(endpoint.url) == bytes(expected.endpoint.url))
        #expect(bytes(endpoint.region) == bytes(expected.endpoint.region))
        #expect(bytes(endpoint.variant) == bytes(expected.endpoint.variant))
        await world.orchestrator.shutdown()
    }
}
