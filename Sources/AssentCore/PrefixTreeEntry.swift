/// One leaf of the state map: a 256-bit key and the SHA-256 of the record it holds (PROTOCOL §5).
public struct PrefixTreeEntry: Hashable, Sendable {
    public let key: Hash
    public let value: Hash

    public init(key: Hash, value: Hash) {
        self.key = key
        self.value = value
    }
}
