import AssentCore
import AsyncHTTPClient
import Foundation
import NIOCore

/// Asks one witness for its cosignature on this node's checkpoints (C2SP tlog-witness v1.0.0
/// "add-checkpoint"), remembering the size the witness last cosigned for this log.
///
/// The witness's size is learned, not stored: it starts unknown (`old 0`, which the spec
/// allows "to obtain it"), and a 409 reply (`text/x.tlog.size`) or a cosignature sets it. A
/// restarted node therefore pays one extra round trip per witness.
///
/// Requests go one at a time, newest checkpoint first: while a request is in flight, a newer
/// checkpoint replaces any older one still waiting (`offer`), so a slow witness never holds
/// a queue of stale checkpoints, and the consistency proof of the next request spans every
/// checkpoint skipped. Its reports go to `report`, which `Cosigner` gives.
///
/// A witness that fails (unreachable, an error status, a reply that does not verify) is not
/// asked again for `backoff` (doubling from 250 ms to 30 s, reset by a cosignature); checkpoints
/// offered meanwhile are reported as failed at once, so nobody waits on it for nothing. Once the
/// back-off ends the newest checkpoint not cosigned (the failed one, or a newer one offered
/// meanwhile) is sent, whether or not the log has written since: a log that falls quiet while
/// a witness is unreachable (a partition) still gets its latest checkpoint cosigned when the
/// witness is back (found by Scripts/partition-drill.sh).
actor WitnessClient {
    enum Failure: Error, Equatable, CustomStringConvertible {
        case unreachable(String)
        case status(Int, String)
        case badReply(String)
        /// The witness has cosigned a larger tree of this log than the checkpoint offered.
        case ahead(UInt64)
        case backingOff
        /// The node is stopping: nothing is sent any more.
        case stopping

        var description: String {
            switch self {
            case let .unreachable(why): "unreachable: \(why)"
            case let .status(code, body): "answered \(code): \(body)"
            case let .badReply(why): "bad reply: \(why)"
            case let .ahead(size): "has already cosigned size \(size), beyond this checkpoint"
            case .backingOff: "failed recently; not asked again yet"
            case .stopping: "the node is stopping"
            }
        }
    }

    typealias Proof = @Sendable (_ old: UInt64, _ new: UInt64) async throws -> [Hash]
    typealias Report = @Sendable (_ witness: Federation.Witness, _ size: UInt64, _ result: Result<SignedNote.Signature, Failure>) async -> Void

    /// The longest reply read from a witness: a few cosignature lines, or a size.
    static let maxReplyBytes = 16 * 1024
    static let firstBackoff: Duration = .milliseconds(250)
    static let maxBackoff: Duration = .seconds(30)

    let witness: Federation.Witness
    let endpoint: String
    let timeout: Duration
    private let proof: Proof
    private let report: Report
    /// The HTTP client, made on first use by the `Cosigner` (nil once it has shut down).
    private let client: @Sendable () async -> HTTPClient?

    /// The size this witness last cosigned for this log, when known.
    private(set) var knownSize: UInt64?
    private var offered: (checkpoint: Checkpoint, note: SignedNote)?
    private var working = false
    private var backoff: Duration = .zero
    private var retryAt: ContinuousClock.Instant?
    /// Set once the node stops (the `Cosigner` has no HTTP client any more): no more requests.
    private var stopped = false

    /// `witness.url` must be set (witnesses without one cannot be asked).
    init?(witness: Federation.Witness, timeout: Duration, client: @escaping @Sendable () async -> HTTPClient?, proof: @escaping Proof,
          report: @escaping Report) {
        guard let url = witness.url else { return nil }
        self.witness = witness
        endpoint = url + "add-checkpoint"
        self.timeout = timeout
        self.client = client
        self.proof = proof
        self.report = report
    }

    /// Offers a new checkpoint; it replaces an older one not yet sent.
    func offer(_ checkpoint: Checkpoint, note: SignedNote) async {
        guard !stopped else { return }
        // Offers are made from separate tasks and may arrive out of order: a checkpoint older
        // than one waiting, or than the witness's size, is not sent (its waiters take the newer).
        if let waiting = offered, waiting.checkpoint.size >= checkpoint.size { return }
        if let knownSize, knownSize > checkpoint.size { return }
        offered = (checkpoint, note)
        if let retryAt, ContinuousClock.now < retryAt {
            // Its submitters do not wait for a witness that just failed; the checkpoint is
            // still sent when the back-off ends, unless a newer one replaces it.
            await report(witness, checkpoint.size, .failure(.backingOff))
        }
        guard !working else { return }
        working = true
        Task { await self.work() }
    }

    private func work() async {
        while let next = offered, !stopped {
            if let retryAt, ContinuousClock.now < retryAt {
                // Offers made during the sleep replace `offered`; the loop sends the newest.
                try? await Task.sleep(until: retryAt)
                self.retryAt = nil
                continue
            }
            offered = nil
            let result = await cosign(next.checkpoint, note: next.note)
            switch result {
            case .success:
                backoff = .zero
                retryAt = nil
            case .failure(.ahead):
                break
            case .failure(.stopping):
                stopped = true
            case .failure:
                backoff = backoff == .zero ? WitnessClient.firstBackoff : min(backoff * 2, WitnessClient.maxBackoff)
                retryAt = ContinuousClock.now + backoff
                // Asked again after the back-off, unless a newer checkpoint is waiting by then.
                if offered == nil { offered = next }
            }
            await report(witness, next.checkpoint.size, result)
        }
        offered = nil
        working = false
    }

    /// One checkpoint: at most three requests, since each 409 teaches the witness's size.
    func cosign(_ checkpoint: Checkpoint, note: SignedNote) async -> Result<SignedNote.Signature, Failure> {
        for _ in 0..<3 {
            let old = knownSize ?? 0
            guard old <= checkpoint.size else { return .failure(.ahead(old)) }
            let result = await request(checkpoint, note: note, old: old)
            switch result {
            case let .conflict(size):
                // The spec's 409 also answers an old size equal to the new one with another
                // root: if the witness names the very size we sent, asking again cannot help.
                guard size != old else { return .failure(.badReply("409 for old size \(old), which is the size the witness states")) }
                // A size beyond this checkpoint is not learned: the witness lies or saw a fork, and
                // `offer` would drop every smaller checkpoint unanswered, holding each batch's wait
                // to its timeout. An honest one (a request of ours it finished after we gave up) is
                // learned from the next 409, for a checkpoint that size reaches.
                guard size <= checkpoint.size else { return .failure(.ahead(size)) }
                knownSize = size
            case let .cosigned(signature):
                knownSize = checkpoint.size
                return .success(signature)
            case let .failed(failure):
                return .failure(failure)
            }
        }
        return .failure(.badReply("the witness's size kept changing"))
    }

    enum Outcome {
        case cosigned(SignedNote.Signature)
        case conflict(UInt64)
        case failed(Failure)
    }

    /// `POST <url>add-checkpoint`: `old N`, the consistency proof lines, an empty line, the
    /// checkpoint note (tlog-witness "add-checkpoint").
    private func request(_ checkpoint: Checkpoint, note: SignedNote, old: UInt64) async -> Outcome {
        let hashes: [Hash]
        do {
            // "The proof MUST be empty if the old size is zero", and is empty for equal sizes.
            hashes = old == 0 || old == checkpoint.size ? [] : try await proof(old, checkpoint.size)
        } catch { return .failed(.unreachable("no consistency proof from \(old) to \(checkpoint.size): \(error)")) }
        var body = "old \(old)\n"
        for hash in hashes { body += hash.base64 + "\n" }
        body += "\n" + note.serialized
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        request.body = .bytes(ByteBuffer(string: body))
        guard let client = await client() else { return .failed(.stopping) }
        let status: Int, contentType: String, reply: [UInt8]
        do {
            // The whole exchange within the timeout, the reply's body included (`LogReadClient.within`):
            // a witness stalling its body would otherwise hold this client, and every batch's wait, for ever.
            (status, contentType, reply) = try await LogReadClient.within(timeout, url: endpoint) { [request, timeout] in
                let response = try await client.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
                return (Int(response.status.code), response.headers.first(name: "Content-Type") ?? "",
                        Array(buffer: try await response.body.collect(upTo: WitnessClient.maxReplyBytes)))
            }
        } catch {
            return .failed(.unreachable("\(endpoint): \(error)"))
        }
        let text = String(decoding: reply, as: UTF8.self)
        switch status {
        case 200:
            return WitnessClient.cosignature(in: text, on: note, witness: witness)
        case 409:
            guard contentType.lowercased().hasPrefix("text/x.tlog.size") else {
                return .failed(.status(409, "without text/x.tlog.size: \(text.prefix(200))"))
            }
            guard let size = WitnessClient.treeSize(text) else { return .failed(.badReply("409 body is not a tree size: \(text.prefix(40))")) }
            return .conflict(size)
        default:
            return .failed(.status(status, String(text.prefix(200))))
        }
    }

    /// The witness's cosignature among the signature lines of a 200 reply: lines by other keys
    /// are ignored (the spec's "MUST ignore"); the witness's own must verify on this checkpoint.
    static func cosignature(in reply: String, on note: SignedNote, witness: Federation.Witness) -> Outcome {
        // The reply is signature lines: appended to the note, it parses as one (the spec's own hint).
        let joined: SignedNote
        do { joined = try SignedNote(parsing: note.text + "\n" + reply) } catch {
            return .failed(.badReply("not note signature lines: \(error)"))
        }
        for line in joined.signatures where Bytewise.equal(line.name, witness.key.name) && line.keyID == witness.key.keyID {
            do {
                guard try Cosignature.verify(SignedNote(text: note.text, signatures: [line]), witness: witness.key) != nil else { continue }
            } catch { return .failed(.badReply("\(error)")) }
            return .cosigned(line)
        }
        return .failed(.badReply("no cosignature by \(witness.key.name) in the reply"))
    }

    /// A `text/x.tlog.size` body: a decimal with no leading zeros, then a newline.
    static func treeSize(_ text: String) -> UInt64? {
        guard text.hasSuffix("\n") else { return nil }
        let digits = text.dropLast()
        guard !digits.isEmpty, digits.count <= 20, digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
              digits == "0" || !digits.hasPrefix("0") else { return nil }
        return UInt64(digits)
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (a, o1) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (b, o2) = a.addingReportingOverflow(attoseconds / 1_000_000_000)
        return o1 || o2 ? .max : b
    }
}
