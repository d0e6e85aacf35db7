import Synchronization

/// A set shared between threads that holds at most `capacity` members: inserting into a full
/// set empties it first. For caches of checks that are pure functions of their input, where
/// forgetting costs only a recomputation and remembering must not grow without bound.
final class BoundedSet<Member: Hashable & Sendable>: Sendable {
    private let members = Mutex(Set<Member>())
    let capacity: Int

    init(capacity: Int) {
        precondition(capacity > 0, "a bounded set holds at least one member")
        self.capacity = capacity
    }

    func contains(_ member: Member) -> Bool {
        members.withLock { $0.contains(member) }
    }

    func insert(_ member: Member) {
        members.withLock { set in
            if set.count >= capacity, !set.contains(member) { set.removeAll(keepingCapacity: true) }
            set.insert(member)
        }
    }

    var count: Int { members.withLock { $0.count } }
}
