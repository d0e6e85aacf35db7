@testable import AssentCore
import AssentTestSupport
import XCTest

/// Hostile input never crashes a reader: each parser that reads bytes from outside is fed a few
/// thousand inputs mutated from valid ones (a fixed-seed generator, so a failure reproduces),
/// and what it accepts must round-trip. The fast companion of Scripts/fuzz.sh (libFuzzer, 10^6
/// inputs a target), followed by each crash that fuzzing found, as a named regression test.
final class HostileInputTests: XCTestCase {
    // MARK: Valid inputs to start from

    static let declarant = try! SigningKey(seed: [UInt8](repeating: 7, count: 32))
    static let operatorKey = try! SigningKey(seed: [UInt8](repeating: 9, count: 32))
    static let origin = "example.com/log"
    static let log = try! NoteSigner(name: origin, key: SigningKey(seed: [UInt8](repeating: 1, count: 32)))
    static let witness = try! NoteSigner(name: "witness.example", key: SigningKey(seed: [UInt8](repeating: 2, count: 32)), type: .cosignatureV1)
    static let issued = Timestamp(rfc3339: "2026-11-21T10:00:00.000Z")!
    static let workIDs = [
        "iswc:T0345246801", "isrc:USRC17607839", "isbn:9780306406157", "isni:000000012146438X", "doi:10.1038/nphys1170",
        "iscc:KACYPXW445FTYNJ3CYSXHAFJMA2HUWULUNRFE3BLHRSCXYH2M5AEGQY", "url:https://example.com:8443/a?b=c", "local:gema.de/123-456",
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

    /// A commitment with a fixed salt (bytes 0…15): samples are the same on every run.
    static func commit(_ text: String) -> Commitment { try! Commitment(text: text, salt: Array(0..<16)) }

    static let leaves: [LogLeaf] = {
        var out = [LogLeaf]()
        var prev = Hash.zero
        for (i, s) in statements.enumerated() {
            out.append(try! LogLeaf(index: UInt64(i), origin: origin, prev: prev, time: issued, content: .statement(s)))
            prev = out[i].leafHash
        }
        out.append(try! LogLeaf(index: UInt64(out.count), origin: origin, prev: prev, time: issued,
                                content: .epoch(mapRoot: MerkleTree.emptyRoot, size: UInt64(out.count))))
        return out
    }()

    static let checkpoint = Checkpoint(origin: origin, size: UInt64(leaves.count), root: MerkleTree.rootHash(leafHashes: leaves.map(\.leafHash)))
    static let note: SignedNote = {
        let signed = try! checkpoint.sign(with: log)
        return signed.adding(try! Cosignature.sign(signed, witness: witness, timestamp: 1_790_000_000))
    }()
    static let receipts: [Receipt] = leaves.indices.map { i in
        let proof = try! InclusionProof.generate(index: UInt64(i), size: checkpoint.size, reader: InMemoryHashReader(leafHashes: leaves.map(\.leafHash)))
        return Receipt(leaf: leaves[i], proof: proof.hashes, checkpoint: note.serialized)
    }

    // MARK: Mutations

    /// Bytes that parsers have reasons to trip on: integer edges, deep nesting, bad escapes,
    /// overlong and surrogate UTF-8, the separators of notes, keys, receipts and tile paths.
    static let interesting: [[UInt8]] = [
        "-9223372036854775808", "9223372036854775807", "18446744073709551615", "18446744073709551616", "9007199254740992",
        "-9007199254740992", "9007199254740991", "-0", "00", "1e5", "0.5", String(repeating: "[", count: 40),
        String(repeating: #"{"a":"#, count: 40), #"\ud800"#, #"\udc00"#, #"\ud800\u0041"#, #"\u0000"#, #"\/"#, "\"", "\\",
        "\n", "\n\n", "— ", "+", "=", "x999/", ".p/", ".p/256", ".p/0", "null", "true", "0", "index ", "extra ",
    ].map { Array($0.utf8) } + [
        [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80],
        [0xFF, 0xFF], [0x00, 0x00], [0x7F], [0x80], [0x0D], [0x09],
    ]

    static func mutate(_ seed: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var b = seed
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            let at = b.isEmpty ? 0 : Int.random(in: 0..<b.count, using: &rng)
            let token = interesting.randomElement(using: &rng)!
            switch Int.random(in: 0..<7, using: &rng) {
            case 0 where !b.isEmpty: b[at] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
            case 1 where !b.isEmpty: b[at] = UInt8.random(in: 0...255, using: &rng)
            case 2: b.removeLast(b.count - at)
            case 3: b.insert(contentsOf: token, at: at)
            case 4: b.replaceSubrange(at..<min(b.count, at + Int.random(in: 1...8, using: &rng)), with: token)
            case 5: b.removeSubrange(at..<min(b.count, at + Int.random(in: 1...64, using: &rng)))
            default: b.insert(contentsOf: b[at..<min(b.count, at + Int.random(in: 1...64, using: &rng))], at: Int.random(in: 0...b.count, using: &rng))
            }
        }
        return b
    }

    /// Feeds `count` mutations of `seeds` (and the seeds themselves) to `body`; returns how many
    /// `body` accepted, so a test can show the seeds were valid and some mutations got through.
    @discardableResult
    func feed(_ seeds: [[UInt8]], count: Int = 2000, seed: UInt64, _ body: ([UInt8]) throws -> Void) -> Int {
        HostileInputTests.feed(seeds, count: count, seed: seed, body)
    }

    /// `feed` for other suites of hostile input (the state map's, for one).
    @discardableResult
    static func feed(_ seeds: [[UInt8]], count: Int, seed: UInt64, _ body: ([UInt8]) throws -> Void) -> Int {
        var rng = SplitMix64(state: seed)
        var accepted = 0
        for n in 0..<(seeds.count + count) {
            let input = n < seeds.count ? seeds[n] : HostileInputTests.mutate(seeds[n % seeds.count], &rng)
            do {
                try body(input)
                accepted += 1
            } catch {
                // Rendering the error is part of reading: descriptions must not trap either.
                XCTAssertFalse("\(error)".isEmpty)
            }
        }
        return accepted
    }

    struct Refused: Error {}

    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }
    static func text(_ b: [UInt8]) -> String { String(decoding: b, as: UTF8.self) }

