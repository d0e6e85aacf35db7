import AssentCore
import AssentStore
import Logging

/// Where the node's parts that meet equivocation (the witness, the replicator) hand it over:
/// records it (`EvidenceStore`, which verifies it against the log's key first) and, the first
/// time, raises the metrics and logs it at `critical` (issue 8 item 5: "a metric and a log line").
public final class EvidenceRecorder: Sendable {
    public let store: EvidenceStore
    let metrics: NodeMetrics
    let logger: Logger
    let clock: any NodeClock

    init(store: EvidenceStore, metrics: NodeMetrics, logger: Logger, clock: any NodeClock) throws {
        self.store = store
        self.metrics = metrics
        self.logger = logger
        self.clock = clock
        metrics.evidenceStored(count: try store.count())
    }

    /// Records `evidence` if it verifies against `logKey`; returns true when it is new. Throws
    /// `EvidenceError` when it does not verify (then it is not evidence: nothing is stored).
    @discardableResult
    public func record(_ evidence: Evidence, logKey: NoteVerifierKey) async throws -> Bool {
        guard try await store.record(evidence, logKey: logKey, foundAt: clock.now) else { return false }
        // Read off the cooperative pool: this runs on the witness's and the replicator's tasks.
        metrics.evidenceFound(origin: evidence.origin, count: try await store.recordedCount())
        logger.critical("equivocation evidence", metadata: [
            "origin": "\(evidence.origin)", "kind": "\(evidence.kind.rawValue)", "id": "\(evidence.id.hex)",
            "sizes": "\(evidence.checkpoints.map { String($0.size) }.joined(separator: ","))",
        ])
        return true
    }
}
