import Foundation
import GRDB

/// Copies the WAL into the database file on a thread of its own, so that the log's writer
/// does not (docs/protocol.md "Write path: checkpoints off the writer").
///
/// SQLite's auto-checkpoint runs inside the connection that commits: with the default of
/// 1,000 pages, about every batch of the sequencer paid for a checkpoint (page writes and the
/// database file's fsync, ~37 ms) on the serial writer (docs/benchmarks.md "Write path and
/// memory"). The writer's connections run with `wal_autocheckpoint = 0`; this checkpointer, on
/// its own connection, runs a PASSIVE checkpoint (which never waits for the writer or readers)
/// once `passiveFrames` frames have been added to the WAL since its last checkpoint.
///
/// A PASSIVE checkpoint never restarts the WAL: SQLite restarts it (and, with
/// `journal_size_limit = 0`, cuts it to zero bytes) only when a write begins while every frame
/// has been copied, which a writer that keeps appending may never allow. So when the WAL holds
/// `truncateFrames` frames or more after a PASSIVE checkpoint, the checkpointer runs a TRUNCATE
/// checkpoint: it waits for the writer's current transaction and for readers (at most
/// `busyTimeoutMilliseconds`, holding up new writes meanwhile), copies what is left and cuts
/// the WAL to zero bytes. If readers keep it from finishing it is tried again after the next
/// commit; the WAL can then outgrow the limit only while those readers last.
///
/// Crash safety is SQLite's: a commit is durable when it returns (`synchronous = FULL` syncs
/// the WAL at each commit); a checkpoint only copies committed frames and syncs the database
/// file before it marks them copied.
final class WALCheckpointer: @unchecked Sendable {
    /// What the thread shares with commits and with `close` (guarded by `condition`).
    private struct State {
        var commitsSinceWake = 0
        var stopping = false
        var stopped = false
        /// WAL frames right after the last checkpoint this checkpointer ran.
        var framesAfterLastCheckpoint = 0
        var passiveCheckpoints = 0
        var truncateCheckpoints = 0
    }

    let walPath: String
    let passiveFrames: Int
    let truncateFrames: Int
    let busyTimeoutMilliseconds: Int
    /// Held while any checkpoint of this database runs, by this thread or by
    /// `AssentDatabase.truncateWAL`: SQLite refuses a second concurrent checkpoint with
    /// SQLITE_BUSY at once, which would fail an erasure's owed truncation for no reason.
    let checkpointLock: NSLock
    private let connection: DatabaseQueue
    private let condition = NSCondition()
    private var state = State()

    /// Opens the checkpointer's own connection (`configuration` as the writer's) and starts
    /// its thread.
    init(path: String, configuration: Configuration, checkpointLock: NSLock,
         passiveFrames: Int, truncateFrames: Int, busyTimeoutMilliseconds: Int) throws {
        walPath = path + "-wal"
        self.passiveFrames = max(1, passiveFrames)
        self.truncateFrames = max(self.passiveFrames, truncateFrames)
        self.busyTimeoutMilliseconds = max(0, busyTimeoutMilliseconds)
        self.checkpointLock = checkpointLock
        var configuration = configuration
        configuration.label = "assent-checkpointer"
        connection = try DatabaseQueue(path: path, configuration: configuration)
        let thread = Thread { [self] in run() }
        thread.name = "assent.wal-checkpointer"
        thread.start()
    }

    /// A transaction was committed (on the writer's thread): wake the checkpointer. Cheap: the
    /// WAL's size is looked at by the checkpointer's thread, not here.
    func didCommit() {
        condition.lock()
        state.commitsSinceWake += 1
        condition.signal()
        condition.unlock()
    }

    /// Checkpoints run so far, for tests and benchmarks.
    var counts: (passive: Int, truncate: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (state.passiveCheckpoints, state.truncateCheckpoints)
    }

    /// Stops the thread after the checkpoint it may be running, and closes its connection.
    func close() {
        condition.lock()
        state.stopping = true
        condition.broadcast()
        while !state.stopped { condition.wait() }
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            // A commit that happened before this wait is counted, so none is missed; the timed
            // wake also covers commits of other processes (the CLI on a stopped node's store).
            if state.commitsSinceWake == 0, !state.stopping { _ = condition.wait(until: Date(timeIntervalSinceNow: 1)) }
            let stopping = state.stopping
            state.commitsSinceWake = 0
            let after = state.framesAfterLastCheckpoint
            condition.unlock()
            if stopping { break }
            checkpointIfDue(framesAfterLastCheckpoint: after)
        }
        try? connection.close()
        condition.lock()
        state.stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// Frames in the WAL file now, from its size: with `journal_size_limit = 0` the file is cut
    /// to the frames in use whenever the WAL restarts, so its size follows the WAL's frames
    /// (a 32-byte header, then frames of a 24-byte header and a page; SQLite file format §4.1).
    private func walFrames(pageSize: Int) -> Int {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: walPath),
              let size = (attributes[.size] as? NSNumber)?.intValue, size > 32 else { return 0 }
        return (size - 32) / (pageSize + 24)
    }

    private var pageSize: Int?

    private func checkpointIfDue(framesAfterLastCheckpoint: Int) {
        do {
            let pageSize = try self.pageSize ?? connection.read { try Int.fetchOne($0, sql: "PRAGMA page_size") ?? 4096 }
            self.pageSize = pageSize
            let frames = walFrames(pageSize: pageSize)
            // The WAL restarted since (fewer frames than after the last checkpoint): count from zero.
            let added = frames >= framesAfterLastCheckpoint ? frames - framesAfterLastCheckpoint : frames
            guard added >= passiveFrames || frames >= truncateFrames else { return }
            checkpointLock.lock()
            defer { checkpointLock.unlock() }
            var (walFrames, _) = try connection.writeWithoutTransaction { try $0.checkpoint(.passive) }
            var truncated = false
            if walFrames >= truncateFrames {
                truncated = try connection.writeWithoutTransaction { db in
                    try AssentDatabase.truncateWAL(db, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
                }
                if truncated { walFrames = 0 }
            }
            condition.lock()
            state.framesAfterLastCheckpoint = max(0, walFrames)
            state.passiveCheckpoints += 1
            if truncated { state.truncateCheckpoints += 1 }
            condition.unlock()
        } catch {
            // SQLITE_BUSY (another process's checkpoint) or an I/O error: the WAL keeps its
            // frames, nothing is lost; the next commit tries again.
        }
    }
}

/// Tells the checkpointer of each commit of the writer's connection. Observes no row change,
/// so GRDB asks it nothing per statement.
final class CommitObserver: TransactionObserver, Sendable {
    let checkpointer: WALCheckpointer

    init(checkpointer: WALCheckpointer) { self.checkpointer = checkpointer }

    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { false }
    func databaseDidChange(with event: DatabaseEvent) {}
    func databaseDidCommit(_ db: Database) { checkpointer.didCommit() }
    func databaseDidRollback(_ db: Database) {}
}
