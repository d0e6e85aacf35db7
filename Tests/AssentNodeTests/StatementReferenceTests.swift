import AssentCore
@testable import AssentNode
import Foundation
import XCTest

/// docs/statements.md is the statement reference; these tests keep it true. Each example is
/// signed and submitted to a node, which must accept or refuse it exactly as the page says;
/// the page's field tables and refusal table are checked against what the code reads and
/// what the node answers.
final class StatementReferenceTests: XCTestCase {
    /// Runs the page's examples in order against one node (open declarations off, as the page
    /// says). Returns how many ran.
    @discardableResult
    func runExamples() async throws -> Int {
        let reference = try StatementReference()
        let examples = reference.examples
        XCTAssertGreaterThan(examples.count, 30, "the page lost its examples")
        let ran = ManagedCount()
        try await InProcessNode.run(configure: { $0.openDeclarations.enabled = false }) { node in
            let operatorKey = node.node.keys.operator.key
            let names = Set(reference.text.matches(of: /\{\{key:([a-z]+)\}\}/).map { String($0.output.1) })
            let signers = try [operatorKey] + names.map(StatementReference.key)
            var hashes = [String: Hash]()
            for example in examples {
                let at = "docs/statements.md:\(example.line)"
                let text = try StatementReference.substitute(example.text, now: node.node.clock.now, operatorKey: operatorKey.publicKey, hashes: hashes)
                let submission = try StatementReference.submission(example, substituted: text, signers: signers)
                if let id = example.id, let hash = submission.hash { hashes[id] = hash }
                let reply = try await node.post("/v1/statements", submission.body)
                if example.isAccepted {
                    XCTAssertEqual(reply.status, 200, "\(at): expected accepted, got \(reply.text)")
                    guard reply.status == 200, let logged = submission.logged else { continue }
                    // Accepted means logged: the receipt proves this very statement.
                    let statement = try SignedStatement(bytes: logged)
                    XCTAssertNoThrow(try reply.receipt().verify(statement: statement, logKey: node.logKey), at)
                    XCTAssertEqual(reply.json["statementHash"]?.stringValue, submission.hash?.base64, at)
                } else if let reason = example.refusal {
                    XCTAssertEqual(reply.json["type"]?.stringValue, "urn:assent:problem:\(reason)", "\(at): \(reply.text)")
                    XCTAssertEqual(reply.headers["content-type"], "application/problem+json", at)
                } else {
                    XCTFail("\(at): an example must say accepted or refused:<reason>")
                }
                ran.add()
            }
        }
        return ran.value
    }

    func testEveryExampleIsAcceptedOrRefusedAsThePageSays() async throws {
        let ran = try await runExamples()
        XCTAssertEqual(ran, try StatementReference().examples.count)
    }

    /// Every example of a refusal a statement's content can cause is there, so a reader sees each.
    func testEveryRefusalAStatementCanEarnHasAnExample() throws {
        let refusals = Set(try StatementReference().examples.compactMap(\.refusal))
        for reason: Problem.Reason in [.malformedJSON, .notCanonical, .badSignature, .unknownType, .invalidStatement, .stale, .future,
                                       .notAuthorized, .notEnrolled] {
            XCTAssertTrue(refusals.contains(reason.rawValue), "docs/statements.md has no example refused:\(reason.rawValue)")
        }
    }

    /// The refusal table lists exactly the node's problem reasons, each with its status.
    func testTheRefusalTableIsTheNodesReasons() throws {
        let documented = try StatementReference().refusals
        var actual = [String: Int]()
        for reason in Problem.Reason.allCases { actual[reason.rawValue] = reason.status }
        XCTAssertEqual(documented, actual)
    }

    /// Every statement type the node knows has a section with a field table (erasure may be
    /// documented before the node knows it, as the page marks).
    func testEveryTypeHasASection() throws {
        let sections = Set(try StatementReference().fieldTables.map(\.section))
        for kind in Statement.Kind.allCases {
            XCTAssertTrue(sections.contains(kind.rawValue), "docs/statements.md has no section ## `\(kind.rawValue)`")
        }
        let known = Set(Statement.Kind.allCases.map(\.rawValue))
        let documentedTypes = sections.filter { !$0.contains(" ") }
        XCTAssertTrue(documentedTypes.subtracting(known).isEmpty,
                      "documented types the node does not know: \(documentedTypes.subtracting(known))")
    }

