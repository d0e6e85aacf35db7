@testable import AssentCore
@testable import AssentStore
import AssentTestSupport
import Foundation
import XCTest

/// The store's answer (state map records in force at T, their statements, `Resolution`) against
/// `Resolution.resolve` over every statement of the log: random stories of enrollments,
/// mandates and preferences with clashing `issued` times, revocations, expiries on the
/// boundaries, licences and steward labels, logged in batches whose leaf times tie and advance.
/// Any difference is a wrong consent answer from the map (or from its reading back).
final class ConsentDifferentialTests: StoreTestCase {
    let trusted = try! SigningKey(seed: [UInt8](repeating: 9, count: 32))
    let untrusted = try! SigningKey(seed: [UInt8](repeating: 10, count: 32))
    let people = (20..<24).map { try! SigningKey(seed: [UInt8](repeating: UInt8($0), count: 32)) }
    let works = ["iswc:T0345246801", "isbn:9780306406157"].map { try! WorkID(parsing: $0) }
    let audiences = [Audience.everyone, Audience("licensee:a.example")!, Audience("licensee:b.example")!]
    let labelSets: [[String]?] = [nil, [], ["TK-SS"], ["TK-NC"], ["BC-NC", "TK-A"], ["TK-A"]]

    func minute(_ m: Int) -> Timestamp { Timestamp(milliseconds: t0.milliseconds + Int64(m) * 60_000) }

    func randomStatement(_ g: inout SplitMix64, around now: Int) -> SignedStatement {
        // issued within two minutes either side of the leaf's minute: out of order, and often equal.
        let issued = minute(now + Int.random(in: -2...2, using: &g))
        switch Int.random(in: 0..<10, using: &g) {
        case 0...1:
            let op = Bool.random(using: &g) || Int.random(in: 0..<4, using: &g) > 0 ? trusted : untrusted
            let party = people.randomElement(using: &g)!
            let e = Enrollment(by: op.publicKey, issued: issued, party: party.publicKey, role: Enrollment.Role.allCases.randomElement(using: &g)!,
                               active: Int.random(in: 0..<5, using: &g) > 0)
            return .sign(.enrollment(e), with: op)
        case 2...3:
            let op = Int.random(in: 0..<5, using: &g) > 0 ? trusted : untrusted
            let party = people.randomElement(using: &g)!
            let named = works.filter { _ in Bool.random(using: &g) }
            let role = Mandate.Role.allCases.randomElement(using: &g)!
            // Only a steward's mandate carries labels (PROTOCOL §3).
            let labels = labelSets.randomElement(using: &g)!
            let m = Mandate(by: op.publicKey, issued: issued, party: party.publicKey, works: named.isEmpty ? [works[0]] : named,
                            role: role, active: Int.random(in: 0..<5, using: &g) > 0, labels: role == .steward ? labels : nil)
            return .sign(.mandate(m), with: op)
        default:
            let by = people.randomElement(using: &g)!
            var usage = [String: Bool]()
            for c in UsageCategory.allCases where Int.random(in: 0..<3, using: &g) == 0 { usage[c.rawValue] = Bool.random(using: &g) }
            let purposes: [Purpose?] = [nil, .any, .nonCommercial, .research]  // a statement cannot restrict to commercial use
            let purpose = purposes.randomElement(using: &g)!
            // After `issued` (PROTOCOL §3), on a minute the queries ask at, ±1 ms.
            let expires: Timestamp? = Bool.random(using: &g) ? nil : Timestamp(milliseconds: issued.milliseconds + Int64(Int.random(in: 1...4, using: &g)) * 60_000)
            let p = Preference(by: by.publicKey, issued: issued, work: works.randomElement(using: &g)!, audience: audiences.randomElement(using: &g)!,
                               usage: usage, conditions: purpose.map { Conditions(purpose: $0) }, expires: expires)
            return .sign(.preference(p), with: by)
        }
    }

    /// Values seen, so that the test shows its stories decide something.
    var seen = [Decision.Value: Int]()

