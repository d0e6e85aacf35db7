@testable import AssentCore
import AssentTestSupport
import XCTest

/// `local:` identifiers of printable ASCII are normalized on bytes (`LocalWorkID.normalize`'s
/// fast path); every text must get exactly what the general path gives it: the same normal
/// form, or the same refusal.
final class LocalWorkIDFastPathTests: XCTestCase {
    func outcome(_ f: (String) throws(WorkIDError) -> String, _ raw: String) -> String {
        do { return "ok " + (try f(raw)) } catch { return "refused \(error)" }
    }

    func testTheFastPathAgreesWithTheGeneralPathOnRandomText() {
        // Pieces that take either path: plain ids, upper case, '/', '%' escapes (good and bad),
        // white space, controls, DEL, non-ASCII (precomposed and combining), society-bad bytes.
        let pieces = ["gema.de", "GEMA.De", "sacem-fr", "/", "W123", "abc", "~", "_", "%41", "%2f", "%zz", "%", " ", "\t",
                      "\u{7F}", "\u{01}", "é", "e\u{301}", "+", "!", "Z", "9", ".", "-", ":", "\"", "\u{2014}"]
        var random = SplitMix64(state: 0x10CA_1D05)
        var fast = 0
        for round in 0..<20_000 {
            // Every other round from the pieces of printable ASCII without '%' only, with a '/'.
            let from = round % 2 == 0 ? pieces : pieces.filter { $0.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "%") } }
            var raw = (0..<Int.random(in: 0...6, using: &random)).map { _ in from.randomElement(using: &random)! }.joined()
            if round % 2 == 1 { raw = (["gema.de", "GEMA.De", "x", ""].randomElement(using: &random)!) + "/" + raw }
            XCTAssertEqual(outcome(LocalWorkID.normalize, raw), outcome(LocalWorkID.normalizeAnyText, raw), "round \(round): \(raw.debugDescription)")
            if raw.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "%") }) && raw.contains("/") { fast += 1 }
        }
        XCTAssertGreaterThan(fast, 5_000, "the fast path was tried often enough")
    }

    func testCommonIdentifiersTakeTheFastPathToTheirNormalForm() throws {
        XCTAssertEqual(try LocalWorkID.normalize("GEMA.de/W10004995"), "gema.de/W10004995")
        XCTAssertEqual(try WorkID(parsing: "local:Sacem.FR/abc/def").description, "local:sacem.fr/abc/def")
        XCTAssertThrowsError(try LocalWorkID.normalize("gema_de/1"), "a society with '_'")
        XCTAssertThrowsError(try LocalWorkID.normalize("/1"))
        XCTAssertThrowsError(try LocalWorkID.normalize("gema.de/"))
    }
}
