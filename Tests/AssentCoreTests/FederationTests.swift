@testable import AssentCore
import AssentTestSupport
import XCTest

/// The federation file (PROTOCOL §9, docs/federation.md): what it holds, what it refuses and
/// where, and its tlog-policy form.
final class FederationTests: XCTestCase {
    static func key(_ n: UInt8) -> SigningKey { try! SigningKey(seed: [UInt8](repeating: n, count: 32)) }
    static let gemaLog = try! NoteSigner(name: "gema.assent.example/log", key: key(1))
    static let sacemLog = try! NoteSigner(name: "sacem.assent.example/log", key: key(2))
    static let gemaOperator = key(3).publicKey
    static let sacemOperator = key(4).publicKey
    static let gemaWitness = try! NoteSigner(name: "gema.assent.example/witness", key: key(5), type: .cosignatureV1)
    static let sacemWitness = try! NoteSigner(name: "sacem.assent.example/witness", key: key(6), type: .cosignatureV1)

    /// A file as an operator would write it by hand: white space, members in any order.
    static let fileText = """
        {"v": 1,
         "logs": [{"origin": "gema.assent.example/log", "key": "\(gemaLog.verifierKey)", "url": "http://127.0.0.1:7001/",
                   "operators": ["\(gemaOperator.base64)"], "society": "GEMA"},
                  {"society": "SACEM", "operators": ["\(sacemOperator.base64)", "\(gemaOperator.base64)"],
                   "url": "https://sacem.assent.example/", "key": "\(sacemLog.verifierKey)", "origin": "sacem.assent.example/log"}],
         "witnesses": [{"key": "\(gemaWitness.verifierKey)", "url": "http://127.0.0.1:7001/"},
                       {"key": "\(sacemWitness.verifierKey)"}],
         "quorum": 2}

        """

    func testReadsEveryFieldOfAFileWrittenByHand() throws {
        let bytes = Array(Self.fileText.utf8)
        let federation = try Federation(bytes: bytes)
        XCTAssertEqual(federation.logs.map(\.origin), ["gema.assent.example/log", "sacem.assent.example/log"])
        XCTAssertEqual(federation.logs[1].key, Self.sacemLog.verifierKey)
        XCTAssertEqual(federation.logs[1].url, "https://sacem.assent.example/")
        XCTAssertEqual(federation.logs[1].operators, [Self.sacemOperator, Self.gemaOperator])
        XCTAssertEqual(federation.logs[0].society, "GEMA")
        XCTAssertEqual(federation.witnesses.map(\.key), [Self.gemaWitness.verifierKey, Self.sacemWitness.verifierKey])
        XCTAssertEqual(federation.witnesses.map(\.url), ["http://127.0.0.1:7001/", nil])
        XCTAssertEqual(federation.quorum, 2)
        XCTAssertEqual(federation.digest, SHA256.hash(bytes))
        XCTAssertEqual(federation.bytes, bytes)
        XCTAssertEqual(federation.log(origin: "sacem.assent.example/log")?.society, "SACEM")
        XCTAssertNil(federation.log(origin: "sacem.assent.example/lo"))
        XCTAssertEqual(federation.operatorKeys, [Self.gemaOperator, Self.sacemOperator])
    }

    func testTheDigestIsOfTheBytesSoAnyEditChangesIt() throws {
        let a = try Federation(bytes: Array(Self.fileText.utf8))
        let b = try Federation(bytes: Array(Self.fileText.replacingOccurrences(of: "\"quorum\": 2", with: "\"quorum\":  2").utf8))
        XCTAssertEqual(a.logs, b.logs)
        XCTAssertNotEqual(a.digest, b.digest)
    }

