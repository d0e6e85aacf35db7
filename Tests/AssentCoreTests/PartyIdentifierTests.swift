import AssentCore
import XCTest

/// Enrollment `ids` (PROTOCOL §3), normalized as PROTOCOL §2 asks of every identifier.
/// IPI name numbers: 00052210040 is the project's example; its check number 40 and that of
/// 00000000199 (django-music-publisher's test value, typed there as "199") were computed by
/// hand with the CWR mod-101 rule.
final class PartyIdentifierTests: XCTestCase {
    func normalized(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> String? {
        do { return try PartyIdentifier(parsing: text).description } catch {
            XCTFail("\(text) was refused: \(error)", file: file, line: line)
            return nil
        }
    }

    func refusal(_ text: String) -> PartyIdentifierError? {
        do {
            let id = try PartyIdentifier(parsing: text)
            XCTFail("\(text) was accepted as \(id)")
            return nil
        } catch { return error }
    }

    func testISNIAsTypedIsNormalized() {
        XCTAssertEqual(normalized("isni:0000 0001 2103 2683"), "isni:0000000121032683")
        XCTAssertEqual(normalized("ISNI:ISNI 0000 0001 2281 955x"), "isni:000000012281955X")
        XCTAssertEqual(normalized("isni:0000-0002-1825-0097"), "isni:0000000218250097")
    }

    func testIPIAsTypedIsNormalizedToElevenDigits() {
        XCTAssertEqual(normalized("ipi:00052210040"), "ipi:00052210040")
        XCTAssertEqual(normalized("IPI: 000 522 100 40"), "ipi:00052210040")
        // Leading zeros dropped by a spreadsheet are restored.
        XCTAssertEqual(normalized("ipi:52210040"), "ipi:00052210040")
        XCTAssertEqual(normalized("ipi:199"), "ipi:00000000199")
    }

    func testIPIWithAWrongCheckNumberIsRefusedNamingTheExpectedOne() {
        let error = refusal("ipi:00052210041")
        XCTAssertEqual(error, .badIPICheckNumber(value: "00052210041", expected: 40, found: 41))
        XCTAssertEqual(error?.description, #"ipi "00052210041": check number is 41, expected 40"#)
        XCTAssertEqual(refusal("ipi:5"), .badIPICheckNumber(value: "5", expected: 0, found: 5))
    }

    func testIPIOfTwelveDigitsOrNoneIsRefused() {
        XCTAssertEqual(refusal("ipi:000522100400"), .badIPILength(value: "000522100400", found: 12))
        XCTAssertEqual(refusal("ipi:"), .badIPILength(value: "", found: 0))
    }

    func testIPIWithALetterIsRefusedNamingIt() {
        XCTAssertEqual(refusal("ipi:0005221004O"), .badIPICharacter(value: "0005221004O", character: "O"))
        // Other scripts' digits are not digits here.
        XCTAssertEqual(refusal("ipi:\u{0665}2210040"), .badIPICharacter(value: "\u{0665}2210040", character: "\u{0665}"))
    }

    func testISNIWithABadCheckCharacterIsRefusedAsTheISNISchemeSays() {
        XCTAssertEqual(refusal("isni:0000 0001 2103 2684"),
                       .badISNI(.badCheckDigit(scheme: .isni, value: "0000 0001 2103 2684", expected: "3", found: "4")))
    }

    func testOtherSchemesAreRefused() {
        XCTAssertEqual(refusal("orcid:0000-0002-1825-0097"), .unknownScheme("orcid:0000-0002-1825-0097"))
        XCTAssertEqual(refusal("00052210040"), .missingScheme("00052210040"))
    }

    func testStatementsAcceptOnlyTheNormalFormAndNameIt() {
        XCTAssertNoThrow(try PartyIdentifier(parsingNormalized: "isni:000000012281955X"))
        let cases = [
            ("isni:0000 0001 2103 2683", "isni:0000000121032683"),
            ("isni:000000012281955x", "isni:000000012281955X"),
            ("ipi:52210040", "ipi:00052210040"),
            ("IPI:00052210040", "ipi:00052210040"),
        ]
        for (given, normal) in cases {
            XCTAssertThrowsError(try PartyIdentifier(parsingNormalized: given)) {
                XCTAssertEqual($0 as? PartyIdentifierError, .notNormalized(given: given, normalized: normal))
                XCTAssertTrue("\($0)".contains("write \"\(normal)\""), "\($0)")
            }
        }
    }
}
