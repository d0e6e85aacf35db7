import AssentCore
import AssentStore
import Foundation
import Logging

/// The node's two keys, kept in its data directory (mode 0600) and made on first start:
/// the log key signs checkpoints; the operator key signs enrollments and mandates.
public struct NodeKeys: Sendable {
    public let log: NoteSigner
    public let `operator`: NoteSigner

    public static func loadOrCreate(dataDirectory: String, origin: String, logger: Logger) throws -> NodeKeys {
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        func loadOrCreate(_ file: String, name: String) throws -> NoteSigner {
            let path = (dataDirectory as NSString).appendingPathComponent(file)
            if FileManager.default.fileExists(atPath: path) { return try KeyFile.load(path) }
            let signer = try NoteSigner(name: name, key: SigningKey.generate())
            try KeyFile.save(signer, to: path)
            logger.notice("generated key", metadata: ["file": "\(path)", "verifierKey": "\(signer.verifierKey)"])
            return signer
        }
        let log = try loadOrCreate("log.key", name: origin)
        guard Bytewise.equal(log.name, origin) else {
            throw ConfigError("log.key in \(dataDirectory) is for \(log.name), but the configured origin is \(origin)")
        }
        return NodeKeys(log: log, operator: try loadOrCreate("operator.key", name: "\(origin)/operator"))
    }
}
