import ArgumentParser
import AssentCore
import AssentStore
import Foundation

struct Erase: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sign an erasure: the node deletes the disclosures of a logged statement.",
        discussion: """
            Prints one line, a signed `erasure` statement, ready for `assent submit`. It names only
            the statement's hash, so it holds no personal data; once a node logs it, that node
            deletes the statement's disclosed texts (names, identifiers, credit, note) and answers
            "committed, erased on <date>" where it showed them. The statement, its commitments,
            its receipt and the log's tree stay as they are.

            Who may erase: the statement's declarant and the node's operator key (any statement
            of its log); for an enrollment, also the enrolled party. The node refuses anyone else,
            a hash that is not in its log, a statement with nothing to erase (an erasure, or one
            without commitments), and a statement another erasure already erased.

            Example:
              assent erase 3f1c…e9 --key alice.key | assent submit --node http://127.0.0.1:7001 --log-key "$(cat gema-log.pub)"
            """
    )

    @Argument(help: "The statement's hash: 64 hex digits (as GET /v1/statements/{hash} takes it) or base64 (as `assent submit --json` and `assent inspect` print it).")
    var statementHash: String

    @OptionGroup var signing: SigningOptions

    func run() throws {
        let (key, issued) = try signing.load()
        let hash: Hash
        if statementHash.utf8.count == 64, let bytes = [UInt8](hex: statementHash), let h = Hash(bytes: bytes) {
            hash = h
        } else if let h = Hash(base64: statementHash) {
            hash = h
        } else {
            throw ValidationError("\(statementHash) is not a statement hash: 64 hex digits or base64 of 32 bytes")
        }
        try emit(.erasure(Erasure(by: key.publicKey, issued: issued, erases: hash)), key: key)
    }
}
