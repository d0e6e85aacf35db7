import ArgumentParser

@main
struct Assent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assent",
        abstract: "A federated, verifiable ledger of creators' consent for AI use of their works.",
        discussion: """
            Keys and statements:   assent keygen, assent sign, assent inspect
            Running a node:        assent serve --config Nodes/<society>.json
            Talking to a node:     assent submit, assent audit
            """,
        subcommands: [Keygen.self, Sign.self, Inspect.self, Serve.self, Submit.self, Audit.self]
    )
}
