import ArgumentParser
import AssentCore
import AssentStore
import Foundation

struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate an Ed25519 key pair.",
        discussion: """
            Writes the private key to <out> with mode 0600 (never overwriting a file) and the
            verifier key to <out without .key>.pub. Prints the verifier key and the public key
            in the base64 form statements use in "by" and "party".

            Kinds:
              party    a creator's, steward's or society operator's key for signing statements
              log      a log's checkpoint key (signed-note type 0x01); --name is the log origin
              witness  a witness cosigning key (tlog-cosignature type 0x04)

            Example:
              assent keygen --name alice --out alice.key
              assent keygen --kind log --name gema.example/log --out gema-log.key
            """
    )

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case party, log, witness
    }

    @Option(help: "Key name: a label for party keys, the origin for log keys, the witness name for witness keys.")
    var name: String

    @Option(help: "Path of the private key file to create.")
    var out: String

    @Option(help: "What the key is for: \(Kind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var kind: Kind = .party

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let signer = try NoteSigner(name: name, key: SigningKey.generate(), type: kind == .witness ? .cosignatureV1 : .ed25519)
        try KeyFile.save(signer, to: out)
        let pub = KeyFile.publicPath(for: out)
        if json {
            print(JSONValue.object([
                "private": .string(out), "verifierKeyFile": .string(pub),
                "verifierKey": .string(signer.verifierKey.description), "publicKey": .string(signer.key.publicKey.base64),
            ]).canonicalString)
        } else {
            print("private key:  \(out) (mode 0600; keep it secret)")
            print("verifier key: \(signer.verifierKey) (also in \(pub))")
            print("public key:   \(signer.key.publicKey.base64) (use in \"by\" and \"party\")")
        }
    }
}
