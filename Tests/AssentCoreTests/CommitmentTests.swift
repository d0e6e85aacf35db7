import AssentCore
import XCTest

/// Commitments, disclosures and erasures (docs/protocol.md "Personal data"): the permanent log
/// holds no name, identifier or free text in clear.
final class CommitmentTests: XCTestCase {
    let creator = try! SigningKey(seed: [UInt8](repeating: 7, count: 32))
    let operatorKey = try! SigningKey(seed: [UInt8](repeating: 9, count: 32))
    let issued = Timestamp(rfc3339: "2026-11-21T10:00:00.000Z")!
    let salt = [UInt8](0..<16)

    // MARK: The commitment

    /// The vectors of the agreed wire format (notes/format.md), so every client computes the same bytes.
    func testCommitmentVectors() throws {
        XCTAssertEqual(Base64.encode(salt), "AAECAwQFBgcICQoLDA0ODw==")
        XCTAssertEqual(try Commitment(text: "Alice Example", salt: salt).json, ["commit": "rpRfAADKRSpUlm1G05zYwWPRipa2L1zEUYYUdOZtZeU="])
        XCTAssertEqual(Array("Zoë".utf8), [0x5A, 0x6F, 0xC3, 0xAB])
        XCTAssertEqual(try Commitment(text: "Zoë", salt: salt).description, "Oi2IBKJcFDSKigno/8IF7pis0Fy4Z8lUpwrV/sIDHaI=")
    }

    /// The text is hashed byte for byte: "Zoë" with a combining diaeresis is another text.
    func testCommitmentDoesNotNormalizeTheText() throws {
        let composed = try Commitment(text: "Zo\u{EB}", salt: salt)
        XCTAssertFalse(composed.matches(text: "Zoe\u{308}", salt: salt))
        XCTAssertTrue(composed.matches(text: "Zo\u{EB}", salt: salt))
    }

    func testSaltMustBeSixteenBytesAndRandomSaltsDiffer() throws {
        XCTAssertThrowsError(try Commitment(text: "x", salt: [UInt8](repeating: 0, count: 15))) {
            XCTAssertEqual($0 as? CommitmentError, .badSaltLength(15))
        }
        let a = try Commitment.randomSalt(), b = try Commitment.randomSalt()
        XCTAssertEqual(a.count, 16)
        XCTAssertNotEqual(a, b)
    }

    // MARK: Clear text is refused, naming the field and how to commit

    func signedBytes(_ body: JSONValue, key: SigningKey) -> [UInt8] {
        let sig = key.sign(SignedStatement.domain + body.canonicalBytes)
        return JSONValue.object(["statement": body, "sig": .string(Base64.encode(sig))]).canonicalBytes
    }

    var enrollmentBody: [JSONKey: JSONValue] {
        ["type": "enrollment", "by": .string(operatorKey.publicKey.base64), "issued": "2026-11-21T10:00:00.000Z",
         "party": .string(creator.publicKey.base64), "role": "creator", "status": "active"]
    }

    var preferenceBody: [JSONKey: JSONValue] {
        ["type": "preference", "by": .string(creator.publicKey.base64), "issued": "2026-11-21T10:00:00.000Z",
         "work": "iswc:T0345246801", "audience": "*", "usage": ["train-ai": "n"]]
    }

