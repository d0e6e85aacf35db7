import AssentCore
import AssentStore
import Logging

/// What the witness asks of replication before it cosigns (PROTOCOL §8: a node cosigns a
/// peer's checkpoint only once it has replayed the peer's log to that size). The replicator
/// provides it; tests may give their own.
public protocol WitnessReplication: Sendable {
    /// Returns once the mirror of `checkpoint.origin` holds exactly `checkpoint`, verified and
    /// replayed; `note` is its signed note, already verified with the log's key. Throws
    /// `WitnessReplicationFailure` (other errors count as `.unavailable`).
    func catchUp(to checkpoint: Checkpoint, note: String, deadline: Duration) async throws
}

/// Why replication did not reach a checkpoint.
public enum WitnessReplicationFailure: Error, Sendable {
    /// Not within the deadline (the peer slow or unreachable): try again later (503).
    case unavailable(String)
    /// The log's data up to that size does not verify or replay (422): never cosigned.
    case refused(String)
    /// The signed checkpoint disagrees with the mirror: the log forked (422, evidence kept).
    case inconsistent(Evidence)

    /// What an error of `catchUp` means for the witness: the replicator's `ReplicationError`
    /// sorted into "later" (503) and "never" (422); an unknown error is "later".
    init(_ error: any Error) {
        if let failure = error as? WitnessReplicationFailure {
            self = failure
            return
        }
        guard let error = error as? ReplicationError else {
            self = .unavailable("\(error)")
            return
        }
        switch error {
        case .unknownOrigin, .unreachable, .deadline, .store:
            self = .unavailable("\(error)")
        case .badCheckpoint, .verification, .conflictWithoutEvidence, .stopped:
            self = .refused("\(error)")
        case let .inconsistent(evidence):
            self = .inconsistent(evidence)
        }
    }
}

/// The replicator is what the witness waits for (its `catchUp` throws `ReplicationError`).
extension Replicator: WitnessReplication {}

/// The node's witness: C2SP tlog-witness v1.0.0 `add-checkpoint` (PROTOCOL §8) over the logs
/// of the federation file. Per log, requests run one at a time (`KeyedSerialQueue`): the old
/// size is checked against the stored state, replication is awaited, the cosignature made and
/// the new state persisted (`WitnessStateStore.advance`, one transaction) before the reply.
public final class Witness: Sendable {
    /// The reply to one request, before HTTP.
    public enum Reply: Sendable, Equatable {
        /// 200: the cosignature line(s).
        case cosigned(String)
        /// 409: the size last cosigned.
        case conflict(latest: UInt64)
        case refused(Problem)
    }

    let signer: NoteSigner
    /// The log key of each origin this witness serves; nil for any other origin (404).
    let logKey: @Sendable (String) -> NoteVerifierKey?
    let replication: (any WitnessReplication)?
    let state: WitnessStateStore
    let evidence: EvidenceRecorder
    let clock: any NodeClock
    let deadline: Duration
    let logger: Logger
    let serial = KeyedSerialQueue()

    /// Seconds a client is told to wait (`Retry-After`) when replication did not finish in time.
    static let retryAfterSeconds = 5

    public init(signer: NoteSigner, logKey: @escaping @Sendable (String) -> NoteVerifierKey?, replication: (any WitnessReplication)?,
                state: WitnessStateStore, evidence: EvidenceRecorder, clock: any NodeClock, deadline: Duration, logger: Logger) {
        self.signer = signer
        self.logKey = logKey
        self.replication = replication
        self.state = state
        self.evidence = evidence
        self.clock = clock
        self.deadline = deadline
        self.logger = logger
    }

    public var verifierKey: NoteVerifierKey { signer.verifierKey }

    /// Handles one request body.
    public func addCheckpoint(_ body: [UInt8]) async -> Reply {
        let request: AddCheckpointRequest
        do { request = try AddCheckpointRequest(body: body) } catch {
            if case .tooLarge = error { return .refused(.tooLarge("\(error)")) }
            return .refused(Problem(.badRequest, "\(error)"))
        }
        let origin = request.checkpoint.origin
        guard let key = logKey(origin) else {
            return .refused(Problem(.unknownLog, "this witness does not witness \"\(origin.prefix(200))\": the origin is not a peer's log in its federation file"))
        }
        do {
            return try await serial.run(origin) { try await self.addCheckpoint(request, logKey: key) }
        } catch {
            return .refused(.internalError(error, logger: logger))
        }
    }