    func testEncodedFileReadsBackToTheSameLogsWitnessesAndQuorum() throws {
        let original = try Federation(bytes: Array(Self.fileText.utf8))
        let bytes = Federation.encode(logs: original.logs, witnesses: original.witnesses, quorum: original.quorum)
        let again = try Federation(bytes: bytes)
        XCTAssertEqual(again.logs, original.logs)
        XCTAssertEqual(again.witnesses, original.witnesses)
        XCTAssertEqual(again.quorum, 2)
        // One log or witness a line, for people who read and diff it.
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self).split(separator: "\n").count, 12)
    }

    // MARK: Refusals name the field

    func refusal(_ edit: (String) -> String, file: StaticString = #filePath, line: UInt = #line) -> FederationError? {
        let text = edit(Self.fileText)
        XCTAssertNotEqual(text, Self.fileText, "the edit changed nothing", file: file, line: line)
        do {
            _ = try Federation(bytes: Array(text.utf8))
            XCTFail("accepted", file: file, line: line)
            return nil
        } catch { return error }
    }

    func testUnknownFieldsAreRefusedWhereverTheyAre() {
        XCTAssertEqual(refusal { $0.replacingOccurrences(of: "\"quorum\": 2", with: "\"quorum\": 2, \"quorom\": 1") }, .unknownField("quorom"))
        XCTAssertEqual(refusal { $0.replacingOccurrences(of: "\"society\": \"SACEM\"", with: "\"society\": \"SACEM\", \"name\": \"x\"") },
                       .unknownField("logs[1].name"))
        XCTAssertEqual(refusal { $0.replacingOccurrences(of: "{\"key\": \"\(Self.sacemWitness.verifierKey)\"}", with: "{\"key\": \"\(Self.sacemWitness.verifierKey)\", \"weight\": 2}") },
                       .unknownField("witnesses[1].weight"))
    }

    func testMissingAndMistypedFieldsAreNamed() {
        XCTAssertEqual(refusal { $0.replacingOccurrences(of: "\"society\": \"SACEM\", ", with: "") }, .missingField("logs[1].society"))
        XCTAssertEqual(refusal { $0.replacingOccurrences(of: "\"quorum\": 2", with: "\"quorum\": \"2\"") },
                       .wrongType(field: "quorum", expected: "an integer", found: "string"))
        XCTAssertEqual(refusal { $0.replacingOccurrences(of: "[\"\(Self.gemaOperator.base64)\"]", with: "\"\(Self.gemaOperator.base64)\"") },
                       .wrongType(field: "logs[0].operators", expected: "an array", found: "string"))
        XCTAssertEqual(refusal { "[" + $0 + "]" }, .wrongType(field: "(the file)", expected: "an object", found: "array"))
    }

    func testAnUnknownVersionIsRefused() {
        guard case .badField("v", let why)? = refusal({ $0.replacingOccurrences(of: "\"v\": 1", with: "\"v\": 2") }) else { return XCTFail() }
        XCTAssertTrue(why.contains("version 2"), why)
    }

    func testALogKeyMustBeAnEd25519KeyNamedForItsOrigin() {
        // A witness key (type 0x04) where a checkpoint key belongs.
        let witnessAsLog = try! NoteSigner(name: "gema.assent.example/log", key: Self.key(1), type: .cosignatureV1)
        guard case .badField("logs[0].key", let why)? = refusal({ $0.replacingOccurrences(of: "\(Self.gemaLog.verifierKey)", with: "\(witnessAsLog.verifierKey)") })
        else { return XCTFail() }
        XCTAssertTrue(why.contains("type 0x01"), why)
        guard case .badField("logs[0].key", let why2)? = refusal({ $0.replacingOccurrences(of: "\"origin\": \"gema.assent.example/log\"", with: "\"origin\": \"gema.assent.example/log2\"") })
        else { return XCTFail() }
        XCTAssertTrue(why2.contains("must be the log's origin"), why2)
        guard case .badField("logs[1].key", let why3)? = refusal({ $0.replacingOccurrences(of: "\(Self.sacemLog.verifierKey)", with: "sacem.assent.example/log+00000000+AQ==") })
        else { return XCTFail() }
        XCTAssertTrue(why3.contains("bad verifier key"), why3)
    }

    func testOriginsAndLogKeysAreUnique() {
        let sameOrigin = refusal { $0.replacingOccurrences(of: "\"origin\": \"sacem.assent.example/log\"", with: "\"origin\": \"gema.assent.example/log\"")
            .replacingOccurrences(of: "\(Self.sacemLog.verifierKey)", with: "\(Self.gemaLog.verifierKey)") }
        XCTAssertEqual(sameOrigin, .duplicate(field: "logs[1].origin", "origin \"gema.assent.example/log\" is listed twice"))
        // Another name for the same public key is still the same log (tlog-policy: duplicate logs).
        let renamed = try! NoteSigner(name: "sacem.assent.example/log", key: Self.key(1))
        XCTAssertEqual(refusal { $0.replacingOccurrences(of: "\(Self.sacemLog.verifierKey)", with: "\(renamed.verifierKey)") },
                       .duplicate(field: "logs[1].key", "this public key is already the key of another log"))
    }

    func testWitnessNamesAndKeysAreUniqueAndOfType4() {
        let twin = try! NoteSigner(name: "gema.assent.example/witness", key: Self.key(6), type: .cosignatureV1)
        XCTAssertEqual(refusal { $0.replacingOccurrences(of: "\(Self.sacemWitness.verifierKey)", with: "\(twin.verifierKey)") },
                       .duplicate(field: "witnesses[1].key", "witness name \"gema.assent.example/witness\" is listed twice"))
        let sameKey = try! NoteSigner(name: "other/witness", key: Self.key(5), type: .cosignatureV1)
        XCTAssertEqual(refusal { $0.replacingOccurrences(of: "\(Self.sacemWitness.verifierKey)", with: "\(sameKey.verifierKey)") },
                       .duplicate(field: "witnesses[1].key", "this public key is already the key of another witness"))
        let ed = try! NoteSigner(name: "sacem.assent.example/witness", key: Self.key(6))
        guard case .badField("witnesses[1].key", let why)? = refusal({ $0.replacingOccurrences(of: "\(Self.sacemWitness.verifierKey)", with: "\(ed.verifierKey)") })
        else { return XCTFail() }
        XCTAssertTrue(why.contains("type 0x04"), why)
        for reserved in ["none", Federation.policyGroupName] {
            let named = try! NoteSigner(name: reserved, key: Self.key(6), type: .cosignatureV1)
            XCTAssertEqual(refusal { $0.replacingOccurrences(of: "\(Self.sacemWitness.verifierKey)", with: "\(named.verifierKey)") },
                           .badField("witnesses[1].key", "the witness name \"\(reserved)\" is reserved in tlog-policy files"))
        }
    }

    func testTheQuorumMustBeReachable() {
        guard case .badField("quorum", let why)? = refusal({ $0.replacingOccurrences(of: "\"quorum\": 2", with: "\"quorum\": 3") }) else { return XCTFail() }
        XCTAssertTrue(why.contains("0...2"), why)
        guard case .badField("quorum", _)? = refusal({ $0.replacingOccurrences(of: "\"quorum\": 2", with: "\"quorum\": -1") }) else { return XCTFail() }
    }

    func testOperatorKeysAreRealDistinctKeys() {
        // A small-order point: valid signatures exist without any private key (PROTOCOL §3).
        let smallOrder = Base64.encode([1] + [UInt8](repeating: 0, count: 31))
        guard case .badField("logs[0].operators[0]", _)? = refusal({ $0.replacingOccurrences(of: "[\"\(Self.gemaOperator.base64)\"]", with: "[\"\(smallOrder)\"]") })
        else { return XCTFail() }
        XCTAssertEqual(refusal { $0.replacingOccurrences(of: "[\"\(Self.gemaOperator.base64)\"]", with: "[\"\(Self.gemaOperator.base64)\", \"\(Self.gemaOperator.base64)\"]") },
                       .duplicate(field: "logs[0].operators[1]", "operator key \(Self.gemaOperator.base64) is listed twice"))
        XCTAssertEqual(refusal { $0.replacingOccurrences(of: "[\"\(Self.gemaOperator.base64)\"]", with: "[]") },
                       .badField("logs[0].operators", "a log has at least one operator key"))
    }

    func testURLsAreHTTPBaseURLsEndingInASlash() {
        for (bad, why) in [("http://127.0.0.1:7001", "must end with"), ("ftp://x/", "not an http"), ("http:///", "no host"),
                           ("http://a b/", "printable ASCII"), ("http://x/?q=1/", "query")] {
            guard case .badField("logs[0].url", let said)? = refusal({ $0.replacingOccurrences(of: "\"url\": \"http://127.0.0.1:7001/\",\n", with: "\"url\": \"\(bad)\",\n") })
            else { XCTFail(bad); continue }
            XCTAssertTrue(said.contains(why), "\(bad): \(said)")
        }
    }

    func testSizeLimitIsCheckedBeforeParsing() {
        let big = [UInt8](repeating: 0x20, count: Federation.maxBytes + 1)
        XCTAssertThrowsError(try Federation(bytes: big)) { XCTAssertEqual($0 as? FederationError, .tooLarge(bytes: Federation.maxBytes + 1, limit: Federation.maxBytes)) }
    }

    func testEveryRefusalRendersTheFieldItNames() {
        let e = refusal { $0.replacingOccurrences(of: "\"society\": \"SACEM\", ", with: "") }
        XCTAssertEqual("\(e!)", "federation file: missing field \"logs[1].society\"")
    }

    // MARK: Hostile bytes

    func testMutatedAndRandomFilesNeverCrashAndWhatIsAcceptedReadsBackEqual() {
        let seeds = [Array(Self.fileText.utf8), Federation.encode(logs: try! Federation(bytes: Array(Self.fileText.utf8)).logs, witnesses: [], quorum: 0)]
        let accepted = HostileInputTests.feed(seeds, count: 3000, seed: 8) { bytes in
            let federation = try Federation(bytes: bytes)
            XCTAssertEqual(federation.digest, SHA256.hash(bytes))
            XCTAssertLessThanOrEqual(federation.quorum, federation.witnesses.count)
            // Whatever is accepted writes back to a file that reads as the same federation.
            let again = try Federation(bytes: Federation.encode(logs: federation.logs, witnesses: federation.witnesses, quorum: federation.quorum))
            XCTAssertEqual(again.logs, federation.logs)
            XCTAssertEqual(again.witnesses, federation.witnesses)
            XCTAssertFalse(federation.policy().isEmpty)
        }
        XCTAssertGreaterThanOrEqual(accepted, 2, "the seeds must be accepted")
        var rng = SplitMix64(state: 88)
        for _ in 0..<500 {
            let bytes = (0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            XCTAssertThrowsError(try Federation(bytes: bytes))
        }
    }

    // MARK: Quorum

    func testOnlyValidCosignaturesOfListedWitnessesCount() throws {
        let federation = try Federation(bytes: Array(Self.fileText.utf8))
        let checkpoint = Checkpoint(origin: Self.gemaLog.name, size: 5, root: SHA256.hash(Array("root".utf8)))
        let note = try SignedNote.sign(text: checkpoint.text, with: Self.gemaLog)
        XCTAssertEqual(federation.cosigners(of: note).count, 0)
        XCTAssertFalse(federation.meetsQuorum(note))
        let one = note.adding(try Cosignature.sign(note, witness: Self.gemaWitness, timestamp: 1_700_000_000))
        XCTAssertEqual(federation.cosigners(of: one).map(\.key), [Self.gemaWitness.verifierKey])
        let stranger = try NoteSigner(name: "stranger/witness", key: Self.key(20), type: .cosignatureV1)
        let withStranger = one.adding(try Cosignature.sign(note, witness: stranger, timestamp: 1_700_000_000))
        XCTAssertEqual(federation.cosigners(of: withStranger).count, 1, "a key the file does not list counts for nothing")
        // A cosignature over another checkpoint, under the right name and key ID, does not verify.
        let other = try SignedNote.sign(text: Checkpoint(origin: Self.gemaLog.name, size: 6, root: checkpoint.root).text, with: Self.gemaLog)
        let misplaced = one.adding(try Cosignature.sign(other, witness: Self.sacemWitness, timestamp: 1_700_000_000))
        XCTAssertEqual(federation.cosigners(of: misplaced).count, 1)
        let both = one.adding(try Cosignature.sign(note, witness: Self.sacemWitness, timestamp: 1_700_000_001))
        XCTAssertTrue(federation.meetsQuorum(both))
    }

    // MARK: tlog-policy

    func testPolicyIsTheTlogPolicyTextByteForByte() throws {
        let federation = try Federation(bytes: Array(Self.fileText.utf8))
        let expected = """
            # tlog-policy of the Assent federation file with SHA-256 \(federation.digest.hex)
            log \(Self.gemaLog.verifierKey) http://127.0.0.1:7001/
            log \(Self.sacemLog.verifierKey) https://sacem.assent.example/
            witness gema.assent.example/witness \(Self.gemaWitness.verifierKey) http://127.0.0.1:7001/
            witness sacem.assent.example/witness \(Self.sacemWitness.verifierKey)
            group assent-federation 2 gema.assent.example/witness sacem.assent.example/witness
            quorum assent-federation

            """
        XCTAssertEqual(federation.policy(), expected)
        XCTAssertEqual(try TlogPolicyGrammar.check(federation.policy()), ["gema.assent.example/witness", "sacem.assent.example/witness"])
    }

    func testPolicyWithoutAQuorumSaysNone() throws {
        let federation = try Federation(bytes: Array(Self.fileText.replacingOccurrences(of: "\"quorum\": 2", with: "\"quorum\": 0").utf8))
        XCTAssertTrue(federation.policy().hasSuffix("witness sacem.assent.example/witness \(Self.sacemWitness.verifierKey)\nquorum none\n"))
        XCTAssertEqual(try TlogPolicyGrammar.check(federation.policy()), [])
    }

    /// The grammar checker agrees with the spec's own example (C2SP tlog-policy "Example
    /// policy"), with real keys in place of the elided ones, so it is a fair judge of ours.
    func testTheGrammarCheckAcceptsTheSpecExampleAndRefusesBrokenPolicies() throws {
        let vkeys = (10...16).map { try! NoteSigner(name: "w\($0)", key: Self.key(UInt8($0)), type: .cosignatureV1).verifierKey }
        let example = """
            log \(Self.gemaLog.verifierKey)

            witness X1 \(vkeys[0])
            witness X2 \(vkeys[1])
            witness X3 \(vkeys[2])
            group X-witnesses 2 X1 X2 X3

            witness Y1 \(vkeys[3])
            witness Y2 \(vkeys[4])
            witness Y3 \(vkeys[5])
            group Y-witnesses any Y1 Y2 Y3

            group X-and-Y all X-witnesses Y-witnesses
            quorum X-and-Y

            """
        XCTAssertEqual(try TlogPolicyGrammar.check(example), ["X-witnesses", "Y-witnesses"])
        XCTAssertThrowsError(try TlogPolicyGrammar.check("group g 1 a\nquorum g\n"), "undefined member")
        XCTAssertThrowsError(try TlogPolicyGrammar.check("witness a \(vkeys[0])\ngroup g 2 a\nquorum g\n"), "k > n")
        XCTAssertThrowsError(try TlogPolicyGrammar.check("witness a \(vkeys[0])\n"), "no quorum")
        XCTAssertThrowsError(try TlogPolicyGrammar.check("witness a \(vkeys[0])\nwitness b \(vkeys[0])\nquorum a\n"), "duplicate key")
    }
}

