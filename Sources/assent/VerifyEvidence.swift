import ArgumentParser
import AssentCore
import Foundation

struct VerifyEvidence: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-evidence",
        abstract: "Check, offline, that an evidence file proves a log equivocated.",
        discussion: """
            An evidence file (docs/federation.md, "Evidence") holds two checkpoint notes of one
            log and, for an inconsistency, a Merkle path. It holds when both notes are signed
            by the log's key and they cannot both be true: the same size with two roots, or a
            path that leads to the later note's root but shows its first leaves with another
            root than the earlier note's. Give the log's key as published: --federation takes it
            from the federation file by the evidence's origin; --log-key gives it directly. Never
            use one taken from the evidence's source.

            Exit status: 0 the evidence holds; 1 it does not (malformed, a note not signed by the
            key, or no conflict); 2 the file, the key or the federation file cannot be read, or
            the federation file lists no log of that origin.

            Example:
              curl -s http://127.0.0.1:7001/v1/evidence | jq '.evidence[0].evidence' > ev.json
              assent verify-evidence ev.json --federation run/federation.json
              assent verify-evidence ev.json --log-key "$(cat run/gema/log.pub)"
            """
    )

    @Argument(help: "The evidence file (- for standard input).")
    var file: String

    @Option(help: "The log's verifier key (or a file holding it).")
    var logKey: String?

    @Option(help: "A federation file: the log's key is the one it lists for the evidence's origin.")
    var federation: String?

    @Flag(help: "Print a JSON result instead of text.")
    var json = false

    func validate() throws {
        guard (logKey == nil) != (federation == nil) else {
            throw ValidationError("give the log's key with exactly one of --log-key and --federation")
        }
    }

    func run() throws {
        let bytes: Data
        do { bytes = try readInput(file) } catch {
            report(ok: false, error: "\(error)", evidence: nil)
            throw ExitCode(2)
        }
        let evidence: Evidence
        do { evidence = try Evidence(bytes: [UInt8](bytes)) } catch {
            report(ok: false, error: "\(error)", evidence: nil)
            throw ExitCode(1)
        }
        let key: NoteVerifierKey
        do { key = try self.key(for: evidence.origin) } catch {
            report(ok: false, error: "\(error)", evidence: nil)
            throw ExitCode(2)
        }
        do { try evidence.verify(logKey: key) } catch {
            report(ok: false, error: "\(error)", evidence: nil)
            throw ExitCode(1)
        }
        report(ok: true, error: nil, evidence: evidence)
    }

    /// The key given, or the federation file's for `origin`.
    func key(for origin: String) throws -> NoteVerifierKey {
        if let logKey { return try NoteVerifierKey(parsing: try VerifyEvidence.keyText(logKey)) }
        let path = federation ?? ""
        let file = try Federation(bytes: [UInt8](try readInput(path)))
        guard let log = file.log(origin: origin) else {
            throw CLIError("\(path) lists no log \"\(origin.prefix(200))\"")
        }
        return log.key
    }

    /// The key itself, or the contents of a file holding it (a .pub file the node writes).
    static func keyText(_ given: String) throws -> String {
        let text = given.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.contains("+"), FileManager.default.fileExists(atPath: text) else { return text }
        return String(decoding: try readInput(text), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func report(ok: Bool, error: String?, evidence: Evidence?) {
        if json {
            var out: [JSONKey: JSONValue] = ["ok": .bool(ok)]
            if let error { out["error"] = .string(error) }
            if let evidence {
                out["origin"] = .string(evidence.origin)
                out["kind"] = .string(evidence.kind.rawValue)
                out["id"] = .string(evidence.id.base64)
                out["sizes"] = .array(evidence.checkpoints.map { .integer(Int64(clamping: $0.size)) })
                out["roots"] = .array(evidence.checkpoints.map { .string($0.root.base64) })
            }
            print(JSONValue.object(out).canonicalString)
            return
        }
        guard let evidence else {
            FileHandle.standardError.write(Data("not evidence: \(error ?? "unknown")\n".utf8))
            return
        }
        let (a, b) = (evidence.checkpoints[0], evidence.checkpoints[1])
        print("evidence holds: log \(evidence.origin) signed two checkpoints that cannot both be true")
        switch evidence.kind {
        case .sameSizeDifferentRoot:
            print("size \(a.size) with root \(a.root) and with root \(b.root)")
        case .inconsistent:
            print("size \(a.size) with root \(a.root), and size \(b.size) with root \(b.root) whose first \(a.size) leaves have another root")
        }
        print("id \(evidence.id.base64)")
    }
}