    /// The names of the fields the core reads (FieldReader calls in Sources/AssentCore).
    static func fieldsTheCodeReads() throws -> [String: String] {
        let directory = StatementReference.repositoryRoot.appendingPathComponent("Sources/AssentCore")
        var names = [String: String]()
        // The state map's records (Map*.swift, *Record.swift) are read with the same FieldReader
        // but are not statements: docs/state-map.md specifies them, and StateMapDocTests checks it.
        // The federation file (Federation*.swift) is not a statement either: docs/federation.md
        // specifies it, and FederationFileTests checks that.
        let mapRecords = { (file: String) in file.hasPrefix("Map") || file.hasSuffix("Record.swift") || file.hasPrefix("Federation") }
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasSuffix(".swift") && !mapRecords(file) {
            let source = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            let reads = /\b(?:f|cf|fields)\.(?:take|string|optionalString|optionalText|optionalStringArray|labels|publicKey|timestamp|optionalTimestamp|workID|status)\("([A-Za-z]+)"/
            for match in source.matches(of: reads) { names[String(match.output.1)] = file }
        }
        return names
    }

    /// A field the node reads that the reference does not name fails here; so does a field the
    /// reference gives a statement type the node knows that the node never reads.
    func testEveryFieldTheCodeReadsIsInTheReferenceAndBack() throws {
        let read = try StatementReferenceTests.fieldsTheCodeReads()
        XCTAssertGreaterThan(read.count, 20, "the scan of Sources/AssentCore found too few fields; has FieldReader changed?")
        let tables = try StatementReference().fieldTables
        let documented = Set(tables.flatMap { $0.rows.compactMap(\.path.last) })
        for (name, file) in read.sorted(by: { $0.key < $1.key }) {
            XCTAssertTrue(documented.contains(name), "Sources/AssentCore/\(file) reads \"\(name)\", which docs/statements.md does not name")
        }
        let known = Set(Statement.Kind.allCases.map(\.rawValue))
        for table in tables where known.contains(table.section) {
            for row in table.rows {
                XCTAssertNotNil(read[row.path.last ?? ""], "docs/statements.md:\(row.line) names \(row.path.joined(separator: ".")), which the node never reads")
            }
        }
    }

    /// The `required` column: taking a required field out of an accepted example makes the
    /// statement refused, naming the field; taking an optional one out does not.
    func testRequiredColumnMatchesTheCode() throws {
        let reference = try StatementReference()
        let tables = Dictionary(grouping: reference.fieldTables, by: \.section).mapValues { $0.flatMap(\.rows) }
        let operatorKey = try SigningKey.generate()
        var checked = 0
        // Examples that name an earlier example's hash (erasures) need the run of the page; their
        // fields are checked here with a stand-in hash.
        let standIn = SHA256.hash(Array("stand-in".utf8))
        let hashes = Dictionary(uniqueKeysWithValues: reference.examples.compactMap(\.id).map { ($0, standIn) })
        for example in reference.examples where example.isAccepted && !example.isRaw {
            let text = try StatementReference.substitute(example.text, now: Timestamp(milliseconds: 1_795_000_000_000),
                                                         operatorKey: operatorKey.publicKey, hashes: hashes)
            // A submission with disclosures: its fields are the statement's.
            let parsed = try CanonicalJSON.parse(text)
            let statement = parsed["type"] == nil ? try XCTUnwrap(parsed["statement"], "docs/statements.md:\(example.line)") : parsed
            guard let type = statement["type"]?.stringValue, let rows = tables[type] else {
                XCTFail("docs/statements.md:\(example.line): no field table for this example's type")
                continue
            }
            XCTAssertNoThrow(try Statement(json: statement), "docs/statements.md:\(example.line)")
            for row in rows {
                guard let without = Self.removing(row.path, from: statement) else { continue }
                checked += 1
                let at = "docs/statements.md:\(row.line) (\(row.path.joined(separator: "."))), example at line \(example.line)"
                do {
                    _ = try Statement(json: without)
                    XCTAssertFalse(row.required, "\(at): required, but a statement without it is accepted")
                } catch {
                    XCTAssertTrue(row.required, "\(at): optional, but a statement without it is refused: \(error)")
                    // Named as the page's row names it (`community.name`), or a statement's own field by its name.
                    let named = "\(error)".contains("\"\(row.path.joined(separator: "."))\"") || "\(error)".contains("\"\(row.path.last ?? "")\"")
                    XCTAssertTrue(named, "\(at): the refusal does not name the field: \(error)")
                }
            }
        }
        XCTAssertGreaterThan(checked, 40)
    }

    /// `value` with the member at `path` removed, or nil when it has none there.
    static func removing(_ path: [String], from value: JSONValue) -> JSONValue? {
        guard let first = path.first, case var .object(members) = value, let inner = members[JSONKey(first)] else { return nil }
        if path.count == 1 {
            members[JSONKey(first)] = nil
        } else {
            guard let changed = removing(Array(path.dropFirst()), from: inner) else { return nil }
            members[JSONKey(first)] = changed
        }
        return .object(members)
    }
}

/// A counter a @Sendable closure can bump.
final class ManagedCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

/// Review of issue 10, finding 18: every length and count limit the core enforces is on the
/// page with the same number, in the row of its field.
final class StatementLimitsReferenceTests: XCTestCase {
    /// `n` as the page writes it: digits grouped by commas from 1,000 on.
    static func spelled(_ n: Int) -> String {
        let digits = Array(String(n))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0, n >= 1000 { out.append(",") }
            out.append(d)
        }
        return out
    }

