import AssentCore
import AssentNode
import Foundation
import XCTest

/// Consent stories over a real node (PROTOCOL §5, §6; issue 7 "Done means"): real HTTP, real
/// signatures, and a clock the test moves, so every statement's leaf time is exact. Each story
/// asks `GET /v1/works/{work}` at several times, before, at and between its events.
final class ConsentScenarioTests: XCTestCase {
    var node: TestNode!
    let clock = ManualClock(now: Timestamp(rfc3339: "2026-11-21T10:00:00.000Z")!)
    let work = try! WorkID(parsing: "iswc:T-034.524.680-1")
    let alice = try! SigningKey(seed: [UInt8](repeating: 71, count: 32))
    let bob = try! SigningKey(seed: [UInt8](repeating: 72, count: 32))
    let publisher = try! SigningKey(seed: [UInt8](repeating: 73, count: 32))
    let steward = try! SigningKey(seed: [UInt8](repeating: 74, count: 32))
    let mallory = try! SigningKey(seed: [UInt8](repeating: 75, count: 32))
    let exampleAI = Audience("licensee:example-ai.com")!
    let otherAI = Audience("licensee:other-ai.com")!

    override func setUp() async throws {
        node = TestNode(clock: clock) {
            $0.batchSize = 1  // each statement is its own batch, written at once, at the clock's time
            $0.epochIntervalSeconds = 60
        }
        try await node.start()
    }

    /// Every story's log passes `assent audit`, which recomputes the state map root of every
    /// epoch from the leaves alone (issue 7: "audit recomputes every map root of a log written by
    /// the scenario suite").
    override func tearDown() async throws {
        if let node, node.node.store.size > 0 {
            let summary = try await node.audit()
            XCTAssertGreaterThan(summary.epochs, 1, "the story's log has epochs whose map roots the audit recomputed")
            XCTAssertGreaterThan(summary.mapKeys, 0, "the audit rebuilt the story's state map")
        }
        try? await node?.stop()
        node?.remove()
    }

    var operatorKey: SigningKey { node.node.keys.operator.key }

    // MARK: Statements, as the CLI verbs sign them

    func enroll(_ party: SigningKey, role: Enrollment.Role = .creator, active: Bool = true) -> SignedStatement {
        .sign(.enrollment(Enrollment(by: operatorKey.publicKey, issued: clock.now, party: party.publicKey, role: role, active: active)), with: operatorKey)
    }

    func mandate(_ party: SigningKey, role: Mandate.Role = .author, labels: [String]? = nil) -> SignedStatement {
        .sign(.mandate(Mandate(by: operatorKey.publicKey, issued: clock.now, party: party.publicKey, works: [work], role: role, labels: labels)),
              with: operatorKey)
    }

    func prefer(_ key: SigningKey, _ usage: [String: Bool], audience: Audience = .everyone, purpose: Purpose? = nil,
                expires: Timestamp? = nil) -> SignedStatement {
        .sign(.preference(Preference(by: key.publicKey, issued: clock.now, work: work, audience: audience, usage: usage,
                                     conditions: purpose.map { Conditions(purpose: $0) }, expires: expires)), with: key)
    }

    /// Submits each statement and waits for its receipt; returns the time they were logged at
    /// (the clock's, which the sequencer stamps on their leaves), then moves the clock 10 s on.
    @discardableResult
    func log(_ statements: SignedStatement...) async throws -> Timestamp {
        let time = clock.now
        for s in statements {
            let reply = try await node.post("/v1/statements", s.canonicalBytes)
            XCTAssertEqual(reply.status, 200, reply.text)
        }
        clock.advance(by: .seconds(10))
        return time
    }

    /// The node's answer for the work at `t`.
    func state(at t: Timestamp, audience: Audience = .everyone, purpose: Purpose = .commercial, countUnverified: Bool = false,
               file: StaticString = #filePath, line: UInt = #line) async throws -> JSONValue {
        var path = "/v1/works/\(work)?at=\(t.rfc3339)&audience=\(audience.value)&purpose=\(purpose.rawValue)"
        if countUnverified { path += "&unverified=count" }
        let reply = try await node.get(path)
        XCTAssertEqual(reply.status, 200, reply.text, file: file, line: line)
        return reply.json
    }

    /// Each category's value at `t`, as `category=value` words in the order of `UsageCategory`.
    func values(at t: Timestamp, audience: Audience = .everyone, purpose: Purpose = .commercial, countUnverified: Bool = false,
                file: StaticString = #filePath, line: UInt = #line) async throws -> [String: String] {
        let json = try await state(at: t, audience: audience, purpose: purpose, countUnverified: countUnverified, file: file, line: line)
        var out = [String: String]()
        for c in UsageCategory.allCases { out[c.rawValue] = json["categories"]?[JSONKey(c.rawValue)]?["value"]?.stringValue }
        return out
    }

