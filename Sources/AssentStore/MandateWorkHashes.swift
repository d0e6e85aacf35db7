import AssentCore

/// "Does this cached mandate name work W", in 8 bytes a work: the works' hashes, sorted, searched
/// by bisection. A mandate names up to 1,000 works and resolution asks for every work it decides,
/// so the parsed-state cache keeps this instead of the mandate's works: a `[WorkID]` with a
/// `Set<WorkID>` beside it cost about 120 KB a mandate (strings, set slots and the canonical
/// bytes), and at 1,000,000 works the mandates in use no longer fitted the cache's byte bound
/// (docs/benchmarks.md "Consent benchmark").
///
/// The hashes are Swift's `hashValue`, seeded at random in every process, so no one can choose
/// work ids that collide in a given node. A collision would answer "names it" for a work the
/// mandate does not name; the answer is used only as a check of the store against itself (a work
/// record's mandate reference was written from that very mandate, `LogSnapshot.workMandates`), so
/// only a corrupted row could meet it, and then, at a chance of about 1,000 in 2^64 a look-up,
/// the corruption would go unreported and the mandate would count for that work.
struct MandateWorkHashes: Sendable {
    private let hashes: [Int]

    init(_ works: [WorkID]) {
        hashes = works.map(\.hashValue).sorted()
    }

    var count: Int { hashes.count }

    func contains(_ work: WorkID) -> Bool {
        let hash = work.hashValue
        var low = 0, high = hashes.count
        while low < high {
            let middle = low + (high - low) / 2
            if hashes[middle] < hash { low = middle + 1 } else { high = middle }
        }
        return low < hashes.count && hashes[low] == hash
    }
}