    /// True when `line` holds `number` not as part of a longer number (`64` is not in `64,512`).
    static func mentions(_ line: Substring, _ number: String) -> Bool {
        var rest = line[...]
        while let r = rest.range(of: number) {
            let before = rest[..<r.lowerBound].last
            let after = rest[r.upperBound...].prefix(2)
            let joinsBefore = before.map { $0.isNumber || $0 == "," } ?? false
            let joinsAfter = after.first.map { $0.isNumber } ?? false || (after.first == "," && after.dropFirst().first?.isNumber == true)
            if !joinsBefore && !joinsAfter { return true }
            rest = rest[r.upperBound...]
        }
        return false
    }

    func testEveryLimitInTheCoresTableIsInItsFieldsRow() throws {
        let reference = try StatementReference()
        let rows = reference.fieldTables.flatMap(\.rows)
        XCTAssertGreaterThan(StatementLimits.all.count, 15)
        for limit in StatementLimits.all {
            let number = Self.spelled(limit.value)
            if limit.field == "statement" || limit.field == "submission" {
                let size = reference.lines.filter { $0.contains("**Size.**") || $0.contains("submission") || $0.contains("statement") }
                XCTAssertTrue(size.contains { Self.mentions($0, number) }, "docs/statements.md does not give the \(limit.field) limit \(number) \(limit.unit)")
                continue
            }
            let named = rows.filter { $0.path.joined(separator: ".") == limit.field }
            XCTAssertFalse(named.isEmpty, "docs/statements.md has no row for `\(limit.field)`, which the core limits to \(number) \(limit.unit)")
            XCTAssertTrue(named.contains { Self.mentions(reference.lines[$0.line - 1], number) },
                          "docs/statements.md's row for `\(limit.field)` does not say \(number) (\(limit.unit)), the core's limit")
        }
    }

    /// The net under the table: a number written in place as a bound or in a refusal message of
    /// the files that read statements must be one of the table's values, so that a new limit
    /// cannot be added in place and left off both the table and the page.
    func testNoLimitInTheCoreIsMissingFromTheTable() throws {
        let directory = StatementReference.repositoryRoot.appendingPathComponent("Sources/AssentCore")
        let values = Set(StatementLimits.all.map(\.value))
        let pattern = /(?:longer than|at most|more than|maxLength:|max:|maxItemBytes:)\s*([0-9][0-9_]*)\b/
        var scanned = 0
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasSuffix(".swift") {
            let source = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            // The statement readers: the files that read fields or refuse with a StatementError.
            guard source.contains("FieldReader") || source.contains("throws(StatementError)"),
                  !file.hasPrefix("Map"), !file.hasSuffix("Record.swift") else { continue }
            scanned += 1
            for (i, line) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let code = line.trimmingCharacters(in: .whitespaces)
                guard !code.hasPrefix("//") else { continue }
                for match in line.matches(of: pattern) {
                    guard let n = Int(match.output.1.replacingOccurrences(of: "_", with: "")) else { continue }
                    XCTAssertTrue(values.contains(n), "Sources/AssentCore/\(file):\(i + 1) bounds something by \(n), which StatementLimits.all does not list (and docs/statements.md may not give)")
                }
            }
        }
        XCTAssertGreaterThan(scanned, 8)
    }
}
