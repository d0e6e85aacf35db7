@testable import AssentCore
import XCTest

/// PROTOCOL §6 as small stories, each asked at several times, including between events.
final class ResolutionTests: XCTestCase {
    let society = try! SigningKey(seed: [UInt8](repeating: 1, count: 32))
    let rogueOperator = try! SigningKey(seed: [UInt8](repeating: 2, count: 32))
    let alice = try! SigningKey(seed: [UInt8](repeating: 3, count: 32)).publicKey
    let bob = try! SigningKey(seed: [UInt8](repeating: 4, count: 32)).publicKey
    let steward = try! SigningKey(seed: [UInt8](repeating: 5, count: 32)).publicKey
    let stranger = try! SigningKey(seed: [UInt8](repeating: 6, count: 32)).publicKey
    let work = try! WorkID(parsing: "iswc:T-034.524.680-1")
    let developer = Audience("licensee:example-ai.com")!
    let otherDeveloper = Audience("licensee:other-ai.example")!

    /// Day n of November 2026, noon.
    func day(_ n: Int) -> Timestamp { Timestamp(rfc3339: String(format: "2026-11-%02dT12:00:00.000Z", n))! }

    /// A log whose leaves are appended in order, each logged at its statement's `issued`
    /// unless told otherwise.
    struct Log {
        let origin: String
        var facts: Resolution.Facts
        var next: UInt64 = 0

        mutating func place<Body>(_ body: Body, at time: Timestamp) -> Logged<Body> {
            defer { next += 1 }
            return Logged(body, hash: SHA256.hash(Array("\(origin) \(next)".utf8)), log: origin, index: next, time: time)
        }

        mutating func add(_ p: Preference, loggedAt time: Timestamp? = nil) { facts.preferences.append(place(p, at: time ?? p.issued)) }
        mutating func add(_ m: Mandate) { facts.mandates.append(place(m, at: m.issued)) }
        mutating func add(_ e: Enrollment) { facts.enrollments.append(place(e, at: e.issued)) }
    }

    func log(_ origin: String = "society.example/log") -> Log {
        Log(origin: origin, facts: Resolution.Facts(operators: [society.publicKey]))
    }

    /// Enrolls and mandates `party` for the work on day 1.
    func member(_ party: PublicKey, role: Mandate.Role = .author, labels: [String]? = nil, in log: inout Log, on d: Int = 1) {
        log.add(Enrollment(by: society.publicKey, issued: day(d), party: party, role: role == .steward ? .steward : .creator))
        log.add(Mandate(by: society.publicKey, issued: day(d), party: party, works: [work], role: role, labels: labels))
    }

    func preference(_ by: PublicKey, _ d: Int, _ usage: [String: Bool], audience: Audience = .everyone,
                    purpose: Purpose? = nil, expires: Timestamp? = nil) -> Preference {
        Preference(by: by, issued: day(d), work: work, audience: audience, usage: usage,
                   conditions: purpose.map { Conditions(purpose: $0) }, expires: expires)
    }

    func ask(_ log: Log, at d: Int, audience: Audience = .everyone, purpose: Purpose = .commercial,
             countUnverified: Bool = false, hour: Int = 12) -> Decision {
        let at = Timestamp(rfc3339: String(format: "2026-11-%02dT%02d:00:00.000Z", d, hour))!
        return Resolution.resolve(Resolution.Query(work: work, at: at, audience: audience, purpose: purpose, countUnverified: countUnverified),
                                  facts: log.facts)
    }

