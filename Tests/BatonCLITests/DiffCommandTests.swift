import BatonDiff
import Foundation
import Testing

/// `baton diff` end to end: the executable on files, directories and `REV:path` read through git;
/// every format; `--fail-on`; exit statuses (spec-v1 §15).
@Suite struct DiffCommandTests {
    /// OLD: a workflow with an optional step, an enum in its output and a 500ms deadline.
    static let old = """
        baton: 1
        name: Shop
        types:
          Level: { enum: [high, low] }
        services:
          orders:
            timeout: 100ms
            operations:
              get: { input: { id: string }, output: { id: string, total: decimal, level: Level } }
        workflows:
          show:
            input: { id: string }
            output: { id: string, total: decimal, level: Level? }
            deadline: 500ms
            steps:
              order: { call: orders.get, with: { id: $input.id } }
              extra:
                call: orders.get
                with: { id: $order.id }
                optional: true
            result: { id: $order.id, total: $order.total, level: $extra.level }

        """

    /// NEW: one breaking change (total becomes a double), one dangerous (a shorter deadline), one
    /// safe (a new workflow).
    static let new = old
        .replacingOccurrences(of: "total: decimal", with: "total: double")
        .replacingOccurrences(of: "deadline: 500ms", with: "deadline: 400ms")
        + """
          ping:
            input: { id: string }
            output: { id: string }
            deadline: 100ms
            steps:
              order: { call: orders.get, with: { id: $input.id } }
            result: { id: $order.id }

        """

