/// A membership or non-membership proof for one key of the state map (PROTOCOL §5): the hashes
/// of the siblings along the key's path, from the root down, and where the path ends.
///
/// The path ends at depth `siblings.count`, in one of:
/// - the key's own leaf (membership, with its value);
/// - another key's leaf whose key shares those first bits (non-membership: that subtree holds
///   only the other key);
/// - an empty subtree (non-membership).
/// Under SHA-256's collision resistance the root fixes every node on the path, so only one proof
/// verifies for a given key and root, and its encoding below is canonical.
public struct PrefixTreeProof: Hashable, Sendable {
    public enum Terminal: Hashable, Sendable {
        case empty
        case leaf(key: Hash, value: Hash)
    }

    public let siblings: [Hash]
    public let terminal: Terminal

    public init(siblings: [Hash], terminal: Terminal) {
        self.siblings = siblings
        self.terminal = terminal
    }

    /// The largest JSON form: 256 siblings of 44 base64 characters plus a leaf, with room to spare.
    public static let maxJSONBytes = 16_384
    static let emptyTag: UInt8 = 0x00
    static let leafTag: UInt8 = 0x01

    // MARK: Verification

    /// The root this proof leads to for `key`, after checking its shape.
    public func root(for key: Hash) throws(PrefixTreeProofError) -> Hash {
        let depth = siblings.count
        guard depth <= PrefixTreePosition.maxDepth else { throw .tooManySiblings(depth) }
        var hash: Hash
        switch terminal {
        case .empty:
            hash = .zero
        case let .leaf(leafKey, value):
            guard leafKey.commonPrefixLength(key) >= depth else { throw .leafOffPath(key: key, leafKey: leafKey, depth: depth) }
            hash = PrefixTreeNode.leafHash(key: leafKey, value: value)
        }
        // Up from the end of the path: at depth d the key's bit d says which side we came from.
        for d in stride(from: depth - 1, through: 0, by: -1) {
            hash = key.bit(d) == 0
                ? PrefixTreeNode.parentHash(left: hash, right: siblings[d])
                : PrefixTreeNode.parentHash(left: siblings[d], right: hash)
        }
        return hash
    }

    /// Checks the proof against `root`; returns the key's value when the proof shows it present,
    /// nil when it shows it absent.
    public func verify(key: Hash, root expected: Hash) throws(PrefixTreeProofError) -> Hash? {
        let computed = try root(for: key)
        guard computed == expected else { throw .rootMismatch(key: key, computed: computed, expected: expected) }
        if case let .leaf(leafKey, value) = terminal, leafKey == key { return value }
        return nil
    }

    /// Checks that `key` holds `value` in the map with this root.
    public func verifyMembership(key: Hash, value: Hash, root: Hash) throws(PrefixTreeProofError) {
        guard let proven = try verify(key: key, root: root) else { throw .keyAbsent(key) }
        guard proven == value else { throw .valueMismatch(key: key, proven: proven, expected: value) }
    }

    /// Checks that `key` is absent from the map with this root.
    public func verifyNonMembership(key: Hash, root: Hash) throws(PrefixTreeProofError) {
        guard try verify(key: key, root: root) == nil else { throw .keyPresent(key) }
    }

    // MARK: Bytes

    /// 1 byte (0x00: the path ends in an empty subtree, 0x01: in a leaf), the sibling count as a
    /// big-endian uint16, the siblings (32 bytes each, root side first), then for a leaf its key
    /// and value (32 bytes each). Nothing else.
    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(3 + 32 * siblings.count + 64)
        out.append(terminal == .empty ? PrefixTreeProof.emptyTag : PrefixTreeProof.leafTag)
        out.append(UInt8(truncatingIfNeeded: siblings.count >> 8))
        out.append(UInt8(truncatingIfNeeded: siblings.count))
        for s in siblings { out += s.bytes }
        if case let .leaf(key, value) = terminal { out += key.bytes + value.bytes }
        return out
    }

    public init(bytes: [UInt8]) throws(PrefixTreeProofError) {
        guard bytes.count >= 3 else { throw .malformed("\(bytes.count) bytes, a proof has at least 3") }
        let hasLeaf: Bool
        switch bytes[0] {
        case PrefixTreeProof.emptyTag: hasLeaf = false
        case PrefixTreeProof.leafTag: hasLeaf = true
        case let other: throw .malformed("byte 0 is \(other), expected 0 (ends empty) or 1 (ends in a leaf)")
        }
        let count = Int(bytes[1]) << 8 | Int(bytes[2])
        guard count <= PrefixTreePosition.maxDepth else { throw .tooManySiblings(count) }
        let expected = 3 + 32 * count + (hasLeaf ? 64 : 0)
        guard bytes.count == expected else { throw .malformed("\(bytes.count) bytes, expected \(expected) for \(count) siblings") }
        func hash(at offset: Int) -> Hash { Hash(unchecked: bytes[offset..<(offset + 32)]) }
        siblings = (0..<count).map { hash(at: 3 + 32 * $0) }
        terminal = hasLeaf ? .leaf(key: hash(at: 3 + 32 * count), value: hash(at: 35 + 32 * count)) : .empty
    }

    // MARK: JSON

    /// `{"leaf": {"key": base64, "value": base64}, "siblings": [base64, …]}`, with `leaf` absent
    /// when the path ends in an empty subtree. Hashes are standard base64 with padding (§1).
    public var json: JSONValue {
        var members: [JSONKey: JSONValue] = ["siblings": .array(siblings.map { .string($0.base64) })]
        if case let .leaf(key, value) = terminal {
            members["leaf"] = ["key": .string(key.base64), "value": .string(value.base64)]
        }
        return .object(members)
    }

    public init(json: JSONValue) throws(PrefixTreeProofError) {
        guard case var .object(members) = json else { throw .malformed("a proof is a JSON object, found \(json.typeName)") }
        guard case let .array(list)? = members.removeValue(forKey: "siblings") else { throw .malformed("\"siblings\" must be an array") }
        guard list.count <= PrefixTreePosition.maxDepth else { throw .tooManySiblings(list.count) }
        var siblings = [Hash]()
        for (i, item) in list.enumerated() {
            guard case let .string(s) = item, let h = Hash(base64: s) else { throw .malformed("\"siblings\"[\(i)] must be base64 of 32 bytes") }
            siblings.append(h)
        }
        var terminal = Terminal.empty
        if let leaf = members.removeValue(forKey: "leaf") {
            guard case let .object(l) = leaf, l.count == 2, case let .string(k)? = l["key"], let key = Hash(base64: k),
                  case let .string(v)? = l["value"], let value = Hash(base64: v)
            else { throw .malformed("\"leaf\" must be {\"key\": base64 of 32 bytes, \"value\": base64 of 32 bytes}") }
            terminal = .leaf(key: key, value: value)
        }
        if let extra = members.keys.min() { throw .malformed("unknown member \"\(extra)\"") }
        self.init(siblings: siblings, terminal: terminal)
    }

    /// Reads the canonical JSON text of a proof (at most `maxJSONBytes`).
    public init(jsonBytes: [UInt8]) throws(PrefixTreeProofError) {
        guard jsonBytes.count <= PrefixTreeProof.maxJSONBytes else {
            throw .malformed("\(jsonBytes.count) bytes of JSON, at most \(PrefixTreeProof.maxJSONBytes)")
        }
        let value: JSONValue
        do { value = try CanonicalJSON.parse(jsonBytes, requireCanonical: true) } catch { throw .malformed("\(error)") }
        try self.init(json: value)
    }
}
