import ArgumentParser
import AssentCore
import Foundation

// Verbs for people: each builds a statement from what was typed, signs it with a key file,
// submits it to a node and verifies the receipt (`submitBatch`). `assent sign` + `assent
// submit` do the same in two steps, for those who keep or inspect the signed line first.

/// Where to submit, and how to check what comes back.
struct NodeOptions: ParsableArguments {
    @Option(help: "Base URL of the node.")
    var node: String = "http://127.0.0.1:7001"

    @Option(help: "The log's verifier key, or the file holding it (the node's log.pub), to verify each receipt.")
    var logKey: String

    @Flag(help: "Print the node's JSON reply instead of text.")
    var json = false

    func verifierKey() throws -> NoteVerifierKey {
        var text = logKey
        if FileManager.default.fileExists(atPath: logKey) {
            text = String(decoding: try readInput(logKey), as: UTF8.self)
        }
        do { return try NoteVerifierKey(parsing: text.trimmingCharacters(in: .whitespacesAndNewlines)) } catch {
            throw ValidationError("--log-key \(logKey): not a verifier key or a file holding one: \(error)")
        }
    }

    func submit(_ submissions: [Submission]) async throws {
        guard submissions.count <= 1000 else {
            throw ValidationError("\(submissions.count) statements; a batch holds at most 1,000: split the works")
        }
        try await submitBatch(submissions, node: node, logKey: try verifierKey(), json: json)
    }
}

/// A preference on one or more works: the categories it states and who it speaks to.
struct PreferenceVerbOptions: ParsableArguments {
    @Option(help: "The work, scheme:value as typed (iswc, isrc, isbn, isni, doi, iscc, url, local); repeatable: one statement each.")
    var work: [String] = []

    @Option(help: """
        A usage category, repeatable: tdm (all text and data mining), train-ai, train-genai, ai-inference, search. \
        Required to allow; to refuse, the default is tdm (every AI use).
        """)
    var category: [String] = []

    /// The statement's usage. Allowing needs its categories named: a forgotten `--category` must
    /// not allow every use. Refusing defaults to `tdm`, the broad and safe default.
    func usage(_ allowed: Bool) throws -> [String: Bool] {
        if allowed && category.isEmpty {
            throw ValidationError("name what you allow: --category search (or train-ai, train-genai, ai-inference, tdm for all)")
        }
        let categories = category.isEmpty ? [UsageCategory.tdm.rawValue] : category
        for c in categories where UsageCategory(rawValue: c) == nil {
            throw ValidationError("--category \(c): one of \(UsageCategory.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return Dictionary(categories.map { ($0, allowed) }, uniquingKeysWith: { a, _ in a })
    }

    func works() throws -> [String] {
        guard !work.isEmpty else { throw ValidationError("name the work: --work iswc:T-034.524.680-1") }
        return work
    }
}

struct Grant: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Allow AI uses of your works (y), for everyone or one licensee.",
        discussion: """
            A statement replaces your previous statement on the same work for the same audience:
            it says exactly the categories named (and, by inheritance, their subcategories), and
            nothing else. Name every category you mean, e.g. --category tdm to refuse all mining
            and then --category search in a grant would replace that refusal with "search: y" only.
            Example:
              assent grant --key alice.key --work iswc:T-034.524.680-1 --category search \\
                  --node http://127.0.0.1:7001 --log-key run/gema/log.pub
            """)
    @OptionGroup var signing: SigningOptions
    @OptionGroup var preference: PreferenceVerbOptions
    @Option(help: "Who it applies to: * (everyone) or licensee:<id>.") var audience = "*"
    @OptionGroup var node: NodeOptions

    func run() async throws {
        try await submitPreferences(signing: signing, preference: preference, audience: audience, allowed: true,
                                    conditions: ConditionOptions(), node: node)
    }
}

