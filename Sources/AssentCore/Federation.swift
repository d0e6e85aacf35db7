/// The federation file (PROTOCOL §9): the logs a federation trusts (origin, checkpoint key,
/// URL, operator keys, society), its witnesses and the cosignature quorum. Nodes, the CLI and
/// verifiers read the same bytes; a proof names their SHA-256 (`digest`).
///
/// The file comes from outside (an operator's editor, a download), so it is read as hostile:
/// at most `maxBytes`, strict JSON (Assent's profile, PROTOCOL §1, white space allowed),
/// unknown fields refused, every key checked, origins, witness names and keys unique, and
/// each refusal names the field (docs/federation.md "The file").
public struct Federation: Sendable, Equatable {
    public struct Log: Sendable, Equatable {
        /// The checkpoint origin, equal to the key name of `key` (tlog-checkpoint; tlog-policy
        /// "Defining a log": the key name MUST correspond to the origin line).
        public let origin: String
        /// The log's checkpoint key (signed-note type 0x01).
        public let key: NoteVerifierKey
        /// Base URL of the node serving this log: tlog-tiles paths below it. Ends with "/".
        public let url: String
        /// Keys that sign this log's enrollments and mandates.
        public let operators: [PublicKey]
        /// For humans.
        public let society: String

        public init(origin: String, key: NoteVerifierKey, url: String, operators: [PublicKey], society: String) {
            self.origin = origin
            self.key = key
            self.url = url
            self.operators = operators
            self.society = society
        }
    }

    public struct Witness: Sendable, Equatable {
        /// The witness's cosignature key (type 0x04, tlog-cosignature); `key.name` is its name.
        public let key: NoteVerifierKey
        /// Base URL: the witness takes `POST <url>add-checkpoint` (tlog-witness). Ends with "/".
        public let url: String?

        public init(key: NoteVerifierKey, url: String?) {
            self.key = key
            self.url = url
        }
    }

    /// The largest file read: a federation of 64 logs with 64 operators each fits well below.
    public static let maxBytes = 1 << 20
    /// Logs and witnesses at most (tlog-policy "Implementation limits" asks for at least 32).
    public static let maxLogs = 64
    public static let maxWitnesses = 64
    public static let maxOperatorsPerLog = 64
    public static let maxURLBytes = 2048
    public static let maxSocietyBytes = 200
    /// The one file format version.
    public static let version: Int64 = 1
    /// The tlog-policy group that holds the federation's witnesses (`policy()`); no witness may
    /// take this name, nor `none`, which tlog-policy predefines.
    public static let policyGroupName = "assent-federation"