/// The rules of C2SP tlog-policy ("Policy file syntax and structure"), as a test's judge:
/// allowed octets, names defined before use and once, 1 <= k <= n, no duplicate keys, exactly
/// one quorum line. Returns the quorum's members (the group's, or [] for `none`).
enum TlogPolicyGrammar {
    struct Violation: Error { let why: String }

    static func check(_ text: String) throws -> [String] {
        for b in text.utf8 where !(b == 0x09 || b == 0x0A || (0x20...0x7E).contains(b) || b >= 0x80) {
            throw Violation(why: "octet \(b) is not allowed")
        }
        guard text.hasSuffix("\n") else { throw Violation(why: "last line has no newline") }
        var names = ["none": [String]()]   // name → members (witnesses have none)
        var keys = Set<[UInt8]>()
        var quorum: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            let items = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let first = items.first, !first.hasPrefix("#") else { continue }
            switch first {
            case "log":
                guard (2...3).contains(items.count) else { throw Violation(why: "log line: \(line)") }
                let key = try NoteVerifierKey(parsing: items[1])
                guard key.type == .ed25519, keys.insert(key.publicKey.bytes).inserted else { throw Violation(why: "log key: \(line)") }
            case "witness":
                guard (3...4).contains(items.count), names[items[1]] == nil else { throw Violation(why: "witness line: \(line)") }
                let key = try NoteVerifierKey(parsing: items[2])
                guard key.type == .cosignatureV1, keys.insert(key.publicKey.bytes).inserted else { throw Violation(why: "witness key: \(line)") }
                names[items[1]] = []
            case "group":
                guard items.count >= 4, names[items[1]] == nil else { throw Violation(why: "group line: \(line)") }
                let members = Array(items[3...])
                guard Set(members).count == members.count, members.allSatisfy({ $0 != "none" && names[$0] != nil }) else {
                    throw Violation(why: "group members: \(line)")
                }
                if items[2] != "any", items[2] != "all" {
                    guard let k = Int(items[2]), items[2].allSatisfy(\.isNumber), (1...members.count).contains(k) else { throw Violation(why: "threshold: \(line)") }
                }
                names[items[1]] = members
            case "quorum":
                guard items.count == 2, quorum == nil, names[items[1]] != nil else { throw Violation(why: "quorum line: \(line)") }
                quorum = items[1]
            default:
                throw Violation(why: "unknown line: \(line)")
            }
        }
        guard let quorum else { throw Violation(why: "no quorum line") }
        return names[quorum] ?? []
    }
}
