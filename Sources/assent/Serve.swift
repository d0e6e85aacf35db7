import ArgumentParser
import AssentNode
import Logging

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a society's node.",
        discussion: """
            Reads the node's configuration (see Nodes/*.json and docs/node.md), opens or creates
            its database and keys in the data directory, checks the stored log against its latest
            signed checkpoint, and serves the tlog-tiles read path and the /v1 API.
            SIGTERM or SIGINT drains in-flight requests, logs every accepted statement, and stops.

            Example:
              assent serve --config Nodes/gema.json
            """
    )

    @Option(help: "Node configuration file (JSON).")
    var config: String

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        MallocArenas.limit()
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "assent.node")
        let node: Node
        do {
            node = try Node(config: try NodeConfig.load(path: config), logger: logger)
        } catch {
            throw CLIError("cannot start the node: \(error)")
        }
        try await node.run()
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
