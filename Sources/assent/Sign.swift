import ArgumentParser
import AssentCore
import AssentNode
import AssentStore
import Foundation

struct Sign: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build and sign a statement, and print it as canonical JSON.",
        discussion: """
            The output is one line, ready for `assent submit` or POST /v1/statements.

            Names, party identifiers, credit lines and notes are given in clear and never logged
            in clear: each becomes a salted commitment in the signed statement (16 random bytes
            from OpenSSL's RAND_bytes, fresh per field), and its text and salt go in a
            "disclosures" member beside the statement, which the node keeps in a table it can
            erase (docs/data-protection.md). Keep the line: it is your proof of what you committed to.
            Examples:
              assent sign preference --key alice.key --work iswc:T-034.524.680-1 --usage train-ai=n --usage search=y
              assent sign preference --key alice.key --work isbn:9780306406157 --audience licensee:example-ai.com \\
                  --usage train-genai=y --purpose research --credit "Alice Example" --terms https://example.org/terms
              assent sign enrollment --key operator.key --party <base64 public key> --role creator --id ipi:00052210040
              assent sign mandate --key operator.key --party <base64 public key> --role author --work iswc:T0345246801
            """,
        subcommands: [SignPreference.self, SignEnrollment.self, SignMandate.self]
    )
}

struct SigningOptions: ParsableArguments {
    @Option(help: "Private key file of the declarant (created by `assent keygen`).")
    var key: String

    @Option(help: "Issue time, RFC 3339 UTC with milliseconds (default: now).")
    var issued: String?

    func load() throws -> (SigningKey, Timestamp) {
        let signer = try KeyFile.load(key)
        let time: Timestamp
        if let issued {
            guard let t = Timestamp(rfc3339: issued) else {
                throw ValidationError("--issued \(issued) is not like 2026-11-21T10:00:00.000Z")
            }
            time = t
        } else {
            time = Timestamp.now
        }
        return (signer.key, time)
    }
}

func parsePartyKey(_ text: String) throws -> PublicKey {
    // A key that belongs to nobody (PROTOCOL §3) is refused here with its reason, not later by the node.
    // A file first: a short path such as "a/bc" is also valid base64.
    if !FileManager.default.fileExists(atPath: text), Base64.decode(text) != nil {
        do { return try PublicKey(base64: text) } catch { throw ValidationError("--party \(text): \(error)") }
    }
    var vkey = text
    if FileManager.default.fileExists(atPath: text) {
        guard let content = try? String(contentsOfFile: text, encoding: .utf8) else {
            throw ValidationError("--party \(text): cannot read the file")
        }
        vkey = content.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    do { return try NoteVerifierKey(parsing: vkey).publicKey } catch {
        throw ValidationError("--party \(text): expected a base64 Ed25519 public key, a verifier key, or a .pub file: \(error)")
    }
}

/// Signs `statement`, and prints it with its disclosures as one canonical line (a `Submission`).
func emit(_ statement: Statement, disclosures: [Disclosure] = [], key: SigningKey) throws {
    print(String(decoding: try signedSubmission(statement, disclosures: disclosures, key: key).canonicalBytes, as: UTF8.self))
}

/// Signs `statement` and checks it with its disclosures as a node would, so that a bad flag
/// fails here and not at submission.
func signedSubmission(_ statement: Statement, disclosures: [Disclosure] = [], key: SigningKey) throws -> Submission {
    let signed = SignedStatement.sign(statement, with: key)
    do {
        let submission = try Submission(statement: signed, disclosures: disclosures)
        _ = try Submission(bytes: submission.canonicalBytes)
        return submission
    } catch {
        throw CLIError("the statement would be refused: \(error)")
    }
}

/// Commits `text` for the field at `pointer` with a fresh salt from OpenSSL's CSPRNG.
func commit(_ text: String, at pointer: String, into disclosures: inout [Disclosure]) throws -> Commitment {
    let (commitment, disclosure) = try Disclosure.committing(text, at: pointer)
    disclosures.append(disclosure)
    return commitment
}

struct SignPreference: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preference",
        abstract: "A creator's, rightsholder's or steward's preference for a work."
    )

    @OptionGroup var signing: SigningOptions

    @Option(help: "The work, scheme:value (iswc, isrc, isbn, isni, doi, iscc, url, local), as typed; written in normal form.")
    var work: String

    @Option(help: "Who it applies to: * or licensee:<id>.")
    var audience = "*"

    @Option(help: "category=y|n, repeatable (tdm, train-ai, train-genai, ai-inference, search). None withdraws.")
    var usage: [String] = []

    @Option(help: "Attribution line required when the work is used (at most 200 characters); logged only as a commitment.")
    var credit: String?

    @Option(help: "URL of the licence terms.")
    var terms: String?

    @Option(help: "Purpose a grant is limited to: any, non-commercial, research.")
    var purpose: String?

    @Option(help: "Expiry time, RFC 3339 UTC with milliseconds.")
    var expires: String?

    @Option(help: "A short note (at most 280 characters); logged only as a commitment, disclosed beside the statement.")
    var note: String?

    func run() throws {
        let (key, issued) = try signing.load()
        var values = [String: Bool]()
        for item in usage {
            let parts = item.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[1] == "y" || parts[1] == "n" else {
                throw ValidationError("--usage \(item): expected category=y or category=n")
            }
            values[String(parts[0])] = parts[1] == "y"
        }
        let (statement, disclosures) = try preferenceStatement(
            key: key, issued: issued, work: work, audience: audience, usage: values,
            conditions: ConditionOptions(credit: credit, terms: terms, purpose: purpose, expires: expires), note: note)
        try emit(statement, disclosures: disclosures, key: key)
    }
}

