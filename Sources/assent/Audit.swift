import ArgumentParser
import AssentCore
import AssentNode
import AsyncHTTPClient
import Foundation
import NIOCore

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay a node's whole log over HTTP and check every rule that can be checked.",
        discussion: """
            Fetches the signed checkpoint and every entry bundle (tlog-tiles), then checks:
            the checkpoint signature; every leaf (canonical JSON, statement signatures, type
            rules); the hash chain (index, prev, time never decreasing); the Merkle root against
            the checkpoint; that every checkpoint ends with an epoch leaf. With --receipts, every
            receipt (one JSON object per line, {"receipt": tlog-proof text, "statement": the signed
            statement}, as `assent-load` writes them) must verify for its statement and name the
            leaf that holds it, and every checkpoint those receipts carry must be
            consistent with the log. Exits non-zero on the first failure, saying what failed.

            Example:
              assent audit --node http://127.0.0.1:7001 --log-key "$(cat run/gema/log.pub)"
            """
    )

    @Option(help: "Base URL of the node.")
    var node: String = "http://127.0.0.1:7001"

    @Option(help: "The log's verifier key.")
    var logKey: String

    @Option(help: "File of receipts, one JSON object per line.")
    var receipts: String?

    @Flag(help: "Print a JSON summary instead of text.")
    var json = false

    func run() async throws {
        let key = try NoteVerifierKey(parsing: logKey.trimmingCharacters(in: .whitespacesAndNewlines))
        let base = node.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        func fetch(_ path: String) async throws -> [UInt8] {
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: base + "/" + path), timeout: .seconds(60))
            let body = try await response.body.collect(upTo: 64 * 1024 * 1024)
            guard response.status == .ok else { throw AuditFailure("GET /\(path): HTTP \(response.status.code)") }
            return Array(buffer: body)
        }
        let note = try SignedNote(parsing: String(decoding: try await fetch("checkpoint"), as: UTF8.self))
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint.verified(note, logKey: key) } catch { throw AuditFailure("checkpoint: \(error)") }
        var chain = ChainVerifier(origin: checkpoint.origin)
        var leafHashes = [Hash]()
        var statementAt = [UInt64: Hash]()
        var epochs = Set<UInt64>()
        var statements = 0
        let tiles = Tile.tiles(forTreeSize: checkpoint.size).filter { $0.level == 0 }
        for (n, tile) in tiles.enumerated() {
            let entries: [[UInt8]]
            do { entries = try EntryBundle.decode(try await fetch(tile.entriesPath)) } catch { throw AuditFailure("\(tile.entriesPath): \(error)") }
            guard entries.count == tile.width else { throw AuditFailure("\(tile.entriesPath): \(entries.count) entries, expected \(tile.width)") }
            for entry in entries {
                do {
                    let leaf = try LogLeaf(bytes: entry)
                    leafHashes.append(try chain.append(leaf))
                    if let s = leaf.statement {
                        statementAt[leaf.index] = s.hash
                        statements += 1
                    } else {
                        epochs.insert(leaf.index)
                    }
                } catch { throw AuditFailure("leaf \(leafHashes.count): \(error)") }
            }
            if !json && (n + 1) % 100 == 0 { FileHandle.standardError.write(Data("audited \(leafHashes.count) of \(checkpoint.size) leaves\n".utf8)) }
        }
        let root = MerkleTree.rootHash(leafHashes: leafHashes)
        guard root == checkpoint.root else { throw AuditFailure("root of the \(checkpoint.size) leaves is \(root), the checkpoint says \(checkpoint.root)") }
        guard checkpoint.size == 0 || epochs.contains(checkpoint.size - 1) else {
            throw AuditFailure("checkpoint size \(checkpoint.size) does not end with an epoch leaf")
        }

        var receiptCount = 0
        var checkpointSizes = [UInt64: Hash]()
        if let receipts {
            guard let data = FileManager.default.contents(atPath: receipts) else { throw AuditFailure("cannot read \(receipts)") }
            for (n, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() {
                let receipt: Receipt
                let statement: SignedStatement
                do {
                    let item = try CanonicalJSON.parse(String(line))
                    guard case let .string(text)? = item["receipt"], let s = item["statement"] else { throw AuditFailure("needs receipt and statement") }
                    receipt = try Receipt(text: text)
                    statement = try SignedStatement(json: s)
                } catch { throw AuditFailure("receipt line \(n + 1): \(error)") }
                let verified: Receipt.Verified
                do { verified = try receipt.verify(statement: statement, logKey: key) } catch {
                    throw AuditFailure("receipt line \(n + 1) does not verify: \(error)")
                }
                guard receipt.index < checkpoint.size, statementAt[receipt.index] == statement.hash,
                      leafHashes[Int(receipt.index)] == verified.leaf.leafHash
                else { throw AuditFailure("receipt line \(n + 1): statement \(statement.hash) is not at index \(receipt.index) of the log") }
                let cp = verified.checkpoint
                if let seen = checkpointSizes[cp.size], seen != cp.root {
                    throw AuditFailure("two signed checkpoints for size \(cp.size) with different roots")
                }
                checkpointSizes[cp.size] = cp.root
                receiptCount += 1
            }
            // Every checkpoint a receipt carried must be a prefix of the log we replayed, and end with an epoch.
            for (size, root) in checkpointSizes.sorted(by: { $0.key < $1.key }) {
                guard size <= checkpoint.size else { throw AuditFailure("a receipt's checkpoint (size \(size)) is newer than the log's") }
                guard MerkleTree.rootHash(leafHashes: Array(leafHashes[..<Int(size)])) == root else {
                    throw AuditFailure("checkpoint of size \(size) conflicts with the log: different root")
                }
                guard epochs.contains(size - 1) else { throw AuditFailure("checkpoint of size \(size) does not end with an epoch leaf") }
            }
        }
        if json {
            print(JSONValue.object([
                "origin": .string(checkpoint.origin), "size": .integer(Int64(checkpoint.size)), "statements": .integer(Int64(statements)),
                "epochs": .integer(Int64(epochs.count)), "receipts": .integer(Int64(receiptCount)),
                "checkpoints": .integer(Int64(checkpointSizes.count)), "ok": true,
            ]).canonicalString)
        } else {
            print("log \(checkpoint.origin): \(checkpoint.size) leaves (\(statements) statements, \(epochs.count) epochs)")
            print("checkpoint signature, every leaf, the hash chain and the Merkle root: OK")
            if receipts != nil {
                print("\(receiptCount) receipts: each verifies and names its statement's leaf: OK")
                print("\(checkpointSizes.count) distinct checkpoints from receipts: all consistent with the log and end with an epoch: OK")
            }
        }
    }
}

struct AuditFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = "audit failed: \(description)" }
}