    func all(_ value: String) -> [String: String] { Dictionary(uniqueKeysWithValues: UsageCategory.allCases.map { ($0.rawValue, value) }) }

    func before(_ t: Timestamp) -> Timestamp { Timestamp(milliseconds: t.milliseconds - 1) }
    func after(_ t: Timestamp, seconds: Int64 = 5) -> Timestamp { Timestamp(milliseconds: t.milliseconds + seconds * 1000) }

    // MARK: Stories

    func testACreatorOptsOutThenLicensesOneDeveloper() async throws {
        let joined = try await log(enroll(alice), mandate(alice))
        let optedOut = try await log(prefer(alice, ["tdm": false]))
        let licensed = try await log(prefer(alice, ["train-genai": true], audience: exampleAI))

        let nothingYet = try await values(at: after(joined))
        XCTAssertEqual(nothingYet, all("unknown"))
        let justBefore = try await values(at: before(optedOut))
        XCTAssertEqual(justBefore, all("unknown"))
        let out = try await values(at: optedOut)
        XCTAssertEqual(out, all("disallowed"))
        // Between the opt-out and the licence, the developer is refused like everyone.
        let developerBefore = try await values(at: after(optedOut), audience: exampleAI)
        XCTAssertEqual(developerBefore["train-genai"], "disallowed")
        // From the licence on: that developer may train generative models, and nothing more.
        let developer = try await state(at: licensed, audience: exampleAI)
        XCTAssertEqual(developer["categories"]?["train-genai"]?["value"], "allowed")
        XCTAssertEqual(developer["categories"]?["train-ai"]?["value"], "disallowed")
        XCTAssertEqual(developer["categories"]?["train-genai"]?["decidedBy"]?[0]?["audience"], .string(exampleAI.value))
        let others = try await values(at: after(licensed), audience: otherAI)
        XCTAssertEqual(others, all("disallowed"))
        let everyone = try await values(at: after(licensed))
        XCTAssertEqual(everyone, all("disallowed"))
    }

    func testTwoCoAuthorsDisagree() async throws {
        try await log(enroll(alice), enroll(bob), mandate(alice), mandate(bob))
        let aliceAllows = try await log(prefer(alice, ["search": true]))
        let bobRefuses = try await log(prefer(bob, ["search": false]))

        let agreed = try await values(at: after(aliceAllows))
        XCTAssertEqual(agreed["search"], "allowed")
        XCTAssertEqual(agreed["train-ai"], "unknown")  // alice named only search
        // Any n across parties wins (§6 rule 3), and both contributions are shown.
        let disagreed = try await state(at: bobRefuses)
        XCTAssertEqual(disagreed["categories"]?["search"]?["value"], "disallowed")
        guard case let .array(decidedBy)? = disagreed["categories"]?["search"]?["decidedBy"] else { return XCTFail("no decidedBy") }
        XCTAssertEqual(Set(decidedBy.compactMap { $0["party"]?.stringValue }), [alice.publicKey.base64, bob.publicKey.base64])
        XCTAssertEqual(Set(decidedBy.compactMap { $0["value"]?.stringValue }), ["y", "n"])
        XCTAssertEqual(disagreed["parties"].flatMap { if case let .array(a) = $0 { a.count } else { nil } }, 2)
    }

    func testAStewardsRefusalOverridesAPublishersGrantForTheSameWork() async throws {
        try await log(enroll(publisher, role: .publisher), mandate(publisher, role: .rightsholder))
        let granted = try await log(prefer(publisher, ["tdm": true]))
        let stewardJoins = try await log(enroll(steward, role: .steward), mandate(steward, role: .steward))
        let refused = try await log(prefer(steward, ["train-genai": false]))

        let grant = try await values(at: granted)
        XCTAssertEqual(grant, all("allowed"))
        // The steward's mandate alone, with no labels and no statement, changes nothing.
        let silent = try await values(at: after(stewardJoins))
        XCTAssertEqual(silent, all("allowed"))
        let overridden = try await values(at: refused)
        XCTAssertEqual(overridden["train-genai"], "disallowed")
        XCTAssertEqual(overridden["train-ai"], "allowed")  // the steward refused generative training only
        XCTAssertEqual(overridden["search"], "allowed")
    }