/// What a grant or licence may add to a preference: credit, terms, purpose and expiry, as typed.
struct ConditionOptions {
    var credit: String?
    var terms: String?
    var purpose: String?
    var expires: String?
}

/// A preference from what a person typed: the work and audience in normal form, credit and
/// note committed (their disclosures returned beside the statement).
func preferenceStatement(key: SigningKey, issued: Timestamp, work: String, audience: String, usage: [String: Bool],
                         conditions options: ConditionOptions, note: String?) throws -> (Statement, [Disclosure]) {
    let id: WorkID
    do { id = try WorkID(parsing: work) } catch { throw ValidationError("--work \(work): \(error)") }
    guard let audience = Audience(audience) else { throw ValidationError("--audience must be * or licensee:<id>, not \(audience)") }
    var disclosures = [Disclosure]()
    var conditions: Conditions?
    if options.credit != nil || options.terms != nil || options.purpose != nil {
        var p: Purpose?
        if let purpose = options.purpose {
            guard let parsed = Purpose(rawValue: purpose), parsed != .commercial else {
                throw ValidationError("--purpose must be any, non-commercial or research")
            }
            p = parsed
        }
        conditions = Conditions(credit: try options.credit.map { try commit($0, at: "/conditions/credit", into: &disclosures) },
                                terms: options.terms, purpose: p)
    }
    var expiry: Timestamp?
    if let expires = options.expires {
        guard let t = Timestamp(rfc3339: expires) else { throw ValidationError("--expires is not like 2026-11-21T10:00:00.000Z") }
        expiry = t
    }
    let committedNote = try note.map { try commit($0, at: "/note", into: &disclosures) }
    let preference = Preference(by: key.publicKey, issued: issued, work: id, audience: audience, usage: usage,
                                conditions: conditions, expires: expiry, note: committedNote)
    return (.preference(preference), disclosures)
}

struct SignEnrollment: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enrollment",
        abstract: "A society enrolls (or revokes) a member, steward or licensee. Sign with the operator key."
    )

    @OptionGroup var signing: SigningOptions
    @OptionGroup var enrollment: EnrollmentOptions

    func run() throws {
        let (key, issued) = try signing.load()
        let (statement, disclosures) = try enrollment.statement(key: key, issued: issued)
        try emit(statement, disclosures: disclosures, key: key)
    }
}

struct EnrollmentOptions: ParsableArguments {
    @Option(help: "The party's public key: base64, a verifier key, or a .pub file.")
    var party: String

    @Option(help: "creator, rightsholder, publisher, steward or licensee.")
    var role: String

    @Option(help: "The party's name (optional, at most 256 characters); logged only as a commitment, disclosed beside the statement.")
    var name: String?

    @Option(help: "Party identifier, repeatable (up to 16): ipi:<IPI name number> or isni:<ISNI>, as typed (\"isni:0000 0001 2103 2683\"); normalized, then logged only as a commitment.")
    var id: [String] = []

    @Option(help: "For stewards: the community's name.")
    var community: String?

