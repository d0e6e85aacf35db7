import ArgumentParser
import AssentStore
import Foundation

struct Store: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work with a node's database offline.",
        subcommands: [StoreCheckCommand.self]
    )
}

struct StoreCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Verify a whole store offline: leaves, chain, every tile level, checkpoints, statement index.",
        discussion: """
            Opens the database read-only and checks every log in it, trusting only the log keys
            it records: every leaf parses and continues the hash chain; every leaf hashes to its
            place in its level-0 tile; every tile of every level above equals the tile recomputed
            from the leaves, and no other tile is stored; every stored checkpoint is signed by the
            log's key over the tree at its size and ends with an epoch leaf; every statement is
            in the statement index at its leaf. Where a node refuses to open only when its right
            edge disagrees with its latest checkpoint, this finds damage anywhere.

            It needs no running node and never writes the database. It may run beside a running
            node: it then checks the snapshot committed when it started (SQLite WAL), while the
            node keeps appending.

            Exits non-zero if anything fails, naming the first failure (log, level, tile index,
            leaf index or checkpoint size); progress goes to standard error for big stores.

            Example:
              assent store check run/gema
            """
    )

    @Argument(help: "A node's data directory, or its node.sqlite.")
    var path: String

    @Flag(help: "Print a JSON report instead of text.")
    var json = false

    func run() throws {
        let report = try StoreCheck.run(path: path) { progress in
            guard progress.total >= StoreCheck.progressInterval else { return }
            FileHandle.standardError.write(Data("log \(progress.origin): checked \(progress.checked) of \(progress.total) leaves\n".utf8))
        }
        print(json ? report.json.canonicalString : report.text)
        if let first = report.firstFailure {
            throw CLIError("store check failed: \(first)")
        }
    }
}
