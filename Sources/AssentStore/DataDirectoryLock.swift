import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive lock on a node's data directory, held for as long as this object lives: a
/// second node started on the same directory refuses to start instead of writing the same log
/// (two sequencers would sign inconsistent checkpoints). The lock is `flock` on a `lock` file,
/// which the kernel releases when the process dies, so a crash never leaves it stale.
public final class DataDirectoryLock: Sendable {
    public let path: String
    /// The locked file's descriptor; nil once released.
    private let descriptor: Mutex<Int32?>

    public init(directory: String) throws {
        path = (directory as NSString).appendingPathComponent("lock")
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StoreError.cannotOpen(path: path, String(cString: strerror(errno))) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(fd)
            throw StoreError.locked(directory: directory, holder: holder.isEmpty ? "another process" : "process \(holder)")
        }
        // Who holds it, for the message a second node prints.
        _ = ftruncate(fd, 0)
        let pid = Array("\(getpid())\n".utf8)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        descriptor = Mutex(fd)
    }

    /// Releases the lock (a node that has stopped, so that another may start in-process). Idempotent.
    public func release() {
        descriptor.withLock { fd in
            guard let open = fd else { return }
            flock(open, LOCK_UN)
            close(open)
            fd = nil
        }
    }

    deinit { release() }
}
