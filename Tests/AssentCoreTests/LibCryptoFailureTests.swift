import AssentCore
import Foundation
import XCTest

#if os(Linux)
/// What happens when libcrypto cannot compute: each case runs this test bundle again in a child
/// process whose OpenSSL configuration activates only the "null" provider, so that no Ed25519
/// implementation can be fetched. A verification that cannot be computed must stop the process
/// with the call's name, never answer; a key that cannot be made is an error. SHA-256 needs no
/// provider (libcrypto's low-level functions) and must give the right hash there too.
final class LibCryptoFailureTests: XCTestCase {
    static let childVariable = "ASSENT_LIBCRYPTO_FAILURE_CHILD"

    /// The child's side: does one thing with a libcrypto that has no algorithms and prints the
    /// result. Skipped when run as part of the suite.
    func testChildComputesWithoutAProvider() throws {
        guard let what = ProcessInfo.processInfo.environment[Self.childVariable] else {
            throw XCTSkip("runs only as the child process of LibCryptoFailureTests")
        }
        switch what {
        case "sha256": print("answer: \(SHA256.hash([UInt8]()).hex)")
        case "leaf": print("answer: \(MerkleTree.leafHash([UInt8]()).hex)")
        case "verify":
            let key = try PublicKey(base64: "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")  // RFC 8032 TEST 1
            print("answer: \(key.isValidSignature([UInt8](repeating: 0, count: 64), for: [UInt8]()))")
        case "seed":
            do { _ = try SigningKey(seed: [UInt8](repeating: 1, count: 32)); print("answer: a key") } catch {
                print("answer: \(error)")
            }
        default: XCTFail("unknown child case \(what)")
        }
        fflush(nil)  // all C streams: print writes through stdio
    }

    struct ChildResult {
        let exited: Bool
        let status: Int32
        let stdout: String
        let stderr: String
    }

    func runChild(_ what: String) throws -> ChildResult {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("assent-libcrypto-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let conf = directory.appendingPathComponent("null-provider.cnf")
        try """
            openssl_conf = openssl_init
            [openssl_init]
            providers = provider_sect
            [provider_sect]
            null = null_sect
            [null_sect]
            activate = 1

            """.write(to: conf, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = try XCTUnwrap(Bundle.main.executableURL)
        process.arguments = ["AssentCoreTests.LibCryptoFailureTests/testChildComputesWithoutAProvider"]
        var environment = ProcessInfo.processInfo.environment
        environment["OPENSSL_CONF"] = conf.path
        environment[Self.childVariable] = what
        environment["SWIFT_BACKTRACE"] = "enable=no"  // the crash is expected; skip the slow backtrace
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ChildResult(exited: process.terminationReason == .exit, status: process.terminationStatus,
                           stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    func assertStops(_ what: String, naming call: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let child = try runChild(what)
        XCTAssertFalse(child.exited && child.status == 0, "\(what): the child answered\n\(child.stdout)", file: file, line: line)
        XCTAssertFalse(child.stdout.contains("answer:"), "\(what): \(child.stdout)", file: file, line: line)
        XCTAssertTrue(child.stderr.contains("libcrypto call \(call) failed"), "\(what): \(child.stderr)", file: file, line: line)
    }

    /// SHA-256 goes through libcrypto's own SHA256_Init/Update/Final, which need no provider
    /// (the one-shot SHA256() of OpenSSL 3 fetched one on every call, four times the cost:
    /// docs/benchmarks.md "SHA-256 through the low-level API"): with only the null provider it
    /// still answers, and with the right hash, never zeros. (Before that change, SHA256()
    /// returned NULL here, unchecked at first, and the hash was 32 zero bytes.)
    func testSHA256NeedsNoProviderAndAnswersTheRightHash() throws {
        let child = try runChild("sha256")
        XCTAssertTrue(child.exited && child.status == 0, child.stderr)
        // FIPS 180-2: SHA-256 of the empty string.
        XCTAssertTrue(child.stdout.contains("answer: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), child.stdout)
    }

    func testALeafHashNeedsNoProviderAndAnswersTheRightHash() throws {
        let child = try runChild("leaf")
        XCTAssertTrue(child.exited && child.status == 0, child.stderr)
        // RFC 6962: the leaf hash of the empty leaf, SHA-256 of the byte 0x00.
        XCTAssertTrue(child.stdout.contains("answer: 6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"), child.stdout)
    }

    /// Before: the failure read as "the signature does not verify".
    func testAVerificationThatCannotBeComputedStopsTheProcess() throws {
        try assertStops("verify", naming: "EVP_PKEY_new_raw_public_key")
    }

    func testAKeyThatCannotBeMadeIsAnErrorWithOpenSSLsReason() throws {
        let child = try runChild("seed")
        XCTAssertTrue(child.exited && child.status == 0, child.stderr)
        XCTAssertTrue(child.stdout.contains("answer: OpenSSL call EVP_PKEY_new_raw_private_key failed: error:"), child.stdout)
    }
}
#endif
