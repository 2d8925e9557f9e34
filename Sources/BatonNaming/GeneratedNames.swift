/// Every name generated code declares or relies on, in one table.
///
/// The generator emits these names and the checker refuses specs that would clash with them, so
/// both ask here: a name added to generated code is reserved in the same change.
public enum GeneratedNames {
    // MARK: Names derived from spec names

    /// `checkout` → `Checkout`.
    public static func upperCamel(_ name: String) -> String {
        guard let first = name.first else { return name }
        return first.uppercased() + name.dropFirst()
    }

    /// `Checkout` → `checkout`.
    public static func lowerCamel(_ name: String) -> String {
        guard let first = name.first else { return name }
        return first.lowercased() + name.dropFirst()
    }

    /// `Checkout` → `CheckoutOrchestrator`.
    public static func orchestrator(spec: String) -> String { spec + "Orchestrator" }

    /// `pricing` → `PricingService`.
    public static func serviceProtocol(_ service: String) -> String { upperCamel(service) + "Service" }

    /// `pricing` → `PricingHTTPClient`: the generated client of an HTTP-bound service.
    public static func httpClient(_ service: String) -> String { upperCamel(service) + "HTTPClient" }

    /// `pricing` → `MockPricingService`.
    public static func serviceMock(_ service: String) -> String { "Mock" + serviceProtocol(service) }

    /// `pricing`, `quote` → `PricingQuoteInput` (an inline input mapping's record).
    public static func operationInput(service: String, operation: String) -> String {
        upperCamel(service) + upperCamel(operation) + "Input"
    }

    /// `pricing`, `quote` → `PricingQuoteOutput`.
    public static func operationOutput(service: String, operation: String) -> String {
        upperCamel(service) + upperCamel(operation) + "Output"
    }

    /// `checkout` → `CheckoutInput`.
    public static func workflowInput(_ workflow: String) -> String { upperCamel(workflow) + "Input" }

    /// `checkout` → `CheckoutOutput`.
    public static func workflowOutput(_ workflow: String) -> String { upperCamel(workflow) + "Output" }

    /// `pricing`, `quote` → `PricingQuoteCacheKey`, nested in the orchestrator.
    public static func cacheKey(service: String, operation: String) -> String {
        upperCamel(service) + upperCamel(operation) + "CacheKey"
    }

    /// `checkout` → `CheckoutAdmissionClass`, nested in the orchestrator.
    public static func admissionClass(_ workflow: String) -> String { upperCamel(workflow) + "AdmissionClass" }

    /// `Checkout` → `CheckoutFixtures`, in the generated tests.
    public static func fixtures(spec: String) -> String { spec + "Fixtures" }

    /// `Checkout` → `CheckoutTestWorld`, in the generated tests.
    public static func testWorld(spec: String) -> String { spec + "TestWorld" }

    /// `Checkout` → `CheckoutGeneratedTests`, the generated suite.
    public static func testSuite(spec: String) -> String { spec + "GeneratedTests" }

    // MARK: Reserved names

    /// Type names generated code needs to mean what they always mean, with the reason: the
    /// modules it qualifies standard and runtime names with (a type `Swift` would turn
    /// `Swift.String` into a member lookup on it), the coding keys every record's `Codable`
    /// conformance declares, the dates helper of the types file, and the types nested in every
    /// orchestrator, which would hide a spec type of the same name inside it.
    public static let reservedTypeNames: [String: String] = [
        "Swift": "the module generated code qualifies standard types with",
        "Foundation": "the module generated code qualifies Date, Decimal and UUID with",
        "BatonRuntime": "the module generated code qualifies runtime types with",
        "BatonTesting": "the module generated tests qualify test helpers with",
        "Testing": "the module generated tests import",
        "CodingKeys": "the coding keys of every generated record",
        "BatonRFC3339": "the date coding helper of the generated types",
        "Services": "a type nested in every generated orchestrator",
        "Caches": "a type nested in every generated orchestrator",
        "Policies": "a type nested in every generated orchestrator",
        "Handlers": "a type nested in every generated orchestrator",
        "Void": "the name the Swift Testing macros in generated tests expand to, unqualified",
        "BatonHTTP": "the module generated HTTP clients qualify their helpers with",
        "OpenAPIRuntime": "the module generated HTTP clients import their transport from",
        "ClientTransport": "the transport protocol generated HTTP clients take, unqualified",
        "ClientMiddleware": "the middleware protocol generated HTTP clients take, unqualified",
    ]

