import Foundation
import Yams

/// A JSON value as a schema sees it: unlike `JSONValue`, it has null and fractions, since
/// replies (`/v1/node`) and YAML examples may hold them.
indirect enum Instance: Equatable, Decodable, CustomStringConvertible {
    case object([String: Instance])
    case array([Instance])
    case string(String)
    case integer(Int64)
    case number(Double)
    case bool(Bool)
    case null

    /// From JSON text; nil when it is not JSON. Decoded with `JSONDecoder`, which never takes
    /// `true` for 1 or 1 for `true` (JSONSerialization on Linux gives NSNumber for both).
    init?(json bytes: [UInt8]) {
        guard let instance = try? JSONDecoder().decode(Instance.self, from: Data(bytes)) else { return nil }
        self = instance
    }

    /// From what Yams produces for a YAML node.
    init?(any value: Any) {
        switch value {
        case is NSNull: self = .null
        case let b as Bool where type(of: value) == Bool.self: self = .bool(b)
        case let i as Int: self = .integer(Int64(i))
        case let d as Double: self = .number(d)
        case let s as String: self = .string(s)
        case let a as [Any]:
            var out = [Instance]()
            for item in a {
                guard let i = Instance(any: item) else { return nil }
                out.append(i)
            }
            self = .array(out)
        case let o as [String: Any]:
            var out = [String: Instance]()
            for (k, v) in o {
                guard let i = Instance(any: v) else { return nil }
                out[k] = i
            }
            self = .object(out)
        case let o as [AnyHashable: Any]:
            var out = [String: Instance]()
            for (k, v) in o {
                guard let key = k.base as? String, let i = Instance(any: v) else { return nil }
                out[key] = i
            }
            self = .object(out)
        default: return nil
        }
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? c.decode(Int64.self) {
            self = .integer(i)
        } else if let d = try? c.decode(Double.self) {
            self = .number(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([Instance].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: Instance].self))
        }
    }

    var typeName: String {
        switch self {
        case .object: "object"
        case .array: "array"
        case .string: "string"
        case .integer: "integer"
        case .number: "number"
        case .bool: "boolean"
        case .null: "null"
        }
    }

    var description: String {
        switch self {
        case let .string(s): "\"\(s.prefix(60))\""
        case let .integer(i): "\(i)"
        case let .number(d): "\(d)"
        case let .bool(b): "\(b)"
        case .null: "null"
        case .array(let a): "array of \(a.count)"
        case .object(let o): "object {\(o.keys.sorted().joined(separator: ","))}"
        }
    }
}

/// A validator for the subset of JSON Schema (2020-12, as OpenAPI 3.1 uses it) that
/// docs/openapi.yaml uses: type (a name or an array of names, "null" among them), properties,
/// required, additionalProperties (false or a schema), propertyNames, minProperties,
/// maxProperties, items, minItems, maxItems, enum, const, pattern, minLength, maxLength,
/// minimum, maximum, oneOf, anyOf, allOf and local `$ref`s (`#/components/schemas/…`).
/// `description`, `example`, `discriminator` and `format` are annotations. Any other keyword
/// is an error, so that the document cannot use one this validator would silently ignore.
struct SchemaValidator {
    let document: [String: Any]

    static let annotations: Set<String> = ["description", "example", "examples", "discriminator", "format", "title"]
    static let keywords: Set<String> = ["type", "properties", "required", "additionalProperties", "propertyNames", "minProperties",
                                        "maxProperties", "items", "minItems", "maxItems", "enum", "const", "pattern",
                                        "minLength", "maxLength", "minimum", "maximum", "oneOf", "anyOf", "allOf", "$ref"]

    init(yaml: String) throws {
        guard let document = try Yams.load(yaml: yaml) as? [String: Any] else { throw SchemaError("the document is not a mapping") }
        self.document = document
    }

    struct SchemaError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// The schema a local `$ref` names.
    /// The schema the document gives the response of `method` on `path` for `status`
    /// (following a `$ref` to a shared response).
    func responseSchema(path: String, method: String, status: Int) throws -> [String: Any] {
        guard let paths = document["paths"] as? [String: Any], let route = paths[path] as? [String: Any],
              let operation = route[method] as? [String: Any], let responses = operation["responses"] as? [String: Any],
              var response = responses[String(status)] as? [String: Any]
        else { throw SchemaError("\(method.uppercased()) \(path) documents no \(status) response") }
        if let ref = response["$ref"] as? String { response = try resolve(ref) }
        guard let content = response["content"] as? [String: Any], let media = content.values.first as? [String: Any],
              let s = media["schema"] as? [String: Any] else { throw SchemaError("\(path) \(status): no schema") }
        return s
    }

