@testable import AssentCore
@testable import AssentStore
import Foundation
import GRDB
import Synchronization
import XCTest

/// `LogStore.mapStateProof` (issue 7): state proofs from the node's tree against the latest
/// epoch's root verify for present and absent subjects, and fail when any byte of the proof, the
/// key, the value or the root changes.
extension StateMapStoreTests {
    func work(_ n: Int) throws -> WorkID { try WorkID(parsing: "local:gema.de/\(n)") }

    /// Batches 0…3 of `statements(batch:)`, a minute apart.
    func storeWithFourBatches() throws -> LogStore {
        let store = try open()
        for b in 0..<4 { try append(try statements(batch: b), at: Timestamp(milliseconds: t0.milliseconds + Int64(b) * 60_000), to: store) }
        return store
    }

    func testStateProofsVerifyAgainstTheLatestEpochForEveryKindOfSubjectAndTime() throws {
        let store = try storeWithFourBatches()
        let latest = try XCTUnwrap(try store.readBlocking { try $0.latestEpoch() })
        let far = Timestamp(milliseconds: t0.milliseconds + 86_400_000)
        // Work 2 was mandated in batches 0, 1 and 2: versions at t0, t0+1 min, t0+2 min.
        let answer = try store.mapStateProof(.work(try work(2)), at: far)
        XCTAssertEqual(answer.epoch, latest)
        XCTAssertEqual(answer.proof.at, latest.time)  // clamped: the log speaks up to its latest epoch
        XCTAssertEqual(try answer.proof.verify(root: latest.mapRoot)?.stamp.version, 3)
        // Between versions: version 2, with version 3 shown to come later.
        let between = try store.mapStateProof(.work(try work(2)), at: Timestamp(milliseconds: t0.milliseconds + 90_000))
        XCTAssertEqual(try between.proof.verify(root: latest.mapRoot)?.stamp.version, 2)
        guard case let .later(step) = between.proof.next else { return XCTFail("version 3 is in the map") }
        XCTAssertEqual(step.record.stamp.version, 3)
        // Before the first version: no state, version 1 later.
        let before = try store.mapStateProof(.work(try work(2)), at: Timestamp(milliseconds: t0.milliseconds - 1))
        XCTAssertNil(try before.proof.verify(root: latest.mapRoot))
        // A declarant on a work, a party, and a subject the map has never seen.
        XCTAssertNotNil(try store.mapStateProof(.declaration(work: try work(3), declarant: author.publicKey), at: far).proof.verify(root: latest.mapRoot))
        XCTAssertNotNil(try store.mapStateProof(.party(author.publicKey), at: far).proof.verify(root: latest.mapRoot))
        let never = try store.mapStateProof(.work(try work(999)), at: far)
        XCTAssertNil(try never.proof.verify(root: latest.mapRoot))
        guard case .absent = never.proof.next else { return XCTFail("work 999 has no version 1") }
        // A reopened store (its tree rebuilt from the records) proves the same, byte for byte.
        XCTAssertEqual(try open().mapStateProof(.work(try work(2)), at: far).proof, answer.proof)
    }

