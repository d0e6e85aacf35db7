import ArgumentParser
import Foundation

@main
struct Assent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assent",
        abstract: "A federated, verifiable ledger of creators' consent for AI use of their works.",
        discussion: """
            Keys and statements:   assent keygen, assent sign, assent erase, assent inspect
            Your works:            assent grant, deny, revoke, license, withdraw
            Operators:             assent enroll, assent mandate
            A work's state:        assent state, assent history, assent check --file works.txt
            Running a node:        assent serve --config Nodes/<society>.json
            A federation:          assent federation init, assent federation policy
            Checking a store:      assent store check <data directory>
            Talking to a node:     assent submit, assent audit, assent peers
            Equivocation:          assent verify-evidence FILE --log-key KEY
            """,
        subcommands: [Keygen.self, Sign.self, Erase.self, Inspect.self, Grant.self, Deny.self, Revoke.self, License.self, Withdraw.self,
                      Enroll.self, MandateVerb.self, State.self, History.self, Check.self, Serve.self, FederationVerb.self, Submit.self, Audit.self,
                      Peers.self, Store.self, VerifyEvidence.self]
    )
}

/// The bytes of a file argument, or of standard input for `-`.
func readInput(_ path: String) throws -> Data {
    if path == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
    guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read \(path)") }
    return data
}

/// A failure while running a command (not a misuse of its flags), printed without the usage text.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