    // MARK: Each parser

    func testMutatedJSONNeverCrashesAndAcceptedInputReencodesToItself() {
        let seeds = HostileInputTests.statements.map(\.canonicalBytes) + HostileInputTests.leaves.map(\.bytes) + [
            #"{"a":[1,-2,true,false,"x\u0001\n\"\\"],"b":{},"c":[],"é":"😀"}"#, #" [ 9007199254740991 , -9007199254740991 ] "#,
            #""\ud834\udd1e\/""#, "-0", "[[[[[[[[]]]]]]]]",
        ].map(HostileInputTests.bytes)
        let canonicalAccepted = feed(seeds, count: 3000, seed: 1) { input in
            if let value = try? CanonicalJSON.parse(input) {
                XCTAssertEqual(try CanonicalJSON.parse(CanonicalJSON.encode(value), requireCanonical: true), value)
            }
            let value = try CanonicalJSON.parse(input, requireCanonical: true)
            XCTAssertEqual(CanonicalJSON.encode(value), input, "canonical input must re-encode to the same bytes")
        }
        XCTAssertGreaterThanOrEqual(canonicalAccepted, seeds.count - 3)  // three seeds are not canonical
    }

    /// Submissions (a signed statement with disclosures beside it, docs/protocol.md "Personal
    /// data") as a node reads them: never a crash, and an accepted one reads back from its
    /// canonical bytes, which are the input (or, for an empty `disclosures` list, the statement's own).
    func testMutatedSubmissionsNeverCrashAndAcceptedOnesKeepTheirBytes() throws {
        let salt = [UInt8](0..<16)
        let seeds = [
            try Submission(statement: HostileInputTests.statements[0], disclosures: [
                Disclosure(field: "/conditions/credit", salt: salt, text: "Jane \"JD\" Doe\n"),
                Disclosure(field: "/note", salt: salt, text: "ünïcødé ✓ 𝄞"),
            ]),
            try Submission(statement: HostileInputTests.statements[1], disclosures: [
                Disclosure(field: "/name", salt: salt, text: "Jane"), Disclosure(field: "/ids/0", salt: salt, text: "ipi:00052210040"),
                Disclosure(field: "/ids/1", salt: salt, text: "isni:000000012146438X"),
            ]),
        ].map(\.canonicalBytes)
        let accepted = feed(seeds, count: 1500, seed: 12) { input in
            if let loose = try? Submission(bytes: input, requireCanonical: false) {
                XCTAssertEqual(try Submission(bytes: loose.canonicalBytes), loose)
            }
            let strict = try Submission(bytes: input)
            XCTAssertEqual(try Submission(bytes: strict.canonicalBytes), strict)
            XCTAssertTrue(strict.canonicalBytes == input || (strict.disclosures.isEmpty && strict.statement.canonicalBytes.count < input.count))
        }
        XCTAssertGreaterThanOrEqual(accepted, seeds.count)
    }