    func testACreatorOptsOutThenLicensesOneDeveloper() {
        var l = log()
        member(alice, in: &l)
        l.add(preference(alice, 3, ["train-ai": false]))
        l.add(preference(alice, 6, ["train-ai": true], audience: developer))
        XCTAssertEqual(ask(l, at: 2)[.trainAI], .unknown)          // mandated, nothing said yet
        XCTAssertEqual(ask(l, at: 4, audience: developer)[.trainAI], .disallowed)  // the opt-out speaks to everyone
        XCTAssertEqual(ask(l, at: 6, audience: developer)[.trainAI], .allowed)     // the licence, for that developer only
        XCTAssertEqual(ask(l, at: 6, audience: otherDeveloper)[.trainAI], .disallowed)
        XCTAssertEqual(ask(l, at: 6)[.trainAI], .disallowed)
        // Inheritance within a statement: train-genai follows train-ai; search is not said.
        XCTAssertEqual(ask(l, at: 6, audience: developer)[.trainGenAI], .allowed)
        XCTAssertEqual(ask(l, at: 6, audience: developer)[.search], .unknown)
        // Provenance names the licence, in its log, at its index.
        let category = ask(l, at: 6, audience: developer).categories.first { $0.category == .trainAI }!
        XCTAssertEqual(category.contributions.count, 1)
        guard case let .statement(ref, audience) = category.contributions[0].source else { return XCTFail("\(category)") }
        XCTAssertEqual(audience, developer)
        XCTAssertEqual(ref.index, 3)
        XCTAssertEqual(ref.log, "society.example/log")
    }

    func testTwoCoAuthorsDisagreeAndAnyNoWins() {
        var l = log()
        member(alice, in: &l)
        member(bob, in: &l)
        l.add(preference(alice, 3, ["tdm": true]))
        l.add(preference(bob, 4, ["train-genai": false]))
        XCTAssertEqual(ask(l, at: 3)[.trainGenAI], .allowed)
        XCTAssertEqual(ask(l, at: 4)[.trainGenAI], .disallowed)
        XCTAssertEqual(ask(l, at: 4)[.search], .allowed)  // bob said nothing about search
        // Bob withdraws (empty usage): alice's grant stands alone.
        l.add(preference(bob, 7, [:]))
        XCTAssertEqual(ask(l, at: 6)[.trainGenAI], .disallowed)
        XCTAssertEqual(ask(l, at: 7)[.trainGenAI], .allowed)
    }

    func testAStewardsRefusalOverridesAPublishersGrant() {
        var l = log()
        member(alice, role: .rightsholder, in: &l)
        member(steward, role: .steward, in: &l)
        l.add(preference(alice, 2, ["tdm": true]))
        l.add(preference(steward, 5, ["tdm": false]))
        XCTAssertEqual(ask(l, at: 4)[.tdm], .allowed)
        let d = ask(l, at: 5)
        XCTAssertEqual(d[.tdm], .disallowed)
        XCTAssertEqual(Set(d.categories[0].contributions.map(\.party)), [alice, steward])
        XCTAssertEqual(d.categories[0].conditions, [])  // nothing allowed, no conditions
    }

    func testALicenceExpiresAndTheGeneralStatementSpeaksAgain() {
        var l = log()
        member(alice, in: &l)
        l.add(preference(alice, 2, ["train-ai": false]))
        l.add(preference(alice, 3, ["train-ai": true], audience: developer, expires: day(10)))
        XCTAssertEqual(ask(l, at: 9, audience: developer)[.trainAI], .allowed)
        XCTAssertEqual(ask(l, at: 10, audience: developer)[.trainAI], .disallowed)  // expired at noon on the 10th
        XCTAssertEqual(ask(l, at: 10, audience: developer, hour: 11)[.trainAI], .allowed)
    }

    func testAnExpiredLatestStatementDoesNotBringBackTheOneItReplaced() {
        var l = log()
        member(alice, in: &l)
        l.add(preference(alice, 2, ["search": false]))
        l.add(preference(alice, 3, ["search": true], expires: day(5)))
        XCTAssertEqual(ask(l, at: 4)[.search], .allowed)
        XCTAssertEqual(ask(l, at: 6)[.search], .unknown)
    }

    func testAnUnverifiedDeclarantIsReportedAndIgnoredUnlessAskedFor() {
        var l = log()
        member(alice, in: &l)
        l.add(preference(alice, 2, ["tdm": true]))
        l.add(preference(stranger, 3, ["tdm": false]))
        let d = ask(l, at: 4)
        XCTAssertEqual(d[.tdm], .allowed)
        XCTAssertEqual(d.unverified.map(\.key), [stranger])
        XCTAssertEqual(d.unverified.first?.statements.map(\.index), [3])
        XCTAssertEqual(ask(l, at: 4, countUnverified: true)[.tdm], .disallowed)
        // An unverified declarant whose latest statement has expired says nothing, and is not listed.
        l.add(preference(stranger, 5, ["tdm": false], expires: day(6)))
        XCTAssertEqual(ask(l, at: 5).unverified.map(\.key), [stranger])
        XCTAssertEqual(ask(l, at: 6).unverified.map(\.key), [])
        XCTAssertEqual(ask(l, at: 6, countUnverified: true)[.tdm], .allowed)
        // A mandate from an operator the federation does not trust makes nobody count.
        l.facts.mandates.append(l.place(Mandate(by: rogueOperator.publicKey, issued: day(3), party: stranger, works: [work], role: .author), at: day(3)))
        l.facts.enrollments.append(l.place(Enrollment(by: rogueOperator.publicKey, issued: day(3), party: stranger, role: .creator), at: day(3)))
        XCTAssertEqual(ask(l, at: 4)[.tdm], .allowed)
    }

