// Hand-written; scripts/check-generated copies this folder into the test target of the code
// generated from recursive-records.baton.yaml.
//
// Records on an optional cycle are stored in a box: they must still behave as values (a copy
// changed later leaves the original alone), compare and hash by content, and travel as the same
// JSON as any record (dates in RFC 3339).

import Foundation
import Testing
@testable import RecursiveRecords

@Suite struct RecursiveRecordsRuntimeTests {
    let paris = Location(name: "Paris", within: Location(name: "France", within: Location(name: "Europe")))

    @Test func aChangedCopyLeavesTheOriginalAlone() {
        var copy = paris
        copy.within?.name = "Île-de-France"
        copy.name = "Paris 1er"
        #expect(paris.name == "Paris")
        #expect(paris.within?.name == "France")
        #expect(copy.within?.name == "Île-de-France")
        #expect(copy.within?.within?.name == "Europe")
    }

    @Test func equalityAndHashingFollowTheContent() {
        let rebuilt = Location(name: "Paris", within: Location(name: "France", within: Location(name: "Europe")))
        #expect(rebuilt == paris)
        #expect(rebuilt.hashValue == paris.hashValue)
        #expect(Set([rebuilt, paris]).count == 1)
        #expect(Location(name: "Paris", within: Location(name: "Spain")) != paris)
        #expect(Location(name: "Paris") != paris)
    }

    @Test func jsonIsThatOfAPlainRecord() throws {
        var mapped = paris
        mapped.mappedAt = Date(timeIntervalSince1970: 1_700_000_000)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try #require(String(data: encoder.encode(mapped), encoding: .utf8))
        #expect(json == #"{"mappedAt":"2023-11-14T22:13:20.000Z","name":"Paris","within":{"name":"France","within":{"name":"Europe"}}}"#)
        #expect(try JSONDecoder().decode(Location.self, from: Data(json.utf8)) == mapped)
    }

    @Test func mutuallyRecursiveRecordsNestAndDecode() throws {
        let team = Team(name: "core", lead: Person(name: "Ada", manager: Team(name: "board", members: [])), members: [Person(name: "Bob")])
        let decoded = try JSONDecoder().decode(Team.self, from: JSONEncoder().encode(team))
        #expect(decoded == team)
        #expect(decoded.lead?.manager?.name == "board")
        let tree = Category(name: "root", children: [Category(name: "leaf", children: [])], parent: nil)
        #expect(try JSONDecoder().decode(Category.self, from: JSONEncoder().encode(tree)) == tree)
    }
}
