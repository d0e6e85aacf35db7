import AssentCore
import Synchronization

/// How many of the federation's witnesses validly cosigned a checkpoint note, remembered for
/// the few latest notes: every submit reply in a federation reports it (`witnessed`), and the
/// replies of one period share one or two notes, so each note's cosignatures are verified once
/// (two Ed25519 verifications a note), not once a request.
final class CosignatureCount: Sendable {
    /// Notes remembered; past this the memory starts again (notes only grow newer).
    static let capacity = 64

    let federation: Federation
    private let counted = Mutex<[String: Int]>([:])

    init(federation: Federation) { self.federation = federation }

    func of(_ note: String) -> Int {
        if let known = counted.withLock({ $0[note] }) { return known }
        let count = (try? SignedNote(parsing: note)).map { federation.cosigners(of: $0).count } ?? 0
        counted.withLock { memory in
            if memory.count >= CosignatureCount.capacity { memory.removeAll(keepingCapacity: true) }
            memory[note] = count
        }
        return count
    }
}