    func testARevokedEnrollmentStopsAMembersStatementsCounting() {
        var l = log()
        member(alice, in: &l)
        member(bob, in: &l)
        l.add(preference(alice, 2, ["tdm": true]))
        l.add(preference(bob, 3, ["tdm": false]))
        l.add(Enrollment(by: society.publicKey, issued: day(5), party: bob, role: .creator, active: false))
        l.add(preference(bob, 6, ["tdm": false]))
        XCTAssertEqual(ask(l, at: 4)[.tdm], .disallowed)
        XCTAssertEqual(ask(l, at: 5)[.tdm], .allowed)
        XCTAssertEqual(ask(l, at: 7)[.tdm], .allowed)
        XCTAssertEqual(ask(l, at: 7).unverified.map(\.key), [bob])
        // A revoked mandate does the same for that work; a mandate in another role stands apart.
        l.add(Mandate(by: society.publicKey, issued: day(8), party: alice, works: [work], role: .rightsholder))
        l.add(Mandate(by: society.publicKey, issued: day(9), party: alice, works: [work], role: .rightsholder, active: false))
        XCTAssertEqual(ask(l, at: 9)[.tdm], .allowed)  // still the author
        l.add(Mandate(by: society.publicKey, issued: day(10), party: alice, works: [work], role: .author, active: false))
        XCTAssertEqual(ask(l, at: 10)[.tdm], .unknown)
    }

    func testASecretSacredLabelDeniesEverythingWithoutAnyPreference() {
        var l = log()
        member(alice, in: &l)
        member(steward, role: .steward, labels: ["TK-SS", "TK-A"], in: &l, on: 3)
        l.add(preference(alice, 2, ["tdm": true]))
        XCTAssertEqual(ask(l, at: 2)[.trainGenAI], .allowed)
        let d = ask(l, at: 3)
        for category in UsageCategory.allCases { XCTAssertEqual(d[category], .disallowed, "\(category)") }
        guard case let .labels(codes, _)? = d.categories[0].contributions.first(where: { $0.party == steward })?.source else {
            return XCTFail("\(d.categories[0])")
        }
        XCTAssertEqual(codes, ["TK-SS"])
        XCTAssertEqual(d.parties.first { $0.key == steward }?.labels.first?.codes, ["TK-SS", "TK-A"])  // all shown
        // The steward states otherwise: its statement replaces the labels' standing one.
        l.add(preference(steward, 4, ["search": true]))
        XCTAssertEqual(ask(l, at: 4)[.search], .allowed)
        XCTAssertEqual(ask(l, at: 4)[.trainAI], .disallowed)  // not stated: the labels still speak
    }

    func testANonCommercialLabelAllowsResearchAndRefusesCommercialUse() {
        var l = log()
        member(steward, role: .steward, labels: ["TK-NC"], in: &l)
        XCTAssertEqual(ask(l, at: 2, purpose: .research)[.trainAI], .allowed)
        XCTAssertEqual(ask(l, at: 2, purpose: .nonCommercial)[.trainAI], .allowed)
        XCTAssertEqual(ask(l, at: 2, purpose: .commercial)[.trainAI], .disallowed)
        XCTAssertEqual(ask(l, at: 2, purpose: .any)[.trainAI], .disallowed)  // asked as commercial
    }

