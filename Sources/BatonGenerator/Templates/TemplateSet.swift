import BatonSpec
import Mustache

/// The templates the generator renders: the embedded defaults, each optionally replaced by a
/// user's file of the same name (`--templates DIR`).
public struct TemplateSet: Sendable {
    /// The names of the templates, i.e. the files `templates/<name>.mustache`.
    public static var names: [String] { embedded.keys.sorted() }

    let library: MustacheLibrary
    /// Which templates came from the user, for messages.
    public let overridden: [String]

    /// The defaults, with `overrides` (template name → template text) replacing some of them.
    ///
    /// - Throws: ``GeneratorError`` for a name that is not a template, or a template that does not
    ///   parse.
    public init(overrides: [String: String] = [:]) throws(GeneratorError) {
        for name in overrides.keys.sorted() where Self.embedded[name] == nil {
            throw GeneratorError.unknownTemplate(name, known: Self.names)
        }
        var library = MustacheLibrary()
        for (name, text) in Self.embedded.merging(overrides, uniquingKeysWith: { _, user in user }) {
            do {
                try library.register(text, named: name)
            } catch {
                throw GeneratorError.invalidTemplate(name, reason: "\(error)")
            }
        }
        self.library = library
        overridden = overrides.keys.sorted()
    }

    func render(_ view: Any, with name: String) throws(GeneratorError) -> String {
        guard let text = library.render(Self.context(of: view) ?? view, withTemplate: name) else {
            throw GeneratorError.invariant("template '\(name)' rendered nothing", at: nil)
        }
        return text
    }
}

extension TemplateSet {
    /// `view` as swift-mustache reads it fastest: each struct as a `[String: Any]` of its stored
    /// properties (a `MustacheParent`, one hash lookup per name), arrays as arrays of those, a nil
    /// optional left out (swift-mustache treats nil as not found, as it does here), anything else
    /// (strings, numbers, enums, structs with a `description`) as it is.
    ///
    /// Given the structs themselves, swift-mustache reflects every property of a value with
    /// `Mirror` on every lookup, and again for each enclosing value when the name belongs to an
    /// outer one: a third of `baton generate` for 1,000 workflows. Here each value is reflected
    /// once.
    static func context(of value: Any) -> Any? {
        // Comparing the dynamic type is much cheaper than a cast attempt on every value.
        let type = type(of: value)
        if type == String.self || type == Bool.self || type == Int.self { return value }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .struct:
            // A value with a description of its own renders as that description.
            if value is any CustomStringConvertible { return value }
            var fields: [String: Any] = [:]
            for child in mirror.children {
                if let label = child.label, let field = context(of: child.value) { fields[label] = field }
            }
            return fields
        case .optional:
            return mirror.children.first.flatMap { context(of: $0.value) }
        case .collection:
            return mirror.children.compactMap { context(of: $0.value) }
        default:
            return value
        }
    }
}

/// Why generation could not run.
public enum GeneratorError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownTemplate(String, known: [String])
    case invalidTemplate(String, reason: String)
    /// The spec breaks an invariant the checker should have enforced, so no code can mean what
    /// it says (reported instead of generating code that silently means something else).
    case invariant(String, at: SourceLocation?)

    /// An ``invariant(_:at:)`` error.
    init(_ message: String, at location: SourceLocation?) {
        self = .invariant(message, at: location)
    }

    public var description: String {
        switch self {
        case .invariant(let message, let location?):
            "\(location.file):\(location.line):\(location.column): error: \(message) (a generator invariant; please report it)"
        case .invariant(let message, nil):
            "error: \(message) (a generator invariant; please report it)"
        case .unknownTemplate(let name, let known):
            "no template is named '\(name)' (templates: \(known.joined(separator: ", ")))"
        case .invalidTemplate(let name, let reason):
            "template '\(name)' does not parse: \(reason)"
        }
    }
}
