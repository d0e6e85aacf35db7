import AssentCore
import XCTest

final class StatementTests: XCTestCase {
    let creator = try! SigningKey(seed: [UInt8](repeating: 7, count: 32))
    let operatorKey = try! SigningKey(seed: [UInt8](repeating: 9, count: 32))
    let issued = Timestamp(rfc3339: "2026-11-21T10:00:00.000Z")!
    let work = try! WorkID(parsing: "iswc:T0345246801")

    func preference(usage: [String: Bool] = ["train-ai": false, "search": true]) -> Statement {
        .preference(Preference(by: creator.publicKey, issued: issued, work: work, audience: Audience("licensee:example-ai.com")!,
                               usage: usage, conditions: Conditions(credit: try! Commitment(text: "Jane Doe", salt: Array(0..<16)), terms: "https://gema.de/terms", purpose: .research)))
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
        // Unknown members are found among those not taken, however many were: the first by name.
        checkRefused({ $0["zz"] = 1; $0["extra"] = 1 }, .unknownField("extra"))
        checkRefused({ $0["expirs"] = "2027-01-01T00:00:00.000Z" }, .unknownField("expirs"))
        checkRefused({ $0.removeValue(forKey: "work") }, .missingField("work"))
        checkRefused({ $0["usage"] = ["train-ai": "maybe"] }, .badField("usage.train-ai", "must be \"y\" or \"n\""))
        checkRefused({ $0["audience"] = "everyone" }, .badField("audience", "must be * or licensee:<id>, found \"everyone\""))
        checkRefused({ $0["issued"] = 5 }, .wrongType(field: "issued", expected: "a string", found: "integer"))
        checkRefused({ $0["work"] = "iswc:T-034.524.680-1" },
                     .badWorkID("work", .notNormalized(given: "iswc:T-034.524.680-1", normalized: "iswc:T0345246801")))
        checkRefused({ $0["expires"] = "2026-11-20T10:00:00.000Z" }, .badField("expires", "must be after issued"))
    }

    /// Issue 10: Local Contexts labels belong to a steward's mandate (PROTOCOL §3), and a
    /// preference that carries them, even well-formed ones, is refused rather than logged.
    func testLabelsOnAPreferenceAreRefused() {
        checkRefused({ $0["labels"] = ["TK-SS"] }, .badField("labels", "Local Contexts labels belong to a steward's mandate, not to a preference"))
    }

    /// Review of issue 9: `conditions.terms` names a document; a query, a fragment or user
    /// information would carry a name or a phone number into the permanent log in clear.
    func testTermsURLWithQueryFragmentOrUserinfoIsRefused() throws {
        func refusedTerms(_ url: String, file: StaticString = #filePath, line: UInt = #line) {
            checkRefused({ $0["conditions"] = ["terms": .string(url)] }, .badField("conditions.terms",
                "must name the licence's terms document: a URL without a query (?…) or fragment (#…), which the permanent log would show in clear"),
                file: file, line: line)
        }
        refusedTerms("https://example.org/terms?name=Alice%20Example&phone=01705551234")
        refusedTerms("https://example.org/terms#Alice-Example-01705551234")
        refusedTerms("https://example.org/terms?")
        checkRefused({ $0["conditions"] = ["terms": "https://alice:01705551234@example.org/terms"] },
                     .badField("conditions.terms", "must be an absolute http(s) URL"))
        // A plain document URL is taken.
        var body = preference().json.objectValue!
        body["conditions"] = ["terms": "https://gema.de/licences/ai-2026.pdf"]
        let sig = creator.sign(Array("assent/statement/v1\n".utf8) + JSONValue.object(body).canonicalBytes)
        let whole: JSONValue = ["statement": .object(body), "sig": .string(Base64.encode(sig))]
        XCTAssertNoThrow(try SignedStatement(bytes: whole.canonicalBytes))
    }