    func testAGrantRestrictedToAPurposeIsANoForOtherPurposes() {
        var l = log()
        member(alice, in: &l)
        l.add(preference(alice, 2, ["train-ai": true], purpose: .research))
        XCTAssertEqual(ask(l, at: 3, purpose: .research)[.trainAI], .allowed)
        XCTAssertEqual(ask(l, at: 3, purpose: .nonCommercial)[.trainAI], .disallowed)
        XCTAssertEqual(ask(l, at: 3, purpose: .commercial)[.trainAI], .disallowed)
        l.add(preference(alice, 4, ["train-ai": true], purpose: .nonCommercial))
        XCTAssertEqual(ask(l, at: 4, purpose: .research)[.trainAI], .allowed)  // research is non-commercial too
        XCTAssertEqual(ask(l, at: 4, purpose: .commercial)[.trainAI], .disallowed)
        let allowed = ask(l, at: 4, purpose: .research).categories.first { $0.category == .trainAI }!
        XCTAssertEqual(allowed.conditions, [Conditions(purpose: .nonCommercial)])
    }

    func testLatestIsByIssuedNotByLogOrderAndAStatementCountsFromWhenItWasLogged() {
        var l = log()
        member(alice, in: &l)
        l.add(preference(alice, 5, ["tdm": false]))
        l.add(preference(alice, 4, ["tdm": true]), loggedAt: day(6))  // older statement, logged later
        XCTAssertEqual(ask(l, at: 5)[.tdm], .disallowed)
        XCTAssertEqual(ask(l, at: 7)[.tdm], .disallowed)  // day 5 is still the latest issued
        l.add(preference(alice, 8, ["tdm": true]), loggedAt: day(9))
        XCTAssertEqual(ask(l, at: 8)[.tdm], .disallowed)  // issued on the 8th, logged only on the 9th
        XCTAssertEqual(ask(l, at: 9)[.tdm], .allowed)
    }

    func testStatementsInSeveralLogsCombine() {
        var own = log("society.example/log")
        var peer = log("peer.example/log")
        member(alice, in: &own)
        own.add(preference(alice, 2, ["tdm": true]))
        peer.add(preference(alice, 3, ["tdm": false]))  // the same member, declaring at another node
        var facts = own.facts
        facts.preferences += peer.facts.preferences
        let d = Resolution.resolve(Resolution.Query(work: work, at: day(4)), facts: facts)
        XCTAssertEqual(d[.tdm], .disallowed)
        guard case let .statement(ref, _) = d.categories[0].contributions[0].source else { return XCTFail() }
        XCTAssertEqual(ref.log, "peer.example/log")
    }

    func testTheDecisionAsJSONNamesEachCategorysValueAndWhoDecidedIt() throws {
        var l = log()
        member(alice, in: &l)
        member(steward, role: .steward, labels: ["TK-NC"], in: &l)
        l.add(preference(alice, 2, ["train-ai": true], audience: developer, purpose: .research))
        let json = ask(l, at: 3, audience: developer, purpose: .research).json
        XCTAssertEqual(json["audience"], .string("licensee:example-ai.com"))
        XCTAssertEqual(json["purpose"], .string("research"))
        let trainAI = try XCTUnwrap(json["categories"]?["train-ai"])
        XCTAssertEqual(trainAI["value"], .string("allowed"))
        let decidedBy = try XCTUnwrap(trainAI["decidedBy"]?.arrayValue)
        XCTAssertEqual(decidedBy.count, 2)
        let byAlice = try XCTUnwrap(decidedBy.first { $0["party"] == .string(alice.base64) })
        XCTAssertEqual(byAlice["value"], .string("y"))
        XCTAssertEqual(byAlice["statement"]?["index"], .integer(4))
        XCTAssertEqual(byAlice["conditions"]?["purpose"], .string("research"))
        let bySteward = try XCTUnwrap(decidedBy.first { $0["party"] == .string(steward.base64) })
        XCTAssertEqual(bySteward["labels"], .array([.string("TK-NC")]))
        XCTAssertEqual(json["categories"]?["search"]?["value"], .string("allowed"))  // the label's standing y, for research
        XCTAssertEqual(json["parties"]?.arrayValue?.count, 2)
        XCTAssertEqual(json["unverified"], .array([]))
        // Canonical bytes parse back to the same value: the JSON is well formed as RFC 8785.
        XCTAssertEqual(try CanonicalJSON.parse(json.canonicalBytes), json)
    }
}