struct Deny: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Refuse AI uses of your works (n), for everyone or one licensee.",
        discussion: """
            A statement replaces your previous statement on the same work for the same audience:
            it says exactly the categories named (and, by inheritance, their subcategories), and
            nothing else. Name every category you mean, e.g. --category tdm to refuse all mining
            and then --category search in a grant would replace that refusal with "search: y" only.
            With no --category, refuses all text and data mining (tdm, and by inheritance every AI use).
            Example:
              assent deny --key alice.key --work iswc:T-034.524.680-1 --node http://127.0.0.1:7001 --log-key run/gema/log.pub
            """)
    @OptionGroup var signing: SigningOptions
    @OptionGroup var preference: PreferenceVerbOptions
    @Option(help: "Who it applies to: * (everyone) or licensee:<id>.") var audience = "*"
    @OptionGroup var node: NodeOptions

    func run() async throws {
        try await submitPreferences(signing: signing, preference: preference, audience: audience, allowed: false,
                                    conditions: ConditionOptions(), node: node)
    }
}

struct Revoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Revoke an earlier grant: a later statement that says n for the categories named, for that audience.",
        discussion: """
            A statement replaces your previous statement on the same work for the same audience:
            it says exactly the categories named (and, by inheritance, their subcategories), and
            nothing else. Name every category you mean, e.g. --category tdm to refuse all mining
            and then --category search in a grant would replace that refusal with "search: y" only.
            Nothing is deleted from the log: the revocation is newer, so it is what counts from
            now on, and the grant stays provable for the time it held.
            Example:
              assent revoke --key alice.key --work iswc:T-034.524.680-1 --category train-ai \\
                  --audience licensee:example-ai.com --node http://127.0.0.1:7001 --log-key run/gema/log.pub
            """)
    @OptionGroup var signing: SigningOptions
    @OptionGroup var preference: PreferenceVerbOptions
    @Option(help: "The audience of the grant being revoked: * or licensee:<id>.") var audience = "*"
    @OptionGroup var node: NodeOptions

    func run() async throws {
        try await submitPreferences(signing: signing, preference: preference, audience: audience, allowed: false,
                                    conditions: ConditionOptions(), node: node)
    }
}

struct License: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "License one named AI developer: y for that licensee only, with credit, terms, purpose and expiry.",
        discussion: """
            The licence overrides your general statement for that licensee only; everyone else
            still gets your general (*) statement. It replaces your previous statement for that
            licensee on that work. When it expires, the licensee falls back to your general (*)
            statement, not to an earlier statement for that licensee.
            Example:
              assent license --key alice.key --work iswc:T-034.524.680-1 --to example-ai.com --category train-genai \\
                  --credit "Alice Example" --terms https://example.org/terms --purpose non-commercial \\
                  --expires 2027-12-31T00:00:00.000Z --node http://127.0.0.1:7001 --log-key run/gema/log.pub
            """)
    @OptionGroup var signing: SigningOptions
    @OptionGroup var preference: PreferenceVerbOptions
    @Option(help: "The licensee: its id (example-ai.com) or licensee:<id>.") var to: String
    @Option(help: "Attribution line required when the work is used (at most 200 characters); logged only as a commitment.") var credit: String?
    @Option(help: "URL of the licence terms (remuneration and the rest).") var terms: String?
    @Option(help: "Purpose the licence is limited to: any, non-commercial, research.") var purpose: String?
    @Option(help: "When the licence ends, RFC 3339 UTC with milliseconds.") var expires: String?
    @OptionGroup var node: NodeOptions

    func run() async throws {
        let audience = to.hasPrefix("licensee:") ? to : "licensee:" + to
        guard Audience(audience) != nil else {
            throw ValidationError("--to \(to): a licensee id is lower-case letters, digits and . - _ / (example-ai.com)")
        }
        try await submitPreferences(signing: signing, preference: preference, audience: audience, allowed: true,
                                    conditions: ConditionOptions(credit: credit, terms: terms, purpose: purpose, expires: expires), node: node)
    }
}

