import AssentCore
import XCTest

final class LogLeafTests: XCTestCase {
    let key = try! SigningKey(seed: [UInt8](repeating: 3, count: 32))
    let t0 = Timestamp(rfc3339: "2026-11-21T10:00:00.000Z")!

    func statement(_ n: Int) -> SignedStatement {
        SignedStatement.sign(.preference(Preference(by: key.publicKey, issued: t0, work: try! WorkID(parsing: "local:gema.de/\(n)"),
                                                     usage: ["train-ai": false])), with: key)
    }

    func chain(_ n: Int) throws -> [LogLeaf] {
        var leaves = [LogLeaf]()
        var prev = Hash.zero
        for i in 0..<n {
            let content: LogLeaf.Content = i == n - 1 ? .epoch(mapRoot: .zero, size: UInt64(i)) : .statement(statement(i))
            let leaf = try LogLeaf(index: UInt64(i), origin: "example.com/log", prev: prev, time: t0, content: content)
            prev = leaf.leafHash
            leaves.append(leaf)
        }
        return leaves
    }

    func testLeafBytesAreCanonicalAndParseBack() throws {
        for leaf in try chain(3) {
            let parsed = try LogLeaf(bytes: leaf.bytes)
            XCTAssertEqual(parsed, leaf)
            // Member by member: equality compares bytes, so it alone would not see a parse that
            // lost or changed a member.
            XCTAssertEqual(parsed.index, leaf.index)
            XCTAssertEqual(parsed.origin, leaf.origin)
            XCTAssertEqual(parsed.prev, leaf.prev)
            XCTAssertEqual(parsed.time, leaf.time)
            XCTAssertEqual(parsed.content, leaf.content)
            XCTAssertEqual(parsed.leafHash, leaf.leafHash)
        }
        let epoch = try chain(3)[2]
        XCTAssertEqual(String(decoding: epoch.bytes, as: UTF8.self),
                       #"{"epoch":{"map":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","size":2},"index":2,"log":"example.com/log","prev":"\#(try chain(3)[1].leafHash.base64)","time":"2026-11-21T10:00:00.000Z","v":1}"#)
    }

    /// A leaf is its bytes: a copy, a leaf parsed from its bytes and one made from the same
    /// members are equal and hash alike; leaves that differ in any member are not equal.
    func testLeavesAreEqualWhenTheirBytesAre() throws {
        let leaves = try chain(3)
        let copy = leaves[0]
        XCTAssertEqual(copy, leaves[0])
        let remade = try LogLeaf(index: 0, origin: "example.com/log", prev: .zero, time: t0, content: .statement(statement(0)))
        let parsed = try LogLeaf(storedBytes: leaves[0].bytes)
        XCTAssertEqual(Set([leaves[0], remade, parsed]).count, 1)
        XCTAssertEqual(Set(leaves + [remade, parsed]).count, 3)
        let otherTime = try LogLeaf(index: 0, origin: "example.com/log", prev: .zero, time: Timestamp(milliseconds: t0.milliseconds + 1),
                                    content: .statement(statement(0)))
        let otherOrigin = try LogLeaf(index: 0, origin: "example.com/other", prev: .zero, time: t0, content: .statement(statement(0)))
        let otherStatement = try LogLeaf(index: 0, origin: "example.com/log", prev: .zero, time: t0, content: .statement(statement(1)))
        let otherPrev = try LogLeaf(index: 0, origin: "example.com/log", prev: leaves[2].leafHash, time: t0, content: .statement(statement(0)))
        let otherIndex = try LogLeaf(index: 7, origin: "example.com/log", prev: .zero, time: t0, content: .statement(statement(0)))
        for other in [otherTime, otherOrigin, otherStatement, otherPrev, otherIndex, leaves[1]] {
            XCTAssertNotEqual(other, leaves[0])
        }
        let epoch = try LogLeaf(index: 2, origin: "example.com/log", prev: .zero, time: t0, content: .epoch(mapRoot: .zero, size: 2))
        let otherRoot = try LogLeaf(index: 2, origin: "example.com/log", prev: .zero, time: t0,
                                    content: .epoch(mapRoot: leaves[0].leafHash, size: 2))
        XCTAssertNotEqual(epoch, otherRoot)
        XCTAssertEqual(try LogLeaf(storedBytes: otherRoot.bytes), otherRoot)
    }

    func testChainVerifierAcceptsAGoodChain() throws {
        var verifier = ChainVerifier(origin: "example.com/log")
        for leaf in try chain(5) { try verifier.append(leaf) }
        XCTAssertEqual(verifier.nextIndex, 5)
    }

    func testBrokenPrevLinkIsReportedWithItsIndex() throws {
        var leaves = try chain(5)
        leaves[3] = try LogLeaf(index: 3, origin: "example.com/log", prev: leaves[1].leafHash, time: t0, content: leaves[3].content)
        var verifier = ChainVerifier(origin: "example.com/log")
        XCTAssertThrowsError(try leaves.forEach { try verifier.append($0) }) { error in
            XCTAssertEqual("\(error)", "index 3: prev hash does not match leaf 2")
        }
    }

    func testTimeGoingBackwardsIsRefused() throws {
        let leaves = try chain(2)
        let late = try LogLeaf(index: 2, origin: "example.com/log", prev: leaves[1].leafHash,
                               time: Timestamp(milliseconds: t0.milliseconds - 1), content: .epoch(mapRoot: .zero, size: 2))
        var verifier = ChainVerifier(origin: "example.com/log")
        try verifier.append(leaves[0])
        try verifier.append(leaves[1])
        XCTAssertThrowsError(try verifier.append(late)) { XCTAssertTrue("\($0)".hasPrefix("index 2: time")) }
    }

    func testLeafWithATamperedStatementIsRefused() throws {
        let leaf = try chain(2)[0]
        let text = String(decoding: leaf.bytes, as: UTF8.self).replacingOccurrences(of: #""train-ai":"n""#, with: #""train-ai":"y""#)
        XCTAssertThrowsError(try LogLeaf(bytes: Array(text.utf8))) { XCTAssertEqual($0 as? LeafError, .badStatement(index: 0, .badSignature)) }
    }

    /// A statement's canonical bytes are cut from its leaf's bytes, not encoded again: they and the
    /// statement's hash are those it was signed with, stored or not, and the statement verifies.
    func testAParsedStatementKeepsTheBytesItWasSignedWith() throws {
        let signed = statement(7)
        let leaf = try LogLeaf(index: 3, origin: "example.com/l\u{e9}g \"x\"", prev: SHA256.hash([9]), time: t0, content: .statement(signed))
        for parsed in [try LogLeaf(bytes: leaf.bytes), try LogLeaf(storedBytes: leaf.bytes)] {
            XCTAssertEqual(parsed.statement?.canonicalBytes, signed.canonicalBytes)
            XCTAssertEqual(parsed.statement?.hash, signed.hash)
            XCTAssertEqual(parsed.statement?.statement, signed.statement)
        }
    }

    /// A member between `entry` and `index` is refused as unknown before the statement is read:
    /// the statement's bytes are cut from the leaf by the members that follow it, which must be all.
    func testAnUnknownMemberAfterTheEntryIsRefusedAsUnknown() throws {
        let leaf = try chain(2)[0]
        let text = String(decoding: leaf.bytes, as: UTF8.self).replacingOccurrences(of: #","index":0,"#, with: #","extra":1,"index":0,"#)
        XCTAssertThrowsError(try LogLeaf(bytes: Array(text.utf8))) { XCTAssertEqual($0 as? LeafError, .malformed(index: 0, "unknown field \"extra\"")) }
    }

    /// A leaf with one of entry and epoch missing and an unknown member in its place has the
    /// count of a whole leaf: the unknown member is still named (the members are looked up, not
    /// removed, and an unknown one is found by name only when the count is off).
    func testAnUnknownMemberInPlaceOfAMissingOneIsNamed() throws {
        let leaf = try chain(2)[1]
        guard case .epoch = leaf.content else { return XCTFail("leaf 1 of a chain is its epoch leaf") }
        let text = String(decoding: leaf.bytes, as: UTF8.self).replacingOccurrences(of: #"{"epoch":"#, with: #"{"epoche":"#)
        XCTAssertThrowsError(try LogLeaf(bytes: Array(text.utf8))) { XCTAssertEqual($0 as? LeafError, .malformed(index: 1, "unknown field \"epoche\"")) }
    }

    /// A peer's entry is parsed only when its leaf hash is the one the signed tree holds for it;
    /// the hash it was checked with is the leaf's.
    func testAnEntryIsParsedOnlyAgainstItsSignedLeafHash() throws {
        let leaf = try chain(2)[0]
        let parsed = try LogLeaf(bytes: leaf.bytes, signedLeafHash: leaf.leafHash)
        XCTAssertEqual(parsed, leaf)
        XCTAssertEqual(parsed.leafHash, MerkleTree.leafHash(leaf.bytes))
        XCTAssertThrowsError(try LogLeaf(bytes: leaf.bytes, signedLeafHash: SHA256.hash(leaf.bytes))) {
            XCTAssertEqual($0 as? LeafError, .notTheSignedLeaf)
        }
        // Not even parsed: bytes that are not JSON at all, under another hash, are refused the same way.
        XCTAssertThrowsError(try LogLeaf(bytes: [0xFF], signedLeafHash: leaf.leafHash)) { XCTAssertEqual($0 as? LeafError, .notTheSignedLeaf) }
    }

    /// The statement's bytes are cut from its leaf, so the leaf must be byte for byte canonical:
    /// a statement spelled otherwise (white space, member order, escapes, a member twice, a member
    /// before `entry`, the tail spelled otherwise) is refused as malformed even when its signature
    /// covers exactly the bytes as spelled, which a parser that let the spelling through would have
    /// accepted with a hash and a signed body other than the canonical ones (RFC 8785, PROTOCOL §3).
    func testAStatementSpelledOtherwiseIsRefusedEvenWhenSignedAsSpelled() throws {
        let body = CanonicalJSON.encode(statement(1).statement.json)
        let canonical = String(decoding: body, as: UTF8.self)
        let tail = #","index":0,"log":"example.com/log","prev":"\#(Hash.zero.base64)","time":"\#(t0.rfc3339)","v":1}"#
        // A leaf whose statement body is `text`, signed over exactly those bytes.
        func leaf(_ text: String, before: String = "", tail: String = tail) -> [UInt8] {
            let sig = Base64.encode(key.sign(SignedStatement.domain + Array(text.utf8)))
            return Array(#"{\#(before)"entry":{"sig":"\#(sig)","statement":\#(text)}\#(tail)"#.utf8)
        }
        for stored in [false, true] {
            let bytes = leaf(canonical)
            let parsed = try stored ? LogLeaf(storedBytes: bytes) : LogLeaf(bytes: bytes)
            XCTAssertEqual(parsed.statement?.canonicalBytes, CanonicalJSON.encode(try XCTUnwrap(CanonicalJSON.parse(bytes)["entry"])))
            XCTAssertEqual(parsed.statement?.hash, statement(1).hash)
        }
        guard case let .object(members) = try CanonicalJSON.parse(body) else { return XCTFail("a statement is an object") }
        let reversed = "{" + members.sorted { $1.key < $0.key }.map {
            String(decoding: CanonicalJSON.encode(.string($0.key.string)) + [UInt8(ascii: ":")] + CanonicalJSON.encode($0.value), as: UTF8.self)
        }.joined(separator: ",") + "}"
        let variants: [(String, [UInt8])] = [
            ("white space", leaf("{ " + canonical.dropFirst())),
            ("members in reverse order", leaf(reversed)),
            ("\\/ for /", leaf(canonical.replacingOccurrences(of: "gema.de/", with: #"gema.de\/"#))),
            ("\\u0067 for g", leaf(canonical.replacingOccurrences(of: "gema", with: #"\u0067ema"#))),
            ("a member twice", leaf(canonical.replacingOccurrences(of: #""type":"#, with: #""type":"preference","type":"#))),
            ("a member before entry", leaf(canonical, before: #""a":1,"#)),
            ("the origin with an escape", leaf(canonical, tail: tail.replacingOccurrences(of: "com/log", with: #"com\/log"#))),
            ("white space in the tail", leaf(canonical, tail: tail.replacingOccurrences(of: #","v":1}"#, with: #","v":1 }"#))),
        ]
        for (what, bytes) in variants {
            XCTAssertNotEqual(bytes, leaf(canonical), what)
            for stored in [false, true] {
                XCTAssertThrowsError(try stored ? LogLeaf(storedBytes: bytes) : LogLeaf(bytes: bytes), what) { error in
                    guard case .malformed? = error as? LeafError else { return XCTFail("\(what): \(error)") }
                }
            }
        }
    }

    func testEpochSizeMustEqualItsIndex() throws {
        let leaf = try LogLeaf(index: 4, origin: "o", prev: .zero, time: t0, content: .epoch(mapRoot: .zero, size: 3))
        XCTAssertThrowsError(try LogLeaf(bytes: leaf.bytes))
    }
}
