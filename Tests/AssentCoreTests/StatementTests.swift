import AssentCore
import XCTest

final class StatementTests: XCTestCase {
    let creator = try! SigningKey(seed: [UInt8](repeating: 7, count: 32))
    let operatorKey = try! SigningKey(seed: [UInt8](repeating: 9, count: 32))
    let issued = Timestamp(rfc3339: "2026-11-21T10:00:00.000Z")!
    let work = try! WorkID(parsing: "iswc:T0345246801")

    func preference(usage: [String: Bool] = ["train-ai": false, "search": true]) -> Statement {
        .preference(Preference(by: creator.publicKey, issued: issued, work: work, audience: Audience("licensee:example-ai.com")!,
                               usage: usage, conditions: Conditions(credit: "Jane Doe", terms: "https://gema.de/terms", purpose: .research)))
    }

    func testSignedPreferenceRoundTripsThroughItsCanonicalBytes() throws {
        let signed = SignedStatement.sign(preference(), with: creator)
        let parsed = try SignedStatement(bytes: signed.canonicalBytes)
        XCTAssertEqual(parsed, signed)
        XCTAssertEqual(parsed.statement, preference())
        let text = String(decoding: signed.canonicalBytes, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix(#"{"sig":""#), text)
        XCTAssertTrue(text.contains(#""usage":{"search":"y","train-ai":"n"}"#), text)
    }

    func testSignatureCoversTheDomainSeparatedCanonicalStatement() throws {
        let signed = SignedStatement.sign(preference(), with: creator)
        let message = Array("assent/statement/v1\n".utf8) + preference().json.canonicalBytes
        XCTAssertTrue(creator.publicKey.isValidSignature(signed.signature, for: message))
        XCTAssertFalse(creator.publicKey.isValidSignature(signed.signature, for: preference().json.canonicalBytes))
    }

    func testTamperedStatementIsRefused() throws {
        let signed = SignedStatement.sign(preference(), with: creator)
        let text = String(decoding: signed.canonicalBytes, as: UTF8.self).replacingOccurrences(of: #""train-ai":"n""#, with: #""train-ai":"y""#)
        XCTAssertThrowsError(try SignedStatement(bytes: Array(text.utf8))) { XCTAssertEqual($0 as? StatementError, .badSignature) }
    }

    func testStatementSignedByAnotherKeyThanByIsRefused() throws {
        let signed = SignedStatement.sign(preference(), with: creator)
        var json = signed.json.objectValue!
        json["sig"] = .string(Base64.encode(operatorKey.sign(Array("assent/statement/v1\n".utf8) + preference().json.canonicalBytes)))
        XCTAssertThrowsError(try SignedStatement(bytes: JSONValue.object(json).canonicalBytes)) { XCTAssertEqual($0 as? StatementError, .badSignature) }
    }

    func testNonCanonicalBytesAreRefusedByDefaultAndAcceptedWhenAsked() throws {
        let signed = SignedStatement.sign(preference(), with: creator)
        let spaced = Array(String(decoding: signed.canonicalBytes, as: UTF8.self).replacingOccurrences(of: ",", with: ", ").utf8)
        XCTAssertThrowsError(try SignedStatement(bytes: spaced))
        XCTAssertEqual(try SignedStatement(bytes: spaced, requireCanonical: false).canonicalBytes, signed.canonicalBytes)
    }

    func checkRefused(_ mutate: (inout [JSONKey: JSONValue]) -> Void, _ expected: StatementError, of statement: Statement? = nil,
                      file: StaticString = #filePath, line: UInt = #line) {
        let statement = statement ?? preference()
        let key = statement.by == creator.publicKey ? creator : operatorKey
        var body = statement.json.objectValue!
        mutate(&body)
        let sig = key.sign(Array("assent/statement/v1\n".utf8) + JSONValue.object(body).canonicalBytes)
        let whole: JSONValue = ["statement": .object(body), "sig": .string(Base64.encode(sig))]
        XCTAssertThrowsError(try SignedStatement(bytes: whole.canonicalBytes), file: file, line: line) {
            XCTAssertEqual($0 as? StatementError, expected, file: file, line: line)
        }
    }

    func testTypeRulesAreEnforcedWithNamedFields() {
        checkRefused({ $0["type"] = "licence" }, .unknownType("licence"))
        checkRefused({ $0["extra"] = 1 }, .unknownField("extra"))
        checkRefused({ $0.removeValue(forKey: "work") }, .missingField("work"))
        checkRefused({ $0["usage"] = ["train-ai": "maybe"] }, .badField("usage.train-ai", "must be \"y\" or \"n\""))
        checkRefused({ $0["audience"] = "everyone" }, .badField("audience", "must be * or licensee:<id>, found \"everyone\""))
        checkRefused({ $0["issued"] = 5 }, .wrongType(field: "issued", expected: "a string", found: "integer"))
        checkRefused({ $0["work"] = "iswc:T-034.524.680-1" },
                     .badWorkID("work", .notNormalized(given: "iswc:T-034.524.680-1", normalized: "iswc:T0345246801")))
        checkRefused({ $0["expires"] = "2026-11-20T10:00:00.000Z" }, .badField("expires", "must be after issued"))
        checkRefused({ $0["labels"] = ["XX-1"] }, .badField("labels", "\"XX-1\" is not a Local Contexts label code such as TK-SS or BC-NC"))
    }

    func testBadWorkIDSaysWhichCheckFailed() {
        var body = preference().json.objectValue!
        body["work"] = "iswc:T0345246802"
        let sig = creator.sign(Array("assent/statement/v1\n".utf8) + JSONValue.object(body).canonicalBytes)
        let whole: JSONValue = ["statement": .object(body), "sig": .string(Base64.encode(sig))]
        XCTAssertThrowsError(try SignedStatement(bytes: whole.canonicalBytes)) { error in
            XCTAssertTrue("\(error)".contains("check digit"), "\(error)")
        }
    }

    func testEnrollmentAndMandateRoundTrip() throws {
        let enrollment = Statement.enrollment(Enrollment(
            by: operatorKey.publicKey, issued: issued, party: creator.publicKey, role: .steward, ids: ["ipi:00052210040"],
            community: .init(name: "Example Nation", projects: ["lc-project-1"])))
        let mandate = Statement.mandate(Mandate(by: operatorKey.publicKey, issued: issued, party: creator.publicKey,
                                                works: [work, try WorkID(parsing: "isbn:9780306406157")], role: .steward, labels: ["TK-SS"]))
        for s in [enrollment, mandate] {
            let signed = SignedStatement.sign(s, with: operatorKey)
            XCTAssertEqual(try SignedStatement(bytes: signed.canonicalBytes).statement, s)
        }
    }

    /// PROTOCOL §2: a statement carries only the normal form, compared bytewise; "é" as U+00E9
    /// is not the normal form of a URL (that is its percent-encoded UTF-8).
    func testWorkIDsThatAreNotInNormalFormAreRefusedNamingIt() {
        checkRefused({ $0["work"] = "url:https://example.com/caf\u{E9}" },
                     .badWorkID("work", .notNormalized(given: "url:https://example.com/caf\u{E9}", normalized: "url:https://example.com/caf%C3%A9")))
        checkRefused({ $0["work"] = "url:https://example.com/cafe\u{301}" },
                     .badWorkID("work", .notNormalized(given: "url:https://example.com/cafe\u{301}", normalized: "url:https://example.com/caf%C3%A9")))
        let mandate = Statement.mandate(Mandate(by: operatorKey.publicKey, issued: issued, party: creator.publicKey, works: [work], role: .author))
        checkRefused({ $0["works"] = ["iswc:T0345246801", "local:GEMA.de/1"] },
                     .badWorkID("works[1]", .notNormalized(given: "local:GEMA.de/1", normalized: "local:gema.de/1")), of: mandate)
        checkRefused({ $0["works"] = ["url:https://example.com/caf%C3%A9", "url:https://example.com/caf%c3%a9"] },
                     .badWorkID("works[1]", .notNormalized(given: "url:https://example.com/caf%c3%a9", normalized: "url:https://example.com/caf%C3%A9")),
                     of: mandate)
    }

    func enrollment(ids: [String]) -> Statement {
        .enrollment(Enrollment(by: operatorKey.publicKey, issued: issued, party: creator.publicKey, role: .creator, ids: ids))
    }

    func testEnrollmentIDsInNormalFormAreAccepted() throws {
        let s = enrollment(ids: ["ipi:00052210040", "isni:000000012281955X"])
        XCTAssertEqual(try SignedStatement(bytes: SignedStatement.sign(s, with: operatorKey).canonicalBytes).statement, s)
    }

    func testEnrollmentIDsNotInNormalFormAreRefusedNamingIt() {
        let cases = [
            ("isni:0000 0001 2103 2683", "isni:0000000121032683"),
            ("isni:000000012281955x", "isni:000000012281955X"),
            ("ipi:052210040", "ipi:00052210040"),
        ]
        for (given, normal) in cases {
            checkRefused({ $0["ids"] = ["ipi:00052210040", .string(given)] },
                         .badField("ids[1]", "party identifier \"\(given)\" is not in normal form; write \"\(normal)\""),
                         of: enrollment(ids: ["ipi:00052210040"]))
        }
        checkRefused({ $0["ids"] = ["ipi:00052210041"] },
                     .badField("ids[0]", #"ipi "00052210041": check number is 41, expected 40"#), of: enrollment(ids: ["ipi:00052210040"]))
    }

    func testMandateWithTooManyWorksIsRefused() throws {
        let works = (0..<1001).map { try! WorkID(parsing: "local:gema.de/\($0)") }
        let m = Statement.mandate(Mandate(by: operatorKey.publicKey, issued: issued, party: creator.publicKey, works: works, role: .author))
        let signed = SignedStatement.sign(m, with: operatorKey)
        XCTAssertThrowsError(try SignedStatement(bytes: signed.canonicalBytes)) {
            XCTAssertEqual($0 as? StatementError, .badField("works", "1001 works, at most 1000"))
        }
    }
}

/// PROTOCOL §3: `note` at most 280 characters, `credit` at most 200, counted as Unicode scalars.
final class FreeTextCapTests: XCTestCase {
    let key = try! SigningKey(seed: [UInt8](repeating: 5, count: 32))

    func body(note: String? = nil, credit: String? = nil) -> JSONValue {
        var o: [JSONKey: JSONValue] = [
            "type": "preference", "by": .string(key.publicKey.base64), "issued": "2026-11-21T10:00:00.000Z",
            "work": "iswc:T0345246801", "audience": "*", "usage": ["train-ai": "n"],
        ]
        if let note { o["note"] = .string(note) }
        if let credit { o["conditions"] = ["credit": .string(credit)] }
        return .object(o)
    }

    func testNotesAndCreditsAtTheCapAreTakenAndOneMoreIsRefused() throws {
        XCTAssertNoThrow(try Statement(json: body(note: String(repeating: "é", count: 280))))
        XCTAssertThrowsError(try Statement(json: body(note: String(repeating: "é", count: 281)))) {
            XCTAssertEqual("\($0)", "field \"note\": 281 characters, at most 280")
        }
        XCTAssertNoThrow(try Statement(json: body(credit: String(repeating: "a", count: 200))))
        XCTAssertThrowsError(try Statement(json: body(credit: String(repeating: "a", count: 201)))) {
            XCTAssertEqual("\($0)", "field \"conditions.credit\": 201 characters, at most 200")
        }
    }
}