    public let logs: [Log]
    public let witnesses: [Witness]
    /// Cosignatures a checkpoint needs, 0...witnesses.count.
    public let quorum: Int
    /// SHA-256 of the file's bytes (PROTOCOL §9: a proof names it).
    public let digest: Hash
    /// The file as read, served as is (`GET /v1/federation`), so its digest can be checked.
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) throws(FederationError) {
        guard bytes.count <= Federation.maxBytes else { throw .tooLarge(bytes: bytes.count, limit: Federation.maxBytes) }
        let value: JSONValue
        do { value = try CanonicalJSON.parse(bytes) } catch { throw .notJSON(error) }
        var top = try Fields(value, path: "")
        let v = try top.integer("v")
        guard v == Federation.version else { throw .badField("v", "version \(v) is not known; this software reads version \(Federation.version)") }

        var logs = [Log]()
        let logItems = try top.array("logs", max: Federation.maxLogs)
        guard !logItems.isEmpty else { throw .badField("logs", "a federation lists at least one log") }
        for (i, item) in logItems.enumerated() {
            let log = try Federation.readLog(item, path: "logs[\(i)]")
            if logs.contains(where: { Bytewise.equal($0.origin, log.origin) }) {
                throw .duplicate(field: "logs[\(i)].origin", "origin \"\(log.origin)\" is listed twice")
            }
            // tlog-policy "Defining a log": duplicate logs (the same public key) are not allowed.
            if logs.contains(where: { $0.key.publicKey == log.key.publicKey }) {
                throw .duplicate(field: "logs[\(i)].key", "this public key is already the key of another log")
            }
            logs.append(log)
        }

        var witnesses = [Witness]()
        for (i, item) in try top.array("witnesses", max: Federation.maxWitnesses).enumerated() {
            let witness = try Federation.readWitness(item, path: "witnesses[\(i)]")
            if witnesses.contains(where: { Bytewise.equal($0.key.name, witness.key.name) }) {
                throw .duplicate(field: "witnesses[\(i)].key", "witness name \"\(witness.key.name)\" is listed twice")
            }
            // tlog-policy "Defining a witness": duplicate witnesses (the same public key) are not allowed.
            if witnesses.contains(where: { $0.key.publicKey == witness.key.publicKey }) {
                throw .duplicate(field: "witnesses[\(i)].key", "this public key is already the key of another witness")
            }
            witnesses.append(witness)
        }

        let quorum = try top.integer("quorum")
        guard quorum >= 0, quorum <= Int64(witnesses.count) else {
            throw .badField("quorum", "\(quorum) cosignatures cannot be met by \(witnesses.count) witnesses; use 0...\(witnesses.count)")
        }
        try top.finish()

        self.logs = logs
        self.witnesses = witnesses
        self.quorum = Int(quorum)
        self.digest = SHA256.hash(bytes)
        self.bytes = bytes
    }

    /// The log whose checkpoints carry `origin` (compared bytewise, PROTOCOL §2).
    public func log(origin: String) -> Log? { logs.first { Bytewise.equal($0.origin, origin) } }

    /// Every operator key of every log: who may sign enrollments and mandates anywhere.
    public var operatorKeys: Set<PublicKey> { Set(logs.flatMap(\.operators)) }

    // MARK: Writing

    /// The bytes of a federation file listing `logs`, `witnesses` and `quorum`: one log or
    /// witness a line, each in canonical JSON, so that a person can read and diff it. Read it
    /// back with `init(bytes:)`, which checks it.
    public static func encode(logs: [Log], witnesses: [Witness], quorum: Int) -> [UInt8] {
        func line(_ value: JSONValue) -> String { String(decoding: CanonicalJSON.encode(value), as: UTF8.self) }
        let logLines = logs.map { log in
            line(.object([
                "origin": .string(log.origin), "key": .string(log.key.description), "url": .string(log.url),
                "operators": .array(log.operators.map { .string($0.base64) }), "society": .string(log.society),
            ]))
        }
        let witnessLines = witnesses.map { w in
            var members: [JSONKey: JSONValue] = ["key": .string(w.key.description)]
            if let url = w.url { members["url"] = .string(url) }
            return line(.object(members))
        }
        func list(_ lines: [String]) -> String { lines.isEmpty ? "[]" : "[\n    " + lines.joined(separator: ",\n    ") + "\n  ]" }
        let text = "{\n  \"v\": \(Federation.version),\n  \"logs\": \(list(logLines)),\n  \"witnesses\": \(list(witnessLines)),\n  \"quorum\": \(quorum)\n}\n"
        return Array(text.utf8)
    }

    // MARK: Reading

    private static func readLog(_ value: JSONValue, path: String) throws(FederationError) -> Log {
        var f = try Fields(value, path: path)
        let origin = try f.string("origin", maxBytes: 1024)
        guard NoteKeyName.isValid(origin) else {
            throw .badField("\(path).origin", "\"\(origin)\" is not a valid origin (signed-note key name: non-empty, no spaces or '+')")
        }
        let key = try f.verifierKey("key")
        guard key.type == .ed25519 else {
            throw .badField("\(path).key", "a log's checkpoint key must have signature type 0x01 (Ed25519), found 0x\([key.type.rawValue].hexString)")
        }
        guard Bytewise.equal(key.name, origin) else {
            throw .badField("\(path).key", "the key's name \"\(key.name)\" must be the log's origin \"\(origin)\" (tlog-checkpoint)")
        }
        let url = try f.url("url")
        var operators = [PublicKey]()
        let items = try f.array("operators", max: Federation.maxOperatorsPerLog)
        guard !items.isEmpty else { throw .badField("\(path).operators", "a log has at least one operator key") }
        for (i, item) in items.enumerated() {
            let field = "\(path).operators[\(i)]"
            guard case let .string(text) = item else { throw .wrongType(field: field, expected: "a string", found: item.typeName) }
            let key: PublicKey
            do { key = try PublicKey(base64: text) } catch { throw .badField(field, "\(error)") }
            guard !operators.contains(key) else { throw .duplicate(field: field, "operator key \(key.base64) is listed twice") }
            operators.append(key)
        }
        let society = try f.string("society", maxBytes: Federation.maxSocietyBytes)
        guard !society.isEmpty else { throw .badField("\(path).society", "is empty") }
        try f.finish()
        return Log(origin: origin, key: key, url: url, operators: operators, society: society)
    }

    private static func readWitness(_ value: JSONValue, path: String) throws(FederationError) -> Witness {
        var f = try Fields(value, path: path)
        let key = try f.verifierKey("key")
        guard key.type == .cosignatureV1 else {
            throw .badField("\(path).key", "a witness key must have signature type 0x04 (tlog-cosignature), found 0x\([key.type.rawValue].hexString)")
        }
        // tlog-policy names witnesses by their key names (`policy()`): these two are taken.
        guard !Bytewise.equal(key.name, "none"), !Bytewise.equal(key.name, Federation.policyGroupName) else {
            throw .badField("\(path).key", "the witness name \"\(key.name)\" is reserved in tlog-policy files")
        }
        let url = f.has("url") ? try f.url("url") : nil
        try f.finish()
        return Witness(key: key, url: url)
    }

    /// Takes fields out of one JSON object, so that whatever is left at the end is unknown.
    private struct Fields {
        var members: [JSONKey: JSONValue]
        let path: String

        init(_ value: JSONValue, path: String) throws(FederationError) {
            guard case let .object(m) = value else {
                throw .wrongType(field: path.isEmpty ? "(the file)" : path, expected: "an object", found: value.typeName)
            }
            members = m
            self.path = path
        }

        func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

        func has(_ key: String) -> Bool { members[JSONKey(key)] != nil }

        mutating func take(_ key: String) throws(FederationError) -> JSONValue {
            guard let v = members.removeValue(forKey: JSONKey(key)) else { throw .missingField(name(key)) }
            return v
        }

        mutating func integer(_ key: String) throws(FederationError) -> Int64 {
            let v = try take(key)
            guard case let .integer(n) = v else { throw .wrongType(field: name(key), expected: "an integer", found: v.typeName) }
            return n
        }

        mutating func string(_ key: String, maxBytes: Int) throws(FederationError) -> String {
            let v = try take(key)
            guard case let .string(s) = v else { throw .wrongType(field: name(key), expected: "a string", found: v.typeName) }
            guard s.utf8.count <= maxBytes else { throw .badField(name(key), "longer than \(maxBytes) bytes") }
            return s
        }

        mutating func array(_ key: String, max: Int) throws(FederationError) -> [JSONValue] {
            let v = try take(key)
            guard case let .array(items) = v else { throw .wrongType(field: name(key), expected: "an array", found: v.typeName) }
            guard items.count <= max else { throw .badField(name(key), "\(items.count) items, at most \(max)") }
            return items
        }

        mutating func verifierKey(_ key: String) throws(FederationError) -> NoteVerifierKey {
            let text = try string(key, maxBytes: 1024)
            do { return try NoteVerifierKey(parsing: text) } catch { throw .badField(name(key), "\(error)") }
        }

        /// An absolute http(s) base URL ending in "/", printable ASCII: paths are appended to it.
        mutating func url(_ key: String) throws(FederationError) -> String {
            let url = try string(key, maxBytes: Federation.maxURLBytes)
            let field = name(key)
            guard url.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw .badField(field, "a URL is printable ASCII without spaces")
            }
            let rest: Substring
            if url.hasPrefix("http://") { rest = url.dropFirst(7) } else if url.hasPrefix("https://") { rest = url.dropFirst(8) } else {
                throw .badField(field, "\"\(url)\" is not an http or https URL")
            }
            guard let first = rest.first, first != "/" else { throw .badField(field, "\"\(url)\" has no host") }
            guard url.hasSuffix("/") else { throw .badField(field, "\"\(url)\" must end with \"/\" (paths are appended to it)") }
            guard !url.contains("?"), !url.contains("#") else { throw .badField(field, "\"\(url)\" must not have a query or fragment") }
            return url
        }

        func finish() throws(FederationError) {
            if let extra = members.keys.min() { throw .unknownField(name(extra.string)) }
        }
    }
}
