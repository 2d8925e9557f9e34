import Foundation
import Testing
@testable import BatonSpec

/// Real OpenAPI documents, copied from the package mirror into Tests/Fixtures/OpenAPI:
/// swift-openapi-generator 1.14.3's reference petstore and example documents, and OpenAI's
/// document (from its streaming-chatgpt-proxy example). Every operation is imported; what Baton
/// cannot map is `unsupported-openapi` at the document's line and column, and nothing else fails.
/// The specs of the supported operations (petstore.baton.yaml, openai.baton.yaml) lint clean
/// here, and scripts/check-generated compiles their generated code.
@Suite struct OpenAPIRealDocumentTests {
    static let folder = packageRoot.appendingPathComponent("Tests/Fixtures/OpenAPI")

    static func operationIds(_ document: String) throws -> [String] {
        let text = try String(contentsOf: folder.appendingPathComponent(document), encoding: .utf8)
        return text.matches(of: /(?m)^\s+operationId:\s*['"]?([^'"\s]+)/).map { String($0.output.1) }
    }

    /// A spec next to `document` importing all of its operations by lowerCamelCase operationId.
    static func allOperations(_ document: String, calling called: String) throws -> CheckResult {
        var yaml = "baton: 1\nname: AllOperations\nservices:\n  api:\n    openapi: \(document)\n    operations:\n"
        for id in try operationIds(document) { yaml += "      \(OpenAPINames.lowerCamel(id)): {}\n" }
        yaml += """
            workflows:
              call:
                input: {}
                output: { done: bool }
                deadline: 1s
                steps:
                  c: { call: api.\(called), with: {} }
                result: { done: true }

            """
        let path = folder.appendingPathComponent("all.baton.yaml").path
        return SpecChecker.check(SpecSource(path: path, text: yaml))
    }

    /// `rule@file:line:column` of the errors, the file relative to the fixtures folder.
    static func errors(_ r: CheckResult) -> [String] {
        r.errors.map { "\($0.rule.id)@\($0.location.file.replacingOccurrences(of: folder.path + "/", with: "")):\($0.location.line):\($0.location.column)" }
    }

    @Test func petstoreUnsupportedConstructsAreLocated() throws {
        let r = try Self.allOperations("petstore.yaml", calling: "getStats")
        #expect(Self.errors(r) == [
            // listPets: deepObject query parameters `sort` and `filter` (records), at their schemas
            "unsupported-openapi@petstore.yaml:77:11",
            "unsupported-openapi@petstore.yaml:91:11",
            // createPet: header X-Extra-Arguments described by `content`
            "unsupported-openapi@petstore.yaml:129:11",
            // createPetWithForm: a form body
            "unsupported-openapi@petstore.yaml:173:9",
            // uploadAvatarForPet: binary request and response
            "unsupported-openapi@petstore.yaml:248:9",
            "unsupported-openapi@petstore.yaml:256:11",
            // listPets: the query parameter component described by `content`
            "unsupported-openapi@petstore.yaml:300:5",
            // multipartDownloadTyped, multipartUploadTyped
            "unsupported-openapi@petstore.yaml:616:7",
            "unsupported-openapi@petstore.yaml:664:7",
        ])
        #expect(r.documents.map { URL(fileURLWithPath: $0.path).lastPathComponent } == ["petstore.yaml"])
        // The source line under each diagnostic is the document's.
        let source = try #require(r.documents.first)
        #expect(source.line(173)?.trimmingCharacters(in: .whitespaces) == "content:")
    }

    @Test func petstoreSupportedOperationsLintClean() throws {
        let path = Self.folder.appendingPathComponent("petstore.baton.yaml").path
        let r = SpecChecker.check(SpecSource(path: path, bytes: Array(try Data(contentsOf: URL(fileURLWithPath: path)))))
        #expect(r.errors.isEmpty, "\(r.errors)")
        let spec = try #require(r.spec)
        let pets = try #require(spec.service(named: "pets"))
        // The first server of the document is the base URL.
        #expect(pets.http?.baseURL == "https://example.com/api")
        let update = try #require(pets.operation("updatePet")?.http)
        #expect(update.method == .patch)
        #expect(update.pathParts == [.literal("/pets/"), .field("petId")])
        #expect(update.body == .field("body"))
        #expect(spec.type(named: "PetsUpdatePetInput")?.fields.map { "\($0.name):\($0.type)" }
                == ["petId:int", "body:PetsUpdatePetBody?"])
    }

    @Test func openAIDocumentImportsWithLocatedUnsupportedConstructsOnly() throws {
        let r = try Self.allOperations("openai.yaml", calling: "listModels")
        let errors = r.errors
        #expect(errors.count == 89)
        #expect(errors.allSatisfy { $0.rule == .unsupportedOpenAPI && $0.location.file.hasSuffix("/openai.yaml") })
        let lines = try #require(r.documents.first).lineCount
        #expect(errors.allSatisfy { $0.location.line > 1 && $0.location.line <= lines && $0.location.column >= 1 })
        // Spot checks: createSpeech answers with audio bytes; createTranscription's response is a oneOf.
        #expect(Self.errors(r).contains("unsupported-openapi@openai.yaml:618:11"))
        #expect(Self.errors(r).contains("unsupported-openapi@openai.yaml:693:15"))
        #expect(errors.first { $0.location.line == 693 }?.message.contains("'oneOf'") == true)
    }

    @Test func openAISupportedOperationsLintClean() throws {
        let path = Self.folder.appendingPathComponent("openai.baton.yaml").path
        let r = SpecChecker.check(SpecSource(path: path, bytes: Array(try Data(contentsOf: URL(fileURLWithPath: path)))))
        #expect(r.errors.isEmpty, "\(r.errors)")
        let openai = try #require(r.spec?.service(named: "openai"))
        #expect(openai.http?.baseURL == "https://api.openai.com/v1")
        #expect(openai.http?.headers == [HTTPStaticHeader(name: "OpenAI-Beta", value: "assistants=v2")])
        #expect(openai.operation("retrieveModel")?.http?.pathParts == [.literal("/models/"), .field("model")])
        #expect(openai.operation("project")?.http?.path == "/organization/projects/{project_id}")
    }

    @Test func exampleDocumentsOfTheGenerator() throws {
        #expect(Self.errors(try Self.allOperations("hello-world.yaml", calling: "getGreeting")) == [])
        #expect(Self.errors(try Self.allOperations("various-content-types.yaml", calling: "getExampleJSON")) == [
            "unsupported-openapi@various-content-types.yaml:43:11",   // text/plain response
            "unsupported-openapi@various-content-types.yaml:51:9",    // text/plain body
            "unsupported-openapi@various-content-types.yaml:90:9",    // form body
            "unsupported-openapi@various-content-types.yaml:108:11",  // octet-stream response
            "unsupported-openapi@various-content-types.yaml:117:9",   // octet-stream body
            "unsupported-openapi@various-content-types.yaml:131:11",  // multipart response
            "unsupported-openapi@various-content-types.yaml:162:9",   // multipart body
        ])
        #expect(Self.errors(try Self.allOperations("event-streams.yaml", calling: "getGreetingsStream")) == [
            "unsupported-openapi@event-streams.yaml:30:11",  // JSON Lines, JSON sequences, server-sent events
        ])
        #expect(Self.errors(try Self.allOperations("postgres-database.yaml", calling: "getGreeting")) == [
            "unsupported-openapi@postgres-database.yaml:49:15",  // `type: object` with no properties
        ])
    }
}
