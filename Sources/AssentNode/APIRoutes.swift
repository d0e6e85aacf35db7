import AssentCore
import AssentStore
import Foundation
import Hummingbird
import NIOCore

extension Node {
    /// The largest batch one request may carry.
    public static let maxBatch = 1000

    /// The `/v1` API, described by docs/openapi.yaml.
    func addAPIRoutes(to router: Router<NodeRequestContext>) {
        router.post("/v1/statements") { request, context -> Response in
            try await self.withBodyPermit(request) {
                // A body over the limit without a declared length stops here (NIOTooManyBytesError,
                // answered `too-large` by ProblemMiddleware); a declared one never got this far.
                let body = try await request.body.collect(upTo: self.config.maxBodyBytes)
                return await self.submit(Array(buffer: body), client: context.client)
            }
        }
        let store = self.store
        // Built once: everything in it is fixed for the node's lifetime.
        let info = NodeInfo(config: config, keys: keys, operators: Array(admission.operators))
        router.get("/v1/node") { _, _ -> Response in
            .bytes(try info.jsonBytes(), contentType: "application/json")
        }
        // The federation file exactly as this node read it, so a client can hash it and compare
        // with the digest a proof names (PROTOCOL §9); RFC 9530 `Repr-Digest` carries that hash.
        let federation = self.federation
        router.get("/v1/federation") { _, _ -> Response in
            guard let federation else {
                return .problem(.notFound("this node runs alone: its configuration names no federation file"))
            }
            return .bytes(federation.bytes, contentType: "application/json",
                          extra: [.reprDigest: "sha-256=:\(Base64.encode(federation.digest.bytes)):", .cacheControl: CacheControl.none])
        }
        router.get("/v1/proof/inclusion") { request, _ -> Response in
            let index: UInt64, size: UInt64
            do {
                let values = try ProofQuery.integers(request.uri.query, names: ["index", "size"])
                (index, size) = (values[0], values[1])
            } catch { return .problem(.badRequest("\(error)")) }
            guard index < size, size <= store.size else {
                return .problem(.notFound("no leaf \(index) in a tree of size \(size) (the log has \(store.size) leaves)"))
            }
            let (proof, leafHash) = try await store.read { try ($0.inclusionProof(index: index, size: size), $0.leafHash(at: index)) }
            return .json(["index": .integer(Int64(index)), "size": .integer(Int64(size)),
                          "leafHash": .string(leafHash.base64),
                          "hashes": .array(proof.hashes.map { .string($0.base64) })])
        }
        router.get("/v1/proof/consistency") { request, _ -> Response in
            let old: UInt64, new: UInt64
            do {
                let values = try ProofQuery.integers(request.uri.query, names: ["old", "new"])
                (old, new) = (values[0], values[1])
            } catch { return .problem(.badRequest("\(error)")) }
            guard old > 0, old <= new, new <= store.size else {
                return .problem(.notFound("no consistency proof from \(old) to \(new): need 0 < old ≤ new ≤ \(store.size)"))
            }
            let proof = try await store.read { try $0.consistencyProof(oldSize: old, newSize: new) }
            return .json(["old": .integer(Int64(old)), "new": .integer(Int64(new)), "hashes": .array(proof.hashes.map { .string($0.base64) })])
        }
    }

    /// Runs `body` holding a permit when the request's body is large (`BodyPermits`); with
    /// none free, answers `503 busy` at once.
    func withBodyPermit(_ request: Request, _ body: () async throws -> Response) async throws -> Response {
        let declared = request.headers[.contentLength].flatMap { Int($0) }
        guard BodyPermits.needsPermit(declaredLength: declared) else { return try await body() }
        guard bodyPermits.tryAcquire() else {
            return .problem(.busy("the node is handling \(bodyPermits.limit) large request bodies, its most; try again shortly"),
                            extra: [.retryAfter: "1"])
        }
        defer { bodyPermits.release() }
        return try await body()
    }

