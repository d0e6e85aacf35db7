/// A log leaf (PROTOCOL §4): canonical JSON, at most 65,535 bytes.
///
///     {"entry": <signed statement>, "index": N, "log": origin, "prev": base64, "time": t, "v": 1}
///     {"epoch": {"map": base64, "size": N}, "index": N, "log": origin, "prev": base64, "time": t, "v": 1}
///
/// `prev` is the RFC 6962 leaf hash of leaf N−1 (32 zero bytes for leaf 0), so the log is
/// a hash chain as well as a Merkle tree.
public struct LogLeaf: Hashable, Sendable {
    public enum Content: Hashable, Sendable {
        case statement(SignedStatement)
        /// The state map root covering every leaf before this one, and how many leaves that is.
        case epoch(mapRoot: Hash, size: UInt64)
    }

    public static let version: Int64 = 1
    /// Every member a leaf may have.
    static let memberNames: Set<JSONKey> = ["entry", "epoch", "index", "log", "prev", "time", "v"]
    public static let maxSize = EntryBundle.maxEntrySize

    /// The leaf's members, in one object: a leaf is copied at every stage of a replication
    /// (parse, replay, the pending chunk, the writer), and a copy of the members themselves was a
    /// dozen retains and releases (the origin, the bytes, each reference a statement holds);
    /// a copy of a `LogLeaf` is one. Immutable, so it is shared safely.
    ///
    /// Visible to inlining (`@usableFromInline`, the getters `@inlinable`): the store and the
    /// replicator, in other modules, read a leaf's members for every leaf, and an opaque getter
    /// returned each one as an owned copy (`content` a copy of the whole statement).
    @usableFromInline final class Storage: Sendable {
        @usableFromInline let index: UInt64
        @usableFromInline let origin: String
        @usableFromInline let prev: Hash
        @usableFromInline let time: Timestamp
        @usableFromInline let content: Content
        @usableFromInline let bytes: [UInt8]
        @usableFromInline let leafHash: Hash

        init(index: UInt64, origin: String, prev: Hash, time: Timestamp, content: Content, bytes: [UInt8], leafHash: Hash) {
            self.index = index
            self.origin = origin
            self.prev = prev
            self.time = time
            self.content = content
            self.bytes = bytes
            self.leafHash = leafHash
        }
    }

    @usableFromInline let storage: Storage

    @inlinable public var index: UInt64 { storage.index }
    @inlinable public var origin: String { storage.origin }
    @inlinable public var prev: Hash { storage.prev }
    @inlinable public var time: Timestamp { storage.time }
    /// Borrowed, not copied: matching a leaf's content retains nothing.
    @inlinable public var content: Content { _read { yield storage.content } }
    /// The canonical bytes, as hashed into the tree and served in entry bundles.
    @inlinable public var bytes: [UInt8] { storage.bytes }
    /// The RFC 6962 leaf hash of `bytes`, computed once.
    @inlinable public var leafHash: Hash { storage.leafHash }

    /// Two leaves are equal when their bytes are: every member is parsed from them (or, for a
    /// leaf made from its members, they are the members' one canonical encoding).
    public static func == (lhs: LogLeaf, rhs: LogLeaf) -> Bool {
        lhs.storage === rhs.storage || (lhs.storage.leafHash == rhs.storage.leafHash && lhs.storage.bytes == rhs.storage.bytes)
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(storage.leafHash) }

