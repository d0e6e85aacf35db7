import AssentCore
import AssentNode
import Foundation
import Logging
import NIOPosix
import XCTest

/// Federations for tests: nodes' keys made in their data directories before they start, and a
/// federation file listing them, written where their configurations point.
enum FederationFixtures {
    /// The keys a node with `config` will load (made now, as its first start would).
    static func keys(for config: NodeConfig) throws -> NodeKeys {
        try NodeKeys.loadOrCreate(dataDirectory: config.dataDirectory, origin: config.origin, logger: Logger(label: "fixture"))
    }

    static func log(_ config: NodeConfig, keys: NodeKeys, url: String? = nil) -> Federation.Log {
        Federation.Log(origin: config.origin, key: keys.log.verifierKey, url: url ?? "http://\(config.listen)/",
                       operators: [keys.operator.key.publicKey], society: config.society ?? config.origin)
    }

    static func witness(_ config: NodeConfig, keys: NodeKeys) -> Federation.Witness {
        Federation.Witness(key: keys.witness.verifierKey, url: "http://\(config.listen)/")
    }

    /// Writes a federation file of `logs`, `witnesses` and `quorum` to `path`; returns it as read back.
    @discardableResult
    static func write(_ path: String, logs: [Federation.Log], witnesses: [Federation.Witness], quorum: Int) throws -> Federation {
        let bytes = Federation.encode(logs: logs, witnesses: witnesses, quorum: quorum)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return try Federation(bytes: bytes)
    }

    /// A peer log that exists only as keys: a society whose node is not running.
    static func strangerLog(origin: String, seed: UInt8) throws -> (log: Federation.Log, operator: SigningKey, witness: NoteSigner) {
        let logKey = try NoteSigner(name: origin, key: SigningKey(seed: [UInt8](repeating: seed, count: 32)))
        let op = try SigningKey(seed: [UInt8](repeating: seed &+ 1, count: 32))
        let witness = try NoteSigner(name: NodeKeys.witnessName(origin: origin), key: SigningKey(seed: [UInt8](repeating: seed &+ 2, count: 32)),
                                     type: .cosignatureV1)
        return (Federation.Log(origin: origin, key: logKey.verifierKey, url: "http://127.0.0.1:9/", operators: [op.publicKey], society: "Other"),
                op, witness)
    }

    /// A loopback port free at the time of asking: nodes of one federation must know each
    /// other's URLs before any of them starts.
    static func freePort() throws -> Int {
        let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).wait()
        defer { try? channel.close().wait() }
        guard let port = channel.localAddress?.port else { throw TestFailure("no port") }
        return port
    }
}
