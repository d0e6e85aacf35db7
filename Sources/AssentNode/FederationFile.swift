import AssentCore
import Foundation

/// Reading a federation file from disk. The bytes are hostile (PROTOCOL §9 files travel): at
/// most `Federation.maxBytes + 1` bytes are read, so a huge or endless file (a FIFO, /dev/zero)
/// costs nothing before it is refused, and every refusal names the path.
public enum FederationFile {
    public static func load(path: String) throws -> Federation {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ConfigError("cannot read the federation file \(path)") }
        defer { try? handle.close() }
        let data: Data
        do { data = try handle.read(upToCount: Federation.maxBytes + 1) ?? Data() } catch {
            throw ConfigError("cannot read the federation file \(path): \(error)")
        }
        do { return try Federation(bytes: Array(data)) } catch { throw ConfigError("\(path): \(error)") }
    }

    /// What a node takes from its federation: its peers (the other logs) and the witnesses it
    /// asks (all but itself). Refuses a federation that does not list this node's log with this
    /// node's log key: the node would sign checkpoints no member of the federation trusts.
    public static func check(_ federation: Federation, origin: String, keys: NodeKeys, path: String) throws {
        guard let own = federation.log(origin: origin) else {
            throw ConfigError("\(path) does not list this node's log \(origin); add it (assent federation init) or remove \"federation\" from the node's configuration")
        }
        guard own.key == keys.log.verifierKey else {
            throw ConfigError("\(path) lists \(origin) with the key \(own.key), but this node's log key is \(keys.log.verifierKey)")
        }
    }
}
