import Foundation
import Testing
@testable import BatonSpec

@Suite struct ExampleSpecTests {
    static let names = ["checkout.baton.yaml", "courier-dispatch.baton.yaml", "product-page.baton.yaml", "travel-booking.baton.yaml"]

    @Test(arguments: names)
    func exampleLintsClean(_ name: String) throws {
        let result = SpecChecker.check(try exampleSpec(name))
        for d in result.diagnostics {
            print("\(d.location.file):\(d.location.line):\(d.location.column): \(d.severity): \(d.message) [\(d.rule.id)]")
        }
        #expect(result.diagnostics.isEmpty)
        #expect(result.spec != nil)
    }
}