    static func lineNumber(of fragment: String, in text: String) -> Int {
        (text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(fragment) } ?? -1) + 1
    }

    @Test func textIsLikeLintsAndBreakingChangesFailTheRun() async throws {
        let directory = try SpecDirectory(["old.baton.yaml": Self.old, "new.baton.yaml": Self.new])
        let run = try await runBaton(["diff", "old.baton.yaml", "new.baton.yaml"], in: directory.path)
        #expect(run.status == 1)
        let headers = run.stdout.split(separator: "\n").filter { $0.hasSuffix("]") }.map(String.init)
        let totals = Self.lineNumber(of: "total: double", in: Self.new)
        #expect(headers == [
            "new.baton.yaml:\(totals):59: breaking: operation 'orders.get': output field 'total' changed type from decimal to double [field-type-changed]",
            "new.baton.yaml:\(totals + 4):27: breaking: workflow 'show': output field 'total' changed type from decimal to double [field-type-changed]",
            "new.baton.yaml:\(totals + 5):5: dangerous: workflow 'show': deadline decreased from 500ms to 400ms [deadline-decreased]",
            "new.baton.yaml:\(Self.lineNumber(of: "  ping:", in: Self.new)):3: safe: workflow 'ping' added [workflow-added]",
        ])
        #expect(run.stdout.contains("    deadline: 400ms\n    ^\n"))
        #expect(run.stdout.hasSuffix("1 spec compared: 4 changes (2 breaking, 1 dangerous, 1 safe).\n"))
        #expect(run.stderr.isEmpty)
    }

    @Test func failOnDecidesTheExitStatus() async throws {
        let onlyDangerous = Self.old.replacingOccurrences(of: "deadline: 500ms", with: "deadline: 400ms")
        let directory = try SpecDirectory(["old.baton.yaml": Self.old, "new.baton.yaml": Self.new,
                                           "dangerous.baton.yaml": onlyDangerous])
        func status(_ arguments: [String]) async throws -> Int32 { try await runBaton(["diff"] + arguments, in: directory.path).status }
        #expect(try await status(["old.baton.yaml", "new.baton.yaml", "--fail-on", "none"]) == 0)
        #expect(try await status(["old.baton.yaml", "new.baton.yaml", "--fail-on", "breaking"]) == 1)
        #expect(try await status(["old.baton.yaml", "dangerous.baton.yaml"]) == 0)
        #expect(try await status(["old.baton.yaml", "dangerous.baton.yaml", "--fail-on", "breaking"]) == 0)
        #expect(try await status(["old.baton.yaml", "dangerous.baton.yaml", "--fail-on", "dangerous"]) == 1)
        #expect(try await status(["old.baton.yaml", "old.baton.yaml", "--fail-on", "dangerous"]) == 0)
        #expect(try await status(["old.baton.yaml", "new.baton.yaml", "--fail-on", "safe"]) == 2)
        let same = try await runBaton(["diff", "old.baton.yaml", "old.baton.yaml"], in: directory.path)
        #expect(same.stdout == "1 spec compared, no changes.\n")
    }

    @Test func jsonHasTheShapeOfTheSpecSortedByFilePosition() async throws {
        let directory = try SpecDirectory(["old.baton.yaml": Self.old,
                                           "new.baton.yaml": Self.new.replacingOccurrences(of: "optional: true", with: "optional: false")])
        let run = try await runBaton(["diff", "--format", "json", "old.baton.yaml", "new.baton.yaml"], in: directory.path)
        #expect(run.status == 1)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(Array(document.keys) == ["changes"])
        let changes = try #require(document["changes"] as? [[String: Any]])
        #expect(changes.count == 5)
        for change in changes {
            #expect(Set(change.keys) == ["id", "severity", "path", "message", "file", "line"])
        }
        let positions = changes.map { ($0["file"] as? String ?? "", $0["line"] as? Int ?? 0) }
        #expect(positions.map(\.1) == positions.map(\.1).sorted())
        let step = try #require(changes.first { $0["id"] as? String == "step-became-required" })
        #expect(step["severity"] as? String == "dangerous")
        #expect(step["path"] as? String == "workflows.show.steps.extra.optional")
        #expect(step["file"] as? String == "new.baton.yaml")
        #expect(step["line"] as? Int == Self.lineNumber(of: "optional: false", in: Self.new.replacingOccurrences(of: "optional: true", with: "optional: false")))
        #expect(step["message"] as? String == "workflow 'show': step 'extra' is no longer optional: its failure now fails the run")
    }

    @Test func markdownIsATableForAPullRequestComment() async throws {
        let directory = try SpecDirectory(["old.baton.yaml": Self.old, "new.baton.yaml": Self.new])
        let run = try await runBaton(["diff", "--format", "markdown", "old.baton.yaml", "new.baton.yaml"], in: directory.path)
        #expect(run.status == 1)
        let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "### baton diff: 2 breaking, 1 dangerous, 1 safe")
        #expect(lines[2] == "| severity | change | id | where |")
        #expect(lines[3] == "|---|---|---|---|")
        #expect(lines[7] == "| safe | workflow 'ping' added | `workflow-added` | `new.baton.yaml:\(Self.lineNumber(of: "  ping:", in: Self.new))` |")
        #expect(lines[4].hasPrefix("| **breaking** | operation 'orders.get': output field 'total' changed type"))
        let none = try await runBaton(["diff", "--format", "markdown", "old.baton.yaml", "old.baton.yaml"], in: directory.path)
        #expect(none.stdout == "### baton diff: no changes\n\n1 spec compared.\n")
    }

    @Test func githubAnnotatesNewAndPutsRemovalsAtWhatIsLeft() async throws {
        let new = Self.old.replacingOccurrences(of: "enum: [high, low]", with: "enum: [high]")
            .replacingOccurrences(of: "deadline: 500ms", with: "deadline: 400ms")
        let directory = try SpecDirectory(["old.baton.yaml": Self.old, "new.baton.yaml": new])
        let run = try await runBaton(["diff", "--format", "github", "old.baton.yaml", "new.baton.yaml"], in: directory.path)
        #expect(run.status == 1)
        let level = Self.lineNumber(of: "Level:", in: new)
        #expect(run.stdout == """
            ::warning file=new.baton.yaml,line=\(Self.lineNumber(of: "deadline:", in: new)),col=5,title=baton diff deadline-decreased::workflow 'show': deadline decreased from 500ms to 400ms
            ::error file=new.baton.yaml,line=\(level),col=3,title=baton diff enum-case-removed::enum 'Level': case 'low' removed (was at old.baton.yaml:\(level))

            """)
    }

    @Test func directoriesAreMatchedByFileName() async throws {
        let directory = try SpecDirectory([
            "v1/shop.baton.yaml": Self.old, "v1/gone.baton.yaml": Self.old,
            "v2/nested/shop.baton.yaml": Self.new, "v2/fresh.baton.yml": Self.old,
        ])
        let run = try await runBaton(["diff", "--format", "json", "--fail-on", "none", "v1", "v2"], in: directory.path)
        #expect(run.status == 0, "\(run.stderr)")
        let changes = try #require((try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])?["changes"] as? [[String: Any]])
        let found = changes.map { "\($0["id"] as? String ?? "")@\($0["file"] as? String ?? "")" }
        #expect(found == [
            "workflow-removed@v1/gone.baton.yaml",
            "workflow-added@v2/fresh.baton.yml",
            "field-type-changed@v2/nested/shop.baton.yaml",
            "field-type-changed@v2/nested/shop.baton.yaml",
            "deadline-decreased@v2/nested/shop.baton.yaml",
            "workflow-added@v2/nested/shop.baton.yaml",
        ])
        let text = try await runBaton(["diff", "--fail-on", "none", "v1", "v2"], in: directory.path)
        #expect(text.stdout.hasSuffix("3 specs compared: 6 changes (3 breaking, 1 dangerous, 2 safe).\n"))
    }

    /// spec-v1 §12 and §15: an OpenAPI document that changes under an unchanged spec is reported
    /// through the spec that imports it; a spec read from git reads its documents at the same
    /// revision.
    @Test func aChangedOpenAPIDocumentIsReportedThroughTheImportingSpec() async throws {
        let document = """
            openapi: 3.1.0
            info: { title: Pricing, version: "1" }
            servers: [{ url: "http://pricing:8080" }]
            paths:
              /quotes/{id}:
                get:
                  operationId: getQuote
                  parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
                  responses:
                    "200":
                      description: ok
                      content: { application/json: { schema: { $ref: "#/components/schemas/Quote" } } }
            components:
              schemas:
                Quote:
                  type: object
                  required: [total]
                  properties:
                    total: { type: integer }
                    currency: { type: string }

            """
        let spec = """
            baton: 1
            name: Shop
            services:
              pricing:
                openapi: contracts/pricing.yaml
                operations:
                  getQuote: {}
            workflows:
              show:
                input: { id: string }
                output: { total: int }
                deadline: 1s
                steps:
                  q: { call: pricing.getQuote, with: { id: $input.id } }
                result: { total: $q.total }

            """
        let directory = try SpecDirectory(["specs/shop.baton.yaml": spec, "specs/contracts/pricing.yaml": document])
        try git(["init", "-q", "-b", "main"], in: directory.path)
        try git(["add", "."], in: directory.path)
        try git(["-c", "user.name=Baton", "-c", "user.email=baton@example.com", "commit", "-q", "-m", "one"], in: directory.path)
        // The pricing team moves the operation under /v2 and makes `currency` a number; the spec
        // is unchanged (and still lints clean: it does not read `currency`).
        let changed = document.replacingOccurrences(of: "/quotes/{id}:", with: "/v2/quotes/{id}:")
            .replacingOccurrences(of: "currency: { type: string }", with: "currency: { type: number }")
        #expect(changed != document)
        try changed.write(toFile: directory.file("specs/contracts/pricing.yaml"), atomically: true, encoding: .utf8)

        let run = try await runBaton(["diff", "--format", "json", "main:specs/shop.baton.yaml", "specs/shop.baton.yaml"], in: directory.path)
        #expect(run.status == 1, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let changes = try #require(object["changes"] as? [[String: Any]])
        #expect(changes.compactMap { $0["id"] as? String }.sorted() == ["field-type-changed", "operation-http-changed"])
        let text = try await runBaton(["diff", "--fail-on", "none", "main:specs/shop.baton.yaml", "specs/shop.baton.yaml"], in: directory.path)
        // Each change is located in the document, where it was made, and counted for the spec.
        #expect(text.stdout.contains("specs/contracts/pricing.yaml:6:5: breaking: operation 'pricing.getQuote': HTTP binding changed from GET /quotes/{id} to GET /v2/quotes/{id} [operation-http-changed]"), "\(text.stdout)")
        #expect(text.stdout.contains("'currency'"), "\(text.stdout)")
        #expect(text.stdout.hasSuffix("1 spec compared: 2 changes (2 breaking, 0 dangerous, 0 safe).\n"), "\(text.stdout)")
        // Unchanged document, unchanged spec: no changes.
        try git(["stash", "-q"], in: directory.path)
        let same = try await runBaton(["diff", "main:specs/shop.baton.yaml", "specs/shop.baton.yaml"], in: directory.path)
        #expect(same.stdout == "1 spec compared, no changes.\n", "\(same.stdout)\(same.stderr)")
    }

    @Test func revisionsAreReadThroughGit() async throws {
        let directory = try SpecDirectory(["specs/shop.baton.yaml": Self.old, "README": "x\n"])
        try git(["init", "-q", "-b", "main"], in: directory.path)
        try git(["add", "."], in: directory.path)
        try git(["-c", "user.name=Baton", "-c", "user.email=baton@example.com", "commit", "-q", "-m", "one"], in: directory.path)
        try Self.new.write(toFile: directory.file("specs/shop.baton.yaml"), atomically: true, encoding: .utf8)
        try Self.old.write(toFile: directory.file("specs/added.baton.yaml"), atomically: true, encoding: .utf8)

        let file = try await runBaton(["diff", "--format", "json", "main:specs/shop.baton.yaml", "specs/shop.baton.yaml"], in: directory.path)
        #expect(file.status == 1, "\(file.stderr)")
        #expect(file.stdout.contains("\"file\" : \"specs/shop.baton.yaml\""))
        #expect(file.stdout.components(separatedBy: "\"id\" :").count - 1 == 4)

        // A removal is located in OLD, named as given.
        try Self.old.replacingOccurrences(of: "enum: [high, low]", with: "enum: [high]")
            .write(toFile: directory.file("specs/shop.baton.yaml"), atomically: true, encoding: .utf8)
        let removal = try await runBaton(["diff", "HEAD:specs/shop.baton.yaml", "specs/shop.baton.yaml"], in: directory.path)
        #expect(removal.stdout.hasPrefix("HEAD:specs/shop.baton.yaml:4:25: breaking: enum 'Level': case 'low' removed [enum-case-removed]\n  Level: { enum: [high, low] }\n"))

        // A folder at a revision; a spec new since then has every workflow added.
        let folder = try await runBaton(["diff", "--fail-on", "none", "main:specs", "specs"], in: directory.path)
        #expect(folder.status == 0, "\(folder.stderr)")
        #expect(folder.stdout.contains("specs/added.baton.yaml:11:3: safe: workflow 'show' added (a new spec) [workflow-added]"))
        #expect(folder.stdout.hasSuffix("2 specs compared: 2 changes (1 breaking, 0 dangerous, 1 safe).\n"))

        // A path that does not exist at the revision: a new spec.
        let fresh = try await runBaton(["diff", "main:specs/added.baton.yaml", "specs/added.baton.yaml"], in: directory.path)
        #expect(fresh.status == 0)
        #expect(fresh.stdout.hasSuffix("1 spec compared: 1 change (0 breaking, 0 dangerous, 1 safe).\n"))

        let unknown = try await runBaton(["diff", "nosuchbranch:specs/shop.baton.yaml", "specs/shop.baton.yaml"], in: directory.path)
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("'nosuchbranch' is not a revision"))
    }

    @Test func whatCannotBeComparedIsAToolFailure() async throws {
        let broken = Self.old.replacingOccurrences(of: "call: orders.get, with", with: "call: orders.fetch, with")
        let directory = try SpecDirectory(["old.baton.yaml": Self.old, "broken.baton.yaml": broken, "dir/x.baton.yaml": Self.old])
        let errors = try await runBaton(["diff", "old.baton.yaml", "broken.baton.yaml"], in: directory.path)
        #expect(errors.status == 2)
        #expect(errors.stdout.isEmpty)
        #expect(errors.stderr.contains("broken.baton.yaml:16:"))
        #expect(errors.stderr.contains("[unknown-operation]"))
        #expect(errors.stderr.contains("error: cannot compare: broken.baton.yaml has errors"))
        #expect(try await runBaton(["diff", "old.baton.yaml", "missing.baton.yaml"], in: directory.path).status == 2)
        #expect(try await runBaton(["diff", "old.baton.yaml", "dir"], in: directory.path).status == 2)
        #expect(try await runBaton(["diff", "old.baton.yaml"], in: directory.path).status == 2)
        #expect(try await runBaton(["diff", "--format", "sarif", "old.baton.yaml", "old.baton.yaml"], in: directory.path).status == 2)
    }

    @Test func everyIdIsDocumentedWithItsSeverityAndAnExample() throws {
        let article = try String(contentsOfFile: packageRoot + "/Sources/BatonSpec/BatonSpec.docc/SpecReference.md", encoding: .utf8)
        let rows = article.split(separator: "\n").filter { $0.hasPrefix("| `") }
        for id in ChangeID.allCases {
            let row = rows.first { $0.hasPrefix("| `\(id.id)` |") }
            #expect(row?.contains("| \(id.severity.rawValue) |") == true, "the diff table must list \(id.id) as \(id.severity.rawValue)")
            #expect((row?.components(separatedBy: "|").count ?? 0) >= 5, "\(id.id) needs an example")
        }
    }

    /// The worked example of the spec language reference (and the README's two lines from it) is
    /// what the tool prints for the same edit of `specs/checkout.baton.yaml`.
    @Test func theDocumentedExampleIsWhatTheToolPrints() async throws {
        let article = try String(contentsOfFile: packageRoot + "/Sources/BatonSpec/BatonSpec.docc/SpecReference.md", encoding: .utf8)
        let command = "$ baton diff main:specs/checkout.baton.yaml specs/checkout.baton.yaml\n"
        let start = try #require(article.range(of: command)).upperBound
        let end = try #require(article.range(of: "\n```", range: start..<article.endIndex)).lowerBound
        let expected = String(article[start..<end]) + "\n"

        let checkout = try String(contentsOfFile: packageRoot + "/specs/checkout.baton.yaml", encoding: .utf8)
        let directory = try SpecDirectory(["specs/checkout.baton.yaml": checkout])
        try git(["init", "-q", "-b", "main"], in: directory.path)
        try git(["add", "."], in: directory.path)
        try git(["-c", "user.name=Baton", "-c", "user.email=baton@example.com", "commit", "-q", "-m", "one"], in: directory.path)
        var edited = checkout
        for (of, with) in [("deadline: 800ms", "deadline: 600ms"), ("enum: [inStock, low, outOfStock]", "enum: [inStock, outOfStock]"),
                           ("  CheckoutSummary:\n    orderId: string\n", "  CheckoutSummary:\n    orderId: string\n    currency: string?\n")] {
            let range = try #require(edited.range(of: of), "specs/checkout.baton.yaml no longer has '\(of)': update the example")
            edited.replaceSubrange(range, with: with)
        }
        try edited.write(toFile: directory.file("specs/checkout.baton.yaml"), atomically: true, encoding: .utf8)

        let run = try await runBaton(["diff", "main:specs/checkout.baton.yaml", "specs/checkout.baton.yaml"], in: directory.path)
        #expect(run.stdout == expected, "update the example in SpecReference.md (and README.md's two lines)")
        #expect(run.status == 1)
        let github = try await runBaton(["diff", "--format", "github", "main:specs/checkout.baton.yaml", "specs/checkout.baton.yaml"], in: directory.path)
        let removal = try #require(github.stdout.split(separator: "\n").first { $0.contains("enum-case-removed") })
        #expect(article.contains("\n\(removal)\n"), "SpecReference.md should quote: \(removal)")
        let readme = try String(contentsOfFile: packageRoot + "/README.md", encoding: .utf8)
        for line in run.stdout.split(separator: "\n") where line.hasSuffix("[enum-case-removed]") || line.hasSuffix("[deadline-decreased]") {
            #expect(readme.contains("\n\(line)\n"), "README.md should quote: \(line)")
        }
    }

    @Test func thousandWorkflows() async throws {
        func spec(changed: Bool) -> String {
            var s = """
                baton: 1
                name: Big
                types:
                  Item: { sku: string, quantity: int }
                  Order: { id: string, items: "[Item]", note: string? }
                services:
                  orders:
                    timeout: 50ms
                    operations:
                      get: { input: { id: string }, output: Order }
                workflows:

                """
            for i in 0..<1000 {
                s += """
                      flow\(i):
                        input: { id: string }
                        output: { id: string, note: string? }
                        deadline: \(changed && i % 10 == 0 ? "900ms" : "1s")
                        steps:
                          order: { call: orders.get, with: { id: $input.id } }
                          again: { call: orders.get, with: { id: $order.id } }
                        result: { id: $again.id, note: $order.note }

                    """
            }
            return s
        }
        let directory = try SpecDirectory(["old.baton.yaml": spec(changed: false), "new.baton.yaml": spec(changed: true)])
        let clock = ContinuousClock()
        let start = clock.now
        let run = try await runBaton(["diff", "--format", "json", "old.baton.yaml", "new.baton.yaml"], in: directory.path)
        let elapsed = start.duration(to: clock.now)
        print("[performance] baton diff (debug build) of two 1,000-workflow specs: \(elapsed)")
        #expect(run.status == 0)
        #expect(run.stdout.components(separatedBy: "\"deadline-decreased\"").count - 1 == 100)
    }
}

/// Runs git in `directory`; fails the test when git fails.
func git(_ arguments: [String], in directory: String) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["git"] + arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "git \(arguments.joined(separator: " ")) failed")
}
