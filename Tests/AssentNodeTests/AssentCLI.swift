import AssentCore
import Foundation
import XCTest

/// The `assent` binary built beside the tests (`swift build --build-tests` builds it), run in a
/// directory of its own for key files and inputs.
struct AssentCLI {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let directory: URL

    init() {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("assent-cli-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    /// Runs `assent` with `arguments` (and `input` on standard input): its exit status and
    /// everything it printed, standard error included.
    func run(_ arguments: [String], input: String? = nil) throws -> (status: Int32, output: String) {
        let binary = Self.repository.appendingPathComponent(".build/debug/assent")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else { throw XCTSkip("no built assent at \(binary.path)") }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let out = Pipe(), inPipe = Pipe()
        process.standardOutput = out
        process.standardError = out
        process.standardInput = inPipe
        try process.run()
        if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try inPipe.fileHandleForWriting.close()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// `run`, waited for off Swift's cooperative pool: for a binary that talks to a server running
    /// in this process, which that pool serves.
    func runDetached(_ arguments: [String], input: String? = nil) async throws -> (status: Int32, output: String) {
        try await withCheckedThrowingContinuation { done in
            DispatchQueue.global().async { done.resume(with: Result { try run(arguments, input: input) }) }
        }
    }

    /// A new key file named `name` in the directory, and its public key in base64.
    func key(_ name: String) throws -> (path: String, publicKey: String) {
        let path = directory.appendingPathComponent("\(name).key").path
        let (status, output) = try run(["keygen", "--name", name, "--out", path, "--json"])
        XCTAssertEqual(status, 0, output)
        let json = try CanonicalJSON.parse(Array(output.utf8))
        return (path, try XCTUnwrap(json["publicKey"]?.stringValue))
    }
}