    func testEachPersonalFieldInClearIsRefusedNamingItAndHowToCommit() {
        var name = enrollmentBody, ids = enrollmentBody, credit = preferenceBody, note = preferenceBody
        name["name"] = "Alice Example"
        ids["ids"] = [["commit": .string(Base64.encode([UInt8](repeating: 1, count: 32)))], "ipi:00052210040"]
        credit["conditions"] = ["credit": "Alice Example"]
        note["note"] = "call me on +49 30 1234567"
        let cases: [(JSONValue, SigningKey, String)] = [
            (.object(name), operatorKey, "name"), (.object(ids), operatorKey, "ids[1]"),
            (.object(credit), creator, "conditions.credit"), (.object(note), creator, "note"),
        ]
        for (body, key, field) in cases {
            XCTAssertThrowsError(try SignedStatement(bytes: signedBytes(body, key: key)), field) { error in
                XCTAssertEqual(error as? StatementError, .personalDataInClear(field))
                let text = "\(error)"
                XCTAssertTrue(text.hasPrefix("field \"\(field)\" is personal data or free text in clear"), text)
                XCTAssertTrue(text.contains(#"{"commit": base64(SHA-256("assent/commit\n" + 16-byte salt + UTF-8 text))}"#), text)
                XCTAssertTrue(text.contains("disclosures"), text)
            }
        }
    }

    func testACommitmentMustBeExactlyOneMemberOf32Bytes() {
        var extra = enrollmentBody
        extra["name"] = ["commit": .string(Base64.encode([UInt8](repeating: 1, count: 32))), "text": "Alice"]
        XCTAssertThrowsError(try SignedStatement(bytes: signedBytes(.object(extra), key: operatorKey))) {
            XCTAssertEqual($0 as? StatementError, .badField("name", #"a commitment is {"commit": base64 of 32 bytes}, with no other member"#))
        }
        var short = enrollmentBody
        short["name"] = ["commit": .string(Base64.encode([UInt8](repeating: 1, count: 31)))]
        XCTAssertThrowsError(try SignedStatement(bytes: signedBytes(.object(short), key: operatorKey))) {
            XCTAssertEqual($0 as? StatementError, .badField("name", #""commit" must be base64 of 32 bytes"#))
        }
    }

    // MARK: Disclosures

    /// An enrollment committing a name and two ids, with its disclosures.
    func enrollment(name: String = "Alice Example", ids: [String] = ["ipi:00052210040", "isni:000000012281955X"]) throws
        -> (SignedStatement, [Disclosure])
    {
        let e = Enrollment(by: operatorKey.publicKey, issued: issued, party: creator.publicKey, role: .creator,
                           name: try Commitment(text: name, salt: salt), ids: try ids.map { try Commitment(text: $0, salt: salt) })
        let disclosures = [Disclosure(field: "/name", salt: salt, text: name)]
            + ids.enumerated().map { Disclosure(field: "/ids/\($0.offset)", salt: salt, text: $0.element) }
        return (SignedStatement.sign(.enrollment(e), with: operatorKey), disclosures)
    }

    func testSubmissionRoundTripsAndItsStatementHashDoesNotDependOnDisclosures() throws {
        let (signed, disclosures) = try enrollment()
        let submission = try Submission(statement: signed, disclosures: disclosures)
        let bytes = submission.canonicalBytes
        XCTAssertTrue(String(decoding: bytes, as: UTF8.self).hasPrefix(#"{"disclosures":[{"field":"/name","salt":"AAECAwQFBgcICQoLDA0ODw==","text":"Alice Example"}"#))
        let parsed = try Submission(bytes: bytes)
        XCTAssertEqual(parsed, submission)
        XCTAssertEqual(parsed.statement.canonicalBytes, signed.canonicalBytes)
        XCTAssertEqual(parsed.statement.hash, SHA256.hash(signed.canonicalBytes))
        // The logged bytes hold no text: only commitments.
        let logged = String(decoding: parsed.statement.canonicalBytes, as: UTF8.self)
        for d in disclosures { XCTAssertFalse(logged.contains(d.text), d.text) }
    }

    /// The canonical bytes a client would send, built without the checks `Submission` makes.
    static func bytes(_ signed: SignedStatement, _ disclosures: [Disclosure]) -> [UInt8] {
        var members = signed.json.objectValue ?? [:]
        members["disclosures"] = .array(disclosures.map(\.json))
        return JSONValue.object(members).canonicalBytes
    }

    func refusal(_ signed: SignedStatement, _ disclosures: [Disclosure]) -> StatementError? {
        do { _ = try Submission(statement: signed, disclosures: disclosures); return nil } catch { return error }
    }

    func testADisclosureThatDoesNotMatchItsCommitmentRefusesTheSubmission() throws {
        let (signed, disclosures) = try enrollment()
        var wrongText = disclosures
        wrongText[0] = Disclosure(field: "/name", salt: salt, text: "Alice Exampel")
        guard case .badDisclosure("/name", let why)? = refusal(signed, wrongText) else { return XCTFail("\(String(describing: refusal(signed, wrongText)))") }
        XCTAssertTrue(why.hasPrefix("text and salt do not hash to the statement's commitment"), why)
        var wrongSalt = disclosures
        wrongSalt[2] = Disclosure(field: "/ids/1", salt: [UInt8](repeating: 0, count: 16), text: "isni:000000012281955X")
        guard case .badDisclosure("/ids/1", _)? = refusal(signed, wrongSalt) else { return XCTFail("wrong salt accepted") }
    }

    func testAMissingOrExtraOrRepeatedDisclosureRefusesTheSubmission() throws {
        let (signed, disclosures) = try enrollment()
        XCTAssertEqual(refusal(signed, Array(disclosures.dropLast())),
                       .badDisclosure("/ids/1", "no disclosure: every commitment must be disclosed (text and salt) when the statement is submitted"))
        XCTAssertEqual(refusal(signed, []), .badDisclosure("/name", "no disclosure: every commitment must be disclosed (text and salt) when the statement is submitted"))
        let extra = disclosures + [Disclosure(field: "/ids/2", salt: salt, text: "ipi:00052210040")]
        XCTAssertEqual(refusal(signed, extra), .badDisclosure("/ids/2", "points at no commitment of the statement; its commitments are at /name, /ids/0, /ids/1"))
        XCTAssertEqual(refusal(signed, disclosures + [disclosures[0]]), .badDisclosure("/name", "disclosed twice"))
        // A preference with nothing committed takes no disclosures at all.
        let plain = SignedStatement.sign(.preference(Preference(by: creator.publicKey, issued: issued, work: try WorkID(parsing: "iswc:T0345246801"),
                                                                usage: ["train-ai": false])), with: creator)
        XCTAssertEqual(refusal(plain, [Disclosure(field: "/note", salt: salt, text: "hi")]),
                       .badDisclosure("/note", "points at no commitment of the statement; this statement has no commitments"))
    }

    /// The disclosed text is checked as the clear field was: ids in normal form (a value with
    /// spaces is refused, issue 10), caps on name, credit and note in Unicode scalars.
    func testDisclosedTextsAreCheckedAsTheClearFieldsWere() throws {
        let (spaced, spacedDisclosures) = try enrollment(ids: ["isni:0000 0001 2103 2683"])
        XCTAssertEqual(refusal(spaced, spacedDisclosures),
                       .badDisclosure("/ids/0", #"party identifier "isni:0000 0001 2103 2683" is not in normal form; write "isni:0000000121032683""#))
        let (badCheck, badCheckDisclosures) = try enrollment(ids: ["ipi:00052210041"])
        XCTAssertEqual(refusal(badCheck, badCheckDisclosures), .badDisclosure("/ids/0", #"ipi "00052210041": check number is 41, expected 40"#))
        let (long, longDisclosures) = try enrollment(name: String(repeating: "é", count: 257), ids: [])
        XCTAssertEqual(refusal(long, longDisclosures), .badDisclosure("/name", "257 characters, at most 256"))
        let (atCap, atCapDisclosures) = try enrollment(name: String(repeating: "é", count: 256), ids: [])
        XCTAssertNil(refusal(atCap, atCapDisclosures))

        func preference(credit: String, note: String) throws -> (SignedStatement, [Disclosure]) {
            let p = Preference(by: creator.publicKey, issued: issued, work: try WorkID(parsing: "iswc:T0345246801"), usage: ["train-ai": false],
                               conditions: Conditions(credit: try Commitment(text: credit, salt: salt)), note: try Commitment(text: note, salt: salt))
            return (SignedStatement.sign(.preference(p), with: creator),
                    [Disclosure(field: "/conditions/credit", salt: salt, text: credit), Disclosure(field: "/note", salt: salt, text: note)])
        }
        let (ok, okD) = try preference(credit: String(repeating: "a", count: 200), note: String(repeating: "é", count: 280))
        XCTAssertNil(refusal(ok, okD))
        let (c, cD) = try preference(credit: String(repeating: "a", count: 201), note: "")
        XCTAssertEqual(refusal(c, cD), .badDisclosure("/conditions/credit", "201 characters, at most 200"))
        let (n, nD) = try preference(credit: "", note: String(repeating: "é", count: 281))
        XCTAssertEqual(refusal(n, nD), .badDisclosure("/note", "281 characters, at most 280"))
    }

    func testADisclosureWithABadSaltOrAnUnknownMemberIsRefused() throws {
        let (signed, disclosures) = try enrollment(ids: [])
        let sub = try Submission(statement: signed, disclosures: disclosures)
        let text = String(decoding: sub.canonicalBytes, as: UTF8.self)
        let shortSalt = text.replacingOccurrences(of: "AAECAwQFBgcICQoLDA0ODw==", with: "AAECAwQFBgcICQoLDA0O")
        XCTAssertThrowsError(try Submission(bytes: Array(shortSalt.utf8))) {
            XCTAssertEqual($0 as? StatementError, .badDisclosure("/name", "\"salt\" must be base64 of 16 bytes"))
        }
        let extraMember = text.replacingOccurrences(of: #""text":"Alice Example"}"#, with: #""text":"Alice Example","x":1}"#)
        XCTAssertThrowsError(try Submission(bytes: Array(extraMember.utf8))) {
            XCTAssertEqual($0 as? StatementError, .badDisclosure("disclosures[0]", #"unknown field "x""#))
        }
    }

    // MARK: Erasure

    func testErasureRoundTripsAndHoldsOnlyAHash() throws {
        let (target, _) = try enrollment()
        let erasure = SignedStatement.sign(.erasure(Erasure(by: creator.publicKey, issued: issued, erases: target.hash)), with: creator)
        let parsed = try SignedStatement(bytes: erasure.canonicalBytes)
        XCTAssertEqual(parsed, erasure)
        XCTAssertEqual(parsed.statement.json["erases"], .string(target.hash.base64))
        XCTAssertEqual(parsed.statement.commitments, [])
    }

    /// The declarant may erase; for an enrollment also the enrolled party; a trusted operator
    /// key may erase any statement (review of issue 9: the operator is the controller); nobody else.
    func testWhoMayEraseWhat() throws {
        let otherOperator = try SigningKey(seed: [UInt8](repeating: 11, count: 32))
        let stranger = try SigningKey(seed: [UInt8](repeating: 12, count: 32))
        let admission = Admission(window: try .init(pastMilliseconds: 60_000, futureMilliseconds: 0),
                                  operators: [operatorKey.publicKey, otherOperator.publicKey])
        let (enrollment, _) = try enrollment()
        let preference = Statement.preference(Preference(by: creator.publicKey, issued: issued, work: try WorkID(parsing: "iswc:T0345246801"),
                                                         usage: ["train-ai": false], note: try Commitment(text: "a note", salt: Array(0..<16))))
        func erasure(by key: SigningKey) -> Erasure { Erasure(by: key.publicKey, issued: issued, erases: enrollment.hash) }
        for key in [operatorKey, creator, otherOperator] { XCTAssertNoThrow(try admission.checkErasure(erasure(by: key), of: enrollment.statement)) }
        XCTAssertThrowsError(try admission.checkErasure(erasure(by: stranger), of: enrollment.statement)) {
            XCTAssertEqual($0 as? AdmissionError, .notEraser(by: stranger.publicKey, target: .enrollment))
        }
        for key in [creator, operatorKey, otherOperator] { XCTAssertNoThrow(try admission.checkErasure(erasure(by: key), of: preference)) }
        XCTAssertThrowsError(try admission.checkErasure(erasure(by: stranger), of: preference)) {
            XCTAssertEqual("\($0)", "\(stranger.publicKey.base64) may not erase this preference: only its declarant or the node's operator key may")
        }
    }

    /// Review of issue 9: an erasure of an erasure, or of a statement without commitments,
    /// would delete nothing and only add a permanent leaf; refused, even for the declarant.
    func testAnErasureWithNothingToEraseIsRefused() throws {
        let admission = Admission(window: try .init(pastMilliseconds: 60_000, futureMilliseconds: 0), operators: [operatorKey.publicKey])
        let bare = Statement.preference(Preference(by: creator.publicKey, issued: issued, work: try WorkID(parsing: "iswc:T0345246801"),
                                                   usage: ["train-ai": false]))
        let (enrollment, _) = try enrollment()
        let first = Statement.erasure(Erasure(by: creator.publicKey, issued: issued, erases: enrollment.hash))
        for (target, kind) in [(bare, Statement.Kind.preference), (first, .erasure)] {
            for key in [creator, operatorKey] {
                XCTAssertThrowsError(try admission.checkErasure(Erasure(by: key.publicKey, issued: issued, erases: .zero), of: target)) {
                    XCTAssertEqual($0 as? AdmissionError, .nothingToErase(target: kind))
                }
            }
        }
    }

    /// Review of issue 10, finding 15: a note of 281 emoji (1,124 bytes) was refused as
    /// "field \"text\": longer than 1120 bytes" under `disclosures[0]`; the limit a writer
    /// counts is characters, so the refusal names the pointer and the character limit.
    func testATextTooLongInBytesIsRefusedWithItsFieldsCharacterLimit() throws {
        let note = String(repeating: "\u{1F600}", count: 281)
        XCTAssertEqual(note.utf8.count, 1124)
        let p = Preference(by: creator.publicKey, issued: issued, work: try WorkID(parsing: "iswc:T0345246801"), usage: ["train-ai": false],
                           note: try Commitment(text: note, salt: salt))
        let sub = Self.bytes(SignedStatement.sign(.preference(p), with: creator), [Disclosure(field: "/note", salt: salt, text: note)])
        XCTAssertThrowsError(try Submission(bytes: sub)) {
            XCTAssertEqual($0 as? StatementError, .badDisclosure("/note", "281 characters, at most 280"))
        }
        let name = String(repeating: "\u{1F600}", count: 300)
        let e = Enrollment(by: operatorKey.publicKey, issued: issued, party: creator.publicKey, role: .creator, name: try Commitment(text: name, salt: salt))
        let named = Self.bytes(SignedStatement.sign(.enrollment(e), with: operatorKey), [Disclosure(field: "/name", salt: salt, text: name)])
        XCTAssertThrowsError(try Submission(bytes: named)) {
            XCTAssertEqual($0 as? StatementError, .badDisclosure("/name", "300 characters, at most 256"))
        }
    }

    /// Finding 2: a submission over `Submission.maxSize` says it is statement and disclosures;
    /// a statement alone over its own limit is still called a statement.
    func testTooLargeSaysWhetherTheSubmissionOrTheStatementIs() throws {
        let (signed, disclosures) = try enrollment(ids: [])
        let sub = try Submission(statement: signed, disclosures: disclosures)
        var big = sub.canonicalBytes
        big += [UInt8](repeating: 0x20, count: Submission.maxSize + 1 - big.count)
        XCTAssertThrowsError(try Submission(bytes: big)) {
            XCTAssertEqual("\($0)", "submission is 97281 bytes (statement and disclosures), the limit is 97280")
        }
        var alone = signed.canonicalBytes
        alone += [UInt8](repeating: 0x20, count: Submission.maxSize + 1 - alone.count)
        XCTAssertThrowsError(try Submission(bytes: alone)) {
            XCTAssertEqual("\($0)", "statement is 97281 bytes, the limit is 64512")
        }
    }
}
