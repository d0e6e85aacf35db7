import AssentCore
import AssentStore

/// What a submitter gets back once its statement is logged and covered by a signed checkpoint.
public struct Receipt: Sendable, Equatable {
    public let index: UInt64
    public let leafHash: Hash
    public let statementHash: Hash
    public let proof: InclusionProof
    /// The signed checkpoint note the proof leads to.
    public let checkpoint: String

    public var json: JSONValue {
        [
            "index": .integer(Int64(index)), "leafHash": .string(leafHash.base64), "statementHash": .string(statementHash.base64),
            "treeSize": .integer(Int64(proof.size)), "inclusionProof": .array(proof.hashes.map { .string($0.base64) }),
            "checkpoint": .string(checkpoint),
        ]
    }

    public init(index: UInt64, leafHash: Hash, statementHash: Hash, proof: InclusionProof, checkpoint: String) {
        self.index = index
        self.leafHash = leafHash
        self.statementHash = statementHash
        self.proof = proof
        self.checkpoint = checkpoint
    }

    /// Reads a receipt as a node returns it.
    public init(json: JSONValue) throws {
        guard case let .integer(index)? = json["index"], case let .string(leaf)? = json["leafHash"], let leafHash = Hash(base64: leaf),
              case let .string(st)? = json["statementHash"], let statementHash = Hash(base64: st),
              case let .integer(size)? = json["treeSize"], case let .array(path)? = json["inclusionProof"],
              case let .string(checkpoint)? = json["checkpoint"]
        else { throw Problem.badRequest("not a receipt") }
        let hashes = try path.map { item -> Hash in
            guard case let .string(s) = item, let h = Hash(base64: s) else { throw Problem.badRequest("bad proof hash") }
            return h
        }
        self.init(index: UInt64(index), leafHash: leafHash, statementHash: statementHash,
                  proof: InclusionProof(index: UInt64(index), size: UInt64(size), hashes: hashes), checkpoint: checkpoint)
    }

    /// Checks the receipt offline: the checkpoint is signed by the log key and the proof leads to its root.
    public func verify(logKey: NoteVerifierKey) throws {
        let note = try SignedNote(parsing: checkpoint)
        let cp = try Checkpoint.verified(note, logKey: logKey)
        guard cp.size == proof.size else { throw Problem.badRequest("proof is for size \(proof.size), checkpoint for \(cp.size)") }
        try proof.verify(leafHash: leafHash, root: cp.root)
    }
}

extension Receipt {
    /// The receipt for the statement logged at `index`, proved against the checkpoint `note` of
    /// `size` leaves. One `reader` can serve the receipts of a whole batch.
    init(store: LogStore, index: UInt64, statementHash: Hash, size: UInt64, note: String,
         reader: some SubtreeHashReader, leafHash known: Hash? = nil) throws {
        let proof = try InclusionProof.generate(index: index, size: size, reader: reader)
        self.init(index: index, leafHash: try known ?? store.leafHash(at: index), statementHash: statementHash, proof: proof, checkpoint: note)
    }
}
