/// How serious a finding is. Errors stop generation; warnings fail `baton lint` only with `--strict`.
public enum Severity: String, Sendable, Hashable, Codable, Comparable {
    case warning
    case error

    public static func < (lhs: Severity, rhs: Severity) -> Bool {
        lhs == .warning && rhs == .error
    }
}

/// A 1-based position in a spec file. Columns count Unicode scalars, as libyaml does.
public struct SourceLocation: Sendable, Hashable, Codable, Comparable {
    /// The file as the user named it (relative paths stay relative).
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.file, lhs.line, lhs.column) < (rhs.file, rhs.line, rhs.column)
    }
}

/// One finding of the loader or the checker.
///
/// The rule id is the stable part that CI depends on; the message wording may change.
public struct Diagnostic: Sendable, Hashable, Codable {
    public var rule: Rule
    public var severity: Severity
    public var location: SourceLocation
    public var message: String
    /// A concrete fix, e.g. "did you mean 'maxAttempts'?", when one is known.
    public var suggestion: String?

    public init(
        _ rule: Rule,
        _ message: String,
        at location: SourceLocation,
        severity: Severity? = nil,
        suggestion: String? = nil
    ) {
        self.rule = rule
        self.severity = severity ?? rule.defaultSeverity
        self.location = location
        self.message = Self.visible(message, limit: Self.maxMessageLength)
        self.suggestion = suggestion.map { Self.visible($0, limit: Self.maxMessageLength) }
    }
}

extension Diagnostic {
    /// The longest message kept whole, in Unicode scalars: messages quote spec text, and a
    /// megabyte-long key must not become a megabyte-long message.
    public static let maxMessageLength = 1_000

    /// `text` made safe to show on a terminal or in a CI annotation: control characters (which
    /// can move the cursor, retitle the window or ring the bell), bidi controls, line separators
    /// and other invisible format characters (which can make text read differently from what it
    /// is) become visible `\u{…}` escapes; tabs stay. Cut after `limit` scalars, marked with `…`.
    public static func visible<S: StringProtocol>(_ text: S, limit: Int = .max) -> String {
        // Nearly every message is printable ASCII: nothing to escape, nothing to cut.
        let utf8 = text.utf8
        if utf8.count <= limit, utf8.allSatisfy({ (0x20..<0x7F).contains($0) || $0 == 0x09 }) {
            return String(text)
        }
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count == limit {
                out += "…"
                break
            }
            count += 1
            if scalar != "\t", isHidden(scalar) {
                out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x20...0x7E: return false
        case 0x00...0x1F, 0x7F...0x9F, 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x206F, 0xFEFF: return true
        default:
            switch scalar.properties.generalCategory {
            case .format, .lineSeparator, .paragraphSeparator: return true
            default: return false
            }
        }
    }
}

/// The stable rule ids of spec-v1 §8.
public enum Rule: String, Sendable, Hashable, Codable, CaseIterable {
    case yamlSyntax = "yaml-syntax"
    case duplicateKey = "duplicate-key"
    case unknownKey = "unknown-key"
    case missingKey = "missing-key"
    case invalidValue = "invalid-value"
    case invalidDuration = "invalid-duration"
    case invalidName = "invalid-name"
    case duplicateName = "duplicate-name"
    case unknownType = "unknown-type"
    case recursiveType = "recursive-type"
    case unknownService = "unknown-service"
    case unknownOperation = "unknown-operation"
    case unknownPolicy = "unknown-policy"
    case unknownStep = "unknown-step"
    case unknownField = "unknown-field"
    case missingField = "missing-field"
    case typeMismatch = "type-mismatch"
    case invalidExpression = "invalid-expression"
    case asyncOutputUsed = "async-output-used"
    case invalidHTTP = "invalid-http"
    case dependencyCycle = "dependency-cycle"
    case missingDeadline = "missing-deadline"
    case deadlineBudget = "deadline-budget"
    case retryBudget = "retry-budget"
    case unsafeRetry = "unsafe-retry"
    case cacheOnWrite = "cache-on-write"
    case missingCompensation = "missing-compensation"
    case unusedType = "unused-type"
    case unusedService = "unused-service"
    case unusedOperation = "unused-operation"
    case sloBudget = "slo-budget"
    case openAPIError = "openapi-error"
    case unsupportedOpenAPI = "unsupported-openapi"

    /// The stable id, e.g. `unknown-key`.
    public var id: String { rawValue }

    public var defaultSeverity: Severity {
        switch self {
        case .retryBudget, .missingCompensation, .unusedType, .unusedService, .unusedOperation, .sloBudget:
            .warning
        default:
            .error
        }
    }

    /// One sentence for rule listings (SARIF `shortDescription`, docs).
    public var summary: String {
        switch self {
        case .yamlSyntax: "The file is not valid YAML."
        case .duplicateKey: "A mapping repeats a key."
        case .unknownKey: "A mapping has a key the spec format does not define."
        case .missingKey: "A mapping lacks a required key."
        case .invalidValue: "A value has the wrong kind or is out of range."
        case .invalidDuration: "A duration is not of the form <number><unit>, unit us, ms, s, m or h, and > 0."
        case .invalidName: "A name does not match its pattern (types UpperCamelCase, everything else lowerCamelCase)."
        case .duplicateName: "Two declarations produce the same name."
        case .unknownType: "A type reference names no declared or built-in type."
        case .recursiveType: "A record contains itself without an optional or array in between."
        case .unknownService: "A call names a service that is not declared."
        case .unknownOperation: "A call names an operation the service does not declare."
        case .unknownPolicy: "A policy reference names no entry under `policies`."
        case .unknownStep: "An expression refers to a step that does not exist."
        case .unknownField: "An expression or mapping names a field the type does not have."
        case .missingField: "A required field of the target type is not given."
        case .typeMismatch: "A value's type does not match the type it fills."
        case .invalidExpression: "An expression or condition is malformed."
        case .asyncOutputUsed: "The output of an async step is referenced; async steps are not awaited."
        case .invalidHTTP: "An HTTP binding is malformed or does not place every input field exactly once."
        case .dependencyCycle: "Steps depend on each other in a cycle."
        case .missingDeadline: "A workflow has no deadline."
        case .deadlineBudget: "A chain of required steps cannot finish within the deadline even with single attempts."
        case .retryBudget: "The deadline cannot fit the configured attempts, timeouts and backoffs along a chain."
        case .unsafeRetry: "A write operation is retried or hedged without an idempotency key."
        case .cacheOnWrite: "A write operation has a cache."
        case .missingCompensation: "A write step has no compensation although a later required step can fail after it."
        case .unusedType: "A type is declared but never used."
        case .unusedService: "A service is declared but never called."
        case .unusedOperation: "An operation is declared but never called."
        case .sloBudget: "A latency objective's threshold is at or above the workflow's deadline, so it measures nothing."
        case .openAPIError: "An OpenAPI document a service imports cannot be read, parsed or decoded."
        case .unsupportedOpenAPI: "An imported OpenAPI operation needs a construct Baton cannot map to its types or HTTP bindings."
        }
    }
}