    func resolve(_ ref: String) throws -> [String: Any] {
        guard ref.hasPrefix("#/") else { throw SchemaError("$ref \(ref) is not local") }
        var node: Any = document
        for part in ref.dropFirst(2).split(separator: "/") {
            guard let map = node as? [String: Any], let next = map[String(part)] else { throw SchemaError("$ref \(ref) names nothing") }
            node = next
        }
        guard let schema = node as? [String: Any] else { throw SchemaError("$ref \(ref) is not a schema") }
        return schema
    }

    /// Every way `instance` breaks `schema`, each with the JSON Pointer where; empty when valid.
    func errors(_ instance: Instance, _ schema: [String: Any], at path: String = "") throws -> [String] {
        for key in schema.keys where !SchemaValidator.keywords.contains(key) && !SchemaValidator.annotations.contains(key) {
            throw SchemaError("keyword \(key) at \(path) is not one this validator knows")
        }
        var out = [String]()
        func fail(_ why: String) { out.append("\(path.isEmpty ? "/" : path): \(why)") }
        if let ref = schema["$ref"] as? String { out += try errors(instance, try resolve(ref), at: path) }
        if let type = schema["type"] {
            let names = (type as? [String]) ?? [(type as? String) ?? ""]
            let matches = names.contains { name in
                name == instance.typeName || (name == "number" && instance.typeName == "integer")
            }
            if !matches { fail("expected \(names.joined(separator: " or ")), found \(instance.typeName)") }
        }
        if let values = schema["enum"] as? [Any] {
            if !values.compactMap(Instance.init(any:)).contains(instance) { fail("\(instance) is not one of \(values)") }
        }
        if let value = schema["const"], let c = Instance(any: value), c != instance { fail("\(instance) is not \(c)") }
        switch instance {
        case let .string(s):
            if let n = schema["minLength"] as? Int, s.unicodeScalars.count < n { fail("shorter than \(n)") }
            if let n = schema["maxLength"] as? Int, s.unicodeScalars.count > n { fail("longer than \(n)") }
            if let p = schema["pattern"] as? String, !(try SchemaValidator.matches(s, p)) { fail("\(instance) does not match \(p)") }
        case let .integer(i):
            if let n = schema["minimum"] as? Int, i < n { fail("\(i) is below \(n)") }
            if let n = schema["maximum"] as? Int, i > n { fail("\(i) is above \(n)") }
        case let .number(d):
            if let n = schema["minimum"] as? Int, d < Double(n) { fail("\(d) is below \(n)") }
            if let n = schema["maximum"] as? Int, d > Double(n) { fail("\(d) is above \(n)") }
        case let .array(items):
            if let n = schema["minItems"] as? Int, items.count < n { fail("fewer than \(n) items") }
            if let n = schema["maxItems"] as? Int, items.count > n { fail("more than \(n) items") }
            if let itemSchema = schema["items"] as? [String: Any] {
                for (i, item) in items.enumerated() { out += try errors(item, itemSchema, at: "\(path)/\(i)") }
            }
        case let .object(members):
            if let n = schema["minProperties"] as? Int, members.count < n { fail("fewer than \(n) members") }
            if let n = schema["maxProperties"] as? Int, members.count > n { fail("more than \(n) members") }
            for name in (schema["required"] as? [String]) ?? [] where members[name] == nil { fail("missing required member \(name)") }
            let properties = (schema["properties"] as? [String: Any]) ?? [:]
            for (name, value) in members.sorted(by: { $0.key < $1.key }) {
                if let names = schema["propertyNames"] as? [String: Any] {
                    out += try errors(.string(name), names, at: "\(path)/\(name) (name)")
                }
                if let p = properties[name] as? [String: Any] {
                    out += try errors(value, p, at: "\(path)/\(name)")
                } else if let extra = schema["additionalProperties"] {
                    if let allowed = extra as? Bool {
                        if !allowed { fail("member \(name) is not allowed") }
                    } else if let extraSchema = extra as? [String: Any] {
                        out += try errors(value, extraSchema, at: "\(path)/\(name)")
                    }
                }
            }
        default: break
        }
        if let all = schema["allOf"] as? [[String: Any]] {
            for s in all { out += try errors(instance, s, at: path) }
        }
        if let any = schema["anyOf"] as? [[String: Any]] {
            if try !any.contains(where: { try errors(instance, $0, at: path).isEmpty }) { fail("matches none of anyOf") }
        }
        if let one = schema["oneOf"] as? [[String: Any]] {
            var failures = [[String]]()
            for s in one { failures.append(try errors(instance, s, at: path)) }
            let passing = failures.filter(\.isEmpty).count
            if passing != 1 {
                fail("matches \(passing) of oneOf, needs exactly 1" + (passing == 0 ? "; closest: \(failures.min { $0.count < $1.count } ?? [])" : ""))
            }
        }
        return out
    }

    static func matches(_ text: String, _ pattern: String) throws -> Bool {
        let regex = try NSRegularExpression(pattern: pattern)
        return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}
