@testable import AssentCore
@testable import AssentStore
import Foundation
import XCTest

/// Two batches in the same millisecond (the sequencer writes `max(now, last leaf time)`, so a
/// clock that steps back, or two batches within a millisecond, give equal times): the answer for
/// T = that millisecond counts the second batch's statement, so the epoch it stands on must be
/// one whose map holds it.
final class EpochAtEqualTimesTests: StoreTestCase {
    let operatorKey = try! SigningKey(seed: [UInt8](repeating: 9, count: 32))
    var work: WorkID { try! WorkID(parsing: "iswc:T0345246801") }

    func testTheEpochAnAnswerStandsOnHoldsEveryLeafOfTimeT() throws {
        let store = try open()
        // Batch 1 (leaves 0–2, epoch 3): enrollment, mandate, the author's grant. Batch 2 (leaf 4,
        // epoch 5), the same millisecond: the author's refusal, issued later.
        try append([.sign(.enrollment(Enrollment(by: operatorKey.publicKey, issued: t0, party: author.publicKey, role: .creator)), with: operatorKey),
                    .sign(.mandate(Mandate(by: operatorKey.publicKey, issued: t0, party: author.publicKey, works: [work], role: .author)), with: operatorKey),
                    .sign(.preference(Preference(by: author.publicKey, issued: t0, work: work, usage: ["train-ai": true])), with: author)],
                   at: t0, to: store)
        let refusal = try append([.sign(.preference(Preference(by: author.publicKey, issued: Timestamp(milliseconds: t0.milliseconds + 1),
                                                                 work: work, usage: ["train-ai": false])), with: author)], at: t0, to: store)
        XCTAssertEqual(refusal.first?.index, 4)
        let state = try store.readBlocking { try $0.workState(Resolution.Query(work: work, at: t0), operators: [operatorKey.publicKey], cache: ParsedStateCache()) }
        XCTAssertEqual(state.decision[.trainAI], .disallowed)  // the refusal at leaf 4 counts at T
        // The epoch named must commit to leaf 4: a proof against epoch 3's root says the grant holds.
        let epoch = try XCTUnwrap(state.epoch)
        XCTAssertGreaterThan(epoch.index, 4, "the answer counts leaf 4 but names epoch \(epoch.index), whose map root precedes it")

        // And the state proof against epoch 3's root (its time, T, is >= T as §5 asks) verifies
        // and gives the grant: two proofs of one subject at one T, with different records.
        var replay = MapReplay()
        for i in 0..<3 { try replay.append(try LogLeaf(bytes: try XCTUnwrap(try store.leafBytes(at: UInt64(i))))) }
        let rootAtEpoch3 = try replay.applyPending()
        let subject = MapSubject.declaration(work: work, declarant: author.publicKey)
        let latest = try XCTUnwrap(replay.latestRecord(subject))
        let stale = try MapStateProof.make(subject: subject, at: t0, prove: { replay.tree.prove($0) }, record: { $0 == 1 ? latest : nil })
        XCTAssertEqual(try stale.verify(root: rootAtEpoch3)?.stamp.index, 2)
        let fresh = try store.mapStateProof(subject, at: t0)
        XCTAssertEqual(try fresh.proof.verify(root: fresh.epoch.mapRoot)?.stamp.index, 4)
    }
}
