/// Prints ``SwiftExpr`` and ``SwiftStatement`` as Swift text with consistent indentation and no
/// line longer than ``width`` columns where the code can break.
///
/// The rule is the one a person follows: keep a construct on one line when it fits; otherwise
/// break the outermost construct that does — a call puts one argument per line, an array or
/// dictionary one element per line, a closure its body on lines of its own, an operator chain
/// breaks after the left operand — and try the parts again at the deeper indentation. Atoms
/// (names, literals) never break, so a single string literal longer than the width stays long.
struct SwiftRenderer: Sendable {
    /// The longest line the renderer aims for.
    static let defaultWidth = 120
    /// One level of indentation.
    static let step = 4

    var width = SwiftRenderer.defaultWidth

    // MARK: Statements

    /// `statements`, each starting with `indent` spaces, joined by newlines.
    func render(_ statements: [SwiftStatement], indent: Int) -> String {
        statements.map { render($0, indent: indent) }.joined(separator: "\n")
    }

    /// One statement, starting with `indent` spaces.
    func render(_ statement: SwiftStatement, indent: Int) -> String {
        let pad = Self.pad(indent)
        switch statement {
        case .expression(let expression):
            return pad + render(expression, indent: indent)
        case .declaration(let keyword, let name, let type, let value):
            let head = "\(keyword) \(name)\(type.map { ": \($0)" } ?? "") = "
            return pad + head + render(value, indent: indent, column: indent + head.columns)
        case .assignment(let target, let value):
            let head = flat(target).map { $0 + " = " } ?? ""
            return pad + head + render(value, indent: indent, column: indent + head.columns)
        case .return(let value):
            return pad + "return " + render(value, indent: indent, column: indent + 7)
        case .forIn(let pattern, let sequence, let body):
            let head = "for \(pattern) in "
            return pad + head + render(sequence, indent: indent, column: indent + head.columns, trailing: 2) + " {\n"
                + render(body, indent: indent + Self.step) + "\n" + pad + "}"
        }
    }

    // MARK: Expressions

    /// `expression` as it continues a line at `column`, whose continuation lines start with
    /// `indent` spaces; `trailing` characters follow it on its last line (a `,` or `)`).
    /// The first line carries no indentation of its own.
    func render(_ expression: SwiftExpr, indent: Int, column: Int? = nil, trailing: Int = 0) -> String {
        let column = column ?? indent
        if fitsOnOneLine(expression, columns: width - column - trailing), let text = flat(expression),
           column + text.columns + trailing <= width {
            return text
        }
        let inner = indent + Self.step
        switch expression {
        case .text(let text):
            return text
        case .member(let base, let name):
            return render(base, indent: indent, column: column, trailing: trailing + name.columns + 1) + "." + name
        case .call(let callee, let arguments, let closure):
            let head = render(callee, indent: indent, column: column, trailing: 1)
            let headEnd = Self.lastLineEnd(head, column: column)
            var text: String
            if arguments.isEmpty {
                text = head + (closure == nil ? "()" : "")
            } else if closure != nil, let flatArguments = flatList(arguments.map(flat)),
                      headEnd + flatArguments.columns + 4 <= width {
                // `call(short, args) {` and the closure below, rather than one argument per line.
                text = head + "(" + flatArguments + ")"
            } else {
                text = head + "(\n" + arguments.map { Self.pad(inner) + render($0, indent: inner) }.joined(separator: ",\n")
                    + "\n" + Self.pad(indent) + ")"
            }
            if let closure {
                let end = Self.lastLineEnd(text, column: column)
                text += " " + render(closure, indent: indent, column: end + 1, trailing: trailing)
            }
            return text
        case .array(let items):
            guard !items.isEmpty else { return "[]" }
            return "[\n" + items.map { Self.pad(inner) + render($0, indent: inner, trailing: 1) }.joined(separator: ",\n")
                + ",\n" + Self.pad(indent) + "]"
        case .dictionary(let entries):
            guard !entries.isEmpty else { return "[:]" }
            return "[\n" + entries.map { entry in
                let key = render(entry.key, indent: inner, trailing: 2)
                let keyEnd = Self.lastLineEnd(key, column: inner)
                return Self.pad(inner) + key + ": " + render(entry.value, indent: inner, column: keyEnd + 2, trailing: 1)
            }.joined(separator: ",\n") + ",\n" + Self.pad(indent) + "]"
        case .closure(let closure):
            return render(closure, indent: indent, column: column, trailing: trailing)
        case .infix(let lhs, let op, let rhs):
            let left = render(lhs, indent: indent, column: column, trailing: op.columns + 2)
            let leftEnd = Self.lastLineEnd(left, column: column)
            if let right = flat(rhs), leftEnd + op.columns + 2 + right.columns + trailing <= width {
                return left + " \(op) " + right
            }
            if rhs.breaksInside {
                return left + " \(op) " + render(rhs, indent: indent, column: leftEnd + op.columns + 2, trailing: trailing)
            }
            return left + "\n" + Self.pad(inner) + op + " " + render(rhs, indent: inner, column: inner + op.columns + 1, trailing: trailing)
        case .prefix(let op, let operand):
            return op + render(operand, indent: indent, column: column + op.columns, trailing: trailing)
        case .postfix(let operand, let op):
            return render(operand, indent: indent, column: column, trailing: trailing + op.columns) + op
        case .parenthesized(let inside):
            return "(" + render(inside, indent: indent, column: column + 1, trailing: trailing + 1) + ")"
        case .tuple(let items):
            return "(\n" + items.map { Self.pad(inner) + render($0, indent: inner, trailing: 1) }.joined(separator: ",\n")
                + "\n" + Self.pad(indent) + ")"
        }
    }

