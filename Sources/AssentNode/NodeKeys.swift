import AssentCore
import AssentStore
import Foundation
import Logging

/// The node's three keys, kept in its data directory (mode 0600) and made on first start:
/// the log key (`log.key`) signs checkpoints; the operator key (`operator.key`) signs
/// enrollments and mandates; the witness key (`witness.key`, tlog-cosignature type 0x04)
/// cosigns peers' checkpoints (docs/federation.md "Keys").
public struct NodeKeys: Sendable {
    public let log: NoteSigner
    public let `operator`: NoteSigner
    public let witness: NoteSigner

    /// The witness key's name for a log `origin`: its part before the first "/" (the host,
    /// for origins such as `gema.assent.example/log`) and `/witness`. A valid signed-note key
    /// name whenever the origin is one (no spaces, no "+"), and one per society's host.
    public static func witnessName(origin: String) -> String {
        let host = origin.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first ?? Substring(origin)
        return "\(host.isEmpty ? origin[...] : host)/witness"
    }

    /// The keys of a node whose data directory is `dataDirectory`, without creating any:
    /// `assent federation init` reads them, and says which file is missing.
    public static func load(dataDirectory: String, origin: String) throws -> NodeKeys {
        func load(_ file: String, type: NoteSignatureType = .ed25519) throws -> NoteSigner {
            let path = (dataDirectory as NSString).appendingPathComponent(file)
            guard FileManager.default.fileExists(atPath: path) else {
                throw ConfigError("\(path) does not exist: start the node once, or run `assent federation init --create-keys`")
            }
            return try KeyFile.load(path, type: type)
        }
        return try checked(log: load("log.key"), operator: load("operator.key"), witness: load("witness.key", type: .cosignatureV1),
                           dataDirectory: dataDirectory, origin: origin)
    }

    public static func loadOrCreate(dataDirectory: String, origin: String, logger: Logger) throws -> NodeKeys {
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        func loadOrCreate(_ file: String, name: String, type: NoteSignatureType = .ed25519) throws -> NoteSigner {
            let path = (dataDirectory as NSString).appendingPathComponent(file)
            if FileManager.default.fileExists(atPath: path) { return try KeyFile.load(path, type: type) }
            let signer = try NoteSigner(name: name, key: SigningKey.generate(), type: type)
            try KeyFile.save(signer, to: path)
            logger.notice("generated key", metadata: ["file": "\(path)", "verifierKey": "\(signer.verifierKey)"])
            return signer
        }
        let log = try loadOrCreate("log.key", name: origin)
        let op = try loadOrCreate("operator.key", name: "\(origin)/operator")
        let witness = try loadOrCreate("witness.key", name: witnessName(origin: origin), type: .cosignatureV1)
        return try checked(log: log, operator: op, witness: witness, dataDirectory: dataDirectory, origin: origin)
    }

    private static func checked(log: NoteSigner, operator op: NoteSigner, witness: NoteSigner, dataDirectory: String,
                                origin: String) throws -> NodeKeys {
        guard Bytewise.equal(log.name, origin) else {
            throw ConfigError("log.key in \(dataDirectory) is for \(log.name), but the configured origin is \(origin)")
        }
        let expected = witnessName(origin: origin)
        guard Bytewise.equal(witness.name, expected) else {
            throw ConfigError("witness.key in \(dataDirectory) is named \(witness.name), but the witness of \(origin) is named \(expected)")
        }
        return NodeKeys(log: log, operator: op, witness: witness)
    }
}
