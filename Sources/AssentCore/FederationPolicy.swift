extension Federation {
    /// The federation as a C2SP tlog-policy file, so that verifiers outside the project apply
    /// the same logs and quorum (PROTOCOL §9):
    ///
    ///     # comment naming the federation file's SHA-256
    ///     log <vkey> <url>                      one per log ("Defining a log")
    ///     witness <name> <vkey> [<url>]         one per witness, named by its key name
    ///     group assent-federation <k> <names>   k = the quorum ("Defining a witness group")
    ///     quorum assent-federation              or `quorum none` when the quorum is 0
    ///
    /// Items are separated by one space and every line ends in a newline ("Structure"). Key
    /// names cannot hold white space (signed-note), so a witness's key name is a valid policy
    /// name; `none` and the group's name are refused as witness names when the file is read.
    /// The witness URL is the tlog-witness submission prefix, as the spec recommends.
    public func policy() -> String {
        var lines = ["# tlog-policy of the Assent federation file with SHA-256 \(digest.hex)"]
        for log in logs { lines.append("log \(log.key) \(log.url)") }
        for witness in witnesses {
            lines.append("witness \(witness.key.name) \(witness.key)" + (witness.url.map { " \($0)" } ?? ""))
        }
        if quorum == 0 {
            lines.append("quorum none")
        } else {
            // 1 <= k <= n holds: `init(bytes:)` bounds the quorum by the number of witnesses.
            lines.append("group \(Federation.policyGroupName) \(quorum) " + witnesses.map(\.key.name).joined(separator: " "))
            lines.append("quorum \(Federation.policyGroupName)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