struct Withdraw: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Withdraw your statement on a work for an audience: a later statement that states nothing.",
        discussion: """
            After it, you say nothing to that audience about that work: other parties' statements,
            or your general (*) statement for a licensee, decide.
            Example:
              assent withdraw --key alice.key --work iswc:T-034.524.680-1 --node http://127.0.0.1:7001 --log-key run/gema/log.pub
            """)
    @OptionGroup var signing: SigningOptions
    @Option(help: "The work, scheme:value as typed; repeatable.") var work: [String] = []
    @Option(help: "Who the withdrawn statement spoke to: * or licensee:<id>.") var audience = "*"
    @OptionGroup var node: NodeOptions

    func run() async throws {
        guard !work.isEmpty else { throw ValidationError("name the work: --work iswc:T-034.524.680-1") }
        let (key, issued) = try signing.load()
        let submissions = try work.map { w in
            let (statement, disclosures) = try preferenceStatement(key: key, issued: issued, work: w, audience: audience, usage: [:],
                                                                   conditions: ConditionOptions(), note: nil)
            return try signedSubmission(statement, disclosures: disclosures, key: key)
        }
        try await node.submit(submissions)
    }
}

struct Enroll: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Operators: enroll (or revoke) a member, steward or licensee at your society's node.",
        discussion: """
            Sign with the node's operator key. A steward's enrollment names the community and its
            Local Contexts project ids.
            Examples:
              assent enroll --key run/gema/data/operator.key --party alice.pub --role creator --name "Alice Example" \\
                  --id "ipi:00052210040" --node http://127.0.0.1:7001 --log-key run/gema/log.pub
              assent enroll --key run/apra/data/operator.key --party elder.pub --role steward --community "Yolŋu Nations" \\
                  --project 6d3e2a0c --node http://127.0.0.1:7003 --log-key run/apra/log.pub
            """)
    @OptionGroup var signing: SigningOptions
    @OptionGroup var enrollment: EnrollmentOptions
    @OptionGroup var node: NodeOptions

    func run() async throws {
        let (key, issued) = try signing.load()
        let (statement, disclosures) = try enrollment.statement(key: key, issued: issued)
        try await node.submit([try signedSubmission(statement, disclosures: disclosures, key: key)])
    }
}

struct MandateVerb: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mandate",
        abstract: "Operators: record which works a party speaks for (with a steward's Local Contexts labels).",
        discussion: """
            Works come from --work flags or a --works-file (one a line); more than 1,000 make
            several mandates in one batch.
            Example:
              assent mandate --key run/apra/data/operator.key --party elder.pub --role steward --works-file songs.txt \\
                  --label TK-SS --node http://127.0.0.1:7003 --log-key run/apra/log.pub
            """)
    @OptionGroup var signing: SigningOptions
    @OptionGroup var mandate: MandateOptions
    @OptionGroup var node: NodeOptions

    func run() async throws {
        let (key, issued) = try signing.load()
        try await node.submit(try mandate.statements(key: key, issued: issued).map { try signedSubmission($0, key: key) })
    }
}

/// One preference a work, signed and submitted as one batch.
func submitPreferences(signing: SigningOptions, preference: PreferenceVerbOptions, audience: String, allowed: Bool,
                       conditions: ConditionOptions, node: NodeOptions) async throws {
    let (key, issued) = try signing.load()
    let usage = try preference.usage(allowed)
    if !node.json {
        // Say exactly what is signed: it replaces the declarant's previous statement (PROTOCOL §6).
        let said = usage.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value ? "y" : "n")" }.joined(separator: ", ")
        print("signing \(said) for \(audience) (replaces your previous statement on each work for this audience)")
    }
    let submissions = try preference.works().map { w in
        let (statement, disclosures) = try preferenceStatement(key: key, issued: issued, work: w, audience: audience, usage: usage,
                                                               conditions: conditions, note: nil)
        return try signedSubmission(statement, disclosures: disclosures, key: key)
    }
    try await node.submit(submissions)
}
