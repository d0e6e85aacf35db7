import AssentCore
import Foundation

/// Private key files: the Go `note` text form (`PRIVATE+KEY+<name>+<id>+<base64>`), created
/// with mode 0600 and never overwritten. Public halves go beside them as `.pub` verifier keys.
public enum KeyFile {
    public enum Error: Swift.Error, CustomStringConvertible {
        case exists(String)
        case unreadable(String, String)
        case tooOpen(String, mode: Int)
        case writeFailed(String, String)

        public var description: String {
            switch self {
            case let .exists(path): "\(path) already exists; refusing to overwrite a key"
            case let .unreadable(path, why): "cannot read key \(path): \(why)"
            case let .tooOpen(path, mode): "key file \(path) has mode \(String(mode, radix: 8)); private keys must be 0600 (chmod 600 \(path))"
            case let .writeFailed(path, why): "cannot write \(path): \(why)"
            }
        }
    }

    /// Writes `signer`'s private key to `path` (mode 0600, created exclusively) and its verifier key to `path.pub`.
    public static func save(_ signer: NoteSigner, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST { throw Error.exists(path) }
            throw Error.writeFailed(path, String(cString: strerror(errno)))
        }
        let text = Array((signer.privateKeyString + "\n").utf8)
        let written = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        close(fd)
        guard written == text.count, synced == 0 else { throw Error.writeFailed(path, "short write") }
        let pub = publicPath(for: path)
        do {
            try (signer.verifierKey.description + "\n").write(toFile: pub, atomically: true, encoding: .utf8)
        } catch {
            throw Error.writeFailed(pub, "\(error)")
        }
    }

    /// Reads a private key, refusing files that others can read.
    public static func load(_ path: String, type: NoteSignatureType = .ed25519) throws -> NoteSigner {
        var info = stat()
        guard stat(path, &info) == 0 else { throw Error.unreadable(path, String(cString: strerror(errno))) }
        let mode = Int(info.st_mode) & 0o777
        guard mode & 0o077 == 0 else { throw Error.tooOpen(path, mode: mode) }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch { throw Error.unreadable(path, "\(error)") }
        return try NoteSigner(parsingPrivateKey: text, type: type)
    }

    public static func publicPath(for path: String) -> String {
        path.hasSuffix(".key") ? String(path.dropLast(4)) + ".pub" : path + ".pub"
    }
}
