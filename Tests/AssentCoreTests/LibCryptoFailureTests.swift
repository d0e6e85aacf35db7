import AssentCore
import Foundation
import XCTest

#if os(Linux)
/// What happens when libcrypto cannot compute: each case runs this test bundle again in a child
/// process whose OpenSSL configuration activates only the "null" provider, so that no SHA-256 or
/// Ed25519 implementation can be fetched. A hash or a verification that cannot be computed must
/// stop the process with the call's name, never answer; a key that cannot be made is an error.
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

    /// Before: SHA256() returned NULL, unchecked, and the hash was 32 zero bytes.
    func testSHA256ThatCannotBeComputedStopsTheProcess() throws {
        try assertStops("sha256", naming: "SHA256")
    }

    func testALeafHashThatCannotBeComputedStopsTheProcess() throws {
        try assertStops("leaf", naming: "EVP_MD_fetch(SHA256)")
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
