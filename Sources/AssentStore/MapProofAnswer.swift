import AssentCore
import Dispatch
import GRDB

/// A state proof (PROTOCOL §5, docs/state-map.md §7) and the epoch leaf whose map root it is
/// proved against: the proof verifies against `epoch.mapRoot`, and `proof.at` is at most
/// `epoch.time` (a log speaks only up to its latest epoch).
public struct MapProofAnswer: Sendable {
    public let epoch: LogSnapshot.Epoch
    public let proof: MapStateProof
}

extension LogStore {
    /// The state of `subject` at `at` (clamped to the latest epoch's time), proved against the
    /// latest epoch leaf's map root. Holds the map's lock throughout, so the tree it proves
    /// from is the committed tree of that epoch (the writer holds the lock from the tree's
    /// change through its commit). Blocks: the HTTP route uses the async form.
    public func mapStateProof(_ subject: MapSubject, at: Timestamp) throws -> MapProofAnswer {
        try withCommittedMap { tree, epoch in
            guard let epoch else { throw StoreError.notFound("an epoch leaf in log \(origin)") }
            guard tree.root == epoch.mapRoot else {
                // Only a log written before the node kept its map: its latest epoch carries a zero
                // root, and the next epoch (at most an epoch interval away) commits to the map.
                throw StoreError.notFound("an epoch leaf that commits to the map in log \(origin) (the latest, leaf \(epoch.index), was written before the map was kept)")
            }
            let at = min(at, epoch.time)
            let proof = try database.pool.read { db in
                let records = MapRecordStore(db: db, log: id, origin: origin)
                return try MapStateProof.make(subject: subject, at: at, prove: { tree.prove($0) }, record: { try records.record(subject, version: $0) })
            }
            return MapProofAnswer(epoch: epoch, proof: proof)
        }
    }

    /// The same, run on a queue of its own (it blocks on the map's lock and on SQLite), off
    /// Swift's cooperative pool. One queue: proofs take the map's lock one at a time anyway.
    public func mapStateProof(_ subject: MapSubject, at: Timestamp) async throws -> MapProofAnswer {
        try await withCheckedThrowingContinuation { continuation in
            LogStore.proofQueue.async { continuation.resume(with: Result { try self.mapStateProof(subject, at: at) }) }
        }
    }

    static let proofQueue = DispatchQueue(label: "assent.store.map-proofs")
}
