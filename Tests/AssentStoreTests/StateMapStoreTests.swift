@testable import AssentCore
@testable import AssentStore
import Foundation
import GRDB
import XCTest

/// The state map kept as the sequencer keeps it (LogStore.append, StateMapStore): each batch's
/// statement leaves applied in its write transaction give the root its epoch leaf carries, and
/// replaying the whole log from its leaves alone (MapReplay) gives every epoch's root.
final class StateMapStoreTests: StoreTestCase {
    let operatorKey = try! SigningKey(seed: [UInt8](repeating: 9, count: 32))

    /// Batch b: an enrollment of the author, a mandate over 3 works, preferences on them, and
    /// (from batch 1 on) a preference older than one already logged, which must change nothing.
    func statements(batch b: Int) throws -> [SignedStatement] {
        func work(_ n: Int) throws -> WorkID { try WorkID(parsing: "local:gema.de/\(n)") }
        let issued = Timestamp(milliseconds: t0.milliseconds + Int64(b) * 60_000)
        var out: [SignedStatement] = [
            .sign(.enrollment(Enrollment(by: operatorKey.publicKey, issued: issued, party: author.publicKey, role: .creator, active: b % 3 != 2)), with: operatorKey),
            .sign(.mandate(Mandate(by: operatorKey.publicKey, issued: issued, party: author.publicKey, works: try (0..<3).map { try work(b + $0) }, role: .author)), with: operatorKey),
        ]
        for n in 0..<3 {
            out.append(.sign(.preference(Preference(by: author.publicKey, issued: issued, work: try work(b + n), usage: ["train-ai": n % 2 == 0])), with: author))
        }
        if b > 0 {
            out.append(.sign(.preference(Preference(by: author.publicKey, issued: t0, work: try work(b), usage: ["search": true])), with: author))
        }
        return out
    }

    func testEachBatchsRootIsTheReplayedRootOfItsEpoch() throws {
        let store = try open()
        let database = try AssentDatabase(path: path)
        var all = [LogLeaf]()
        for b in 0..<6 {
            let time = Timestamp(milliseconds: t0.milliseconds + Int64(b) * 60_000)
            // The store applies the batch to the map inside its append and makes the epoch's root.
            all += try append(try statements(batch: b), at: time, to: store)
        }
        var replay = MapReplay()
        for leaf in all { try replay.append(leaf) }
        XCTAssertEqual(replay.epochs, 6)
        try database.pool.read { db in
            XCTAssertEqual(try StateMapStore.root(db: db, log: store.id, origin: self.origin), replay.tree.root)
            // Every version is kept: the work of batch 2 was mandated in batches 0, 1 and 2.
            let records = MapRecordStore(db: db, log: store.id, origin: self.origin)
            let work = MapSubject.work(try WorkID(parsing: "local:gema.de/2"))
            XCTAssertEqual(try records.latestRecord(work)?.stamp.version, 3)
            XCTAssertEqual(try records.latestRecord(work), replay.latestRecord(work))
            XCTAssertNotNil(try records.record(work, version: 1))
            XCTAssertNil(try records.record(work, version: 4))
            // State proofs from the stored tree and records verify against the stored root.
            let tree = try StateMapStore.tree(db: db, log: store.id, origin: self.origin)
            let proof = try MapStateProof.make(subject: work, at: Timestamp(milliseconds: t0.milliseconds + 90_000), prove: { tree.prove($0) }) {
                try records.record(work, version: $0)
            }
            XCTAssertEqual(try proof.verify(root: tree.root)?.stamp.version, 2)
        }
    }

    /// A store opened again knows which subjects have records (its filter of map keys is built
    /// from the records): the next batch's changes to them are their next versions, and the root
    /// is still the replayed one. A subject it took for new would get a second version 1.
    func testSubjectsWithRecordsAreKnownAfterReopening() throws {
        var all = [LogLeaf]()
        do {
            let store = try open()
            all += try append(try statements(batch: 0), to: store)
        }
        let store = try open()
        all += try append(try statements(batch: 1), at: Timestamp(milliseconds: t0.milliseconds + 60_000), to: store)
        var replay = MapReplay()
        for leaf in all { try replay.append(leaf) }
        XCTAssertEqual(all.last?.content, .epoch(mapRoot: replay.tree.root, size: store.size - 1))
        let work = MapSubject.work(try WorkID(parsing: "local:gema.de/1"))
        XCTAssertEqual(try store.readBlocking { try MapRecordStore(db: $0.db, log: store.id, origin: self.origin).latestRecord(work)?.stamp.version }, 2)
    }
}
