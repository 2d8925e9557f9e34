import CYaml

/// Bounds that keep a hostile spec from exhausting the loader (issue item 7).
public struct LoaderLimits: Sendable, Hashable {
    /// Files larger than this are refused before parsing.
    public var maxBytes: Int = 10 * 1024 * 1024
    /// Collections nested deeper than this are refused.
    public var maxDepth: Int = 64
    /// Total nodes (keys, values, items), counting every alias expansion at its full size.
    /// A spec with 1,000 workflows needs ~40k; a file with 100k keys has 200k.
    public var maxNodes: Int = 150_000
    /// Alias uses (`*name`) per file.
    public var maxAliases: Int = 1_000

    public init() {}

    public static let `default` = LoaderLimits()
}

/// Turns libyaml's event stream into a located `YAMLNode` tree.
///
/// Yams' `compose` is not used because it reports duplicate keys at the first occurrence, recurses
/// once per nesting level and expands no limits; walking the events ourselves lets us report
/// duplicates at the second occurrence and stop early on depth, size and alias bombs.
struct YAMLComposer {
    let path: String
    let limits: LoaderLimits

    // Frames are classes so that appending to an open collection mutates it in place; value
    // frames popped and pushed back would copy their arrays on every append (quadratic).
    private enum Frame {
        case sequence(SequenceFrame)
        case mapping(MappingFrame)
    }

    private final class SequenceFrame {
        var sequence: YAMLSequence
        let anchor: String?
        let startCount: Int

        init(sequence: YAMLSequence, anchor: String?, startCount: Int) {
            self.sequence = sequence
            self.anchor = anchor
            self.startCount = startCount
        }
    }

    private final class MappingFrame {
        var mapping: YAMLMapping
        let anchor: String?
        let startCount: Int
        var pendingKey: YAMLScalar?
        /// The pending key is a duplicate or not a scalar: drop its value.
        var skipValue = false
        var awaitingValue = false
        var firstSeen: [String: SourceLocation] = [:]

        init(mapping: YAMLMapping, anchor: String?, startCount: Int) {
            self.mapping = mapping
            self.anchor = anchor
            self.startCount = startCount
        }
    }

    private struct Failure: Error {
        var diagnostic: Diagnostic
    }

    /// Composes the single document in `bytes` (UTF-8, already validated).
    func compose(_ bytes: [UInt8]) -> (root: YAMLNode?, diagnostics: [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            return (nil, [Diagnostic(.yamlSyntax, "the YAML parser could not be initialised", at: loc(0, 0))])
        }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)