    func testTheMapsAnswerIsResolutionOverEveryStatementOfTheLog() throws {
        for seed in 1...20 as ClosedRange<UInt64> {
            try checkStory(seed: seed)
            try tearDownWithError()
            try setUpWithError()
        }
        XCTAssertGreaterThan(seen[.allowed] ?? 0, 100, "\(seen)")
        XCTAssertGreaterThan(seen[.disallowed] ?? 0, 100, "\(seen)")
    }

    func checkStory(seed: UInt64) throws {
        var g = SplitMix64(state: seed)
        let store = try open()
        var all = Resolution.Facts(operators: [trusted.publicKey])
        var now = 0
        var times = Set<Int64>()
        var logged = Set<Hash>()
        var statementTimes = [(index: UInt64, time: Timestamp)]()
        for _ in 0..<Int.random(in: 4...9, using: &g) {
            now += Int.random(in: 0...1, using: &g)
            // A node logs a statement once (its hash is its identity).
            var statements = [SignedStatement]()
            for _ in 0..<Int.random(in: 1...6, using: &g) {
                let s = randomStatement(&g, around: now)
                if logged.insert(s.hash).inserted { statements.append(s) }
            }
            guard !statements.isEmpty else { continue }
            let leaves = try append(statements, at: minute(now), to: store)
            statementTimes += leaves.compactMap { $0.isEpoch ? nil : ($0.index, $0.time) }
            for leaf in leaves {
                guard let s = leaf.statement else { continue }
                switch s.statement {
                case let .enrollment(e): all.enrollments.append(Logged(e, hash: s.hash, log: origin, index: leaf.index, time: leaf.time))
                case let .mandate(m): all.mandates.append(Logged(m, hash: s.hash, log: origin, index: leaf.index, time: leaf.time))
                case let .preference(p):
                    all.preferences.append(Logged(p, hash: s.hash, log: origin, index: leaf.index, time: leaf.time))
                    if let e = p.expires { times.insert(e.milliseconds) }
                case .erasure: break
                }
            }
            times.insert(minute(now).milliseconds)
        }
        let instants = Set(times.flatMap { [$0 - 1, $0, $0 + 1] }).sorted().map { Timestamp(milliseconds: $0) }
        let cache = ParsedStateCache()
        for t in instants {
            for work in works {
                for audience in audiences {
                    for purpose in [Purpose.commercial, .nonCommercial, .research] {
                        let query = Resolution.Query(work: work, at: t, audience: audience, purpose: purpose, countUnverified: Bool.random(using: &g))
                        let expected = Resolution.resolve(query, facts: all)
                        let state = try store.readBlocking { try $0.workState(query, operators: [trusted.publicKey], cache: cache) }
                        let got = state.decision
                        // The epoch named holds every statement leaf of time ≤ T (unless the answer is provisional).
                        if !state.provisional, let epoch = state.epoch, let last = statementTimes.last(where: { $0.time <= t })?.index {
                            XCTAssertGreaterThan(epoch.index, last, "seed \(seed): at \(t) the answer names epoch \(epoch.index)")
                        }
                        for c in got.categories { seen[c.value, default: 0] += 1 }
                        // The bulk check's answer, from the resolution inputs stored with the records:
                        // the compact form of the same decision.
                        let compact = try store.readBlocking {
                            try $0.compactDecisions([query], operators: [trusted.publicKey], cache: cache,
                                                    unverifiedLimit: { _ in LogSnapshot.countedUnverifiedLimit })
                        }
                        XCTAssertEqual(compact.map(\.json), [expected.compactJSON], "seed \(seed): \(work) at \(t) for \(audience) \(purpose) from the inputs")
                        guard got == expected else {
                            return XCTFail("""
                                seed \(seed): \(work) at \(t) for \(audience) \(purpose) (count unverified: \(query.countUnverified))
                                map:      \(String(decoding: CanonicalJSON.encode(got.json), as: UTF8.self))
                                expected: \(String(decoding: CanonicalJSON.encode(expected.json), as: UTF8.self))
                                """)
                        }
                    }
                }
            }
        }
    }
}
