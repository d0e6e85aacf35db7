import AssentCore
import AssentStore
import Foundation
import GRDB
import XCTest

/// A store in a temporary directory, and leaves to append to it.
class StoreTestCase: XCTestCase {
    let origin = "test.example/log"
    let logKey = try! NoteSigner(name: "test.example/log", key: SigningKey(seed: [UInt8](repeating: 1, count: 32)))
    let author = try! SigningKey(seed: [UInt8](repeating: 2, count: 32))
    let t0 = Timestamp(rfc3339: "2026-11-21T10:00:00.000Z")!
    var directory: URL!
    /// `closingEpoch`'s replay of the stored leaves, and how many it has replayed.
    private var replayed: (size: UInt64, replay: MapReplay)?

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("assent-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    var path: String { directory.appendingPathComponent("node.sqlite").path }

    func open() throws -> LogStore {
        try AssentDatabase(path: path).openLog(origin: origin, verifierKey: logKey.verifierKey, role: .own)
    }

    /// Builds `count` statement leaves and a closing epoch leaf continuing `store`'s chain; the
    /// epoch leaf carries the map root recomputed from the log's leaves (`closingEpoch`).
    func batch(_ store: LogStore, statements count: Int, offset: Int = 0) throws -> [LogLeaf] {
        let statements = try (0..<count).map { i in
            SignedStatement.sign(.preference(Preference(by: author.publicKey, issued: t0,
                work: try WorkID(parsing: "local:gema.de/\(offset + i)"), usage: ["train-ai": false])), with: author)
        }
        var chain = store.chainHead
        let leaves = try self.leaves(statements, chain: &chain, time: t0)
        return leaves + [try closingEpoch(store, after: leaves, chain: chain, time: t0)]
    }

    /// Statement leaves continuing `chain`, all at `time`.
    func leaves(_ statements: [SignedStatement], chain: inout ChainVerifier, time: Timestamp) throws -> [LogLeaf] {
        try statements.map { s in
            let leaf = try LogLeaf(index: chain.nextIndex, origin: origin, prev: chain.prevHash, time: time, content: .statement(s))
            try chain.append(leaf)
            return leaf
        }
    }

    /// The epoch leaf after `statements` (which continue `store`), carrying the map root that
    /// replaying every stored leaf and then them gives (`MapReplay`), as an outside writer would
    /// compute it. `chain` is the chain after `statements`.
    func closingEpoch(_ store: LogStore, after statements: [LogLeaf], chain: ChainVerifier, time: Timestamp) throws -> LogLeaf {
        // The replay of the stored leaves is kept between batches (one log per test; it only grows).
        var (replayed, replay) = replayed.flatMap { $0.size <= store.size ? $0 : nil } ?? (0, MapReplay())
        for bytes in try store.leafBytes(from: replayed, to: store.size) { try replay.append(try LogLeaf(bytes: bytes)) }
        replayed = store.size
        self.replayed = (replayed, replay)
        for leaf in statements { try replay.append(leaf) }
        let root = try replay.applyPending()
        return try LogLeaf(index: chain.nextIndex, origin: origin, prev: chain.prevHash, time: time, content: .epoch(mapRoot: root, size: chain.nextIndex))
    }

    /// Appends `statements` at `time` as the sequencer does: the store makes the closing epoch
    /// leaf's map root. Returns every leaf appended, the epoch leaf last.
    @discardableResult
    func append(_ statements: [SignedStatement], at time: Timestamp? = nil, disclosures: [Hash: [Disclosure]] = [:], to store: LogStore) throws -> [LogLeaf] {
        var chain = store.chainHead
        let time = time ?? t0
        let leaves = try self.leaves(statements, chain: &chain, time: time)
        var epoch: LogLeaf?
        try store.append(leaves, epoch: { root in
            epoch = try LogLeaf(index: chain.nextIndex, origin: self.origin, prev: chain.prevHash, time: time, content: .epoch(mapRoot: root, size: chain.nextIndex))
            return epoch!
        }, disclosures: disclosures, sign: sign)
        return leaves + [epoch!]
    }

    func sign(_ c: Checkpoint) throws -> String { try c.sign(with: logKey).serialized }

    /// Changes the database behind the store's back, as disk corruption or an intruder would.
    func sqlite(_ sql: String, _ arguments: StatementArguments = []) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { try $0.execute(sql: sql, arguments: arguments) }
    }
}