    func testALicenceExpires() async throws {
        try await log(enroll(alice), mandate(alice))
        let optedOut = try await log(prefer(alice, ["tdm": false]))
        let end = Timestamp(milliseconds: clock.now.milliseconds + 30_000)
        let licensed = try await log(prefer(alice, ["train-ai": true], audience: exampleAI, expires: end))

        let before = try await values(at: after(optedOut), audience: exampleAI)
        XCTAssertEqual(before["train-ai"], "disallowed")
        let during = try await values(at: after(licensed, seconds: 29), audience: exampleAI)
        XCTAssertEqual(during["train-ai"], "allowed")
        XCTAssertEqual(during["train-genai"], "allowed")  // inherited within the licence
        XCTAssertEqual(during["search"], "disallowed")  // the licence says nothing of search: alice's * statement decides
        // At its expiry the licence ends, and the developer falls back to alice's general refusal.
        let expired = try await values(at: end, audience: exampleAI)
        XCTAssertEqual(expired["train-ai"], "disallowed")
        let later = try await values(at: after(end, seconds: 3600), audience: exampleAI)
        XCTAssertEqual(later, all("disallowed"))
    }

    func testAnUnverifiedDeclarantIsReportedAndIgnored() async throws {
        try await log(enroll(alice), mandate(alice))
        // mallory is enrolled nowhere; this node takes open declarations, so the statement is logged.
        let claimed = try await log(prefer(mallory, ["tdm": true]))

        let answer = try await state(at: claimed)
        XCTAssertEqual(answer["categories"]?["tdm"]?["value"], "unknown")
        XCTAssertEqual(answer["unverified"]?[0]?["party"], .string(mallory.publicKey.base64))
        XCTAssertEqual(answer["unverified"]?[0]?["statements"]?[0]?["index"].flatMap { if case .integer = $0 { true } else { nil } }, true)
        XCTAssertEqual(answer["countUnverified"], .bool(false))
        let counted = try await values(at: claimed, countUnverified: true)
        XCTAssertEqual(counted, all("allowed"))
        let beforeClaim = try await state(at: before(claimed))
        XCTAssertEqual(beforeClaim["unverified"], .array([]))
    }

    func testAMembersEnrollmentIsRevokedAndTheirLaterStatementsStopCounting() async throws {
        try await log(enroll(alice), mandate(alice))
        let refused = try await log(prefer(alice, ["tdm": false]))
        let revoked = try await log(enroll(alice, active: false))
        // Now an open declaration: logged, but alice no longer counts.
        let laterGrant = try await log(prefer(alice, ["tdm": true]))

        let whileMember = try await values(at: after(refused))
        XCTAssertEqual(whileMember, all("disallowed"))
        let justBefore = try await values(at: before(revoked))
        XCTAssertEqual(justBefore, all("disallowed"))
        let afterRevocation = try await values(at: revoked)
        XCTAssertEqual(afterRevocation, all("unknown"))
        let grantIgnored = try await state(at: laterGrant)
        XCTAssertEqual(grantIgnored["categories"]?["tdm"]?["value"], "unknown")
        XCTAssertEqual(grantIgnored["unverified"]?[0]?["party"], .string(alice.publicKey.base64))
        XCTAssertEqual(grantIgnored["parties"], .array([]))
    }

    func testATKSecretSacredLabelDeniesEverythingWithNoPreferenceAtAll() async throws {
        try await log(enroll(steward, role: .steward))
        let labelled = try await log(mandate(steward, role: .steward, labels: ["TK-SS"]))

        let before = try await values(at: before(labelled))
        XCTAssertEqual(before, all("unknown"))
        for purpose in [Purpose.commercial, .nonCommercial, .research] {
            let answer = try await values(at: labelled, purpose: purpose)
            XCTAssertEqual(answer, all("disallowed"), purpose.rawValue)
        }
        let shown = try await state(at: labelled)
        XCTAssertEqual(shown["categories"]?["tdm"]?["decidedBy"]?[0]?["labels"], .array(["TK-SS"]))
        XCTAssertEqual(shown["parties"]?[0]?["labels"]?[0]?["codes"], .array(["TK-SS"]))
    }

    func testATKNonCommercialLabelAllowsResearchAndRefusesCommercialUse() async throws {
        try await log(enroll(steward, role: .steward))
        let labelled = try await log(mandate(steward, role: .steward, labels: ["TK-NC", "TK-A"]))

        let commercial = try await values(at: labelled)
        XCTAssertEqual(commercial, all("disallowed"))
        let research = try await values(at: labelled, purpose: .research)
        XCTAssertEqual(research, all("allowed"))
        let nonCommercial = try await values(at: after(labelled), purpose: .nonCommercial)
        XCTAssertEqual(nonCommercial, all("allowed"))
        // Only the acting label is named as the reason; TK-A is shown with the mandate.
        let shown = try await state(at: labelled, purpose: .research)
        XCTAssertEqual(shown["categories"]?["search"]?["decidedBy"]?[0]?["labels"], .array(["TK-NC"]))
    }
}

extension JSONValue {
    /// The element at `index` of an array, nil for anything else: for reading replies in tests.
    subscript(index: Int) -> JSONValue? {
        guard case let .array(a) = self, a.indices.contains(index) else { return nil }
        return a[index]
    }
}