    @Option(help: "For stewards: a Local Contexts project id, repeatable.")
    var project: [String] = []

    @Flag(help: "Revoke the enrollment instead of activating it.")
    var revoked = false

    func statement(key: SigningKey, issued: Timestamp) throws -> (Statement, [Disclosure]) {
        guard let role = Enrollment.Role(rawValue: role) else {
            throw ValidationError("--role \(role): one of \(Enrollment.Role.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        // What a person types becomes the normal form a statement must carry (PROTOCOL §2).
        // The normal form is what is committed to and disclosed, so that a disclosure proves
        // the identifier, not one way of typing it.
        var disclosures = [Disclosure]()
        let committedName = try name.map { try commit($0, at: "/name", into: &disclosures) }
        var ids = [Commitment]()
        for text in id {
            let normal: String
            do { normal = try PartyIdentifier(parsing: text).description } catch { throw ValidationError("--id \(text): \(error)") }
            ids.append(try commit(normal, at: "/ids/\(ids.count)", into: &disclosures))
        }
        let enrollment = Enrollment(by: key.publicKey, issued: issued, party: try parsePartyKey(party), role: role, name: committedName,
                                    ids: ids.isEmpty ? nil : ids, community: community.map { .init(name: $0, projects: project) },
                                    active: !revoked)
        return (.enrollment(enrollment), disclosures)
    }
}

struct SignMandate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mandate",
        abstract: "A society records which works a party may speak for. Sign with the operator key.",
        discussion: "More than 1,000 works (or more than fit one leaf) make several mandates, printed one per line."
    )

    @OptionGroup var signing: SigningOptions
    @OptionGroup var mandate: MandateOptions

    func run() throws {
        let (key, issued) = try signing.load()
        for statement in try mandate.statements(key: key, issued: issued) { try emit(statement, key: key) }
    }
}

struct MandateOptions: ParsableArguments {
    @Option(help: "The party's public key: base64, a verifier key, or a .pub file.")
    var party: String

    @Option(help: "author, rightsholder or steward.")
    var role: String

    @Option(help: "A work, scheme:value as typed; repeatable.")
    var work: [String] = []

    @Option(help: "A file of works, one scheme:value a line (blank lines and lines starting with # are skipped).")
    var worksFile: String?

    @Option(help: "For stewards: a Local Contexts label code the community applies (TK-SS, BC-NC, ...), repeatable.")
    var label: [String] = []

    @Flag(help: "Revoke the mandate instead of activating it.")
    var revoked = false

    /// One mandate per 1,000 works (PROTOCOL §3), in the order given.
    func statements(key: SigningKey, issued: Timestamp) throws -> [Statement] {
        guard let role = Mandate.Role(rawValue: role) else {
            throw ValidationError("--role \(role): one of \(Mandate.Role.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var typed = work.map { ($0, "--work") }
        if let worksFile {
            let text = String(decoding: try readInput(worksFile), as: UTF8.self)
            for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let item = line.trimmingCharacters(in: .whitespaces)
                if item.isEmpty || item.hasPrefix("#") { continue }
                typed.append((item, "\(worksFile) line \(n + 1)"))
            }
        }
        guard !typed.isEmpty else { throw ValidationError("name the works: --work, or --works-file") }
        var works = [WorkID]()
        var seen = Set<WorkID>()
        for (text, origin) in typed {
            let id: WorkID
            do { id = try WorkID(parsing: text) } catch { throw ValidationError("\(origin): \(text): \(error)") }
            if seen.insert(id).inserted { works.append(id) }
        }
        let party = try parsePartyKey(party)
        // At most 1,000 works a mandate, and few enough bytes that its leaf fits 65,535 with room
        // for the rest of the statement (each work costs its id, two quotes and a comma).
        var groups = [[WorkID]]()
        var bytes = 0
        for id in works {
            // As signed: JSON escapes double a `"` or `\` that an id may keep as typed.
            let cost = CanonicalJSON.encode(.string(id.description)).count + 1
            if groups.isEmpty || groups[groups.count - 1].count == Mandate.maxWorks || bytes + cost > 56_000 {
                groups.append([])
                bytes = 0
            }
            groups[groups.count - 1].append(id)
            bytes += cost
        }
        return groups.map { group in
            .mandate(Mandate(by: key.publicKey, issued: issued, party: party, works: group, role: role, active: !revoked,
                             labels: label.isEmpty ? nil : label))
        }
    }
}
