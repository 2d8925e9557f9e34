@testable import baton
import Foundation
import Testing

/// `baton dashboard`: a Grafana dashboard of the workflows (promtool checks its queries in
/// scripts/check-alerts).
@Suite struct DashboardCommandTests {
    func dashboard(_ paths: [String]) throws -> [String: Any] {
        let text = try DashboardCommand.parse(paths).render()
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func oneRowPerWorkflowAndABudgetPanelOnlyWithSLO() throws {
        let json = try dashboard([packageRoot + "/Tests/Fixtures/Alerts/slo.baton.yaml"])
        #expect(json["title"] as? String == "Baton: Shop")
        #expect(json["uid"] as? String == "baton-shop")
        let panels = try #require(json["panels"] as? [[String: Any]])
        let rows = panels.filter { $0["type"] as? String == "row" }.compactMap { $0["title"] as? String }
        #expect(rows == ["Shop · pay", "Shop · browse"])
        let titles = panels.compactMap { $0["title"] as? String }
        #expect(titles == [
            "Shop · pay", "Runs per second by outcome", "Error ratio (runs without output)", "Latency of runs with output",
            "Error budget left over 28d",
            "Shop · browse", "Runs per second by outcome", "Error ratio (runs without output)", "Latency of runs with output",
        ])
        let budget = try #require(panels.first { $0["title"] as? String == "Error budget left over 28d" })
        let exprs = try #require(budget["targets"] as? [[String: Any]]).compactMap { $0["expr"] as? String }
        #expect(exprs.count == 2)
        #expect(exprs[0].hasSuffix("/ 0.01") && exprs[0].contains("[28d]"))
        #expect(exprs[1].contains(#"le=~"0[.]30*""#))
        let latency = try #require(panels.first { $0["title"] as? String == "Latency of runs with output" })
        let quantiles = try #require(latency["targets"] as? [[String: Any]]).compactMap { $0["legendFormat"] as? String }
        #expect(quantiles == ["p50", "p90", "p99"])
        let ids = panels.compactMap { $0["id"] as? Int }
        #expect(Set(ids).count == panels.count, "panel ids are unique")
    }

    @Test func deterministic() throws {
        let path = packageRoot + "/specs/checkout.baton.yaml"
        #expect(try DashboardCommand.parse([path]).render() == DashboardCommand.parse([path]).render())
    }
}
