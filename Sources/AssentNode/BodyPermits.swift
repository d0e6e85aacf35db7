import Synchronization

/// At most `limit` requests with a large body handled at once, so that the memory and CPU of
/// collecting and checking bodies stay bounded (N × `maxBodyBytes` at worst) whatever the
/// number of connections. A request that finds none free is not queued: it is answered
/// `503 busy` with `Retry-After`, which costs the node nothing to hold.
final class BodyPermits: Sendable {
    /// A body over this size, or of unknown size (chunked), needs a permit. One statement is at
    /// most 63 KiB, so a single statement or a small batch never does.
    static let largeBodyBytes = 256 * 1024

    let limit: Int
    private let inUse = Mutex(0)

    init(limit: Int) {
        self.limit = limit
    }

    /// Whether a body of `declaredLength` (nil: not declared) needs a permit.
    static func needsPermit(declaredLength: Int?) -> Bool {
        guard let declaredLength else { return true }
        return declaredLength > largeBodyBytes
    }

    /// Takes a permit if one is free.
    func tryAcquire() -> Bool {
        inUse.withLock { n in
            guard n < limit else { return false }
            n += 1
            return true
        }
    }

    func release() {
        inUse.withLock { n in n = max(0, n - 1) }
    }

    var held: Int { inUse.withLock { $0 } }
}