    func testMutatedStatementsNeverCrashAndAcceptedOnesKeepTheirBytes() {
        let seeds = HostileInputTests.statements.map(\.canonicalBytes)
        let accepted = feed(seeds, count: 1500, seed: 2) { input in
            if let loose = try? SignedStatement(bytes: input, requireCanonical: false) {
                XCTAssertEqual(try SignedStatement(bytes: loose.canonicalBytes), loose)
            }
            let strict = try SignedStatement(bytes: input)
            XCTAssertEqual(strict.canonicalBytes, input)
        }
        XCTAssertGreaterThanOrEqual(accepted, seeds.count)
    }

    func testMutatedLeavesNeverCrashAndTheirChainErrorsRender() {
        let seeds = HostileInputTests.leaves.map(\.bytes)
        let accepted = feed(seeds, count: 1500, seed: 3) { input in
            let leaf = try LogLeaf(bytes: input)
            XCTAssertEqual(try LogLeaf(index: leaf.index, origin: leaf.origin, prev: leaf.prev, time: leaf.time, content: leaf.content).bytes, input)
            var fresh = ChainVerifier(origin: leaf.origin)
            do { try fresh.append(leaf) } catch { XCTAssertFalse("\(error)".isEmpty) }
        }
        XCTAssertGreaterThanOrEqual(accepted, seeds.count)
    }

    func testMutatedEntryBundlesNeverCrashAndDecodeToWhatEncodesBack() {
        let seeds = [EntryBundle.encode(HostileInputTests.leaves.map(\.bytes)), EntryBundle.encode([[], [0x7B, 0x7D]])]
        let accepted = feed(seeds, count: 2000, seed: 4) { input in
            let entries = try EntryBundle.decode(input)
            XCTAssertEqual(EntryBundle.encode(entries), input)
        }
        XCTAssertGreaterThanOrEqual(accepted, seeds.count)
    }

    func testMutatedNotesAndCheckpointsNeverCrashAndPrintBackToTheirText() {
        let seeds = [HostileInputTests.note.serialized, HostileInputTests.checkpoint.text].map(HostileInputTests.bytes)
        let accepted = feed(seeds, count: 2000, seed: 5) { input in
            let text = HostileInputTests.text(input)
            if let checkpoint = try? Checkpoint(text: text) { XCTAssertEqual(checkpoint.text, text) }
            let note = try SignedNote(parsing: text)
            XCTAssertEqual(note.serialized, text)
            do { _ = try Checkpoint.verified(note, logKey: HostileInputTests.log.verifierKey) } catch { XCTAssertFalse("\(error)".isEmpty) }
            do { _ = try Cosignature.verify(note, witness: HostileInputTests.witness.verifierKey) } catch { XCTAssertFalse("\(error)".isEmpty) }
        }
        XCTAssertGreaterThanOrEqual(accepted, 1)
    }

    func testMutatedReceiptsNeverCrashAndPrintBackToTheirText() {
        let seeds = HostileInputTests.receipts.map { HostileInputTests.bytes($0.text) }
        let accepted = feed(seeds, count: 1000, seed: 6) { input in
            let receipt = try Receipt(text: HostileInputTests.text(input))
            XCTAssertEqual(receipt.text, HostileInputTests.text(input))
            let statement = HostileInputTests.statements[input.count % HostileInputTests.statements.count]
            do { try receipt.verify(statement: statement, logKey: HostileInputTests.log.verifierKey) } catch { XCTAssertFalse("\(error)".isEmpty) }
        }
        XCTAssertGreaterThanOrEqual(accepted, seeds.count)
    }

    func testMutatedTilePathsNeverCrashAndAcceptOnlyTheCanonicalSpelling() {
        let seeds = ["tile/0/000", "tile/1/x001/x234/067", "tile/entries/x018/x446/x744/x073/x709/x551/615", "tile/63/x001/x234/067.p/255",
                     "tile/entries/005.p/1"].map(HostileInputTests.bytes)
        let accepted = feed(seeds, count: 3000, seed: 7) { input in
            let path = HostileInputTests.text(input)
            let (tile, isEntries) = try Tile.parse(path: path)
            XCTAssertEqual(isEntries ? tile.entriesPath : tile.path, path)
        }
        XCTAssertGreaterThanOrEqual(accepted, seeds.count)
    }

