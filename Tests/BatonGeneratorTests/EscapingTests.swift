@testable import BatonGenerator
import BatonSpec
import Testing

@Suite struct EscapingTests {
    @Test func stringLiteralsKeepEveryByteAndCannotBreakOut() {
        #expect(SwiftLiteral.string(#"say "hi" \(x) """"#) == #""say \"hi\" \\(x) \"\"\"""#)
        #expect(SwiftLiteral.string("a\nb\r\tc") == #""a\nb\r\tc""#)
        #expect(SwiftLiteral.string("\u{202E}evil\u{0}") == #""\u{202E}evil\u{0}""#)
        #expect(SwiftLiteral.string("café 🚀") == "\"café 🚀\"")
    }

    @Test func docCommentsStayCommentsAndShowInvisibleCharacters() {
        #expect(SwiftLiteral.docComment("One.\nTwo */ three", indent: "    ") == "/// One.\n    /// Two */ three\n    ")
        #expect(SwiftLiteral.docComment("line\u{2028}sep\u{202E}") == "/// line\\u{2028}sep\\u{202E}\n")
        #expect(SwiftLiteral.docComment(nil) == "")
    }

    @Test func keywordsAreEscaped() {
        #expect(SwiftIdentifier.escaped("default") == "`default`")
        #expect(SwiftIdentifier.escaped("protocol") == "`protocol`")
        #expect(SwiftIdentifier.escaped("cart") == "cart")
    }

    @Test func standardTypesAreModuleQualified() {
        #expect(SwiftType.name(.optional(.array(.string))) == "[Swift.String]?")
        #expect(SwiftType.name(.dictionary(.date)) == "[Swift.String: Foundation.Date]")
        #expect(SwiftType.name(.named("Result")) == "Result")
    }

    @Test func rfc3339LiteralsBecomeExactInstants() {
        #expect(RFC3339.epochSeconds("1970-01-01T00:00:00Z") == "0")
        #expect(RFC3339.epochSeconds("2024-02-29T12:30:00.250+01:00") == "1709206200.25")
        #expect(RFC3339.epochSeconds("2024-13-01T00:00:00Z") == nil)
        #expect(UUIDLiteral.swiftExpression("00000000-0000-4000-8000-00000000000a").flatMap(SwiftRenderer().flat)?.hasSuffix("0x00, 0x0A))") == true)
    }
}