    private func render(_ argument: SwiftArgument, indent: Int) -> String {
        guard let label = argument.label else { return render(argument.value, indent: indent, trailing: 1) }
        return label + ": " + render(argument.value, indent: indent, column: indent + label.columns + 2, trailing: 1)
    }

    private func render(_ closure: SwiftClosure, indent: Int, column: Int, trailing: Int) -> String {
        if fitsOnOneLine(.closure(closure), columns: width - column - trailing), let text = flat(closure),
           column + text.columns + trailing <= width {
            return text
        }
        let opening = "{" + (closure.signature.map { " " + render($0, indent: indent, column: column + 2, trailing: 3) + " in" } ?? "")
        return opening + "\n" + render(closure.body, indent: indent + Self.step) + "\n" + Self.pad(indent) + "}"
    }

    /// A signature continuing a line at `column`: one line when it fits, else one parameter per
    /// line at `indent` plus one step and the closing parenthesis back at `indent`.
    func render(_ signature: SwiftSignature, indent: Int, column: Int, trailing: Int = 0) -> String {
        if column + signature.flat.columns + trailing <= width || signature.parameters.isEmpty { return signature.flat }
        let inner = Self.pad(indent + Self.step)
        return "(\n" + signature.parameters.map { inner + $0 }.joined(separator: ",\n") + "\n" + Self.pad(indent) + ")"
            + (signature.effects.isEmpty ? "" : " " + signature.effects)
    }

    /// `head(parameters) effects` + `tail` for a declaration at `indent` (`func f(…) async -> T {`).
    func declaration(_ head: String, _ signature: SwiftSignature, tail: String = "", indent: Int) -> String {
        Self.pad(indent) + head + render(signature, indent: indent, column: indent + head.columns, trailing: tail.columns) + tail
    }

    // MARK: One-line forms

    /// The expression on one line, or `nil` when it cannot be (a closure with several statements).
    func flat(_ expression: SwiftExpr) -> String? {
        switch expression {
        case .text(let text):
            return text
        case .member(let base, let name):
            return flat(base).map { $0 + "." + name }
        case .call(let callee, let arguments, let closure):
            guard let head = flat(callee), let list = flatList(arguments.map(flat)) else { return nil }
            let call = arguments.isEmpty && closure != nil ? head : head + "(" + list + ")"
            guard let closure else { return call }
            return flat(closure).map { call + " " + $0 }
        case .array(let items):
            return flatList(items.map(flat)).map { "[" + $0 + "]" }
        case .dictionary(let entries):
            guard !entries.isEmpty else { return "[:]" }
            return flatList(entries.map { entry in
                guard let key = flat(entry.key), let value = flat(entry.value) else { return nil }
                return key + ": " + value
            }).map { "[" + $0 + "]" }
        case .closure(let closure):
            return flat(closure)
        case .infix(let lhs, let op, let rhs):
            guard let left = flat(lhs), let right = flat(rhs) else { return nil }
            return left + " \(op) " + right
        case .prefix(let op, let operand):
            return flat(operand).map { op + $0 }
        case .postfix(let operand, let op):
            return flat(operand).map { $0 + op }
        case .parenthesized(let inside):
            return flat(inside).map { "(" + $0 + ")" }
        case .tuple(let items):
            return flatList(items.map(flat)).map { "(" + $0 + ")" }
        }
    }

    private func flat(_ argument: SwiftArgument) -> String? {
        guard let value = flat(argument.value) else { return nil }
        return argument.label.map { "\($0): \(value)" } ?? value
    }

