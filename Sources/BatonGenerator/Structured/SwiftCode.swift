/// The structured Swift the lowering produces and ``SwiftRenderer`` prints.
///
/// Deliberately small: the expressions and statements generated code is made of, nothing more.
/// Names and literals arrive already escaped (``SwiftIdentifier``, ``SwiftLiteral``); the
/// structure only decides where a line may break, so layout lives in one place.
indirect enum SwiftExpr: Hashable, Sendable {
    /// An atom printed as is: an identifier, a literal, a type, `$0`.
    case text(String)
    /// `base.name`.
    case member(SwiftExpr, String)
    /// `callee(arguments)`, with an optional trailing closure.
    case call(SwiftExpr, [SwiftArgument], trailing: SwiftClosure?)
    /// `[a, b]`.
    case array([SwiftExpr])
    /// `[k: v]`; `[:]` when empty.
    case dictionary([SwiftDictionaryEntry])
    /// `{ signature in body }`.
    case closure(SwiftClosure)
    /// `lhs op rhs`.
    case infix(SwiftExpr, String, SwiftExpr)
    /// `op operand`: `try `, `await `, `!`, `-` (the operator text includes any space).
    case prefix(String, SwiftExpr)
    /// `operand op`: `!`, `?`.
    case postfix(SwiftExpr, String)
    /// `(inner)`.
    case parenthesized(SwiftExpr)
    /// `(a, b)`.
    case tuple([SwiftExpr])

    /// `callee(arguments)` with no trailing closure.
    static func call(_ callee: String, _ arguments: [SwiftArgument] = []) -> SwiftExpr {
        .call(.text(callee), arguments, trailing: nil)
    }

    /// `try await expression`.
    static func tryAwait(_ expression: SwiftExpr) -> SwiftExpr {
        .prefix("try ", .prefix("await ", expression))
    }
}

/// One argument of a call: `label: value`, or `value` without a label.
struct SwiftArgument: Hashable, Sendable {
    var label: String?
    var value: SwiftExpr

    init(_ label: String?, _ value: SwiftExpr) {
        self.label = label
        self.value = value
    }

    /// An unlabelled argument.
    static func value(_ value: SwiftExpr) -> SwiftArgument { SwiftArgument(nil, value) }
}

/// One entry of a dictionary literal.
struct SwiftDictionaryEntry: Hashable, Sendable {
    var key: SwiftExpr
    var value: SwiftExpr
}

/// `{ signature in statements }`.
struct SwiftClosure: Hashable, Sendable {
    /// `nil` for `{ statements }`.
    var signature: SwiftSignature?
    var body: [SwiftStatement]

    init(_ signature: SwiftSignature? = nil, _ body: [SwiftStatement]) {
        self.signature = signature
        self.body = body
    }
}

/// `(a: A, b: B) async throws -> C`: the parameters and effects of a closure or function.
/// Parameters break one per line when the signature does not fit.
struct SwiftSignature: Hashable, Sendable {
    /// Each parameter as written: `input: CheckoutRequest`, `_ input: Quote`.
    var parameters: [String]
    /// What follows the parameter list: `async throws -> Cart`; may be empty.
    var effects: String

    init(_ parameters: [String], _ effects: String = "") {
        self.parameters = parameters
        self.effects = effects
    }

    /// `(a: A, b: B) effects` on one line.
    var flat: String {
        "(" + parameters.joined(separator: ", ") + ")" + (effects.isEmpty ? "" : " " + effects)
    }
}

/// A statement inside a function or closure body.
indirect enum SwiftStatement: Hashable, Sendable {
    case expression(SwiftExpr)
    /// `let name: Type = value` (`type` optional).
    case declaration(keyword: String, name: String, type: String?, value: SwiftExpr)
    /// `target = value`.
    case assignment(SwiftExpr, SwiftExpr)
    case `return`(SwiftExpr)
    /// `for pattern in sequence { body }`.
    case forIn(pattern: String, sequence: SwiftExpr, body: [SwiftStatement])

    /// `let name: Type = value`.
    static func `let`(_ name: String, _ type: String? = nil, _ value: SwiftExpr) -> SwiftStatement {
        .declaration(keyword: "let", name: name, type: type, value: value)
    }
}
