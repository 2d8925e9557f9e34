import Testing
@testable import BatonSpec

/// Wire names (spec-v1 §10): `json` on long-form fields and enum cases, in the model and in the
/// rules `duplicate-name` and `invalid-value`.
@Suite struct WireNameTests {
    /// A spec with the given `types` lines; an operation uses `Order` and an inline input with a
    /// wire name.
    static func spec(types: [String]) -> String {
        (["baton: 1", "name: Shop", "types:"] + types + [
            "services:",
            "  orders:",
            "    operations:",
            "      get:",
            "        input: { orderId: { type: string, json: order_id } }",
            "        output: Order",
            "workflows:",
            "  show:",
            "    input: { id: string }",
            "    output: { order: Order }",
            "    deadline: 1s",
            "    steps:",
            "      o: { call: orders.get, with: { orderId: $input.id } }",
            "    result: { order: $o }",
        ]).joined(separator: "\n")
    }

    static let order = [
        "  Order:",
        "    fields:",
        "      id: string",
        "      placedAt: { type: date, json: placed_at, description: When it was placed. }",
        "      status: Status",
        "  Status:",
        "    enum: [placed, { name: outOfStock, json: OUT_OF_STOCK }, { name: shipped }]",
    ]

    @Test func theModelCarriesWireNames() throws {
        let r = check(Self.spec(types: Self.order))
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics)")
        let spec = try #require(r.spec)
        let order = try #require(spec.type(named: "Order"))
        #expect(order.fields.map(\.name) == ["id", "placedAt", "status"])
        #expect(order.fields.map(\.wireName) == ["id", "placed_at", "status"])
        #expect(order.fields.map(\.hasCustomWireName) == [false, true, false])
        #expect(order.field("placedAt")?.description == "When it was placed.")
        #expect(order.field("placedAt")?.type == .date)
        let status = try #require(spec.type(named: "Status"))
        #expect(status.cases.map(\.name) == ["placed", "outOfStock", "shipped"])
        #expect(status.cases.map(\.wireName) == ["placed", "OUT_OF_STOCK", "shipped"])
        #expect(status.cases[1].location.line == 10 && status.cases[1].location.column == 28)
        // Inline inputs take wire names too.
        let input = try #require(spec.type(named: "OrdersGetInput"))
        #expect(input.fields.map(\.wireName) == ["order_id"])
    }

    @Test func twoFieldsWithTheSameWireName() {
        // The later field's `json` value is reported.
        let yaml = Self.spec(types: ["  Order:", "    placedAt: date", "    placed: { type: date, json: placedAt }"])
        let r = check(yaml)
        #expect(summary(yaml) == ["duplicate-name@6:33"])
        #expect(r.diagnostics.first?.message.contains("'placedAt'") == true)
        // A plain field whose name another field's `json` already took: at the field's name.
        let plain = Self.spec(types: ["  Order:", "    at: { type: date, json: placedAt }", "    placedAt: date"])
        #expect(summary(plain) == ["duplicate-name@6:5"])
        // In an inline input.
        let inline = Self.spec(types: ["  Order: { id: string }"])
            .replacingOccurrences(of: "{ orderId: { type: string, json: order_id } }",
                                  with: "{ orderId: { type: string, json: id }, id: string }")
        #expect(summary(inline).first == "duplicate-name@9:55")
    }

    @Test func twoEnumCasesWithTheSameWireValue() {
        let yaml = Self.spec(types: Self.order.dropLast() + ["    enum: [placed, { name: outOfStock, json: placed }]"])
        #expect(summary(yaml) == ["duplicate-name@10:46"])
        let plain = Self.spec(types: Self.order.dropLast() + ["    enum: [{ name: gone, json: shipped }, shipped]"])
        #expect(summary(plain) == ["duplicate-name@10:43"])
    }

    @Test func jsonMustBeANonEmptyString() {
        let empty = Self.spec(types: ["  Order:", #"    placedAt: { type: date, json: "" }"#])
        #expect(summary(empty) == ["invalid-value@5:35"])
        let list = Self.spec(types: ["  Order:", "    placedAt: { type: date, json: [a] }"])
        #expect(summary(list) == ["invalid-value@5:35"])
        let null = Self.spec(types: ["  Order:", "    placedAt: { type: date, json: }"])
        #expect(summary(null).first == "invalid-value@5:34" || summary(null).first == "invalid-value@5:35")
        let caseEmpty = Self.spec(types: Self.order.dropLast() + [#"    enum: [placed, { name: outOfStock, json: "" }]"#])
        #expect(summary(caseEmpty) == ["invalid-value@10:46"])
    }

    @Test func enumCaseMappingsAreClosed() {
        let yaml = Self.spec(types: Self.order.dropLast() + ["    enum: [placed, { name: outOfStock, jsn: X }]"])
        #expect(summary(yaml) == ["unknown-key@10:40"])
        #expect(check(yaml).diagnostics.first?.suggestion == "did you mean 'json'?")
        let noName = Self.spec(types: Self.order.dropLast() + ["    enum: [placed, { json: X }]"])
        #expect(summary(noName) == ["missing-key@10:20"])
        let badName = Self.spec(types: Self.order.dropLast() + ["    enum: [placed, { name: Out, json: X }]"])
        #expect(summary(badName) == ["invalid-name@10:28"])
    }

    @Test func duplicateCaseNamesStillReported() {
        let yaml = Self.spec(types: Self.order.dropLast() + ["    enum: [placed, { name: placed, json: PLACED }]"])
        #expect(summary(yaml) == ["duplicate-name@10:28"])
    }
}
