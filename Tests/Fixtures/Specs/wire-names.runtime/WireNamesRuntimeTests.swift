// Hand-written; scripts/check-generated copies this folder into the test target of the code
// generated from wire-names.baton.yaml.
//
// Fields and enum cases with `json` names (spec-v1 §10) travel under those names, in records with
// synthesized coding (CodingKeys only), with explicit coding (dates) and with boxed storage, while
// Swift code keeps the spec's names.

import Foundation
import Testing
@testable import WireNames

@Suite struct WireNamesRuntimeTests {
    static let placed = Date(timeIntervalSince1970: 1_700_000_000)

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try #require(String(data: encoder.encode(value), encoding: .utf8))
    }

    @Test func enumCasesUseTheirWireValues() throws {
        #expect(OrderStatus.placed.rawValue == "placed")
        #expect(OrderStatus.outOfStock.rawValue == "OUT_OF_STOCK")
        #expect(OrderStatus.shipped.rawValue == "shipped-2")
        #expect(try Self.json([OrderStatus.outOfStock, .shipped, .placed]) == #"["OUT_OF_STOCK","shipped-2","placed"]"#)
        #expect(try JSONDecoder().decode([OrderStatus].self, from: Data(#"["shipped-2","OUT_OF_STOCK"]"#.utf8)) == [.shipped, .outOfStock])
        // The spec name of a renamed case is not accepted on the wire.
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(OrderStatus.self, from: Data(#""outOfStock""#.utf8)) }
    }

    @Test func synthesizedCodingUsesWireNames() throws {
        let money = Money(amount: 12, currency: "EUR")
        #expect(try Self.json(money) == #"{"amount":12,"currency_code":"EUR"}"#)
        #expect(try JSONDecoder().decode(Money.self, from: Data(#"{"currency_code":"EUR","amount":12}"#.utf8)) == money)
        let input = OrdersGetInput(orderId: "o-1", status: .outOfStock)
        #expect(try Self.json(input) == #"{"order_id":"o-1","status":"OUT_OF_STOCK"}"#)
        #expect(try Self.json(OrdersGetInput(orderId: "o-2")) == #"{"order_id":"o-2"}"#)
    }

    @Test func explicitCodingWithDatesUsesWireNames() throws {
        let order = Order(id: "o-1", status: .shipped, total: Money(amount: 5, currency: "USD"), placedAt: Self.placed,
                          note: #"say "hi" \ there"#, default: true)
        let text = try Self.json(order)
        #expect(text == #"{"is_default":true,"note \"quoted\" \\ here":"say \"hi\" \\ there","order_id":"o-1","#
            + #""placed_at":"2023-11-14T22:13:20.000Z","status":"shipped-2","total":{"amount":5,"currency_code":"USD"}}"#)
        #expect(try JSONDecoder().decode(Order.self, from: Data(text.utf8)) == order)
        let wire = #"{"order_id":"o-2","status":"placed","total":{"amount":1,"currency_code":"EUR"},"#
            + #""placed_at":"2023-11-14T22:13:20Z","shipped_at":"2023-11-15T08:00:00Z"}"#
        let decoded = try JSONDecoder().decode(Order.self, from: Data(wire.utf8))
        #expect(decoded.id == "o-2")
        #expect(decoded.placedAt == Self.placed)
        #expect(decoded.shippedAt != nil)
        #expect(decoded.default == nil)
        // Spec names are not wire names.
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Order.self, from: Data(wire.replacingOccurrences(of: "order_id", with: "id").utf8))
        }
    }

    @Test func boxedRecordsUseWireNames() throws {
        let folder = Folder(name: "docs", parent: Folder(name: "home", createdAt: Self.placed), createdAt: Self.placed)
        let text = try Self.json(folder)
        #expect(text == #"{"created_at":"2023-11-14T22:13:20.000Z","folder_name":"docs","#
            + #""parent_folder":{"created_at":"2023-11-14T22:13:20.000Z","folder_name":"home"}}"#)
        #expect(try JSONDecoder().decode(Folder.self, from: Data(text.utf8)) == folder)
    }
}
