import AssentCore
import Foundation
import Hummingbird
import NIOCore

extension Node {
    /// The largest batch one request may carry.
    public static let maxBatch = 1000

    /// The `/v1` API, described by docs/openapi.yaml.
    func addAPIRoutes(to router: Router<BasicRequestContext>) {
        router.post("/v1/statements") { request, _ -> Response in
            try await self.withBodyPermit(request) {
                // A body over the limit without a declared length stops here (NIOTooManyBytesError,
                // answered `too-large` by ProblemMiddleware); a declared one never got this far.
                let body = try await request.body.collect(upTo: self.config.maxBodyBytes)
                return await self.submit(Array(buffer: body))
            }
        }
        let store = self.store
        router.get("/v1/proof/inclusion") { request, _ -> Response in
            guard let index = request.uri.queryParameters.get("index", as: UInt64.self),
                  let size = request.uri.queryParameters.get("size", as: UInt64.self)
            else { return .problem(.badRequest("need index and size, non-negative integers")) }
            guard index < size, size <= store.size else {
                return .problem(.notFound("no leaf \(index) in a tree of size \(size) (the log has \(store.size) leaves)"))
            }
            let (proof, leafHash) = try await store.read { try ($0.inclusionProof(index: index, size: size), $0.leafHash(at: index)) }
            return .json(["index": .integer(Int64(index)), "size": .integer(Int64(size)),
                          "leafHash": .string(leafHash.base64),
                          "hashes": .array(proof.hashes.map { .string($0.base64) })])
        }
        router.get("/v1/proof/consistency") { request, _ -> Response in
            guard let old = request.uri.queryParameters.get("old", as: UInt64.self),
                  let new = request.uri.queryParameters.get("new", as: UInt64.self)
            else { return .problem(.badRequest("need old and new, non-negative integers")) }
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
    func submit(_ body: [UInt8]) async -> Response {
        if let ranges = BatchBody.elementRanges(body) {
            guard ranges.count <= Node.maxBatch else {
                metrics.refused(reason: "batch-too-large")
                return .problem(Problem("batch-too-large", "Batch too large", status: 413,
                                        detail: "\(ranges.count) statements; a batch holds at most \(Node.maxBatch)"))
            }
            guard !ranges.isEmpty else { return .problem(.badRequest("empty batch")) }
            let verdicts = await accept(ranges.map { Array(body[$0]) })
            var accepted = 0
            let items: [JSONValue] = verdicts.map {
                switch $0 {
                case let .success(receipt):
                    accepted += 1
                    return ["receipt": receipt.json]
                case let .failure(problem): return ["problem": problem.json]
                }
            }
            return .json(["accepted": .integer(Int64(accepted)), "refused": .integer(Int64(items.count - accepted)), "results": .array(items)])
        }
        var single = body
        if single.last == 0x0A { single.removeLast() }  // tolerate the newline `assent sign` and curl leave
        switch await accept(single) {
        case let .success(receipt): return .json(receipt.json)
        case let .failure(problem): return .problem(problem)
        }
    }

    /// Checks one statement (canonical bytes, type rules, signature, clock window, authority),
    /// then waits for its receipt. A refusal logs nothing.
    func accept(_ bytes: [UInt8]) async -> Result<Receipt, Problem> {
        await accept([bytes])[0]
    }

    /// Checks statements in parallel, then queues those that pass, in their order, and waits
    /// for their receipts. Each gets its own verdict; a refusal logs nothing.
    func accept(_ items: [[UInt8]]) async -> [Result<Receipt, Problem>] {
        var verdicts = [Result<Receipt, Problem>?](repeating: nil, count: items.count)
        let checked: [Result<SignedStatement, Problem>] = await withTaskGroup(of: (Int, Result<SignedStatement, Problem>).self) { group in
            for (i, bytes) in items.enumerated() {
                group.addTask {
                    do { return (i, .success(try self.check(bytes))) } catch let p as Problem { return (i, .failure(p)) } catch {
                        return (i, .failure(.internalError(error)))
                    }
                }
            }
            var out = [Result<SignedStatement, Problem>?](repeating: nil, count: items.count)
            for await (i, r) in group { out[i] = r }
            return out.map { $0! }
        }
        var queued = [(Int, SignedStatement)]()
        for (i, result) in checked.enumerated() {
            switch result {
            case let .success(statement): queued.append((i, statement))
            case let .failure(problem):
                metrics.refused(reason: problem.slug)
                verdicts[i] = .failure(problem)
            }
        }
        do {
            // Statements already logged get a receipt for their leaf at once, read in one
            // snapshot on GRDB's reader queues (not on the cooperative pool).
            let hashes = queued.map(\.1.hash)
            if !hashes.isEmpty, let latest = store.latestCheckpoint {
                let store = self.store
                let logged: [Int: Receipt] = try await store.read { snapshot in
                    let known = try snapshot.indexes(ofStatements: hashes)
                    guard !known.isEmpty else { return [:] }
                    let reader = snapshot.hashReader()
                    var receipts = [Int: Receipt]()
                    for (position, hash) in hashes.enumerated() {
                        // A statement whose batch is committing right now may be indexed before the checkpoint
                        // that covers it is published; it stays queued and the sequencer answers for it.
                        guard let index = known[hash], index < latest.checkpoint.size else { continue }
                        receipts[position] = try Receipt(store: store, index: index, statementHash: hash, size: latest.checkpoint.size,
                                                         note: latest.note, reader: reader, leafHash: snapshot.leafHash(at: index))
                    }
                    return receipts
                }
                for (position, receipt) in logged { verdicts[queued[position].0] = .success(receipt) }
                queued = queued.enumerated().filter { logged[$0.offset] == nil }.map(\.element)
            }
        } catch {
            let problem = Problem.internalError(error)
            for (i, _) in queued where verdicts[i] == nil { verdicts[i] = .failure(problem) }
            queued = []
        }
        let results = await sequencer.submit(queued.map(\.1))
        for ((i, _), result) in zip(queued, results) {
            switch result {
            case let .success(receipt): verdicts[i] = .success(receipt)
            case let .failure(problem as Problem): verdicts[i] = .failure(problem)
            case let .failure(error): verdicts[i] = .failure(.internalError(error))
            }
        }
        return verdicts.map { $0! }
    }

    func check(_ bytes: [UInt8]) throws -> SignedStatement {
        // SignedStatement refuses oversize input before parsing it (problem `too-large`).
        let statement: SignedStatement
        do { statement = try SignedStatement(bytes: bytes, requireCanonical: true) } catch { throw Problem.refusing(error) }
        let now = Timestamp.now.milliseconds
        let issued = statement.statement.issued
        if issued.milliseconds < now - Int64(config.clockWindowPastSeconds) * 1000 {
            throw Problem("stale", "Statement issued too long ago", status: 400,
                          detail: "issued \(issued) is more than \(config.clockWindowPastSeconds) s before the node's clock")
        }
        if issued.milliseconds > now + Int64(config.clockWindowFutureSeconds) * 1000 {
            throw Problem("future", "Statement issued in the future", status: 400,
                          detail: "issued \(issued) is more than \(config.clockWindowFutureSeconds) s after the node's clock")
        }
        switch statement.statement {
        case .enrollment, .mandate:
            guard statement.statement.by == keys.operator.key.publicKey else {
                throw Problem("not-authorized", "Not signed by this node's operator", status: 403,
                              detail: "\(statement.statement.kind.rawValue) statements are accepted only from the operator key \(keys.operator.key.publicKey.base64)")
            }
        case .preference:
            break  // Preferences are recorded from anyone; resolution decides whom they count for (PROTOCOL §6).
        }
        return statement
    }
}
