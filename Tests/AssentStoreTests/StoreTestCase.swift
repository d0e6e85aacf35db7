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

    /// Builds `count` statement leaves and a closing epoch leaf continuing `store`'s chain.
    func batch(_ store: LogStore, statements count: Int, offset: Int = 0) throws -> [LogLeaf] {
        var chain = store.chainHead
        var leaves = [LogLeaf]()
        for i in 0...count {
            let index = chain.nextIndex
            let content: LogLeaf.Content = i < count
                ? .statement(SignedStatement.sign(.preference(Preference(by: author.publicKey, issued: t0,
                    work: try WorkID(parsing: "local:gema.de/\(offset + i)"), usage: ["train-ai": false])), with: author))
                : .epoch(mapRoot: .zero, size: index)
            let leaf = try LogLeaf(index: index, origin: origin, prev: chain.prevHash, time: t0, content: content)
            try chain.append(leaf)
            leaves.append(leaf)
        }
        return leaves
    }

    func sign(_ c: Checkpoint) throws -> String { try c.sign(with: logKey).serialized }

    /// Changes the database behind the store's back, as disk corruption or an intruder would.
    func sqlite(_ sql: String, _ arguments: StatementArguments = []) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { try $0.execute(sql: sql, arguments: arguments) }
    }
}