    /// Tiles from a server a mirror does not trust, cut from the input's bytes, checked against
    /// the root their own edge implies (so that the full tiles and their parents are reached).
    func testHostileTileBytesNeverCrashATileReader() {
        let hashes = HostileInputTests.leaves.flatMap(\.leafHash.bytes)
        let seeds = [[0, 0, 0, 0, 0, 0, 0, 2, 0, 4] + hashes, [0, 0, 0, 0, 0, 0, 1, 3, 0x02, 0x01] + hashes, [UInt8](repeating: 0xFF, count: 10) + hashes]
        feed(seeds, count: 300, seed: 8) { input in
            guard input.count >= 10 else { return }
            let index = input[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let size = UInt64(input[8]) << 8 | UInt64(input[9])
            let unit = Array(input[10...].prefix(8 * 32 + 31))
            let cut = { (tile: Tile) -> [UInt8] in
                unit.isEmpty ? [] : (0..<(tile.width * 32 + (unit.count % 32 == 0 ? 0 : 1))).map { unit[$0 % unit.count] }
            }
            let root = (try? TileEdge(size: size, readTile: cut))?.rootHash ?? .zero
            let readers: [any SubtreeHashReader] = [
                AuthenticatedTileReader(size: size, root: root, fetch: cut),
                TileHashReader { level, index in cut(Tile(level: level, index: index)) },
            ]
            for reader in readers {
                do { _ = try MerkleTree.treeHash(size: size, reader: reader) } catch { XCTAssertFalse("\(error)".isEmpty) }
                do { _ = try InclusionProof.generate(index: index, size: size, reader: reader) } catch { XCTAssertFalse("\(error)".isEmpty) }
                do { _ = try ConsistencyProof.generate(oldSize: index, newSize: size, reader: reader) } catch { XCTAssertFalse("\(error)".isEmpty) }
            }
        }
    }

    func testMutatedPublicKeysNeverCrashTheCurveCheck() {
        let seeds = [HostileInputTests.declarant.publicKey.bytes, HostileInputTests.operatorKey.publicKey.bytes, [UInt8](repeating: 0xFF, count: 32),
                     [0xEC] + [UInt8](repeating: 0xFF, count: 30) + [0x7F], [1] + [UInt8](repeating: 0, count: 31)]
        var rng = SplitMix64(state: 13)
        // Random 32-byte strings as well as mutations: about half of them are on the curve.
        let random = (0..<1000).map { _ in (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) } }
        let accepted = feed(seeds + random, count: 1000, seed: 13) { input in
            let key = try PublicKey(bytes: input)
            XCTAssertEqual(key.bytes, input)
        }
        XCTAssertGreaterThanOrEqual(accepted, 2)
    }

    func testMutatedWorkIDsNeverCrashAndTheirNormalFormIsAFixedPoint() {
        let seeds = (HostileInputTests.workIDs + ["iswc:t 070 237 182 1", "isbn:ISBN-13: 978-3-16-148410-0", "isni:0000 0001 2281 955x",
                                                  "doi:https://doi.org/10.1000/182", "url:HTTP://[::1]:80", "iscc:ISCC:AAAT4EBWK27737D2"])
            .map(HostileInputTests.bytes)
        let accepted = feed(seeds, count: 3000, seed: 9) { input in
            let id = try WorkID(parsing: HostileInputTests.text(input))
            XCTAssertEqual(try WorkID(parsing: id.description), id)
        }
        XCTAssertGreaterThanOrEqual(accepted, seeds.count)
    }

    func testMutatedBase64AndTimestampsHaveOneSpelling() {
        let base64 = ["", "AA==", "AAA=", "AAAA", "+/+/", HostileInputTests.log.verifierKey.publicKey.base64].map(HostileInputTests.bytes)
        feed(base64, count: 2000, seed: 10) { input in
            if let decoded = Base64.decode(bytes: input) { XCTAssertEqual(Array(Base64.encode(decoded).utf8), input) }
        }
        let times = ["2026-11-21T10:00:00.000Z", "0000-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z", "2024-02-29T12:34:56.789Z"]
            .map(HostileInputTests.bytes)
        let accepted = feed(times, count: 2000, seed: 11) { input in
            let text = HostileInputTests.text(input)
            guard let t = Timestamp(rfc3339: text) else { throw Refused() }
            XCTAssertEqual(t.rfc3339, text)
        }
        XCTAssertGreaterThanOrEqual(accepted, times.count)
    }

