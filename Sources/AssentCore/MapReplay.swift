/// Recomputes a log's state map from its leaves alone (docs/state-map.md), as an auditor or a
/// node rebuilding its map does: leaves are fed in index order, each epoch leaf's `map` root is
/// checked against the map of every leaf before it, and a difference names the epoch.
///
/// Holds the map in memory with the latest record of every subject and the statement order of
/// every statement leaf (about 50 bytes a leaf), so it suits audits and tests; the node keeps
/// the records in SQLite and the same tree in memory.
public struct MapReplay {
    /// The map's tree, compact (about 100 bytes a key): an audit of a large log holds it all.
    public private(set) var tree = CompactPrefixTree()
    private var state = State()
    /// Statement leaves since the last epoch: applied together, as the sequencer applies a batch.
    private var pending: [LogLeaf] = []
    /// Epoch leaves checked so far.
    public private(set) var epochs = 0

    struct State: MapUpdate.Source {
        var latest: [MapSubject: MapRecord] = [:]
        var orders: [UInt64: MapUpdate.StatementOrder] = [:]

        func latestRecord(_ subject: MapSubject) -> MapRecord? { latest[subject] }

        func statementOrder(_ ref: MapLeafReference) throws -> MapUpdate.StatementOrder {
            guard let order = orders[ref.index] else { throw MapReplayError.unknownReference(ref.index) }
            return order
        }
    }

    public init() {}

    /// Feeds the next leaf. At an epoch leaf, applies the statements since the previous epoch
    /// and checks the epoch's root.
    public mutating func append(_ leaf: LogLeaf) throws {
        switch leaf.content {
        case .statement:
            pending.append(leaf)
        case let .epoch(logged, _):
            let computed = try applyPending()
            epochs += 1
            guard computed == logged else { throw MapReplayError.rootMismatch(epoch: leaf.index, logged: logged, computed: computed) }
        }
    }

    /// Applies the statement leaves fed since the last epoch leaf and returns the map root an
    /// epoch leaf after them must carry (what a writer puts in the epoch leaf it is about to make).
    @discardableResult
    public mutating func applyPending() throws -> Hash {
        var update = MapUpdate(source: state)
        for l in pending { try update.apply(l) }
        let computed = try tree.insert(update.entries)
        for l in pending { if let s = l.statement { state.orders[l.index] = MapUpdate.StatementOrder(s) } }
        for r in update.records { state.latest[r.subject] = r }
        pending = []
        return computed
    }

    /// The latest record of a subject as of the last epoch.
    public func latestRecord(_ subject: MapSubject) -> MapRecord? { state.latest[subject] }
}

/// Why a replayed map does not match the log (docs/state-map.md).
public enum MapReplayError: Error, Equatable, Sendable, CustomStringConvertible {
    case rootMismatch(epoch: UInt64, logged: Hash, computed: Hash)
    /// A record references a leaf that is not a statement leaf seen before it.
    case unknownReference(UInt64)

    public var description: String {
        switch self {
        case let .rootMismatch(epoch, logged, computed):
            "epoch leaf \(epoch): its map root is \(logged.base64), the leaves before it give \(computed.base64)"
        case let .unknownReference(index): "a map record references leaf \(index), which is not a statement leaf before it"
        }
    }
}