    /// One statement (a JSON object) or a batch (a JSON array of up to 1,000). Each is checked on
    /// its own; the reply waits until every accepted statement is under a signed checkpoint.
    func submit(_ body: [UInt8], client: String) async -> Response {
        if let ranges = BatchBody.elementRanges(body) {
            guard ranges.count <= Node.maxBatch else {
                metrics.refused(reason: Problem.Reason.batchTooLarge.rawValue)
                return .problem(Problem(.batchTooLarge, "\(ranges.count) statements; a batch holds at most \(Node.maxBatch)"))
            }
            guard !ranges.isEmpty else { return .problem(.badRequest("empty batch")) }
            let verdicts = await accept(ranges.map { Array(body[$0]) }, client: client)
            let accepted = verdicts.count { if case .success = $0 { true } else { false } }
            var witnessing = WitnessingMemo(counter: cosignatureCount)
            // Canonical JSON written straight into bytes, members in RFC 8785 order (a reply
            // carries up to 1,000 receipts: no `JSONValue` tree to build and encode).
            var reply = CanonicalJSONWriter(capacity: 64 + 1_600 * verdicts.count)
            reply.beginObject()
            reply.key("accepted")
            reply.integer(Int64(accepted))
            reply.key("refused")
            reply.integer(Int64(verdicts.count - accepted))
            reply.key("results")
            reply.beginArray()
            for verdict in verdicts {
                switch verdict {
                case let .success(item): item.write(into: &reply, witnessed: witnessing.of(item.receipt))
                case let .failure(problem):
                    reply.beginObject()
                    reply.key("problem")
                    reply.value(problem.json)
                    reply.endObject()
                }
            }
            reply.endArray()
            reply.endObject()
            return .bytes(reply.bytes, contentType: "application/json", extra: witnessing.header)
        }
        // JSON white space around a single statement is dropped, as around each element of a
        // batch: a leading space and a trailing newline (what `assent sign` and curl leave) are
        // treated alike, both accepted (docs/protocol.md "Submitting"). Inside, bytes stay canonical.
        let space: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D]
        let start = body.firstIndex { !space.contains($0) } ?? body.count
        let end = (body.lastIndex { !space.contains($0) }).map { $0 + 1 } ?? start
        // A body too large to be a submission is judged on its size as sent, white space and all.
        let single = body.count > Submission.maxSize ? body : Array(body[start..<max(start, end)])
        switch await accept([single], client: client)[0] {
        case let .success(item):
            var witnessing = WitnessingMemo(counter: cosignatureCount)
            var reply = CanonicalJSONWriter(capacity: 1_600)
            item.write(into: &reply, witnessed: witnessing.of(item.receipt))
            return .bytes(reply.bytes, contentType: "application/json", extra: witnessing.header)
        case let .failure(problem): return .problem(problem)
        }
    }

    /// A logged statement's entry in a submission reply: its receipt (a tlog-proof text) with
    /// the index and statement hash repeated for convenience.
    struct Logged {
        let statementHash: Hash
        let receipt: Receipt

        /// With `witnessed` (in a federation): how many of the federation's witnesses cosigned the
        /// receipt's checkpoint, against the quorum (docs/federation.md "Cosigning").
        /// `{"index": N, "receipt": text, "statementHash": base64, "witnessed": {...}}` in
        /// canonical JSON, written straight into `out`: members in RFC 8785 order (within
        /// `witnessed`: belowQuorum, cosignatures, quorum), the receipt's text escaped from its
        /// bytes. `LoggedReplyTests` compares it with `CanonicalJSON.encode` of the same value.
        func write(into out: inout CanonicalJSONWriter, witnessed: Witnessed? = nil) {
            out.beginObject()
            out.key("index")
            out.integer(Int64(receipt.index))
            out.key("receipt")
            out.string(utf8: receipt.textBytes)
            out.key("statementHash")
            out.string(statementHash.base64)
            if let witnessed {
                out.key("witnessed")
                out.beginObject()
                out.key("belowQuorum")
                out.bool(witnessed.belowQuorum)
                out.key("cosignatures")
                out.integer(Int64(witnessed.cosignatures))
                out.key("quorum")
                out.integer(Int64(witnessed.quorum))
                out.endObject()
            }
            out.endObject()
        }
    }

    /// The cosignatures a receipt's checkpoint carries, against the federation's quorum.
    struct Witnessed: Equatable {
        let cosignatures: Int
        let quorum: Int
        var belowQuorum: Bool { cosignatures < quorum }
    }

    /// What each receipt of a reply says of its checkpoint's cosignatures (`CosignatureCount`
    /// verifies each note once), and the reply's `Assent-Quorum` header: `met` or `below`, with
    /// the fewest cosignatures any receipt of the reply carries and the quorum.
    struct WitnessingMemo {
        let counter: CosignatureCount?
        private var fewest: Witnessed?

        init(counter: CosignatureCount?) { self.counter = counter }

        mutating func of(_ receipt: Receipt) -> Witnessed? {
            guard let counter else { return nil }
            let witnessed = Witnessed(cosignatures: counter.of(receipt.checkpoint), quorum: counter.federation.quorum)
            if witnessed.cosignatures < fewest?.cosignatures ?? .max { fewest = witnessed }
            return witnessed
        }

        var header: HTTPFields {
            guard let fewest else { return [:] }
            return [.assentQuorum: "\(fewest.belowQuorum ? "below" : "met"); cosignatures=\(fewest.cosignatures); quorum=\(fewest.quorum)"]
        }
    }

    /// Checks statements in parallel, then queues those that pass, in their order, and waits
    /// for their receipts. Each gets its own verdict; a refusal logs nothing.
    func accept(_ items: [[UInt8]], client: String) async -> [Result<Logged, Problem>] {
        var verdicts = [Result<Logged, Problem>?](repeating: nil, count: items.count)
        typealias Checked = (submission: Submission, standing: Admission.Standing)
        let checked: [Result<Checked, Problem>] = await withTaskGroup(of: (Int, Result<Checked, Problem>).self) { group in
            for (i, bytes) in items.enumerated() {
                group.addTask { (i, Result { () throws(Problem) in try self.check(bytes) }) }
            }
            var out = [Result<Checked, Problem>?](repeating: nil, count: items.count)
            for await (i, r) in group { out[i] = r }
            // Every index had a task and every task returns, so no slot stays empty.
            return out.map { $0 ?? .failure(Problem(.internal, "no verdict for this statement")) }
        }
        var queued = [(Int, Submission)]()
        var openDeclarations = Set<Hash>()
        for (i, result) in checked.enumerated() {
            switch result {
            case let .success(item):
                queued.append((i, item.submission))
                // An erasure by a key no trusted log enrolls is charged like an open declaration,
                // even where the node takes none (`check` lets it through): the right to erasure is
                // not node policy, but each erasure is a permanent leaf, so its rate is bounded.
                if item.standing == .openDeclaration {
                    openDeclarations.insert(item.submission.statement.hash)
                }
            case let .failure(problem):
                metrics.refused(reason: problem.slug)
                verdicts[i] = .failure(problem)
            }
        }
        await checkErasures(&queued, verdicts: &verdicts)
        do {
            // Statements already logged get a receipt for their leaf at once, read in one
            // snapshot on GRDB's reader queues (not on the cooperative pool).
            let hashes = queued.map(\.1.statement.hash)
            if !hashes.isEmpty, let latest = store.latestCheckpoint {
                let logged: [Int: Result<Receipt, Problem>] = try await store.read { snapshot in
                    let known = try snapshot.indexes(ofStatements: hashes)
                    // A statement whose batch is committing right now may be indexed before the checkpoint
                    // that covers it is published; it stays queued and the sequencer answers for it.
                    let ready = hashes.indices.filter { known[hashes[$0]].map { $0 < latest.checkpoint.size } ?? false }
                    let receipts = Sequencer.receipts(for: ready.map { .earlier(index: known[hashes[$0]]!) }, size: latest.checkpoint.size,
                                                      note: latest.note, snapshot: snapshot)
                    return Dictionary(uniqueKeysWithValues: zip(ready, receipts))
                }
                for (position, receipt) in logged {
                    let (i, submission) = queued[position]
                    verdicts[i] = receipt.map { Logged(statementHash: submission.statement.hash, receipt: $0) }
                }
                queued = queued.enumerated().filter { logged[$0.offset] == nil }.map(\.element)
            }
        } catch {
            let problem = Problem.internalError(error)
            for (i, _) in queued where verdicts[i] == nil { verdicts[i] = .failure(problem) }
            queued = []
        }
        // Open declarations are charged to the limits only now, once per distinct statement and
        // never for one already logged: replaying a victim's logged statement costs the victim nothing.
        var limited = [Hash: Problem?]()
        queued = queued.filter { i, submission in
            let statement = submission.statement
            guard openDeclarations.contains(statement.hash) else { return true }
            if limited.index(forKey: statement.hash) == nil {
                // updateValue, not subscript assignment: assigning nil would remove the entry.
                limited.updateValue(self.openDeclarations.charge(key: statement.statement.by, client: client, now: clock.now)
                    .map { Problem(.rateLimited, $0.reason, retryAfter: $0.retryAfter) }, forKey: statement.hash)
            }
            guard case let problem?? = limited[statement.hash] else { return true }
            metrics.refused(reason: problem.slug)
            verdicts[i] = .failure(problem)
            return false
        }
        let results = await sequencer.submit(queued.map(\.1))
        for ((i, submission), result) in zip(queued, results) {
            verdicts[i] = result.map { Logged(statementHash: submission.statement.hash, receipt: $0) }
        }
        // Each statement was refused above or queued and answered by the sequencer.
        return verdicts.map { $0 ?? .failure(Problem(.internal, "no verdict for this statement")) }
    }

    /// Erasures (docs/protocol.md "Erasure"): the statement each names must already be in this
    /// log, carry commitments, not be erased already (by another erasure: the same erasure sent
    /// again is answered with its receipt, like any statement), and its signer must be one who
    /// may erase it (`Admission.checkErasure`). Two different erasures of one statement in one
    /// request: the first goes on. Refused ones leave `queued` with their problem in `verdicts`.
    /// One snapshot reads every erased statement.
    func checkErasures(_ queued: inout [(Int, Submission)], verdicts: inout [Result<Logged, Problem>?]) async {
        let erasures: [(Int, Erasure, Hash)] = queued.compactMap { i, submission in
            if case let .erasure(e) = submission.statement.statement { (i, e, submission.statement.hash) } else { nil }
        }
        guard !erasures.isEmpty else { return }
        let size = store.latestCheckpoint?.checkpoint.size ?? 0
        do {
            let (targets, erased): ([Hash: Statement], [Hash: (erasure: Hash, at: Timestamp)]) = try await store.read { snapshot in
                var out = [Hash: Statement]()
                var erased = [Hash: (erasure: Hash, at: Timestamp)]()
                // Only statements under the published checkpoint count as "already in this log".
                for (hash, index) in try snapshot.indexes(ofStatements: erasures.map(\.1.erases)) where index < size {
                    guard let bytes = try snapshot.leafBytes(at: index), let s = try LogLeaf(bytes: bytes).statement else {
                        throw StoreError.notFound("statement \(hash) at leaf \(index)")
                    }
                    out[hash] = s.statement
                    erased[hash] = try snapshot.erasure(of: hash)
                }
                return (out, erased)
            }
            var claimed = [Hash: Hash]()
            for (i, erasure, hash) in erasures {
                guard let target = targets[erasure.erases] else {
                    verdicts[i] = .failure(Problem(.unknownStatement, "the erasure names statement \(erasure.erases.base64) (hex \(erasure.erases.hex)), which is not in this log: an erasure erases a statement this node has already logged"))
                    continue
                }
                do { try admission.checkErasure(erasure, of: target) } catch {
                    switch error {
                    case .nothingToErase: verdicts[i] = .failure(Problem(.nothingToErase, "\(error)"))
                    default: verdicts[i] = .failure(Problem(.erasureNotAllowed, "\(error)"))
                    }
                    continue
                }
                if let first = erased[erasure.erases], first.erasure != hash {
                    verdicts[i] = .failure(Problem(.alreadyErased, "statement \(erasure.erases.base64) was already erased on \(first.at.rfc3339) by erasure \(first.erasure.base64); its disclosures are gone"))
                    continue
                }
                if let other = claimed[erasure.erases], other != hash {
                    verdicts[i] = .failure(Problem(.alreadyErased, "statement \(erasure.erases.base64) is erased by erasure \(other.base64), sent in the same request"))
                    continue
                }
                claimed[erasure.erases] = hash
            }
        } catch {
            let problem = Problem.internalError(error)
            for (i, _, _) in erasures { verdicts[i] = .failure(problem) }
        }
        for (i, _, _) in erasures { if case let .failure(p)? = verdicts[i] { metrics.refused(reason: p.slug) } }
        queued.removeAll { verdicts[$0.0] != nil }
    }

    /// Checks one submission: canonical bytes, type rules and signature, its disclosures against
    /// its commitments, then the intake rules (clock window, who may write). An open declaration
    /// on a node that takes none is refused here; one on a node that does is charged to its
    /// limits by `accept`. Who may erase what is checked by `checkErasures`, against the log.
    func check(_ bytes: [UInt8]) throws(Problem) -> (submission: Submission, standing: Admission.Standing) {
        // Submission refuses oversize input before parsing it (problem `too-large`).
        let submission: Submission
        do { submission = try Submission(bytes: bytes, requireCanonical: true) } catch { throw Problem.refusing(error) }
        let statement = submission.statement
        let standing: Admission.Standing
        do { standing = try admission.check(statement.statement, now: clock.now, isEnrolled: isEnrolledInATrustedLog) } catch {
            switch error {
            case .stale: throw Problem(.stale, "\(error)")
            case .future: throw Problem(.future, "\(error)")
            case .notOperator, .badWindow: throw Problem(.notAuthorized, "\(error)")
            case .notEraser: throw Problem(.erasureNotAllowed, "\(error)")
            case .nothingToErase: throw Problem(.nothingToErase, "\(error)")
            }
        }
        // The right to erasure does not depend on this node's policy: an erasure goes on to `checkErasures`.
        if standing == .openDeclaration, !openDeclarations.policy.enabled, statement.statement.kind != .erasure {
            throw Problem(.notEnrolled, "\(statement.statement.by.base64) is not enrolled in this node's log, and this node takes no open declarations; ask your society to enroll you")
        }
        return (submission, standing)
    }
}