    func testMutatedNoteKeysNeverCrashAndPrintBackToTheirText() {
        let seeds = [HostileInputTests.log.verifierKey.description, HostileInputTests.witness.verifierKey.description,
                     HostileInputTests.log.privateKeyString + "\n"].map(HostileInputTests.bytes)
        let accepted = feed(seeds, count: 2000, seed: 12) { input in
            let text = HostileInputTests.text(input)
            if let signer = try? NoteSigner(parsingPrivateKey: text) {
                XCTAssertEqual(signer.privateKeyString, String(text.trimmingTrailingNewlines))
                return
            }
            let key = try NoteVerifierKey(parsing: text)
            XCTAssertEqual(key.description, text)
        }
        XCTAssertGreaterThanOrEqual(accepted, seeds.count)
    }

    // MARK: Crashes found, kept as regression tests

    /// `assent audit` or a mirror replaying a log whose leaf 0 has a non-zero `prev` trapped
    /// rendering the error: its message named "leaf \(index − 1)" on a UInt64 index of 0.
    func testLeafZeroWithANonZeroPrevIsABrokenChainWhoseMessageRenders() throws {
        let leaf = try LogLeaf(index: 0, origin: HostileInputTests.origin, prev: HostileInputTests.leaves[1].leafHash,
                               time: HostileInputTests.issued, content: .epoch(mapRoot: .zero, size: 0))
        var chain = ChainVerifier(origin: HostileInputTests.origin)
        XCTAssertThrowsError(try chain.append(try LogLeaf(bytes: leaf.bytes))) { error in
            XCTAssertEqual(error as? LeafError, .brokenChain(index: 0))
            XCTAssertEqual("\(error)", "index 0: prev hash must be 32 zero bytes, as leaf 0 begins the chain")
        }
        XCTAssertEqual("\(LeafError.brokenChain(index: 7))", "index 7: prev hash does not match leaf 6")
    }

    /// Encoding traps on no value: `abs(Int64.min)` overflowed in the range check. Integers
    /// outside ±(2^53−1) come only from code (the parser refuses them, at any length); they
    /// encode as their exact digits, which every parser then refuses.
    func testIntegersOutsideTheSafeRangeEncodeWithoutTrappingAndNeverParse() {
        for n: Int64 in [.min, .max, -(1 << 53), 1 << 53] {
            let encoded = CanonicalJSON.encode(.integer(n))
            XCTAssertEqual(encoded, Array(String(n).utf8))
            XCTAssertThrowsError(try CanonicalJSON.parse(encoded)) {
                XCTAssertEqual(($0 as? CanonicalJSONError)?.reason, .integerOutOfRange)
            }
        }
        for text in ["-9223372036854775809", "99999999999999999999999999", "-9007199254740992"] {
            XCTAssertThrowsError(try CanonicalJSON.parse(text)) { XCTAssertEqual(($0 as? CanonicalJSONError)?.reason, .integerOutOfRange) }
        }
        XCTAssertEqual(try CanonicalJSON.parse("[-9007199254740991,9007199254740991]"), [.integer(-JSONValue.maxInteger), .integer(JSONValue.maxInteger)])
    }

    /// Printing a time traps on no value: `milliseconds − 999` overflowed near Int64.min.
    /// Times far outside years 0000–9999 print with more digits, which parsing then refuses.
    func testEveryMillisecondCountPrintsWithoutTrapping() {
        XCTAssertEqual(Timestamp(milliseconds: -1).rfc3339, "1969-12-31T23:59:59.999Z")
        XCTAssertEqual(Timestamp(milliseconds: -62_167_219_200_000).rfc3339, "0000-01-01T00:00:00.000Z")
        for ms: Int64 in [.min, .min + 998, .max] {
            let printed = Timestamp(milliseconds: ms).rfc3339
            XCTAssertTrue(printed.hasSuffix("Z"), printed)
            XCTAssertNil(Timestamp(rfc3339: printed), printed)
        }
    }

    /// Found by Scripts/fuzz.sh (workid target, after 2.8 million inputs): `WorkURL` refused `\`
    /// with a Character-based `contains("\\")`, which does not see a backslash that a combining
    /// mark (here U+0301) follows, since the two form one Character. The backslash stayed raw in
    /// the normal form, `https://example.com/a\%CC%81`, which was then refused: a normal form that
    /// did not parse back, so `assent sign` could write a work the node refuses.
    func testURLBackslashBeforeACombiningMarkIsRefused() throws {
        let text = "url:https://example.com/a\\\u{301}"
        XCTAssertEqual(Array(text.utf8.suffix(3)), [0x5C, 0xCC, 0x81])
        XCTAssertThrowsError(try WorkID(parsing: text)) { error in
            guard case .badCharacter(scheme: .url, value: _, character: "\\", expected: _) = error as? WorkIDError else {
                return XCTFail("\(error)")
            }
        }
    }
}
