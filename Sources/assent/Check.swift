import ArgumentParser
import AssentCore
import AsyncHTTPClient
import Foundation
import NIOCore

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Bulk check: the state of many works (up to 100,000 a request) for one audience, purpose and time.",
        discussion: """
            Reads work ids, one a line as typed (blank lines and lines starting with # are skipped),
            and streams them to the node (POST /v1/check); answers are printed as they arrive, one
            per work in file order: a table row (work, then tdm, train-ai, train-genai, ai-inference,
            search as y allowed, n disallowed, ? unknown), or with --json the node's NDJSON lines.
            A line that is not a work id is answered by an error for that line (with its line number
            in the file); the rest are still checked, and the exit status is 1. Progress goes to
            standard error every 10,000 works.
            Example:
              assent check --file works.txt --audience licensee:example-ai.com --purpose research --node http://127.0.0.1:7001
            """)
    @Option(help: "File of work ids, one a line, or - for standard input.") var file: String
    @OptionGroup var query: StateQueryOptions
    @OptionGroup var node: ReadNodeOptions

    func run() async throws {
        let handle: FileHandle
        if file == "-" { handle = .standardInput } else {
            guard let h = FileHandle(forReadingAtPath: file) else { throw CLIError("cannot read \(file): no such file, or not readable") }
            handle = h
        }
        try await node.checkReachable()
        var first = [UInt8]()
        CanonicalJSON.write(query.json, into: &first)
        first.append(UInt8(ascii: "\n"))
        var request = HTTPClientRequest(url: node.base + "/v1/check")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-ndjson")
        request.body = .stream(CheckBody(handle: handle, first: first), length: .unknown)
        let response: HTTPClientResponse
        do { response = try await HTTPClient.shared.execute(request, timeout: .hours(1)) } catch {
            throw CLIError("cannot reach the node at \(node.base): \(error); is it running, and is --node right?")
        }
        guard response.status.code == 200 else {
            let bytes = Array(buffer: try await response.body.collect(upTo: 1 << 20))
            let detail = (try? CanonicalJSON.parse(bytes, requireCanonical: false))?["detail"]?.stringValue ?? String(decoding: bytes.prefix(300), as: UTF8.self)
            throw CLIError("the node refused the check (HTTP \(response.status.code)): \(detail)")
        }
        var pending = [UInt8]()
        var printer = CheckPrinter(json: node.json)
        for try await buffer in response.body {
            pending += buffer.readableBytesView
            var start = pending.startIndex
            while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                try printer.line(Array(pending[start..<newline]))
                start = newline + 1
            }
            pending.removeSubrange(..<start)
        }
        if !pending.isEmpty { try printer.line(pending) }
        guard printer.ended else { throw CLIError("the node's answer stopped after \(printer.works) works, without its end line: run the check again") }
        if printer.errors > 0 { throw ExitCode(1) }
    }
}

/// The request body: the query line, then each line of the file as a JSON string (a blank or
/// `#` line as a blank line, so that the node's line n is the file's line n − 1), read 64 KiB at
/// a time: memory does not grow with the file.
struct CheckBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let handle: FileHandle
    let first: [UInt8]

    struct AsyncIterator: AsyncIteratorProtocol {
        let handle: FileHandle
        var first: [UInt8]?
        var carry = [UInt8]()
        var done = false

        mutating func next() async throws -> ByteBuffer? {
            if let f = first {
                first = nil
                return ByteBuffer(bytes: f)
            }
            while !done {
                let chunk = try handle.read(upToCount: 65_536) ?? Data()
                if chunk.isEmpty {
                    done = true
                    if carry.isEmpty { return nil }
                    carry.append(UInt8(ascii: "\n"))
                } else {
                    carry += chunk
                }
                guard let last = carry.lastIndex(of: UInt8(ascii: "\n")) else { continue }
                var out = [UInt8]()
                for line in carry[...last].split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast() {
                    let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                    if !text.isEmpty, !text.hasPrefix("#") { CanonicalJSON.writeString(text, into: &out) }
                    out.append(UInt8(ascii: "\n"))
                }
                carry.removeSubrange(...last)
                return ByteBuffer(bytes: out)
            }
            return nil
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(handle: handle, first: first) }
}

/// Prints a check's answer lines as they come.
struct CheckPrinter {
    let json: Bool
    var works = 0
    var errors = 0
    var ended = false
    static let columns = UsageCategory.allCases.map(\.rawValue)

    mutating func line(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        guard let value = try? CanonicalJSON.parse(bytes) else {
            throw CLIError("the node sent a line that is not JSON: \(String(decoding: bytes.prefix(200), as: UTF8.self))")
        }
        if json { print(String(decoding: bytes, as: UTF8.self)) }
        if value["end"] != nil {
            ended = true
            return
        }
        if let problem = value["problem"] {
            errors += 1
            // The node numbers body lines, the query being line 1: the file's line is one less.
            let line: String
            if case let .integer(n)? = value["line"] { line = "line \(n - 1) of the file: " } else { line = "" }
            FileHandle.standardError.write(Data("\(line)\(problem["detail"]?.stringValue ?? "?")\n".utf8))
            if value["line"] == nil { throw CLIError("the node stopped the check: \(problem["detail"]?.stringValue ?? "?")") }
            works += 1
            return
        }
        if let work = value["work"]?.stringValue {
            works += 1
            if !json {
                let cells = Self.columns.map { c -> String in
                    switch value["values"]?[JSONKey(c)]?.stringValue {
                    case "allowed": "y"
                    case "disallowed": "n"
                    default: "?"
                    }
                }
                print(work + "  " + cells.joined(separator: " "))
            }
            if works % 10_000 == 0 { FileHandle.standardError.write(Data("checked \(works) works…\n".utf8)) }
            return
        }
        // The first line: the query as the node took it.
        if !json {
            let s = { (k: String) in value[JSONKey(k)]?.stringValue ?? "?" }
            var head = "# at \(s("at")) for \(s("audience")) (\(s("purpose")) use), log \(s("log"))"
            if value["provisional"] == .bool(true) { head += ", PROVISIONAL (no epoch at or after this time yet)" }
            print(head)
            print("# work  " + Self.columns.joined(separator: " ") + "  (y allowed, n disallowed, ? unknown)")
        }
    }
}
