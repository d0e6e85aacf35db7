/// Where the state map's nodes live: a dictionary for tests and verifiers, an SQLite table in
/// the store (AssentStore's MapNodeStore). The tree reads and writes only the nodes on the
/// paths it touches, so a map of millions of keys never has to be in memory.
///
/// A missing node is an empty subtree. Storage only adds or overwrites nodes: map keys are
/// only ever added (PROTOCOL §5), and a position once filled stays filled.
public protocol PrefixTreeStorage {
    /// The node stored at `position`, nil when that subtree is empty.
    func node(at position: PrefixTreePosition) throws -> PrefixTreeNode?

    /// Stores every node of one batch: all of them or, on error, none (a store does this in
    /// the transaction of the batch it belongs to).
    mutating func store(_ nodes: [PrefixTreePosition: PrefixTreeNode]) throws
}

/// Nodes in a dictionary: for tests, benchmarks and anyone rebuilding a map from entry bundles.
public struct InMemoryPrefixTreeStorage: PrefixTreeStorage, Sendable {
    public private(set) var nodes: [PrefixTreePosition: PrefixTreeNode] = [:]

    public init() {}

    public func node(at position: PrefixTreePosition) -> PrefixTreeNode? { nodes[position] }

    public mutating func store(_ nodes: [PrefixTreePosition: PrefixTreeNode]) {
        self.nodes.merge(nodes) { _, new in new }
    }
}
