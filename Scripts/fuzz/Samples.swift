// Real, valid inputs of every kind, made from fixed keys: the seeds the fuzzer mutates,
// and the keys targets verify against (so a mutated input that keeps a valid signature
// reaches the code after the signature check).

@testable import AssentCore

enum Samples {
    static let declarant = try! SigningKey(seed: [UInt8](repeating: 7, count: 32))
    static let operatorKey = try! SigningKey(seed: [UInt8](repeating: 9, count: 32))
    static let origin = "example.com/log"
    static let log = try! NoteSigner(name: origin, key: SigningKey(seed: [UInt8](repeating: 1, count: 32)))
    static let witness = try! NoteSigner(name: "witness.example", key: SigningKey(seed: [UInt8](repeating: 2, count: 32)), type: .cosignatureV1)
    static let issued = Timestamp(rfc3339: "2026-11-21T10:00:00.000Z")!

    static let workIDs = [
        "iswc:T0345246801", "isrc:USRC17607839", "isbn:9780306406157", "isni:000000012146438X", "doi:10.1038/nphys1170",
        "iscc:KACYPXW445FTYNJ3CYSXHAFJMA2HUWULUNRFE3BLHRSCXYH2M5AEGQY", "url:https://example.com:8443/a?b=c",
        "local:gema.de/123-456",
    ]

    static let statements: [SignedStatement] = [
        .sign(.preference(Preference(
            by: declarant.publicKey, issued: issued, work: try! WorkID(parsing: "iswc:T0345246801"),
            audience: Audience("licensee:example-ai.com")!, usage: ["train-ai": false, "search": true],
            conditions: Conditions(credit: commit("Jane \"JD\" Doe\n"), terms: "https://gema.de/terms", purpose: .research),
            expires: Timestamp(rfc3339: "2027-01-01T00:00:00.000Z")!, note: commit("ünïcødé ✓ 𝄞")
        )), with: declarant),
        .sign(.enrollment(Enrollment(
            by: operatorKey.publicKey, issued: issued, party: declarant.publicKey, role: .steward, name: commit("Jane"),
            ids: [commit("ipi:00052210040"), commit("isni:000000012146438X")], community: .init(name: "Kin", projects: ["p1"])
        )), with: operatorKey),
        .sign(.mandate(Mandate(
            by: operatorKey.publicKey, issued: issued, party: declarant.publicKey,
            works: workIDs.map { try! WorkID(parsing: $0) }, role: .steward, labels: ["BC-P"]
        )), with: operatorKey),
        .sign(.erasure(Erasure(by: declarant.publicKey, issued: issued, erases: Hash(bytes: [UInt8](repeating: 7, count: 32))!)), with: declarant),
    ]

    /// Statements with their disclosures, as a node reads a submission (docs/protocol.md "Personal data").
    static let submissions: [Submission] = [
        try! Submission(statement: statements[0], disclosures: [
            Disclosure(field: "/conditions/credit", salt: Array(0..<16), text: "Jane \"JD\" Doe\n"),
            Disclosure(field: "/note", salt: Array(0..<16), text: "ünïcødé ✓ 𝄞"),
        ]),
        try! Submission(statement: statements[1], disclosures: [
            Disclosure(field: "/name", salt: Array(0..<16), text: "Jane"),
            Disclosure(field: "/ids/0", salt: Array(0..<16), text: "ipi:00052210040"),
            Disclosure(field: "/ids/1", salt: Array(0..<16), text: "isni:000000012146438X"),
        ]),
    ]

    /// A commitment with a fixed salt (bytes 0…15): samples are the same on every run.
    static func commit(_ text: String) -> Commitment { try! Commitment(text: text, salt: Array(0..<16)) }

    /// A chain of leaves: statements, then an epoch closing it.
    static let leaves: [LogLeaf] = {
        var out = [LogLeaf]()
        var prev = Hash.zero
        for (i, s) in statements.enumerated() {
            out.append(try! LogLeaf(index: UInt64(i), origin: origin, prev: prev, time: issued, content: .statement(s)))
            prev = out.last!.leafHash
        }
        out.append(try! LogLeaf(index: UInt64(out.count), origin: origin, prev: prev, time: issued,
                                content: .epoch(mapRoot: MerkleTree.emptyRoot, size: UInt64(out.count))))
        return out
    }()

    static let checkpoint = Checkpoint(origin: origin, size: UInt64(leaves.count), root: MerkleTree.rootHash(leafHashes: leaves.map(\.leafHash)))

    /// The checkpoint signed by the log and cosigned by the witness.
    static let note: SignedNote = {
        let signed = try! checkpoint.sign(with: log)
        return signed.adding(try! Cosignature.sign(signed, witness: witness, timestamp: 1_790_000_000))
    }()

    static let receipts: [Receipt] = leaves.indices.map { i in
        let proof = try! InclusionProof.generate(index: UInt64(i), size: checkpoint.size, reader: InMemoryHashReader(leafHashes: leaves.map(\.leafHash)))
        return Receipt(leaf: leaves[i], proof: proof.hashes, checkpoint: note.serialized)
    }

    static let bundle = EntryBundle.encode(leaves.map(\.bytes))

    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }
}
