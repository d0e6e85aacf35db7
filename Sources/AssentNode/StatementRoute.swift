import AssentCore
import AssentStore
import Hummingbird

extension Node {
    /// `GET /v1/statements/{hash}` (docs/protocol.md "Reading a statement"): a logged statement,
    /// its index, a receipt at the current checkpoint, whatever of it is still disclosed in the
    /// fields the node serves (`publicDisclosures`; the others are named in `withheld`), and
    /// whether an erasure deleted its disclosures. `hash` is 64 lower-case hex digits.
    func addStatementRoute(to router: Router<NodeRequestContext>) {
        let store = self.store
        let config = self.config
        router.get("/v1/statements/:hash") { _, context -> Response in
            let text = context.parameters.get("hash") ?? ""
            guard let hash = Node.statementHash(hex: text) else {
                return .problem(.badRequest("the statement hash is 64 lower-case hex digits (SHA-256 of the canonical signed statement), not \"\(text.prefix(80))\""))
            }
            guard let (checkpoint, note) = store.latestCheckpoint else { return .problem(.notFound("no checkpoint yet")) }
            let found: StatementRecord? = try await store.read { snapshot in
                guard let index = try snapshot.indexes(ofStatements: [hash])[hash], index < checkpoint.size else { return nil }
                guard let bytes = try snapshot.leafBytes(at: index), let statement = try LogLeaf(bytes: bytes).statement else {
                    throw StoreError.notFound("statement \(hash) at leaf \(index)")
                }
                let receipt = try Sequencer.receipts(for: [.earlier(index: index)], size: checkpoint.size, note: note, snapshot: snapshot)[0].get()
                let kept = try snapshot.disclosures(of: hash)
                return StatementRecord(index: index, statement: statement, receipt: receipt,
                                       disclosures: kept.filter { config.servesDisclosure(of: $0.field) },
                                       withheld: kept.filter { !config.servesDisclosure(of: $0.field) }.map(\.field),
                                       erased: try snapshot.erasure(of: hash))
            }
            guard let found else { return .problem(.notFound("statement \(hash.hex) is not logged here")) }
            return .bytes(found.jsonBytes, contentType: "application/json")
        }
    }

    /// 64 lower-case hex digits, and nothing else (one spelling: PROTOCOL §2, identity is bytes).
    static func statementHash(hex text: String) -> Hash? {
        guard text.utf8.count == 64, text.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }),
              let bytes = [UInt8](hex: text) else { return nil }
        return Hash(bytes: bytes)
    }
}

/// What `GET /v1/statements/{hash}` answers.
public struct StatementRecord: Sendable {
    let index: UInt64
    let statement: SignedStatement
    let receipt: Receipt
    /// The disclosures served (`NodeConfig.publicDisclosures`).
    let disclosures: [Disclosure]
    /// The fields disclosed to the node and kept, but not served.
    let withheld: [String]
    let erased: (erasure: Hash, at: Timestamp)?

    /// Canonical JSON (RFC 8785 member order). `erased` is left out until an erasure: Assent's
    /// JSON profile has no null.
    var jsonBytes: [UInt8] {
        // In the statement's own order of commitments, not the table's.
        let order = statement.statement.commitments.map(\.pointer)
        func position(_ field: String) -> Int { order.firstIndex(of: field) ?? .max }
        var out = Array(#"{"disclosures":"#.utf8)
        CanonicalJSON.write(.array(disclosures.sorted { position($0.field) < position($1.field) }.map(\.json)), into: &out)
        if let erased {
            out += Array(#","erased":"#.utf8)
            CanonicalJSON.write(["at": .string(erased.at.rfc3339), "by": .string(erased.erasure.base64)], into: &out)
        }
        out += Array(#","index":\#(index),"receipt":"#.utf8)
        CanonicalJSON.writeString(receipt.text, into: &out)
        out += Array(#","statement":"#.utf8)
        out += statement.canonicalBytes
        out += Array(#","withheld":"#.utf8)
        CanonicalJSON.write(.array(withheld.sorted { position($0) < position($1) }.map { JSONValue.string($0) }), into: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }
}

extension StatementRecord {
    /// Reads a `GET /v1/statements/{hash}` reply as `JSONValue`. Nodes before this change
    /// answered `"erased": null` (outside Assent's JSON profile, which has no null) when
    /// nothing was erased; that member is read as absent.
    public static func parseReply(_ bytes: [UInt8]) throws(CanonicalJSONError) -> JSONValue {
        let null = Array(#""erased":null,"#.utf8)
        var input = bytes
        if let at = input.firstRange(of: null) { input.removeSubrange(at) }
        return try CanonicalJSON.parse(input)
    }
}
