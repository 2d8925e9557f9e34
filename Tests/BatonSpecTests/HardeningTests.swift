import Foundation
import Testing
@testable import BatonSpec

/// Inputs that try to exhaust or crash the loader are refused with one located diagnostic
/// (issue item 7). Times are printed, never asserted.
@Suite struct HardeningTests {
    func timed(_ label: String, _ source: SpecSource) -> CheckResult {
        let clock = ContinuousClock()
        var result: CheckResult?
        let elapsed = clock.measure { result = SpecChecker.check(source) }
        print("[hardening] \(label): \(elapsed)")
        return result!
    }

    func only(_ r: CheckResult) -> String? {
        guard r.diagnostics.count == 1, let d = r.diagnostics.first else { return nil }
        return "\(d.rule.id)@\(d.location.line):\(d.location.column)"
    }

    @Test func fileOverTenMebibytesIsRefused() {
        let line = Array("# padding padding padding padding padding padding padding padding\n".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(10 * 1024 * 1024 + line.count)
        while bytes.count <= 10 * 1024 * 1024 { bytes += line }
        let r = timed("11 MiB file", SpecSource(path: "big.baton.yaml", bytes: bytes))
        #expect(only(r) == "invalid-value@1:1")
        #expect(r.diagnostics.first?.message.contains("10 MiB") == true)
        #expect(r.spec == nil)
    }

    @Test func deepNestingIsRefused() {
        // 100,000 nested flow lists. libyaml's scanner looks ahead in flow context and stops at
        // its own limit before our depth check runs; both become the same refusal.
        let text = "baton: " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let r = timed("100k-deep nesting", SpecSource(path: "deep.baton.yaml", text: text))
        #expect(r.diagnostics.count == 1)
        #expect(r.diagnostics.first?.rule == .invalidValue)
        #expect(r.diagnostics.first?.location.line == 1)
        #expect(r.diagnostics.first?.message.contains("deeper than 64") == true)
    }

    @Test func deepBlockNestingIsRefused() {
        var text = ""
        for depth in 0..<200 { text += String(repeating: " ", count: depth) + "k\(depth):\n" }
        let r = timed("200-deep block nesting", SpecSource(path: "deep.baton.yaml", text: text))
        #expect(only(r) == "invalid-value@65:65")
    }

    @Test func nestingOf64IsAccepted() {
        let text = "baton: " + String(repeating: "[", count: 63) + String(repeating: "]", count: 63)
        let (root, diagnostics) = SpecChecker.load(SpecSource(path: "t.baton.yaml", text: text))
        #expect(root != nil)
        #expect(diagnostics.isEmpty)
    }

    @Test func aliasBombIsRefused() {
        // "Billion laughs": each level lists the previous one nine times.
        var text = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for i in 1...9 {
            text += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 9).joined(separator: ", ") + "]\n"
        }
        let r = timed("alias bomb", SpecSource(path: "bomb.baton.yaml", text: text))
        #expect(r.diagnostics.count == 1)
        #expect(r.diagnostics.first?.rule == .invalidValue)
        #expect(r.diagnostics.first?.message.contains("YAML nodes") == true)
        // The expansion crosses the node cap at level 5 (9^5 nodes).
        #expect(r.diagnostics.first?.location.line == 6)
    }

    @Test func manyAliasesAreRefused() {
        var text = "x: &x 1\nlist: ["
        text += Array(repeating: "*x", count: 2000).joined(separator: ", ") + "]\n"
        let r = timed("2000 aliases", SpecSource(path: "aliases.baton.yaml", text: text))
        #expect(r.diagnostics.count == 1)
        #expect(r.diagnostics.first?.message.contains("aliases") == true)
    }

    @Test func hundredThousandKeysAreRefused() {
        var text = "baton: 1\nbig:\n"
        for i in 0..<100_000 { text += "  k\(i): \(i)\n" }
        let r = timed("100k keys", SpecSource(path: "keys.baton.yaml", text: text))
        #expect(r.diagnostics.count == 1)
        #expect(r.diagnostics.first?.rule == .invalidValue)
        #expect(r.diagnostics.first?.message.contains("more than") == true)
    }