    /// Service names the orchestrator's initialiser takes for itself, with the reason.
    public static let reservedServiceNames: [String: String] = [
        "options": "generated orchestrators take their runtime options under that label",
    ]

    /// Workflow names that are members of every generated orchestrator, with the reason.
    public static let reservedWorkflowNames: [String: String] = [
        "shutdown": "generated orchestrators use it to drain background steps",
        "routingSnapshots": "generated orchestrators report the routing state of their services under that name",
        "workflowDurationBuckets": "generated orchestrators list the histogram buckets their service level objectives need under that name",
        "durationHistogramBuckets": "generated orchestrators list the histogram buckets their service level objectives need under that name",
        "httpRoutes": "generated orchestrators return the routes of the workflows served over HTTP under that name",
        "compensations": "generated orchestrators expose their compensations by name under that name",
        "asyncCalls": "generated orchestrators expose their async calls by name under that name",
    ]

    /// Field names generated records cannot carry, with the reason.
    public static let reservedFieldNames: [String: String] = [
        "hashValue": "generated records are Hashable, and a field of that name would replace their hash",
    ]

    /// Step names expressions cannot tell apart from something else, with the reason.
    public static let reservedStepNames: [String: String] = [
        "input": "`$input` is the workflow's input",
    ]

    /// The names the orchestrator's initialiser declares or uses besides its service parameters:
    /// a service of one of these names gets an internal parameter name with a trailing `_`
    /// (which no spec name can have).
    public static let orchestratorInitialiserLocals: Set<String> = ["self", "services", "asyncSteps", "policies", "caches", "handlers", "options"]

    /// The names a generated mock's initialiser uses itself: an operation of one of these names
    /// gets an internal parameter name with a trailing `_`.
    public static let mockInitialiserLocals: Set<String> = ["clock", "self"]

    /// Type names generated for a spec, each with what it is, that no spec type may take.
    ///
    /// - Parameters:
    ///   - spec: The spec's `name`.
    ///   - services: Service names, each with the names of its cached read operations.
    ///   - workflowsWithAdmissionClasses: Workflows whose admission control declares classes.
    public static func generatedTypeNames(
        spec: String,
        services: [(name: String, cachedOperations: [String])],
        workflowsWithAdmissionClasses: [String]
    ) -> [String: String] {
        var names: [String: String] = [:]
        if !spec.isEmpty {
            names[orchestrator(spec: spec)] = "the orchestrator of spec '\(spec)'"
            names[fixtures(spec: spec)] = "the fixtures of the generated tests of spec '\(spec)'"
            names[testWorld(spec: spec)] = "the test world of the generated tests of spec '\(spec)'"
            names[testSuite(spec: spec)] = "the suite of the generated tests of spec '\(spec)'"
        }
        for service in services {
            names[serviceProtocol(service.name)] = "the protocol of service '\(service.name)'"
            names[serviceMock(service.name)] = "the mock of service '\(service.name)'"
            names[httpClient(service.name)] = "the HTTP client of service '\(service.name)'"
            for operation in service.cachedOperations {
                names[cacheKey(service: service.name, operation: operation)] =
                    "the cache key type of \(service.name).\(operation), nested in the orchestrator"
            }
        }
        for workflow in workflowsWithAdmissionClasses {
            names[admissionClass(workflow)] = "the admission classes of workflow '\(workflow)'"
        }
        return names
    }
}
