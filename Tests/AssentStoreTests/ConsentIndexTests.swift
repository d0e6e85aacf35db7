@testable import AssentCore
@testable import AssentStore
import AssentTestSupport
import Foundation
import XCTest

/// The consent index (LogStore.compactDecisions) against the reference: Resolution.resolve over
/// the facts read from map_records (LogSnapshot.consentFacts), in the compact form of a bulk check.
final class ConsentIndexTests: StoreTestCase {
    let trusted = try! SigningKey(seed: [UInt8](repeating: 40, count: 32))
    let untrusted = try! SigningKey(seed: [UInt8](repeating: 41, count: 32))
    lazy var parties = (0..<5).map { try! SigningKey(seed: [UInt8](repeating: UInt8(50 + $0), count: 32)) }
    let works = (0..<4).map { try! WorkID(parsing: "local:gema.de/W\($0)") }
    let audiences = [Audience.everyone, Audience("licensee:a.example")!, Audience("licensee:b.example")!]
    let labelSets: [[String]?] = [nil, ["TK-NC"], ["TK-SS"], ["BC-NC", "TK-CO"], ["TK-A"]]

    func minute(_ m: Int) -> Timestamp { Timestamp(milliseconds: t0.milliseconds + Int64(m) * 60_000) }

    /// A random statement: enrollments and mandates by a trusted and an untrusted operator
    /// (active or revoked, steward mandates with labels), preferences by mandated and unknown
    /// keys, for several audiences, with purposes and expiries; `issued` out of log order.
    func randomStatement(_ rng: inout SplitMix64, batch: Int) -> SignedStatement {
        let issued = minute(batch + Int.random(in: -3...1, using: &rng))
        let op = Int.random(in: 0..<4, using: &rng) == 0 ? untrusted : trusted
        let party = parties.randomElement(using: &rng)!
        switch Int.random(in: 0..<10, using: &rng) {
        case 0, 1:
            return .sign(.enrollment(Enrollment(by: op.publicKey, issued: issued, party: party.publicKey, role: .creator,
                                                active: Int.random(in: 0..<4, using: &rng) > 0)), with: op)
        case 2, 3:
            let role = Mandate.Role.allCases.randomElement(using: &rng)!
            let named = works.filter { _ in Bool.random(using: &rng) }
            return .sign(.mandate(Mandate(by: op.publicKey, issued: issued, party: party.publicKey, works: named.isEmpty ? [works[0]] : named,
                                          role: role, active: Int.random(in: 0..<4, using: &rng) > 0,
                                          labels: role == .steward ? labelSets.randomElement(using: &rng)! : nil)), with: op)
        default:
            var usage = [String: Bool]()
            for c in UsageCategory.allCases where Int.random(in: 0..<3, using: &rng) == 0 { usage[c.rawValue] = Bool.random(using: &rng) }
            if usage.isEmpty { usage["tdm"] = Bool.random(using: &rng) }
            let purpose = [nil, Purpose.any, .nonCommercial, .research].randomElement(using: &rng)!
            // After `issued` (PROTOCOL §3): a statement the log could not read back is no story.
            let expires = Int.random(in: 0..<3, using: &rng) == 0
                ? Timestamp(milliseconds: issued.milliseconds + Int64(Int.random(in: 1...4, using: &rng)) * 60_000) : nil
            return .sign(.preference(Preference(by: party.publicKey, issued: issued, work: works.randomElement(using: &rng)!,
                                                audience: audiences.randomElement(using: &rng)!, usage: usage,
                                                conditions: purpose.map { Conditions(purpose: $0) }, expires: expires)), with: party)
        }
    }

    /// Every work, audience, purpose, count-unverified and unverified limit, at `t`: the index
    /// decides exactly as resolution over the records does.
    func assertIndexAgrees(_ store: LogStore, at t: Timestamp, _ context: String) throws {
        let operators: Set<PublicKey> = [trusted.publicKey]
        for work in works {
            for audience in audiences {
                for purpose in [Purpose.commercial, .nonCommercial, .research] {
                    for count in [false, true] {
                        for limit in [1, 100] {
                            let q = Resolution.Query(work: work, at: t, audience: audience, purpose: purpose, countUnverified: count)
                            guard let fromIndex = store.compactDecisions([q], operators: operators, unverifiedLimit: { _ in limit }).first ?? nil else {
                                return XCTFail("\(context): the index does not decide \(t.rfc3339), at or after its latest leaf")
                            }
                            let (facts, notRead) = try store.readBlocking {
                                try $0.consentFacts(for: work, at: t, audience: audience, operators: operators, cache: ParsedStateCache(), unverifiedLimit: limit)
                            }
                            var expected = Resolution.resolve(q, facts: facts).compactJSON
                            if notRead > 0, case var .object(o) = expected {
                                o["unverifiedNotRead"] = .integer(Int64(notRead))
                                expected = .object(o)
                            }
                            XCTAssertEqual(fromIndex.json, expected, "\(context): \(work) \(audience) \(purpose) count \(count) limit \(limit) at \(t.rfc3339)")
                        }
                    }
                }
            }
        }
    }

    func testTheIndexDecidesAsResolutionOverTheRecordsAfterRandomBatches() throws {
        for seed in [1, 2, 3] as [UInt64] {
            if seed > 1 { try setUpWithError() }  // a fresh directory (XCTest made the first)
            var rng = SplitMix64(state: seed)
            do {
                let store = try open()
                var logged = Set<Hash>()  // a statement is logged once: drop random repeats
                for batch in 0..<12 {
                    let statements = (0..<Int.random(in: 1...12, using: &rng)).map { _ in randomStatement(&rng, batch: batch) }
                        .filter { logged.insert($0.hash).inserted }
                    guard !statements.isEmpty else { continue }
                    try append(statements, at: minute(batch), to: store)
                    // At the batch's time, and later (past expiries): the index speaks for both.
                    for later in [0, 3] { try assertIndexAgrees(store, at: minute(batch + later), "seed \(seed) batch \(batch)") }
                    // Before the latest leaf the index does not answer (the records do).
                    if batch > 0 {
                        let q = Resolution.Query(work: works[0], at: minute(batch - 1))
                        XCTAssertNil(store.compactDecisions([q], operators: [trusted.publicKey], unverifiedLimit: { _ in 100 }).first ?? nil)
                    }
                }
            }
            // Rebuilt at open from map_records: the same decisions.
            try assertIndexAgrees(try open(), at: minute(12), "seed \(seed) reopened")
            if seed < 3 { try tearDownWithError() }
        }
    }

    func testAWorkNobodySpokeOfIsUnknownWithNoRefs() throws {
        let store = try open()
        try append([.sign(.preference(Preference(by: author.publicKey, issued: t0, work: works[0], usage: ["tdm": false])), with: author)], to: store)
        let d = store.compactDecisions([Resolution.Query(work: works[1], at: t0)], operators: [trusted.publicKey], unverifiedLimit: { _ in 100 })
        XCTAssertEqual(d.first??.values, Array(repeating: .unknown, count: UsageCategory.allCases.count))
        XCTAssertEqual(d.first??.refs, [])
    }
}