    @Test func binaryGarbageIsRefused() {
        var generator = SplitMix64(seed: 42)
        let bytes = (0..<4096).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let r = timed("binary garbage", SpecSource(path: "garbage.baton.yaml", bytes: bytes))
        #expect(r.diagnostics.count == 1)
        #expect(r.diagnostics.first?.rule == .yamlSyntax)
        #expect(r.spec == nil)
    }

    @Test func invalidUTF8IsLocated() {
        let bytes = Array("baton: 1\nname: Sh".utf8) + [0xFF, 0xFE] + Array("op\n".utf8)
        let r = SpecChecker.check(SpecSource(path: "t.baton.yaml", bytes: bytes))
        #expect(only(r) == "yaml-syntax@2:9")
        #expect(r.diagnostics.first?.message.contains("UTF-8") == true)
    }

    @Test func overlongAndSurrogateEncodingsAreRejected() {
        for bad: [UInt8] in [[0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]] {
            let r = SpecChecker.check(SpecSource(path: "t.baton.yaml", bytes: Array("a: ".utf8) + bad))
            #expect(only(r) == "yaml-syntax@1:4")
        }
    }

    @Test func utf16IsRefused() {
        let text = "baton: 1\nname: Shop\n"
        let le: [UInt8] = [0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let beNoBOM: [UInt8] = text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        for bytes in [le, beNoBOM] {
            let r = SpecChecker.check(SpecSource(path: "t.baton.yaml", bytes: bytes))
            #expect(only(r) == "yaml-syntax@1:1")
            #expect(r.diagnostics.first?.message.contains("UTF-16") == true)
        }
    }

    @Test func utf8ByteOrderMarkIsAccepted() {
        let r = SpecChecker.check(SpecSource(path: "t.baton.yaml", bytes: [0xEF, 0xBB, 0xBF] + Array(RuleTests.valid.utf8)))
        #expect(r.diagnostics.isEmpty)
    }

    @Test func columnsCountUnicodeScalars() {
        // "é" is two bytes but one column; the unknown key starts at column 17.
        let yaml = RuleTests.valid.replacingOccurrences(of: "name: Shop", with: "name: Shop\ndescription: é\nxtra: 1")
        #expect(summary(yaml) == ["unknown-key@4:1"])
        let yaml2 = RuleTests.valid.replacingOccurrences(of: "deadline: 1s", with: "deadline: 1s\n    description: \"héllo\"\n    x: 1")
        #expect(summary(yaml2) == ["unknown-key@15:5"])
        let yaml3 = RuleTests.valid.replacingOccurrences(of: "input: { id: string }\n    output", with: "input: { id: string, é: int }\n    output")
        #expect(summary(yaml3).first == "invalid-name@11:26")
    }

    @Test func multipleDocumentsAreRejected() {
        let r = SpecChecker.check(SpecSource(path: "t.baton.yaml", text: RuleTests.valid + "\n---\nbaton: 1\n"))
        #expect(only(r) == "yaml-syntax@19:1")  // the `---` line
    }

    @Test func emptyAndScalarDocuments() {
        #expect(summary("") == ["missing-key@1:1"])
        #expect(summary("# only a comment\n") == ["missing-key@1:1"])
        #expect(summary("just text") == ["invalid-value@1:1"])
        #expect(summary("- a\n- b\n") == ["invalid-value@1:1"])
    }

    @Test func randomMutationsNeverCrash() {
        // Cheap fuzzing: flip, drop and duplicate bytes of a valid spec; every result must be
        // a set of located diagnostics (or none).
        let base = Array(RuleTests.valid.utf8)
        var generator = SplitMix64(seed: 7)
        for _ in 0..<500 {
            var bytes = base
            for _ in 0..<(1 + Int(generator.next() % 4)) {
                let i = Int(generator.next() % UInt64(bytes.count))
                switch generator.next() % 3 {
                case 0:
                    let specials = Array("{}[]:,-&*!|>'\"%@` \n$.#?".utf8)
                    bytes[i] = specials[Int(generator.next() % UInt64(specials.count))]
                case 1: bytes.remove(at: i)
                default: bytes.insert(bytes[i], at: i)
                }
                if bytes.isEmpty { bytes = base }
            }
            let r = SpecChecker.check(SpecSource(path: "f.baton.yaml", bytes: bytes))
            for d in r.diagnostics {
                #expect(d.location.line >= 1 && d.location.column >= 1)
            }
        }
    }
}

/// A tiny deterministic generator (no global randomness in tests).
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
