/// What a witness holds for one log (C2SP tlog-witness v1.0.0): the latest checkpoint it
/// cosigned, and that checkpoint's note as it was cosigned (the log's signature and the
/// witness's own cosignature), so it can be served and, if the log forks, handed on as evidence.
public struct WitnessState: Sendable, Equatable {
    public let checkpoint: Checkpoint
    public let note: String

    public init(checkpoint: Checkpoint, note: String) {
        self.checkpoint = checkpoint
        self.note = note
    }

    /// tlog-witness v1.0.0 `add-checkpoint`, the checks after the origin is known to be the log
    /// of `logKey`, in the spec's order (PROTOCOL §8): the log's signature (403), old size not
    /// beyond the checkpoint (400), old size equal to the size last cosigned, 0 if none (409),
    /// then the tree: a size-0 checkpoint has the empty tree's root, `old 0` comes with no
    /// proof, the same size has the same root, and the proof from the cosigned tree verifies
    /// (422). Returns nothing when the witness may cosign.
    ///
    /// Same size with another root is 422, as PROTOCOL §8 and tlog-witness after v1.0.0 say
    /// (v1.0.0 itself said 409, which a client takes for "wrong old size").
    public static func check(_ request: AddCheckpointRequest, logKey: NoteVerifierKey, latest: WitnessState?) throws(WitnessRefusal) {
        let checkpoint = request.checkpoint
        // Signatures by other keys are ignored; a signature by the log's key that fails rejects the note.
        do { try request.note.verify(keys: [logKey]) } catch { throw .badSignature(error) }
        guard request.oldSize <= checkpoint.size else { throw .oldBeyondCheckpoint(old: request.oldSize, size: checkpoint.size) }
        let cosigned = latest?.checkpoint.size ?? 0
        guard request.oldSize == cosigned else { throw .conflict(latest: cosigned) }
        guard checkpoint.size > 0 || checkpoint.root == MerkleTree.emptyRoot else {
            throw .unprocessable("a checkpoint of size 0 must have the empty tree's root \(MerkleTree.emptyRoot)", evidence: nil)
        }
        if request.oldSize == 0 {
            // The empty tree is consistent with every tree: no proof is needed, and none is allowed.
            guard request.proof.isEmpty else {
                throw .unprocessable("old size 0 takes no consistency proof, found \(request.proof.count) lines", evidence: nil)
            }
            return
        }
        // From here the witness holds a cosigned checkpoint of size old > 0.
        guard let latest else { throw .conflict(latest: 0) }
        if checkpoint.size == latest.checkpoint.size {
            guard checkpoint.root == latest.checkpoint.root else {
                throw .unprocessable("size \(checkpoint.size) was cosigned with root \(latest.checkpoint.root), this checkpoint has \(checkpoint.root)",
                                     evidence: evidence(.sameSizeDifferentRoot, latest: latest, request: request, logKey: logKey))
            }
            guard request.proof.isEmpty else {
                throw .unprocessable("the same size takes no consistency proof, found \(request.proof.count) lines", evidence: nil)
            }
            return
        }
        do {
            try ConsistencyProof(oldSize: latest.checkpoint.size, newSize: checkpoint.size, hashes: request.proof)
                .verify(oldRoot: latest.checkpoint.root, newRoot: checkpoint.root)
        } catch {
            throw .unprocessable("\(error)", evidence: evidence(.inconsistent, latest: latest, request: request, logKey: logKey))
        }
    }

    /// The evidence a refused request is, if it is any: both notes verify with the log key and
    /// `Evidence.verify` finds the conflict. A proof that merely fails is none (`Evidence`).
    /// When the cosigned size is a power of two, the client's proof lacks the hash that would
    /// show the conflict, so such a request is refused without evidence.
    static func evidence(_ kind: Evidence.Kind, latest: WitnessState, request: AddCheckpointRequest, logKey: NoteVerifierKey) -> Evidence? {
        guard let evidence = try? Evidence(origin: request.checkpoint.origin, kind: kind, notes: [latest.note, request.noteText],
                                           proof: kind == .inconsistent ? request.proof : []),
              (try? evidence.verify(logKey: logKey)) != nil
        else { return nil }
        return evidence
    }
}

/// Why a witness does not cosign, each with its tlog-witness status.
public enum WitnessRefusal: Error, Equatable, Sendable, CustomStringConvertible {
    /// 403: no signature by the log's key, or one that fails.
    case badSignature(NoteError)
    /// 400: the old size is beyond the checkpoint's size.
    case oldBeyondCheckpoint(old: UInt64, size: UInt64)
    /// 409: the old size is not the size last cosigned (`latest`, 0 if none).
    case conflict(latest: UInt64)
    /// 422: the checkpoint does not follow from the cosigned one; `evidence` when it proves the log forked.
    case unprocessable(String, evidence: Evidence?)

    public var status: Int {
        switch self {
        case .badSignature: 403
        case .oldBeyondCheckpoint: 400
        case .conflict: 409
        case .unprocessable: 422
        }
    }

    public var description: String {
        switch self {
        case let .badSignature(error): "checkpoint not signed by the log's key: \(error)"
        case let .oldBeyondCheckpoint(old, size): "old size \(old) is beyond the checkpoint's size \(size)"
        case let .conflict(latest): "old size is not \(latest), the size this witness last cosigned for the log"
        case let .unprocessable(why, evidence): "checkpoint is not consistent with the one this witness cosigned: \(why)\(evidence == nil ? "" : " (the log signed both: kept as evidence)")"
        }
    }
}
