import AssentCore
import XCTest

/// Receipts (PROTOCOL §8): C2SP tlog-proof@v1 texts that prove one statement is logged.
final class ReceiptTests: XCTestCase {
    let logKey = try! NoteSigner(name: "example.com/log", key: SigningKey(seed: [UInt8](repeating: 7, count: 32)))
    let author = try! SigningKey(seed: [UInt8](repeating: 3, count: 32))
    let t0 = Timestamp(rfc3339: "2026-11-21T10:00:00.000Z")!

    func statement(_ n: Int) -> SignedStatement {
        SignedStatement.sign(.preference(Preference(by: author.publicKey, issued: t0, work: try! WorkID(parsing: "local:gema.de/\(n)"),
                                                     usage: ["train-ai": false])), with: author)
    }

    /// A log of `n` statements and a closing epoch, its signed checkpoint, and the receipt of each leaf.
    func log(_ n: Int) throws -> (leaves: [LogLeaf], receipts: [Receipt]) {
        var leaves = [LogLeaf]()
        var prev = Hash.zero
        for i in 0...n {
            let content: LogLeaf.Content = i < n ? .statement(statement(i)) : .epoch(mapRoot: .zero, size: UInt64(i))
            let leaf = try LogLeaf(index: UInt64(i), origin: "example.com/log", prev: prev, time: t0, content: content)
            prev = leaf.leafHash
            leaves.append(leaf)
        }
        let hashes = leaves.map(\.leafHash)
        let size = UInt64(hashes.count)
        let note = try Checkpoint(origin: "example.com/log", size: size, root: MerkleTree.rootHash(leafHashes: hashes))
            .sign(with: logKey).serialized
        let receipts = try leaves.map { leaf in
            let proof = try InclusionProof.generate(index: leaf.index, size: size, reader: InMemoryHashReader(leafHashes: hashes))
            return Receipt(leaf: leaf, proof: proof.hashes, checkpoint: note)
        }
        return (leaves, receipts)
    }

    func testAReceiptIsATlogProofThatVerifiesForItsStatement() throws {
        let (leaves, receipts) = try log(5)
        let receipt = receipts[2]
        let lines = receipt.text.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines[0], "c2sp.org/tlog-proof@v1")
        XCTAssertTrue(lines[1].hasPrefix("extra "))
        XCTAssertEqual(lines[2], "index 2")
        // The extra data is canonical JSON of the leaf's prev and time.
        let extra = try XCTUnwrap(Base64.decode(lines[1].dropFirst(6)))
        XCTAssertEqual(String(decoding: extra, as: UTF8.self), #"{"prev":"\#(leaves[1].leafHash.base64)","time":"2026-11-21T10:00:00.000Z"}"#)
        let parsed = try Receipt(text: receipt.text)
        XCTAssertEqual(parsed, receipt)
        let verified = try parsed.verify(statement: statement(2), logKey: logKey.verifierKey)
        XCTAssertEqual(verified.leaf, leaves[2])
        XCTAssertEqual(verified.checkpoint.size, 6)
    }

    func testAReceiptForAnotherStatementIsRefused() throws {
        let (_, receipts) = try log(5)
        // Receipt 3 is a valid proof of leaf 3 — but not of statement 2.
        XCTAssertThrowsError(try receipts[3].verify(statement: statement(2), logKey: logKey.verifierKey)) { error in
            guard case .notIncluded(index: 3, size: 6, _) = error as? ReceiptError else { return XCTFail("\(error)") }
        }
    }

    func testAReceiptForTheEpochLeafProvesNoStatement() throws {
        let (_, receipts) = try log(5)
        XCTAssertThrowsError(try receipts[5].verify(statement: statement(4), logKey: logKey.verifierKey)) { error in
            guard case .notIncluded = error as? ReceiptError else { return XCTFail("\(error)") }
        }
    }

    func testChangingPrevTimeIndexOrAProofHashBreaksTheReceipt() throws {
        let (leaves, receipts) = try log(5)
        let r = receipts[2]
        let variants = [
            Receipt(index: r.index, prev: leaves[0].leafHash, time: r.time, proof: r.proof, checkpoint: r.checkpoint),
            Receipt(index: r.index, prev: r.prev, time: Timestamp(milliseconds: r.time.milliseconds + 1), proof: r.proof, checkpoint: r.checkpoint),
            Receipt(index: 1, prev: r.prev, time: r.time, proof: r.proof, checkpoint: r.checkpoint),
            Receipt(index: r.index, prev: r.prev, time: r.time, proof: [leaves[4].leafHash] + r.proof.dropFirst(), checkpoint: r.checkpoint),
        ]
        for v in variants {
            XCTAssertThrowsError(try Receipt(text: v.text).verify(statement: statement(2), logKey: logKey.verifierKey))
        }
    }

    func testACheckpointNotSignedByTheLogKeyIsRefused() throws {
        let (_, receipts) = try log(3)
        let other = try NoteSigner(name: "example.com/log", key: SigningKey(seed: [UInt8](repeating: 8, count: 32)))
        XCTAssertThrowsError(try receipts[1].verify(statement: statement(1), logKey: other.verifierKey)) { error in
            guard case .badCheckpoint = error as? ReceiptError else { return XCTFail("\(error)") }
        }
    }

    func testMalformedTextsAreRefusedWithTheLine() throws {
        let good = try log(3).receipts[1].text
        let cases: [(String, String)] = [
            (good.replacingOccurrences(of: "c2sp.org/tlog-proof@v1", with: "c2sp.org/tlog-proof@v2"), "receipt line 1:"),
            (good.replacingOccurrences(of: "index 1\n", with: "index 01\n"), "receipt line 3:"),
            (good.replacingOccurrences(of: "index 1\n", with: "index -1\n"), "receipt line 3:"),
            (good.replacingOccurrences(of: "index 1\n", with: "index 18446744073709551616\n"), "receipt line 3:"),
            (good.replacingOccurrences(of: "extra ", with: "extras "), "receipt line 2:"),
            (good.replacingOccurrences(of: "\n\n", with: "\n"), "receipt: no empty line"),
            (good.replacingOccurrences(of: "index 1\n", with: "index 1\nnot-base64\n"), "receipt line 4:"),
            (String(repeating: "x", count: Receipt.maxSize + 1), "receipt: receipt is"),
        ]
        for (text, prefix) in cases {
            XCTAssertThrowsError(try Receipt(text: text)) { XCTAssertTrue("\($0)".hasPrefix(prefix), "\($0) for \(prefix)") }
        }
    }

    func testAProofOfMoreThan64HashesIsRefusedBeforeItIsRead() throws {
        let good = try log(3).receipts[1].text
        let many = String(repeating: Hash.zero.base64 + "\n", count: 65)
        XCTAssertThrowsError(try Receipt(text: good.replacingOccurrences(of: "index 1\n", with: "index 1\n" + many))) {
            XCTAssertTrue("\($0)".hasSuffix("proof hashes; a proof has at most 64"), "\($0)")
        }
    }
}
