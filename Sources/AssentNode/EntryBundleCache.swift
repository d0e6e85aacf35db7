import AssentCore
import Dispatch
import Synchronization

/// gzip-encoded full entry bundles, compressed once and kept in memory.
///
/// A full bundle (256 leaves) never changes (tlog-tiles), so compressing it again on every
/// request (up to 16 MiB of leaves) would only burn CPU. Kept in memory rather than in SQLite:
/// the read path never writes to the log's database (its one writer is the sequencer), and an
/// evicted bundle costs one compression to rebuild. Memory is bounded by `capacityBytes` of
/// compressed bytes, the least recently served bundle evicted first. Partial bundles change
/// width as the log grows and are small; they are compressed per request and not kept.
///
/// Compression runs on a serial queue of its own, off Swift's cooperative pool: at most one
/// core compresses at a time, and requests for the same cold bundle compress it once.
final class EntryBundleCache: Sendable {
    let capacityBytes: Int
    private let state: Mutex<State>
    private let queue = DispatchQueue(label: "assent.bundles.gzip")

    private struct State {
        var entries: [UInt64: Entry] = [:]
        var bytes = 0
        var clock: UInt64 = 0
    }

    private struct Entry {
        let gzipped: [UInt8]
        var lastServed: UInt64
    }

    init(capacityBytes: Int) {
        self.capacityBytes = capacityBytes
        state = Mutex(State())
    }

    /// Compressed bytes held now.
    var heldBytes: Int { state.withLock { $0.bytes } }

    /// The gzip encoding of `bundle`, the bytes of the entry bundle of level-0 tile `tile`.
    /// Nil only when zlib fails.
    func gzipped(_ tile: Tile, bundle: [UInt8]) async -> [UInt8]? {
        if !tile.isPartial, let hit = cached(tile.index) { return hit }
        return await withCheckedContinuation { continuation in
            queue.async { [self] in
                // A request queued behind another for the same bundle finds it done.
                if !tile.isPartial, let hit = cached(tile.index) { return continuation.resume(returning: hit) }
                let compressed = Gzip.compress(bundle)
                if !tile.isPartial, let compressed { keep(tile.index, compressed) }
                continuation.resume(returning: compressed)
            }
        }
    }

    /// The kept gzip encoding of the full bundle `index`, if any.
    func cached(_ index: UInt64) -> [UInt8]? {
        state.withLock { s in
            guard var entry = s.entries[index] else { return nil }
            s.clock += 1
            entry.lastServed = s.clock
            s.entries[index] = entry
            return entry.gzipped
        }
    }

    private func keep(_ index: UInt64, _ gzipped: [UInt8]) {
        guard gzipped.count <= capacityBytes else { return }
        state.withLock { s in
            guard s.entries[index] == nil else { return }
            while s.bytes + gzipped.count > capacityBytes,
                  let oldest = s.entries.min(by: { $0.value.lastServed < $1.value.lastServed }) {
                s.bytes -= oldest.value.gzipped.count
                s.entries[oldest.key] = nil
            }
            s.clock += 1
            s.entries[index] = Entry(gzipped: gzipped, lastServed: s.clock)
            s.bytes += gzipped.count
        }
    }
}
