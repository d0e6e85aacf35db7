import ArgumentParser
import AssentCore
import AssentNode
import Foundation
import Logging

struct FederationVerb: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "federation",
        abstract: "Write a federation file, or its tlog-policy.",
        subcommands: [FederationInit.self, FederationPolicy.self]
    )
}

struct FederationInit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Build a federation file from nodes' configurations and the keys in their data directories.",
        discussion: """
            For each --config, reads the node's configuration and the keys in its data directory
            (log.key, operator.key, witness.key) and lists its log (origin, log key, URL, operator
            key, society) and its witness (witness key, URL). A node's URL is http://<listen>/
            unless --url <origin>=<base URL> says otherwise. The quorum defaults to the number of
            nodes less one: every log's checkpoints need the cosignatures of all the other nodes.
            See docs/federation.md.

            With --create-keys, a node's missing keys are generated (as its first start would);
            without it, a missing key file is an error naming it.

            Example:
              assent federation init --config Nodes/gema.json --config Nodes/sacem.json \\
                --config Nodes/apra.json --create-keys --out run/federation.json
            """
    )

    @Option(name: .customLong("config"), help: "A node configuration file; repeat for each node.")
    var configs: [String]

    @Option(help: "Where to write the federation file.")
    var out: String

    @Option(help: "Cosignatures a checkpoint needs (default: nodes − 1).")
    var quorum: Int?

    @Option(name: .customLong("url"), help: "<origin>=<base URL ending in />: a node's public URL, when not http://<listen>/.")
    var urls: [String] = []

    @Flag(help: "Generate a node's keys in its data directory when they do not exist yet.")
    var createKeys = false

    @Flag(help: "Replace --out if it exists.")
    var force = false

    func run() throws {
        guard !configs.isEmpty else { throw ValidationError("give at least one --config") }
        var urlFor = [String: String]()
        for pair in urls {
            guard let eq = pair.firstIndex(of: "=") else { throw ValidationError("--url \(pair): expected <origin>=<base URL>") }
            urlFor[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
        }
        var logs = [Federation.Log]()
        var witnesses = [Federation.Witness]()
        for path in configs {
            let config: NodeConfig
            let keys: NodeKeys
            do {
                config = try NodeConfig.load(path: path)
                // Every key made is listed in the file written (and its policy): no log line each.
                var quiet = Logger(label: "assent.federation")
                quiet.logLevel = .warning
                keys = createKeys
                    ? try NodeKeys.loadOrCreate(dataDirectory: config.dataDirectory, origin: config.origin, logger: quiet)
                    : try NodeKeys.load(dataDirectory: config.dataDirectory, origin: config.origin)
            } catch { throw CLIError("\(path): \(error)") }
            let url = urlFor.removeValue(forKey: config.origin) ?? "http://\(config.listen)/"
            logs.append(Federation.Log(origin: config.origin, key: keys.log.verifierKey, url: url,
                                       operators: [keys.operator.key.publicKey], society: config.society ?? config.origin))
            witnesses.append(Federation.Witness(key: keys.witness.verifierKey, url: url))
        }
        if let origin = urlFor.keys.sorted().first { throw ValidationError("--url \(origin)=…: no --config has that origin") }
        let bytes = Federation.encode(logs: logs, witnesses: witnesses, quorum: quorum ?? max(0, witnesses.count - 1))
        // Read back through the same checks every reader applies: what is written is a valid file.
        let federation: Federation
        do { federation = try Federation(bytes: bytes) } catch { throw CLIError("\(error)") }
        if FileManager.default.fileExists(atPath: out), !force { throw CLIError("\(out) exists; use --force to replace it") }
        do { try Data(bytes).write(to: URL(fileURLWithPath: out), options: .atomic) } catch { throw CLIError("cannot write \(out): \(error)") }
        print("wrote \(out): \(federation.logs.count) logs, \(federation.witnesses.count) witnesses, quorum \(federation.quorum), SHA-256 \(federation.digest.hex)")
    }
}

struct FederationPolicy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Write a federation file's logs, witnesses and quorum as a C2SP tlog-policy.",
        discussion: """
            The policy lists every log (log <vkey> <url>), every witness (witness <name> <vkey>
            <url>), and the quorum as a group of all witnesses with the federation's threshold,
            so that verifiers outside Assent apply the same rule. See docs/federation.md.

            Example:
              assent federation policy run/federation.json > run/federation.policy
            """
    )

    @Argument(help: "The federation file.")
    var file: String

    @Option(help: "Write the policy here instead of standard output.")
    var out: String?

    func run() throws {
        let federation: Federation
        do { federation = try FederationFile.load(path: file) } catch { throw CLIError("\(error)") }
        let policy = federation.policy()
        if let out {
            do { try Data(policy.utf8).write(to: URL(fileURLWithPath: out), options: .atomic) } catch { throw CLIError("cannot write \(out): \(error)") }
        } else {
            print(policy, terminator: "")
        }
    }
}
