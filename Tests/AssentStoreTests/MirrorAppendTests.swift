import AssentCore
@testable import AssentStore
import Foundation
import XCTest

/// A mirror stores a long catch-up in chunks without notes (`LogStore.appendMirrored`): it keeps
/// publishing its latest note until the chunk that carries the peer's note, the store check
/// accepts its leaves beyond that note, and only a mirror may append so.
final class MirrorAppendTests: StoreTestCase {
    func openMirror() throws -> LogStore {
        try AssentDatabase(path: path).openLog(origin: origin, verifierKey: logKey.verifierKey, role: .mirror)
    }

    func testChunksWithoutANoteKeepTheLatestNoteUntilTheChunkThatCarriesOne() throws {
        let mirror = try openMirror()
        let first = try batch(mirror, statements: 3)
        // The peer's note for the first chunk's size, signed by the log key.
        let firstCheckpoint = try mirror.appendMirrored(first, note: nil)
        XCTAssertNil(mirror.latestCheckpoint, "no note was given")
        let firstNote = try firstCheckpoint.sign(with: logKey).serialized
        try mirror.storeCheckpointNote(firstNote)
        XCTAssertEqual(mirror.latestCheckpoint?.note, firstNote)

        let second = try batch(mirror, statements: 4, offset: 10)
        let secondCheckpoint = try mirror.appendMirrored(second, note: nil)
        XCTAssertEqual(mirror.size, secondCheckpoint.size)
        XCTAssertEqual(mirror.latestCheckpoint?.note, firstNote, "the mirror publishes its latest note while it holds more")
        // The store check accepts a mirror's leaves beyond its latest note.
        let between = try StoreCheck.run(path: path)
        XCTAssertTrue(between.failures.isEmpty, between.text)

        let third = try batch(mirror, statements: 2, offset: 20)
        let end = Checkpoint(origin: origin, size: mirror.size + UInt64(third.count), root: .zero)
        // A note for another tree is refused and nothing is written.
        XCTAssertThrowsError(try mirror.appendMirrored(third, note: try end.sign(with: logKey).serialized))
        XCTAssertEqual(mirror.size, secondCheckpoint.size)
        let thirdCheckpoint = try mirror.appendMirrored(third, note: nil)
        let note = try thirdCheckpoint.sign(with: logKey).serialized
        try mirror.storeCheckpointNote(note)
        XCTAssertEqual(mirror.latestCheckpoint?.checkpoint, thirdCheckpoint)
    }

    func testAChunkWithThePeersNoteStoresIt() throws {
        let mirror = try openMirror()
        let leaves = try batch(mirror, statements: 3)
        var edge = TileEdge()
        _ = edge.append(leaves.map(\.leafHash))
        let note = try Checkpoint(origin: origin, size: edge.size, root: edge.rootHash).sign(with: logKey).serialized
        try mirror.appendMirrored(leaves, note: note)
        XCTAssertEqual(mirror.latestCheckpoint?.note, note)
    }

    func testAnOwnLogDoesNotAppendWithoutSigning() throws {
        let own = try open()
        XCTAssertThrowsError(try own.appendMirrored(try batch(own, statements: 1), note: nil)) { error in
            XCTAssertTrue("\(error)".contains("only a mirror"), "\(error)")
        }
        XCTAssertEqual(own.size, 0)
    }

    /// A chunk the mirror refuses (an epoch leaf whose map root is not the map's, or a note that
    /// is not the tree's) leaves its keys and statement hashes in the filters, as false positives;
    /// trying the same chunk again, as the follower does after each failure and each witness
    /// request, adds nothing more: a peer serving a chunk that always fails cannot grow them.
    func testAChunkRefusedAgainAndAgainDoesNotGrowTheFilters() throws {
        let mirror = try openMirror()
        let leaves = try batch(mirror, statements: 20)
        let epoch = leaves[leaves.count - 1]
        let badRoot = try LogLeaf(index: epoch.index, origin: origin, prev: epoch.prev, time: epoch.time,
                                  content: .epoch(mapRoot: Hash(bytes: [UInt8](repeating: 7, count: 32))!, size: epoch.index))
        let badEpoch = Array(leaves.dropLast()) + [badRoot]
        let badNote = try Checkpoint(origin: origin, size: UInt64(leaves.count), root: .zero).sign(with: logKey).serialized
        func counts() -> (keys: Int, statements: Int) {
            (mirror.mapKeys.withLock { $0.count }, mirror.statementFilter.withLock { $0.count })
        }
        XCTAssertThrowsError(try mirror.appendMirrored(badEpoch, note: nil))
        XCTAssertThrowsError(try mirror.appendMirrored(leaves, note: badNote))
        let once = counts()
        XCTAssertGreaterThan(once.keys, 0, "the refused chunks' keys were added before the tree")
        XCTAssertEqual(once.statements, 20, "their statements were added before the commit")
        for _ in 0..<5 {
            XCTAssertThrowsError(try mirror.appendMirrored(badEpoch, note: nil))
            XCTAssertThrowsError(try mirror.appendMirrored(leaves, note: badNote))
        }
        XCTAssertEqual(counts().keys, once.keys)
        XCTAssertEqual(counts().statements, once.statements)
        XCTAssertEqual(mirror.size, 0)
        // The chunk as the peer signed it is still stored, and its statements found.
        try mirror.appendMirrored(leaves, note: nil)
        XCTAssertEqual(try mirror.indexes(ofStatements: leaves.compactMap { $0.statement?.hash }).count, 20)
        XCTAssertEqual(counts().keys, once.keys)
        XCTAssertEqual(counts().statements, once.statements)
    }
}
