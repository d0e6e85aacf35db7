import AssentCore
import AssentStore
import Foundation
import XCTest

final class KeyFileTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("assent-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func testSavedKeyIsMode0600AndLoadsBack() throws {
        let signer = try NoteSigner(name: "example.com/log", key: SigningKey.generate())
        try KeyFile.save(signer, to: path("log.key"))
        let mode = (try FileManager.default.attributesOfItem(atPath: path("log.key"))[.posixPermissions] as! NSNumber).intValue
        XCTAssertEqual(mode, 0o600)
        XCTAssertEqual(try KeyFile.load(path("log.key")).verifierKey, signer.verifierKey)
        XCTAssertEqual(try String(contentsOfFile: path("log.pub"), encoding: .utf8), signer.verifierKey.description + "\n")
    }

    func testAnExistingKeyIsNeverOverwritten() throws {
        let first = try NoteSigner(name: "a", key: SigningKey.generate())
        try KeyFile.save(first, to: path("a.key"))
        XCTAssertThrowsError(try KeyFile.save(NoteSigner(name: "a", key: SigningKey.generate()), to: path("a.key"))) {
            XCTAssertTrue("\($0)".contains("refusing to overwrite"), "\($0)")
        }
        XCTAssertEqual(try KeyFile.load(path("a.key")).verifierKey, first.verifierKey)
    }

    func testAKeyReadableByOthersIsRefused() throws {
        try KeyFile.save(NoteSigner(name: "a", key: SigningKey.generate()), to: path("a.key"))
        chmod(path("a.key"), 0o644)
        XCTAssertThrowsError(try KeyFile.load(path("a.key"))) { XCTAssertTrue("\($0)".contains("chmod 600"), "\($0)") }
    }

    func testTheSeedNeverAppearsInDescriptions() throws {
        let key = try SigningKey(seed: [UInt8](repeating: 0xAB, count: 32))
        XCTAssertFalse("\(key)".contains(Base64.encode(key.seedBytes)))
        XCTAssertFalse(String(reflecting: key).contains(Base64.encode(key.seedBytes)))
        XCTAssertFalse("\(key)".lowercased().contains("abababab"))
    }
}