    /// Every byte of a membership and a non-membership proof, of the key, of the value and of the
    /// root, changed one at a time: the proof no longer verifies (or, for a changed key of a
    /// non-membership proof, proves the absence of a key that is indeed absent).
    func testChangingAnyByteOfProofKeyValueOrRootFailsTheProof() throws {
        let store = try storeWithFourBatches()
        let answer = try store.mapStateProof(.work(try work(2)), at: Timestamp(milliseconds: t0.milliseconds + 86_400_000))
        let root = answer.epoch.mapRoot
        guard let current = answer.proof.current, case let .absent(absentProof) = answer.proof.next else { return XCTFail("\(answer.proof)") }
        let key = MapSubject.work(try work(2)).key(version: current.record.stamp.version)
        let value = current.record.value
        let absentKey = MapSubject.work(try work(2)).key(version: current.record.stamp.version + 1)
        XCTAssertNoThrow(try current.proof.verifyMembership(key: key, value: value, root: root))
        XCTAssertNoThrow(try absentProof.verifyNonMembership(key: absentKey, root: root))
        func flipped(_ bytes: [UInt8], _ i: Int) -> [UInt8] { var b = bytes; b[i] ^= 0x01; return b }
        func hash(_ h: Hash, flipping i: Int) -> Hash { Hash(bytes: flipped(h.bytes, i))! }
        let tree = try DatabaseQueue(path: path).read { db in try StateMapStore.tree(db: db, log: 1, origin: self.origin) }

        let membership = current.proof.bytes
        for i in membership.indices {
            // Bytes that no longer parse are refused as they are.
            guard let changed = try? PrefixTreeProof(bytes: flipped(membership, i)) else { continue }
            XCTAssertThrowsError(try changed.verifyMembership(key: key, value: value, root: root), "proof byte \(i)")
        }
        let nonMembership = absentProof.bytes
        for i in nonMembership.indices {
            guard let changed = try? PrefixTreeProof(bytes: flipped(nonMembership, i)) else { continue }
            XCTAssertThrowsError(try changed.verifyNonMembership(key: absentKey, root: root), "proof byte \(i)")
        }
        for i in 0..<32 {
            XCTAssertThrowsError(try current.proof.verifyMembership(key: hash(key, flipping: i), value: value, root: root), "key byte \(i)")
            XCTAssertThrowsError(try current.proof.verifyMembership(key: key, value: hash(value, flipping: i), root: root), "value byte \(i)")
            XCTAssertThrowsError(try current.proof.verifyMembership(key: key, value: value, root: hash(root, flipping: i)), "root byte \(i)")
            XCTAssertThrowsError(try absentProof.verifyNonMembership(key: absentKey, root: hash(root, flipping: i)), "root byte \(i)")
            let other = hash(absentKey, flipping: i)
            if (try? absentProof.verifyNonMembership(key: other, root: root)) != nil {
                XCTAssertNil(tree.value(for: other), "the proof claims key byte \(i) changed is absent, but the map holds it")
            }
        }
        // The record itself: any byte changed and the state proof fails (or the bytes are no record).
        let record = current.record.canonicalBytes
        for i in record.indices {
            guard let changed = try? MapRecord(bytes: flipped(record, i)) else { continue }
            let proof = MapStateProof(subject: answer.proof.subject, at: answer.proof.at,
                                      current: .init(record: changed, proof: current.proof), next: answer.proof.next)
            XCTAssertThrowsError(try proof.verify(root: root), "record byte \(i)")
        }
    }

    /// A reader holds the map's lock: what it sees is the tree of the latest committed epoch,
    /// even while a writer is between its tree change and its commit.
    func testAProofTakenWhileABatchIsCommittingIsOfTheCommittedEpoch() throws {
        let store = try storeWithFourBatches()
        let committed = try store.mapStateProof(.work(try work(5)), at: Timestamp(milliseconds: .max))
        var chain = store.chainHead
        let leaves = try self.leaves(try statements(batch: 4), chain: &chain, time: Timestamp(milliseconds: t0.milliseconds + 240_000))
        let seen = Mutex<MapProofAnswer?>(nil)
        let done = DispatchSemaphore(value: 0)
        try store.append(leaves, epoch: { root in
            try LogLeaf(index: chain.nextIndex, origin: self.origin, prev: chain.prevHash, time: Timestamp(milliseconds: self.t0.milliseconds + 240_000),
                        content: .epoch(mapRoot: root, size: chain.nextIndex))
        }, sign: { checkpoint in
            // The tree already holds batch 4; a reader started now waits for the commit.
            let work5 = MapSubject.work(try self.work(5))
            DispatchQueue.global().async {
                seen.withLock { $0 = try? store.mapStateProof(work5, at: Timestamp(milliseconds: .max)) }
                done.signal()
            }
            XCTAssertEqual(done.wait(timeout: .now() + 0.3), .timedOut, "a proof was read while the batch was uncommitted")
            return try self.sign(checkpoint)
        })
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)
        let after = try XCTUnwrap(seen.withLock { $0 })
        XCTAssertNotEqual(after.epoch, committed.epoch)
        XCTAssertEqual(after.epoch, try store.readBlocking { try $0.latestEpoch() })
        // Work 5 was mandated in batch 3 (version 1) and again in batch 4 (version 2).
        XCTAssertEqual(try committed.proof.verify(root: committed.epoch.mapRoot)?.stamp.version, 1)
        XCTAssertEqual(try after.proof.verify(root: after.epoch.mapRoot)?.stamp.version, 2)
    }
}