    public init(index: UInt64, origin: String, prev: Hash, time: Timestamp, content: Content) throws(LeafError) {
        // The members in canonical order (entry|epoch, index, log, prev, time, v). A statement's
        // canonical bytes are spliced in as they are: it was parsed canonical, so re-encoding
        // would give the same bytes at the cost of a parse and an encode per leaf.
        var bytes = [UInt8]()
        switch content {
        case let .statement(s):
            bytes.reserveCapacity(s.canonicalBytes.count + 200)
            bytes += Array(#"{"entry":"#.utf8)
            bytes += s.canonicalBytes
        case let .epoch(root, size):
            bytes += Array(#"{"epoch":"#.utf8)
            CanonicalJSON.write(["map": .string(root.base64), "size": .integer(Int64(size))], into: &bytes)
        }
        LogLeaf.writeTail(index: index, origin: origin, prev: prev, time: time, into: &bytes)
        guard bytes.count <= LogLeaf.maxSize else { throw .tooLarge(index: index, bytes: bytes.count) }
        storage = Storage(index: index, origin: origin, prev: prev, time: time, content: content, bytes: bytes, leafHash: MerkleTree.leafHash(bytes))
    }

    /// Parses a leaf from its bytes: canonical JSON, known fields, a valid signed statement or epoch.
    public init(bytes: [UInt8]) throws(LeafError) {
        try self.init(bytes: bytes, signedLeafHash: nil, verifySignature: true)
    }

    /// Parses a leaf of a peer's entry bundle against the leaf hash the peer's signed tree holds
    /// for it (`signedLeafHash`, from an authenticated hash tile): bytes with another hash are
    /// refused (`LeafError.notTheSignedLeaf`) before they are parsed, so bytes the tree does not
    /// hold cost a hash, never a signature verification. The one hash serves the check and
    /// `leafHash`; otherwise as `init(bytes:)`.
    public init(bytes: [UInt8], signedLeafHash: Hash) throws(LeafError) {
        try self.init(bytes: bytes, signedLeafHash: .some(signedLeafHash), verifySignature: true)
    }

    /// Parses a leaf read back from the store of a log that checked it before storing it (a
    /// node's own log, whose statements were verified at submission; a mirror, whose leaves were
    /// parsed with `init(bytes:)`): every rule of `init(bytes:)` but the statement's signature,
    /// an Ed25519 verification that would otherwise dominate the state queries (docs/benchmarks.md,
    /// "Consent state"). Never for bytes from outside: a peer's bundle, a request, a file.
    /// `assent store check` still verifies every stored signature.
    public init(storedBytes bytes: [UInt8]) throws(LeafError) {
        try self.init(bytes: bytes, signedLeafHash: nil, verifySignature: false)
    }

    /// Checks the size, hashes the bytes once (refusing them when `signedLeafHash` is given and
    /// differs), then parses them.
    private init(bytes: [UInt8], signedLeafHash: Hash?, verifySignature: Bool) throws(LeafError) {
        guard bytes.count <= LogLeaf.maxSize else { throw .tooLarge(index: nil, bytes: bytes.count) }
        let leafHash = MerkleTree.leafHash(bytes)
        if let signedLeafHash, leafHash != signedLeafHash { throw .notTheSignedLeaf }
        let value: JSONValue
        do { value = try CanonicalJSON.parse(bytes, requireCanonical: true) } catch { throw .malformed(index: nil, "\(error)") }
        // Members looked up, not removed: removing would copy the object (its storage is shared
        // with `value`) and hash every member again.
        guard case let .object(o) = value else { throw .malformed(index: nil, "leaf is not a JSON object") }
        guard case let .integer(i)? = o["index"], i >= 0 else { throw .malformed(index: nil, "missing or bad \"index\"") }
        let index = UInt64(i)
        func fail(_ why: String) -> LeafError { .malformed(index: index, why) }
        guard case .integer(LogLeaf.version)? = o["v"] else { throw fail("\"v\" must be 1") }
        guard case let .string(origin)? = o["log"], !origin.isEmpty else { throw fail("missing \"log\"") }
        guard case let .string(p)? = o["prev"], let prev = Hash(base64: p) else { throw fail("\"prev\" must be base64 of 32 bytes") }
        guard case let .string(t)? = o["time"], let time = Timestamp(rfc3339: t) else { throw fail("bad \"time\"") }
        let content: Content
        let entry = o["entry"], epoch = o["epoch"]
        // Before the content is parsed: the statement's bytes are found below by the leaf's
        // other members, which must then be all there is (the five above, and entry or epoch).
        if o.count != 5 + (entry == nil ? 0 : 1) + (epoch == nil ? 0 : 1),
           let extra = o.keys.filter({ !LogLeaf.memberNames.contains($0) }).sorted().first {
            throw fail("unknown field \"\(extra)\"")
        }
        switch (entry, epoch) {
        case let (entry?, nil):
            let known = LogLeaf.entryBytes(of: bytes, index: index, origin: origin, prev: prev, time: time)
            do { content = .statement(try SignedStatement(json: entry, canonicalBytes: known, verifySignature: verifySignature)) } catch {
                throw .badStatement(index: index, error)
            }
        case let (nil, epoch?):
            guard case let .object(e) = epoch, e.count == 2, case let .string(m)? = e["map"], let root = Hash(base64: m),
                  case let .integer(size)? = e["size"], size >= 0
            else { throw fail("epoch must be {\"map\": base64 root, \"size\": N}") }
            guard UInt64(size) == index else { throw fail("epoch size \(size) must equal its index \(index): it covers every leaf before it") }
            content = .epoch(mapRoot: root, size: UInt64(size))
        default:
            throw fail("leaf must have exactly one of \"entry\" and \"epoch\"")
        }
        storage = Storage(index: index, origin: origin, prev: prev, time: time, content: content, bytes: bytes, leafHash: leafHash)
    }

    /// What follows a leaf's content: `,"index":N,"log":…,"prev":…,"time":…,"v":1}` in canonical
    /// form (the members after `entry` or `epoch`, which sort first).
    static func writeTail(index: UInt64, origin: String, prev: Hash, time: Timestamp, into bytes: inout [UInt8]) {
        bytes += Array(#","index":\#(index),"log":"#.utf8)
        CanonicalJSON.writeString(origin, into: &bytes)
        bytes += Array(#","prev":"\#(prev.base64)","time":"\#(time.rfc3339)","v":\#(LogLeaf.version)}"#.utf8)
    }

    /// The canonical bytes of a statement leaf's `entry`, cut from the leaf's own bytes, or nil
    /// when they cannot be found that way (then the statement is encoded again, as before).
    /// `bytes` parsed as canonical JSON with exactly the members entry, index, log, prev, time and
    /// v, so they are `{"entry":` + canonical(entry) + the canonical tail of the others: when the
    /// tail re-made from the parsed members ends `bytes` (a member spelled otherwise than its
    /// canonical re-encoding, a base64 or time with another spelling, gives nil), what lies
    /// between is canonical(entry). Spares encoding the statement twice a leaf (for its signed
    /// body and for its canonical bytes): a replica parses every leaf it follows.
    static func entryBytes(of bytes: [UInt8], index: UInt64, origin: String, prev: Hash, time: Timestamp) -> [UInt8]? {
        let head = #"{"entry":"#.utf8
        var tail = [UInt8]()
        tail.reserveCapacity(160 + origin.utf8.count)
        writeTail(index: index, origin: origin, prev: prev, time: time, into: &tail)
        guard bytes.count > head.count + tail.count, bytes.starts(with: head), bytes.suffix(tail.count).elementsEqual(tail) else { return nil }
        return Array(bytes[head.count..<(bytes.count - tail.count)])
    }


    @inlinable public var statement: SignedStatement? {
        if case let .statement(s) = storage.content { return s }
        return nil
    }

    @inlinable public var isEpoch: Bool {
        if case .epoch = storage.content { return true }
        return false
    }
}

extension LogLeaf: CustomDebugStringConvertible {
    /// The index and the bytes (a test's failed comparison shows the leaves, not the box).
    public var debugDescription: String { "LogLeaf(index: \(index), bytes: \(String(decoding: bytes, as: UTF8.self)))" }
}