    private func flat(_ closure: SwiftClosure) -> String? {
        guard closure.body.count == 1, case .expression(let expression) = closure.body[0], let body = flat(expression) else { return nil }
        return "{ " + (closure.signature.map { "\($0.flat) in " } ?? "") + body + " }"
    }

    private func flatList(_ parts: [String?]) -> String? {
        var texts: [String] = []
        for part in parts {
            guard let part else { return nil }
            texts.append(part)
        }
        return texts.joined(separator: ", ")
    }

    // MARK: Whether a one-line form fits

    /// Whether `expression` has a one-line form of at most `columns` columns. Adds up the columns
    /// of its parts and stops as soon as they pass the budget: building the one-line text of every
    /// enclosing construct before breaking it (most of them far too long) was most of the
    /// renderer's time. The sum is the one-line text's width: parts meet at ASCII punctuation,
    /// identifiers or quotes, so no Character spans two of them.
    func fitsOnOneLine(_ expression: SwiftExpr, columns: Int) -> Bool {
        var budget = columns
        return measure(expression, &budget)
    }

    /// Takes the columns of `expression`'s one-line form (as ``flat(_:)`` writes it) from
    /// `budget`; false when there is none or the budget runs out.
    private func measure(_ expression: SwiftExpr, _ budget: inout Int) -> Bool {
        func take(_ count: Int) -> Bool {
            budget -= count
            return budget >= 0
        }
        switch expression {
        case .text(let text):
            return take(text.columns)
        case .member(let base, let name):
            return measure(base, &budget) && take(name.columns + 1)
        case .call(let callee, let arguments, let closure):
            guard measure(callee, &budget) else { return false }
            if !(arguments.isEmpty && closure != nil) {
                guard take(2 + 2 * max(arguments.count - 1, 0)) else { return false }
                for argument in arguments {
                    guard take(argument.label.map { $0.columns + 2 } ?? 0), measure(argument.value, &budget) else { return false }
                }
            }
            guard let closure else { return true }
            return take(1) && measure(closure, &budget)
        case .array(let items), .tuple(let items):
            guard take(2 + 2 * max(items.count - 1, 0)) else { return false }
            return items.allSatisfy { measure($0, &budget) }
        case .dictionary(let entries):
            guard !entries.isEmpty else { return take(3) }
            guard take(2 + 2 * (entries.count - 1)) else { return false }
            return entries.allSatisfy { measure($0.key, &budget) && take(2) && measure($0.value, &budget) }
        case .closure(let closure):
            return measure(closure, &budget)
        case .infix(let lhs, let op, let rhs):
            return measure(lhs, &budget) && take(op.columns + 2) && measure(rhs, &budget)
        case .prefix(let op, let operand), .postfix(let operand, let op):
            return take(op.columns) && measure(operand, &budget)
        case .parenthesized(let inside):
            return take(2) && measure(inside, &budget)
        }
    }

    /// `{ signature in body }` for a closure whose body is one expression.
    private func measure(_ closure: SwiftClosure, _ budget: inout Int) -> Bool {
        guard closure.body.count == 1, case .expression(let expression) = closure.body[0] else { return false }
        budget -= 4 + (closure.signature.map { $0.flat.columns + 4 } ?? 0)
        return budget >= 0 && measure(expression, &budget)
    }

    // MARK: Helpers

    static func pad(_ count: Int) -> String { String(repeating: " ", count: count) }

    /// The column after the last character of `text`, which started at `column`.
    static func lastLineEnd(_ text: String, column: Int) -> Int {
        guard let newline = text.utf8.lastIndex(of: UInt8(ascii: "\n")) else { return column + text.columns }
        return text[text.utf8.index(after: newline)...].columns
    }
}

extension StringProtocol {
    /// The columns the text takes: its Characters, counted on the bytes when it is ASCII without
    /// a carriage return (one byte, one Character). Grapheme breaking of every candidate line was
    /// a large part of rendering.
    var columns: Int { utf8.allSatisfy { $0 < 0x80 && $0 != 0x0D } ? utf8.count : count }
}

extension SwiftExpr {
    /// Whether the expression can break across lines on its own (an operator's right-hand side
    /// that can stays on the operator's line).
    var breaksInside: Bool {
        switch self {
        case .call(_, let arguments, let closure): !arguments.isEmpty || closure != nil
        case .array(let items): !items.isEmpty
        case .dictionary(let entries): !entries.isEmpty
        case .closure, .tuple: true
        case .prefix(_, let operand), .parenthesized(let operand): operand.breaksInside
        case .text, .member, .infix, .postfix: false
        }
    }
}