    /// Review of issue 9: unknown usage categories are kept (PROTOCOL §3) but are clear text in
    /// the log, so at most 8 per statement and 32 bytes each; the known ones do not count.
    func testUnknownUsageCategoriesAreFewAndShort() throws {
        var eight: [JSONKey: JSONValue] = ["train-ai": "n", "search": "y", "tdm": "n"]
        for i in 0..<8 { eight[JSONKey("future-use-\(i)")] = "n" }
        var body = preference().json.objectValue!
        body["usage"] = .object(eight)
        let sig = creator.sign(Array("assent/statement/v1\n".utf8) + JSONValue.object(body).canonicalBytes)
        let whole: JSONValue = ["statement": .object(body), "sig": .string(Base64.encode(sig))]
        XCTAssertNoThrow(try SignedStatement(bytes: whole.canonicalBytes))
        var nine = eight
        nine["future-use-8"] = "n"
        checkRefused({ $0["usage"] = .object(nine) }, .badField("usage",
            "more than 8 unknown categories (tdm, train-ai, train-genai, ai-inference, search are known)"))
        let long = "alice-example-phone-0170-5551234x" // 33 bytes
        checkRefused({ $0["usage"] = [JSONKey(long): "n"] },
                     .badField("usage", "unknown category \"\(long)…\" is longer than 32 bytes"))
        body["usage"] = ["alice-example-phone-0170-5551234": "n"] // 32 bytes: taken
        let sig32 = creator.sign(Array("assent/statement/v1\n".utf8) + JSONValue.object(body).canonicalBytes)
        let whole32: JSONValue = ["statement": .object(body), "sig": .string(Base64.encode(sig32))]
        XCTAssertNoThrow(try SignedStatement(bytes: whole32.canonicalBytes))
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
            by: operatorKey.publicKey, issued: issued, party: creator.publicKey, role: .steward, ids: [try Commitment(text: "ipi:00052210040", salt: Array(0..<16))],
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

    func testMandateWithTooManyWorksIsRefused() throws {
        let works = (0..<1001).map { try! WorkID(parsing: "local:gema.de/\($0)") }
        let m = Statement.mandate(Mandate(by: operatorKey.publicKey, issued: issued, party: creator.publicKey, works: works, role: .author))
        let signed = SignedStatement.sign(m, with: operatorKey)
        XCTAssertThrowsError(try SignedStatement(bytes: signed.canonicalBytes)) {
            XCTAssertEqual($0 as? StatementError, .badField("works", "1001 works, at most 1000"))
        }
    }

    /// Review of issue 10, finding 3: each of a mandate's works is held to the 1,024 bytes a
    /// preference's `work` is (it had no bound of its own).
    func testAMandatesWorksAreAtMost1024BytesEach() throws {
        let mandate = Statement.mandate(Mandate(by: operatorKey.publicKey, issued: issued, party: creator.publicKey, works: [work], role: .author))
        let atLimit = "local:gema.de/" + String(repeating: "a", count: WorkID.maxBytes - 14)
        XCTAssertEqual(atLimit.utf8.count, 1024)
        var body = mandate.json.objectValue!
        body["works"] = [.string(atLimit)]
        XCTAssertNoThrow(try Statement(json: .object(body)))
        checkRefused({ $0["works"] = ["iswc:T0345246801", .string(atLimit + "b")] }, .badField("works[1]", "longer than 1024 bytes"), of: mandate)
    }

    /// Finding 17: a repeated label or project is refused as a repeated work is, naming where.
    func testRepeatedLabelsAndProjectsAreRefused() throws {
        let mandate = Statement.mandate(Mandate(by: operatorKey.publicKey, issued: issued, party: creator.publicKey, works: [work], role: .steward,
                                                labels: ["TK-SS"]))
        checkRefused({ $0["labels"] = ["TK-SS", "BC-CB", "TK-SS"] }, .badField("labels[2]", "\"TK-SS\" is listed twice"), of: mandate)
        let steward = Statement.enrollment(Enrollment(by: operatorKey.publicKey, issued: issued, party: creator.publicKey, role: .steward,
                                                      community: .init(name: "Example Nation", projects: ["lc-1"])))
        checkRefused({ $0["community"] = ["name": "Example Nation", "projects": ["lc-1", "lc-1"]] },
                     .badField("community.projects[1]", "\"lc-1\" is listed twice"), of: steward)
        checkRefused({ $0["community"] = ["name": "Example Nation", "projects": ["lc-1", ""]] },
                     .badField("community.projects[1]", "is empty"), of: steward)
    }

    /// Finding 12: a community's name is refused empty or with white space at either end (two
    /// spellings of one name), and every refusal names `community.name`, not `name` (which is
    /// the enrollment's committed name).
    func testACommunityNameIsNonEmptyWithoutOuterWhiteSpaceAndNamedInFull() throws {
        let steward = Statement.enrollment(Enrollment(by: operatorKey.publicKey, issued: issued, party: creator.publicKey, role: .steward,
                                                      community: .init(name: "Example Nation")))
        checkRefused({ $0["community"] = ["name": ""] }, .badField("community.name", "is empty"), of: steward)
        checkRefused({ $0["community"] = ["name": " Example Nation"] }, .badField("community.name", "begins or ends with white space"), of: steward)
        checkRefused({ $0["community"] = ["name": "Example Nation\n"] }, .badField("community.name", "begins or ends with white space"), of: steward)
        checkRefused({ $0["community"] = ["name": "Example\u{3000}"] }, .badField("community.name", "begins or ends with white space"), of: steward)
        checkRefused({ $0["community"] = ["name": .string(String(repeating: "é", count: 129))] },
                     .badField("community.name", "longer than 256 bytes"), of: steward)
        checkRefused({ $0["community"] = ["projects": []] }, .missingField("community.name"), of: steward)
        checkRefused({ $0["community"] = ["name": "Example Nation", "members": 3] }, .unknownField("community.members"), of: steward)
        var inner = steward.json.objectValue!
        inner["community"] = ["name": "Example  Nation"]
        XCTAssertNoThrow(try Statement(json: .object(inner)), "white space inside a name is the name's own")
    }
}
