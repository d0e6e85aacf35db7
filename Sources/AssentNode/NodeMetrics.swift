import AssentCore
import Foundation
import Prometheus

/// The node's Prometheus metrics, in a registry of its own (so several nodes can share a process in tests).
public final class NodeMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let entries: Gauge
    let batches: Counter
    let accepted: Counter
    let checkpointAge: Gauge
    let connections: Gauge
    let connectionsRefused: Counter
    let evidence: Gauge
    private let lastCheckpoint = Mutex<Date>(Date())

    public init() {
        entries = registry.makeGauge(name: "assent_log_entries", help: "Leaves in the node's own log")
        batches = registry.makeCounter(name: "assent_batches_total", help: "Batches written by the sequencer")
        accepted = registry.makeCounter(name: "assent_statements_logged_total", help: "Statements logged with receipts")
        checkpointAge = registry.makeGauge(name: "assent_checkpoint_age_seconds", help: "Seconds since the latest checkpoint was signed")
        connections = registry.makeGauge(name: "assent_http_connections", help: "Open HTTP connections")
        connectionsRefused = registry.makeCounter(name: "assent_http_connections_refused_total", help: "Connections refused over maxConnections")
        evidence = registry.makeGauge(name: "assent_evidence_stored", help: "Pieces of equivocation evidence stored (GET /v1/evidence); above 0 a log has equivocated")
    }

    func batchWritten(statements: Int, size: UInt64) {
        batches.increment()
        accepted.increment(by: Int64(statements))
        entries.set(Double(size))
        lastCheckpoint.withLock { $0 = Date() }
    }

    /// A witness's answer to an add-checkpoint request (docs/federation.md "Cosigning").
    func cosignature(witness: String, ok: Bool) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(metricName: "assent_witness_requests", unitName: "total",
                                             helpText: "Checkpoints offered to each witness, by result (cosigned or failed)"),
            labels: [("witness", witness), ("result", ok ? "cosigned" : "failed")]
        ).increment()
    }

    /// A batch whose receipts went out on a checkpoint below the federation's quorum.
    func batchBelowQuorum() {
        registry.makeCounter(name: "assent_batches_below_quorum_total", help: "Batches answered with a checkpoint below the witness quorum").increment()
    }

    /// A statement turned away because the sequencer's queue was full.
    func queueFull() { refused(reason: Problem.Reason.queueFull.rawValue) }

    func refused(reason: String) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(metricName: "assent_statements_refused", unitName: "total", helpText: "Statements refused, by reason"),
            labels: [("reason", reason)]
        ).increment()
    }

    // Per peer (label `origin`), by the replicator.

    private func peerGauge(_ name: String, _ help: String, origin: String) -> Gauge {
        registry.makeGauge(name: name, labels: [("origin", origin)], help: help)
    }

    private func peerCounter(_ name: String, _ help: String, origin: String) -> Counter {
        registry.makeCounter(name: name + "_total", labels: [("origin", origin)], help: help)
    }

    func mirrorSize(origin: String, _ size: UInt64) {
        peerGauge("assent_mirror_entries", "Leaves in the mirror of a peer's log, all verified", origin: origin).set(Double(size))
    }

    func peerCheckpointSize(origin: String, _ size: UInt64) {
        peerGauge("assent_peer_checkpoint_size", "Size of the latest verified checkpoint of a peer", origin: origin).set(Double(size))
    }

    func leavesMirrored(origin: String, _ count: Int, size: UInt64) {
        peerCounter("assent_mirror_leaves_stored", "Leaves of a peer verified and stored in its mirror", origin: origin).increment(by: Int64(count))
        mirrorSize(origin: origin, size)
    }

    func replicationFailed(origin: String) {
        peerCounter("assent_replication_failures", "Failed replications of a peer", origin: origin).increment()
    }

    /// The stored evidence, counted at start.
    func evidenceStored(count: Int) { evidence.set(Double(count)) }

    /// New evidence against `origin` (origins come from the federation file, so the label's values are few).
    func evidenceFound(origin: String, count: Int) {
        evidence.set(Double(count))
        registry.makeCounter(
            descriptor: MetricNameDescriptor(metricName: "assent_evidence_found", unitName: "total", helpText: "Equivocation evidence found since start, by log"),
            labels: [("origin", origin)]
        ).increment()
    }

    private let histograms = Mutex<[String: DurationHistogram]>([:])
    private static let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
    ]

    func requestFinished(method: String, route: String, status: Int, seconds: Double) {
        let key = "\(method) \(route) \(status)"
        let histogram = histograms.withLock { cache in
            if let known = cache[key] { return known }
            let made = registry.makeDurationHistogram(
                descriptor: MetricNameDescriptor(metricName: "assent_http_request_duration", unitName: "seconds", helpText: "HTTP request latency"),
                labels: [("method", method), ("route", route), ("status", String(status))],
                buckets: NodeMetrics.latencyBuckets)
            cache[key] = made
            return made
        }
        histogram.record(.nanoseconds(Int64(seconds * 1e9)))
    }

    /// The exposition text, with the checkpoint age brought up to date.
    func render(size: UInt64) -> [UInt8] {
        entries.set(Double(size))
        checkpointAge.set(Date().timeIntervalSince(lastCheckpoint.withLock { $0 }))
        return registry.emitToBuffer()
    }
}

import Synchronization