    /// The checks, replication, cosignature and state write, holding the origin's turn.
    private func addCheckpoint(_ request: AddCheckpointRequest, logKey: NoteVerifierKey) async throws -> Reply {
        let latest = try await state.latest(origin: request.checkpoint.origin)
        do { try WitnessState.check(request, logKey: logKey, latest: latest) } catch {
            switch error {
            case let .conflict(size): return .conflict(latest: size)
            case .badSignature: return .refused(Problem(.badLogSignature, "\(error)"))
            case .oldBeyondCheckpoint: return .refused(Problem(.badRequest, "\(error)"))
            case let .unprocessable(_, found):
                if let found { await record(found, logKey: logKey) }
                return .refused(Problem(.inconsistentCheckpoint, "\(error)"))
            }
        }
        guard let replication else {
            return .refused(notReplicated(request.checkpoint, "this node has no replicator for the log"))
        }
        do { try await replication.catchUp(to: request.checkpoint, note: request.noteText, deadline: deadline) } catch {
            switch WitnessReplicationFailure(error) {
            case let .refused(why):
                return .refused(Problem(.inconsistentCheckpoint, "the log's entries up to size \(request.checkpoint.size) do not verify: \(why)"))
            case let .inconsistent(found):
                await record(found, logKey: logKey)
                return .refused(Problem(.inconsistentCheckpoint, "the checkpoint disagrees with this node's mirror of the log (kept as evidence)"))
            case let .unavailable(why):
                return .refused(notReplicated(request.checkpoint, why))
            }
        }
        // tlog-cosignature: POSIX seconds, and tlog-witness (after v1.0.0): never 0.
        let timestamp = UInt64(clamping: max(1, clock.now.milliseconds / 1000))
        let cosignature = try Cosignature.sign(request.note, witness: signer, timestamp: timestamp)
        // Kept: the log's signature (verified by `check`) and this witness's, nothing else. Lines
        // by unknown keys were ignored and anyone can add them (or repeat the log's line): with
        // them a note of 64 lines and the cosignature would be one more than a note may carry
        // (`SignedNote.maxSignatures`), and the state could not be read back.
        let logSignature = request.note.signatures.filter { Bytewise.equal($0.name, logKey.name) && $0.keyID == logKey.keyID }.prefix(1)
        let cosigned = SignedNote(text: request.note.text, signatures: logSignature + [cosignature]).serialized
        if let moved = try await state.advance(from: request.oldSize, to: WitnessState(checkpoint: request.checkpoint, note: cosigned),
                                              at: clock.now) {
            // Requests for one origin take turns, so only another process on the same database
            // could have moved it; answer as tlog-witness says for a stale old size.
            return .conflict(latest: moved.checkpoint.size)
        }
        logger.info("cosigned", metadata: ["origin": "\(request.checkpoint.origin)", "size": "\(request.checkpoint.size)", "old": "\(request.oldSize)"])
        return .cosigned(cosignature.line)
    }

    /// Keeps evidence; a failure to keep it is logged, and the request is still refused as it
    /// deserves (422), not turned into a 500.
    private func record(_ found: Evidence, logKey: NoteVerifierKey) async {
        do { try await evidence.record(found, logKey: logKey) } catch {
            logger.error("evidence not recorded", metadata: ["origin": "\(found.origin)", "id": "\(found.id.hex)", "error": "\(error)"])
        }
    }

    private func notReplicated(_ checkpoint: Checkpoint, _ why: String) -> Problem {
        Problem(.notReplicated, "this witness cosigns only what it has replicated and replayed, and could not reach size \(checkpoint.size) of \(checkpoint.origin) within \(deadline): \(why)",
                retryAfter: Witness.retryAfterSeconds)
    }
}