        let result: YAMLNode? = bytes.withUnsafeBufferPointer { buffer -> YAMLNode? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            do {
                return try run(&parser, diagnostics: &diagnostics)
            } catch let failure as Failure {
                diagnostics.append(failure.diagnostic)
                return nil
            } catch {
                return nil
            }
        }
        return (result, diagnostics)
    }

    private func loc(_ line: Int, _ column: Int) -> SourceLocation {
        SourceLocation(file: path, line: line + 1, column: column + 1)
    }

    private func loc(_ mark: yaml_mark_t) -> SourceLocation {
        loc(Int(mark.line), Int(mark.column))
    }

    private func syntaxError(_ parser: inout yaml_parser_t) -> Failure {
        let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
        var message = problem
        if let context = parser.context.map({ String(cString: $0) }) {
            message = "\(problem) (\(context))"
        }
        let location = loc(parser.problem_mark)
        // libyaml's own nesting limit (hit first in flow context, where its scanner looks ahead)
        // is the same refusal as ours.
        if problem.contains("nesting level") {
            return Failure(diagnostic: Diagnostic(
                .invalidValue, "the spec nests deeper than \(limits.maxDepth) levels; refusing to load it", at: location))
        }
        return Failure(diagnostic: Diagnostic(.yamlSyntax, message, at: location))
    }

    private func nextEvent(_ parser: inout yaml_parser_t, into event: inout yaml_event_t) throws {
        guard yaml_parser_parse(&parser, &event) == 1 else {
            throw syntaxError(&parser)
        }
    }

    private func run(_ parser: inout yaml_parser_t, diagnostics: inout [Diagnostic]) throws -> YAMLNode? {
        var stack: [Frame] = []
        var root: YAMLNode?
        var anchors: [String: (node: YAMLNode, size: Int)] = [:]
        var nodeCount = 0
        var aliasCount = 0
        var documents = 0

        func count(_ n: Int, at location: SourceLocation) throws {
            nodeCount += n
            if nodeCount > limits.maxNodes {
                throw Failure(diagnostic: Diagnostic(
                    .invalidValue,
                    "the spec has more than \(limits.maxNodes) YAML nodes (counting alias expansions); refusing to load it",
                    at: location))
            }
        }

        // Hands a finished node to its parent frame (or makes it the root).
        func attach(_ node: YAMLNode, size: Int, anchor: String?) {
            if let anchor { anchors[anchor] = (node, size) }
            guard let top = stack.last else {
                root = node
                return
            }
            switch top {
            case .sequence(let frame):
                frame.sequence.items.append(node)
            case .mapping(let frame):
                if !frame.awaitingValue {
                    frame.awaitingValue = true
                    frame.skipValue = false
                    if case .scalar(let key) = node {
                        frame.pendingKey = key
                        if let first = frame.firstSeen[key.value] {
                            diagnostics.append(Diagnostic(
                                .duplicateKey,
                                "duplicate key '\(key.value)' (first defined at line \(first.line), column \(first.column))",
                                at: key.location))
                            frame.skipValue = true
                        } else {
                            frame.firstSeen[key.value] = key.location
                        }
                    } else {
                        diagnostics.append(Diagnostic(
                            .invalidValue, "mapping keys must be scalars, not \(node.kindDescription)",
                            at: node.location))
                        frame.skipValue = true
                    }
                } else {
                    frame.awaitingValue = false
                    if !frame.skipValue, let key = frame.pendingKey {
                        frame.mapping.entries.append(.init(key: key, value: node))
                    }
                    frame.pendingKey = nil
                }
            }
        }

        var event = yaml_event_t()
        defer { yaml_event_delete(&event) }
        while true {
            yaml_event_delete(&event)
            try nextEvent(&parser, into: &event)
            let start = loc(event.start_mark)
            switch event.type {
            case YAML_STREAM_START_EVENT, YAML_DOCUMENT_END_EVENT:
                continue
            case YAML_STREAM_END_EVENT:
                return root
            case YAML_DOCUMENT_START_EVENT:
                documents += 1
                if documents > 1 {
                    diagnostics.append(Diagnostic(
                        .yamlSyntax, "a spec file holds one YAML document; found a second one here", at: start))
                    return root
                }
            case YAML_ALIAS_EVENT:
                aliasCount += 1
                let name = string(event.data.alias.anchor) ?? ""
                if aliasCount > limits.maxAliases {
                    throw Failure(diagnostic: Diagnostic(
                        .invalidValue, "the spec uses more than \(limits.maxAliases) aliases; refusing to load it",
                        at: start))
                }
                guard let target = anchors[name] else {
                    throw Failure(diagnostic: Diagnostic(.yamlSyntax, "unknown alias '*\(name)'", at: start))
                }
                try count(target.size, at: start)
                attach(target.node, size: target.size, anchor: nil)
            case YAML_SCALAR_EVENT:
                try count(1, at: start)
                let data = event.data.scalar
                let value = data.value.map {
                    String(decoding: UnsafeBufferPointer(start: $0, count: data.length), as: UTF8.self)
                } ?? ""
                let style: YAMLScalar.Style
                switch data.style {
                case YAML_SINGLE_QUOTED_SCALAR_STYLE: style = .singleQuoted
                case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .doubleQuoted
                case YAML_LITERAL_SCALAR_STYLE: style = .literal
                case YAML_FOLDED_SCALAR_STYLE: style = .folded
                default: style = .plain
                }
                let scalar = YAMLScalar(value: value, style: style, tag: string(data.tag), location: start)
                attach(.scalar(scalar), size: 1, anchor: string(data.anchor))
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                try count(1, at: start)
                if stack.count >= limits.maxDepth {
                    throw Failure(diagnostic: Diagnostic(
                        .invalidValue, "the spec nests deeper than \(limits.maxDepth) levels; refusing to load it",
                        at: start))
                }
                if event.type == YAML_SEQUENCE_START_EVENT {
                    stack.append(.sequence(SequenceFrame(sequence: YAMLSequence(items: [], location: start),
                                                         anchor: string(event.data.sequence_start.anchor),
                                                         startCount: nodeCount)))
                } else {
                    stack.append(.mapping(MappingFrame(mapping: YAMLMapping(entries: [], location: start),
                                                       anchor: string(event.data.mapping_start.anchor),
                                                       startCount: nodeCount)))
                }
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let frame = stack.popLast() else { continue }
                switch frame {
                case .sequence(let f):
                    attach(.sequence(f.sequence), size: nodeCount - f.startCount + 1, anchor: f.anchor)
                case .mapping(let m):
                    attach(.mapping(m.mapping), size: nodeCount - m.startCount + 1, anchor: m.anchor)
                }
            default:
                continue
            }
        }
    }

    private func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }
}
