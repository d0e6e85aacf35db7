import AssentCore
import AssentStore
import XCTest

/// The evidence table: verified before it is stored, each conflict once, kept across reopening.
final class EvidenceStoreTests: StoreTestCase {
    let peer = try! NoteSigner(name: "peer.example/log", key: SigningKey(seed: [UInt8](repeating: 5, count: 32)))
    let impostor = try! NoteSigner(name: "peer.example/log", key: SigningKey(seed: [UInt8](repeating: 6, count: 32)))

    /// Two notes of size `size` whose roots are the hashes of `a` and `b`, signed by `signer`.
    func fork(size: UInt64, _ a: String, _ b: String, signer: NoteSigner? = nil) throws -> Evidence {
        let notes = try [a, b].map { try Checkpoint(origin: peer.name, size: size, root: SHA256.hash(Array($0.utf8))).sign(with: signer ?? peer).serialized }
        return try Evidence(origin: peer.name, kind: .sameSizeDifferentRoot, notes: notes, proof: [])
    }

    func testEvidenceIsRecordedOnceAndKeptAcrossReopening() async throws {
        let store = EvidenceStore(database: try AssentDatabase(path: path))
        let evidence = try fork(size: 10, "a", "b")
        let first = Timestamp(rfc3339: "2026-11-21T10:00:00.000Z")!
        let isNew = try await store.record(evidence, logKey: peer.verifierKey, foundAt: first)
        XCTAssertTrue(isNew)
        // The same conflict again, later and with the notes the other way round: nothing changes.
        let swapped = try Evidence(origin: peer.name, kind: .sameSizeDifferentRoot, notes: evidence.notes.reversed(), proof: [])
        let again = try await store.record(swapped, logKey: peer.verifierKey, foundAt: Timestamp(rfc3339: "2026-11-22T10:00:00.000Z")!)
        XCTAssertFalse(again)
        let second = try fork(size: 11, "c", "d")
        try await store.record(second, logKey: peer.verifierKey, foundAt: Timestamp(rfc3339: "2026-11-21T11:00:00.000Z")!)

        let reopened = EvidenceStore(database: try AssentDatabase(path: path))
        let all = try await reopened.all()
        XCTAssertEqual(all.map(\.evidence), [evidence, second])
        XCTAssertEqual(all.map(\.foundAt), [first, Timestamp(rfc3339: "2026-11-21T11:00:00.000Z")!])
        XCTAssertEqual(all.map(\.logKey), [peer.verifierKey, peer.verifierKey])
        XCTAssertEqual(try reopened.count(), 2)
    }

    func testNotesNotSignedByTheLogKeyAreNotStored() async throws {
        let store = EvidenceStore(database: try AssentDatabase(path: path))
        let fake = try fork(size: 10, "a", "b", signer: impostor)
        do {
            try await store.record(fake, logKey: peer.verifierKey, foundAt: t0)
            XCTFail("stored evidence the log did not sign")
        } catch let error as EvidenceError {
            guard case .badNote(index: _, .noKnownSignature) = error else { return XCTFail("\(error)") }
        }
        let same = try fork(size: 10, "a", "a")
        do {
            try await store.record(same, logKey: peer.verifierKey, foundAt: t0)
            XCTFail("stored two equal notes as evidence")
        } catch let error as EvidenceError {
            guard case .notConflicting = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try store.count(), 0)
    }

    func testARowEditedOnDiskIsReportedNotTrusted() async throws {
        let database = try AssentDatabase(path: path)
        let store = EvidenceStore(database: database)
        try await store.record(try fork(size: 10, "a", "b"), logKey: peer.verifierKey, foundAt: t0)
        try sqlite("UPDATE evidence SET body = CAST(?  AS BLOB)", ["{\"v\":2}"])
        do {
            _ = try await EvidenceStore(database: try AssentDatabase(path: path)).all()
            XCTFail("read an edited row")
        } catch let error as StoreError {
            XCTAssertTrue("\(error)".contains("evidence row: evidence: \"v\" must be 1"), "\(error)")
        }
    }
}
