import AssentCore
import Foundation
import XCTest

/// Specification of work identifiers (protocol notes §2).
///
/// Check digits of every identifier used here were computed by hand and
/// cross-checked by a separate script; ISCC examples come from iscc-core's
/// documentation and tests and were checked with iscc-core's `iscc_validate`.
final class WorkIDTests: XCTestCase {

    // MARK: - Helpers

    private func parse(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> WorkID? {
        do {
            return try WorkID(parsing: text)
        } catch {
            XCTFail("\(text) was rejected: \(error)", file: file, line: line)
            return nil
        }
    }

    private func assertCanonical(_ text: String, _ canonical: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(parse(text, file: file, line: line)?.description, canonical, file: file, line: line)
    }

    private func rejection(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> WorkIDError? {
        do {
            let id = try WorkID(parsing: text)
            XCTFail("\(text) was accepted as \(id)", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    private func assertRejected(_ text: String, _ expected: WorkIDError, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(rejection(text, file: file, line: line), expected, file: file, line: line)
    }

    // MARK: - Scheme and canonical form

    func testUpperCaseSchemeNameIsAcceptedAndWrittenLowerCase() {
        assertCanonical("ISWC:T-034.524.680-1", "iswc:T0345246801")
    }

    func testSchemeNameMayBeSurroundedBySpaces() {
        assertCanonical(" IsBn :978-0-306-40615-7", "isbn:9780306406157")
    }

    func testTextWithoutColonIsRejectedAsMissingScheme() {
        assertRejected("T-034.524.680-1", .missingScheme("T-034.524.680-1"))
    }

    func testTextWithEmptySchemeNameIsRejectedAsMissingScheme() {
        assertRejected(":T0345246801", .missingScheme(":T0345246801"))
    }

    func testUnknownSchemeIsRejectedNamingTheScheme() {
        let error = rejection("issn:0317-8471")
        XCTAssertEqual(error, .unknownScheme("issn"))
        XCTAssertTrue(error?.description.contains("\"issn\"") ?? false)
    }

    func testSchemeNamesAreTheLowerCaseRawValues() {
        XCTAssertEqual(WorkID.Scheme.allCases.map(\.rawValue),
                       ["iswc", "isrc", "isbn", "isni", "doi", "iscc", "url", "local"])
    }

    func testValueIsSplitAtTheFirstColonOnly() {
        assertCanonical("url:https://example.com/a:b", "url:https://example.com/a:b")
    }

    func testParsingTheCanonicalFormGivesTheSameIdentifier() throws {
        let humanTyped = [
            "ISWC:T-034.524.680-1", "iswc:t 070 237 182 1",
            "isrc:us-rc1-76-07839", "isrc:ISRC GB-EMI-03-00013",
            "isbn:0-306-40615-2", "isbn:ISBN 979-10-95546-34-4", "isbn:0-8044-2957-x",
            "isni:0000 0001 2103 2683", "isni:ISNI 0000 0001 2281 955x",
            "doi:https://doi.org/10.1000/182", "doi:doi:10.1038/NPHYS1170",
            "iscc:iscc:kacypxw445ftynj3cysxhafjma2huwulunrfe3blhrscxyh2m5aegqy", "ISCC:AAAT4EBWK27737D2",
            "url:HTTPS://Example.COM:443", "url:http://Example.com:80/a/B?x=1#top",
            "local:GEMA.de/123-456", "local:prs.co.uk/works/W-0001",
        ]
        for text in humanTyped {
            let id = try WorkID(parsing: text)
            let again = try WorkID(parsing: id.description)
            XCTAssertEqual(again, id, text)
            XCTAssertEqual(again.description, id.description, text)
            XCTAssertEqual(try WorkID(scheme: id.scheme, value: id.value), id, text)
        }
    }

    func testDifferentSpellingsOfOneIdentifierAreEqualAndHashAlike() throws {
        let a = try WorkID(parsing: "isbn:0-306-40615-2")
        let b = try WorkID(parsing: "ISBN:978 0 306 40615 7")
        XCTAssertEqual(a, b)
        XCTAssertEqual(Set([a, b]).count, 1)
    }

    func testSchemeAndValueInitialiserNormalisesLikeParsing() throws {
        let id = try WorkID(scheme: .iswc, value: "T-034.524.680-1")
        XCTAssertEqual(id.scheme, .iswc)
        XCTAssertEqual(id.value, "T0345246801")
        XCTAssertEqual(id.description, "iswc:T0345246801")
    }

    func testIdentifiersSortBySchemeNameThenValue() throws {
        let ids = try ["local:gema.de/2", "doi:10.1000/182", "local:gema.de/1", "isbn:9780306406157"]
            .map { try WorkID(parsing: $0) }
        XCTAssertEqual(ids.sorted().map(\.description),
                       ["doi:10.1000/182", "isbn:9780306406157", "local:gema.de/1", "local:gema.de/2"])
    }

    // MARK: - ISWC

    func testISWCWithHyphensAndDotsNormalisesToTAndTenDigits() {
        assertCanonical("iswc:T-034.524.680-1", "iswc:T0345246801")
    }

    func testISWCWithSpacesAndLowerCaseTNormalises() {
        assertCanonical("iswc:t 070 237 182 1", "iswc:T0702371821")
    }

    func testISWCWithWrongCheckDigitIsRejectedNamingTheExpectedDigit() {
        let error = rejection("iswc:T-034.524.680-2")
        XCTAssertEqual(error, .badCheckDigit(scheme: .iswc, value: "T-034.524.680-2", expected: "1", found: "2"))
        XCTAssertEqual(error?.description, #"iswc "T-034.524.680-2": check digit is 2, expected 1"#)
    }

    func testISWCWithNineDigitsIsRejectedForLength() {
        assertRejected("iswc:T-034.524.680",
                       .badLength(scheme: .iswc, value: "T-034.524.680", expected: "10 digits after the T", found: 9))
    }

    func testISWCWithALetterAmongTheDigitsIsRejectedForThatCharacter() {
        assertRejected("iswc:T-034.524.68O-1",
                       .badCharacter(scheme: .iswc, value: "T-034.524.68O-1", character: "O", expected: "a digit 0-9"))
    }

    func testISWCWithoutLeadingTIsRejectedForPrefix() {
        assertRejected("iswc:034.524.680-1", .badPrefix(scheme: .iswc, value: "034.524.680-1", expected: "T"))
    }

    func testEmptyISWCIsRejectedForShape() {
        guard case .badShape(.iswc, "", _)? = rejection("iswc:") else { return XCTFail() }
    }

    // MARK: - ISRC

    func testISRCWithHyphensAndLowerCaseNormalisesToTwelveUpperCaseCharacters() {
        assertCanonical("isrc:us-rc1-76-07839", "isrc:USRC17607839")
    }

    func testISRCWithLeadingISRCLabelNormalises() {
        assertCanonical("isrc:ISRC GB-EMI-03-00013", "isrc:GBEMI0300013")
        assertCanonical("isrc:ISRC:USRC17607839", "isrc:USRC17607839")
    }

    func testISRCOfIcelandWhoseCodeStartsWithISRCIsKept() {
        // Constructed: country IS, registrant RC1 — shaped like a real Icelandic code.
        assertCanonical("isrc:IS-RC1-23-00001", "isrc:ISRC12300001")
    }

    func testISRCWithElevenCharactersIsRejectedForLength() {
        assertRejected("isrc:USRC1760783",
                       .badLength(scheme: .isrc, value: "USRC1760783", expected: "12 characters", found: 11))
    }

    func testISRCWithPunctuationIsRejectedForThatCharacter() {
        assertRejected("isrc:USRC1760783!",
                       .badCharacter(scheme: .isrc, value: "USRC1760783!", character: "!",
                                     expected: "a letter A-Z or a digit 0-9"))
    }

    func testISRCWithDigitInCountryCodeIsRejectedForShape() {
        guard case .badShape(.isrc, "U5RC17607839", let expected)? = rejection("isrc:U5RC17607839") else {
            return XCTFail()
        }
        XCTAssertTrue(expected.hasPrefix("CCXXXYYNNNNN"))
    }

    func testISRCWithLetterInYearIsRejectedForShape() {
        guard case .badShape(.isrc, "USRC1A607839", _)? = rejection("isrc:USRC1A607839") else { return XCTFail() }
    }

    // MARK: - ISBN

    func testISBN13WithHyphensNormalisesToThirteenDigits() {
        assertCanonical("isbn:978-0-306-40615-7", "isbn:9780306406157")
    }

    func testISBN13WithISBNLabelNormalises() {
        assertCanonical("isbn:ISBN 978-3-16-148410-0", "isbn:9783161484100")
        assertCanonical("isbn:ISBN-13: 978-3-16-148410-0", "isbn:9783161484100")
    }

    func testISBN13With979PrefixIsAccepted() {
        assertCanonical("isbn:979-10-95546-34-4", "isbn:9791095546344")
    }

    func testISBN10IsConvertedToISBN13() {
        assertCanonical("isbn:0-306-40615-2", "isbn:9780306406157")
    }

    func testISBN10WithXCheckDigitIsConvertedToISBN13() {
        assertCanonical("isbn:0-8044-2957-X", "isbn:9780804429573")
        assertCanonical("isbn:0-8044-2957-x", "isbn:9780804429573")
    }

    func testISBN13WithWrongCheckDigitIsRejectedNamingTheExpectedDigit() {
        let error = rejection("isbn:978-0-306-40615-8")
        XCTAssertEqual(error, .badCheckDigit(scheme: .isbn, value: "978-0-306-40615-8", expected: "7", found: "8"))
        XCTAssertTrue(error?.description.contains("expected 7") ?? false)
    }

    func testISBN10WithWrongCheckDigitIsRejectedNamingTheExpectedDigit() {
        let error = rejection("isbn:0-306-40615-3")
        XCTAssertEqual(error, .badCheckDigit(scheme: .isbn, value: "0-306-40615-3", expected: "2", found: "3"))
        XCTAssertTrue(error?.description.contains("expected 2") ?? false)
    }

    func testISBN10WithDigitWhereXBelongsIsRejectedNamingX() {
        let error = rejection("isbn:0-8044-2957-0")
        XCTAssertEqual(error, .badCheckDigit(scheme: .isbn, value: "0-8044-2957-0", expected: "X", found: "0"))
        XCTAssertTrue(error?.description.contains("expected X") ?? false)
    }

    func testEAN13WithoutBookPrefixIsRejectedForPrefix() {
        // 977-0317-8471-00-1 is the (valid) EAN-13 of ISSN 0317-8471, not a book.
        let error = rejection("isbn:9770317847001")
        XCTAssertEqual(error, .badPrefix(scheme: .isbn, value: "9770317847001", expected: "978 or 979"))
        XCTAssertTrue(error?.description.contains("978 or 979") ?? false)
    }

    func testISBNWithTwelveDigitsIsRejectedForLength() {
        assertRejected("isbn:978-0-306-40615",
                       .badLength(scheme: .isbn, value: "978-0-306-40615", expected: "10 or 13 characters", found: 12))
    }

    func testISBNWithLetterIsRejectedForThatCharacter() {
        assertRejected("isbn:978-0-306-4O615-7",
                       .badCharacter(scheme: .isbn, value: "978-0-306-4O615-7", character: "O", expected: "a digit 0-9"))
    }

    func testISBN13EndingInXIsRejectedForThatCharacter() {
        guard case .badCharacter(.isbn, _, "X", _)? = rejection("isbn:978-0-8044-2957-X") else { return XCTFail() }
    }

    // MARK: - ISNI

    func testISNIWithSpacesNormalisesToSixteenCharacters() {
        assertCanonical("isni:0000 0001 2103 2683", "isni:0000000121032683")
    }

    func testISNIWithLowerCaseXCheckCharacterNormalisesToUpperCase() {
        assertCanonical("isni:0000 0001 2281 955x", "isni:000000012281955X")
    }

    func testISNIWithISNILabelNormalises() {
        assertCanonical("isni:ISNI 0000 0001 2146 438X", "isni:000000012146438X")
    }

    func testORCIDWithHyphensIsAcceptedAsISNI() {
        // Josiah Carberry, ORCID's documented test iD.
        assertCanonical("isni:0000-0002-1825-0097", "isni:0000000218250097")
    }

    func testISNIWithWrongCheckDigitIsRejectedNamingTheExpectedCharacter() {
        let error = rejection("isni:0000 0001 2103 2684")
        XCTAssertEqual(error, .badCheckDigit(scheme: .isni, value: "0000 0001 2103 2684", expected: "3", found: "4"))
        XCTAssertTrue(error?.description.contains("expected 3") ?? false)
    }

    func testISNIWhoseCheckCharacterShouldBeXIsRejectedNamingX() {
        let error = rejection("isni:0000 0000 7360 1146")
        XCTAssertEqual(error, .badCheckDigit(scheme: .isni, value: "0000 0000 7360 1146", expected: "X", found: "6"))
        XCTAssertTrue(error?.description.contains("expected X") ?? false)
    }

    func testISNIWithFifteenCharactersIsRejectedForLength() {
        assertRejected("isni:0000 0001 2103 268",
                       .badLength(scheme: .isni, value: "0000 0001 2103 268", expected: "16 characters", found: 15))
    }

    func testISNIWithLetterIsRejectedForThatCharacter() {
        guard case .badCharacter(.isni, _, "A", _)? = rejection("isni:0000 0001 2103 26A3") else { return XCTFail() }
    }

    func testISNIWithXBeforeTheLastPositionIsRejectedForThatCharacter() {
        guard case .badCharacter(.isni, _, "X", _)? = rejection("isni:0000 0001 2103 2X83") else { return XCTFail() }
    }

    // MARK: - DOI

    func testDOIIsKeptAsGiven() {
        assertCanonical("doi:10.1000/182", "doi:10.1000/182")
    }

    func testDOIResolverURLPrefixesAreStripped() {
        assertCanonical("doi:https://doi.org/10.1000/182", "doi:10.1000/182")
        assertCanonical("doi:http://dx.doi.org/10.1000/182", "doi:10.1000/182")
    }

    func testDOIWithDOILabelIsStrippedAndLowerCased() {
        assertCanonical("doi:doi:10.1038/NPHYS1170", "doi:10.1038/nphys1170")
    }

    func testDOINotStartingWith10DotIsRejectedForPrefix() {
        assertRejected("doi:11.1000/182", .badPrefix(scheme: .doi, value: "11.1000/182", expected: "10."))
    }

    func testDOIWithoutSuffixIsRejectedForShape() {
        guard case .badShape(.doi, "10.1000", _)? = rejection("doi:10.1000") else { return XCTFail() }
        guard case .badShape(.doi, "10.1000/", _)? = rejection("doi:10.1000/") else { return XCTFail() }
    }

    func testDOIWithNonDigitRegistrantIsRejectedForShape() {
        guard case .badShape(.doi, "10.abc/182", _)? = rejection("doi:10.abc/182") else { return XCTFail() }
        guard case .badShape(.doi, "10./182", _)? = rejection("doi:10./182") else { return XCTFail() }
    }

    func testDOIWithSpaceInSuffixIsRejectedForThatCharacter() {
        guard case .badCharacter(.doi, _, " ", _)? = rejection("doi:10.1000/18 2") else { return XCTFail() }
    }

    func testDOILowerCasingLeavesTheHexOfEscapesUpperCase() {
        // DOI lower-casing is for letters; RFC 3986 §6.2.2.1 wants escapes' hex upper case.
        assertCanonical("doi:10.1000/ABC%2fDEF", "doi:10.1000/abc%2Fdef")
        assertCanonical("doi:10.1000/ABC%2FDEF", "doi:10.1000/abc%2Fdef")
    }

    func testDOIEscapedUnreservedLettersAreDecodedAndLowerCased() {
        assertCanonical("doi:10.1000/%41bc", "doi:10.1000/abc")
    }

    func testDOISuffixBeyondASCIIIsNFCAndPercentEncoded() throws {
        assertCanonical("doi:10.1000/caf\u{E9}", "doi:10.1000/caf%C3%A9")
        XCTAssertEqual(try WorkID(parsing: "doi:10.1000/cafe\u{301}"), try WorkID(parsing: "doi:10.1000/caf\u{E9}"))
        // Only ASCII letters are lower-cased: É (U+00C9) stays É.
        assertCanonical("doi:10.1000/CAF\u{C9}", "doi:10.1000/caf%C3%89")
    }

    func testDOIKeepsSICIPunctuation() {
        // Shaped like the SICI-based DOIs some publishers assigned: <, >, ; and : are ASCII and kept.
        assertCanonical("doi:10.1002/(SICI)1097-4571(199806)49:8<693::AID-ASI4>3.0.CO;2-O",
                        "doi:10.1002/(sici)1097-4571(199806)49:8<693::aid-asi4>3.0.co;2-o")
    }

    func testDOIWithPercentThatBeginsNoEscapeIsRefused() {
        assertRejected("doi:10.1000/50%off", .badPercentEscape(scheme: .doi, value: "10.1000/50%off"))
    }

    // MARK: - ISCC

    func testISCCCodeIsKeptWithISCCPrefix() {
        let code = "ISCC:KACYPXW445FTYNJ3CYSXHAFJMA2HUWULUNRFE3BLHRSCXYH2M5AEGQY"
        assertCanonical("iscc:" + code, "iscc:" + code)
        assertCanonical(code, "iscc:" + code)
    }

    func testISCCInLowerCaseWithoutPrefixNormalisesToUpperCaseWithPrefix() {
        assertCanonical("iscc:kacypxw445ftynj3cysxhafjma2huwulunrfe3blhrscxyh2m5aegqy",
                        "iscc:ISCC:KACYPXW445FTYNJ3CYSXHAFJMA2HUWULUNRFE3BLHRSCXYH2M5AEGQY")
    }

    func testISCCUnitsOfEveryMainTypeAndLengthAreAccepted() {
        let valid = [
            "ISCC:AAAT4EBWK27737D2",  // META 64
            "ISCC:AADJXZ6OU4E45RB57GAGKDGHZXV752RFK424V76TRVZ2TKS2",  // META 224
            "ISCC:CADR6SWKRPW5ZV25SQIHSHRXHIVKXPCU2ZBEGJPZLTEBCAX2K2CFS2Y",  // SEMANTIC-TEXT 256
            "ISCC:EEAMGQZQTY",  // CONTENT-IMAGE 32
            "ISCC:EEBIAAAAAAAAAAAAAAAAAAA",  // CONTENT-IMAGE 96
            "ISCC:GAA7UJMLDXHPPENG",  // DATA 64
            "ISCC:IABWJTQQ72BYW6U3HK76O6TG5JU2E",  // INSTANCE 128
            "ISCC:KUAG2PRCRS5LNVZVJKAFAVOJXLZZM",  // ISCC-SUM (Data + Instance)
            "ISCC:KMAZQGH26X5XQ5HA3J76I4BJU3JZQTSJKGALHETCAM",  // ISCC-VIDEO (Content + Data + Instance)
            "ISCC:KQDZJFP6WBM3IIFZ7CRXCNDCNUU3ZEWGL5HAKHNMYHLN2WULPN3ZFHJO7AUS6VQQVM7Q",  // ISCC-MIXED, all units
            "ISCC:K4AGQ46YX3C6AJGR32QA4FNF3NDAFA4BC3FI6M773SIW7UTGI623GQQ",  // ISCC-WIDE
            "ISCC:MAAGZTFQTTVIZPJR",  // ID 64
            "ISCC:MABJU3Y6GCTXLVKAQEBA",  // ID 80 (two counter bytes)
            "ISCC:OABQC7YN7RJGUUTLKDSKBXO25MA5E",  // FLAKE 128
        ]
        for code in valid { assertCanonical("iscc:" + code, "iscc:" + code) }
    }

    func testISCCCutShortIsRejectedForBodyLength() {
        assertRejected("iscc:ISCC:KACT4EBWK27737D2AYCJRAL5Z36G76RFRMO4554RU26HZ",
                       .badISCCBodyLength(value: "ISCC:KACT4EBWK27737D2AYCJRAL5Z36G76RFRMO4554RU26HZ",
                                          expectedBytes: 32, foundBytes: 26))
    }

    func testTwoISCCUnitsRunTogetherAreRejectedForBodyLength() {
        let error = rejection("iscc:GAAW2PRCRS5LNVZVIAAUVACQKXE3V44W")
        XCTAssertEqual(error, .badISCCBodyLength(value: "GAAW2PRCRS5LNVZVIAAUVACQKXE3V44W",
                                                 expectedBytes: 8, foundBytes: 18))
        XCTAssertTrue(error?.description.contains("18 bytes") ?? false)
    }

    func testISCCWithUnknownMainTypeIsRejected() {
        // Header MainType 8 (varnibble 10000000), otherwise META-like.
        assertRejected("iscc:ISCC:QAABAPQQGZLL77P4PI", .unknownISCCMainType(value: "ISCC:QAABAPQQGZLL77P4PI", mainType: 8))
    }

    func testISCCWithVersionOtherThanZeroIsRejected() {
        // A real ISCC-ID version 1 from iscc-core's tests; only version 0 is accepted.
        let error = rejection("iscc:ISCC:MAIGC5KN3I6TCUBK")
        XCTAssertEqual(error, .unsupportedISCCVersion(value: "ISCC:MAIGC5KN3I6TCUBK", mainType: 6, version: 1))
        XCTAssertTrue(error?.description.contains("version is 1") ?? false)
    }

    func testISCCWithSubTypeUndefinedForItsMainTypeIsRejected() {
        // META with SubType 1.
        assertRejected("iscc:ISCC:AEAT4EBWK27737D2",
                       .unknownISCCSubType(value: "ISCC:AEAT4EBWK27737D2", mainType: 0, subType: 1))
    }

    func testISCCWithLengthFieldMeaningNoValidLengthIsRejected() {
        // META, length field 8 = 288 bits; ISCC-CODE, length field 8 = no unit combination.
        let meta = "ISCC:AAEAAPQQGZLL77P4PI7BANSWX767Y6R6CA3FNP757R5D4EBWK27737D2HYIDMVQ"
        assertRejected("iscc:" + meta, .badISCCLengthField(value: meta, mainType: 0, lengthField: 8))
        let composite = "ISCC:KAEAAPQQGZLL77P4PI7BANSWX767Y6R6CA3FNP757R5D4EBWK27737D2"
        assertRejected("iscc:" + composite, .badISCCLengthField(value: composite, mainType: 5, lengthField: 8))
    }

    func testISCCWithNonBase32CharacterIsRejectedForThatCharacter() {
        guard case .badCharacter(.iscc, _, "1", _)? = rejection("iscc:ISCC:AAAT4EBWK27737D1") else { return XCTFail() }
        guard case .badCharacter(.iscc, _, "=", _)? = rejection("iscc:ISCC:EEAMGQZQTY======") else { return XCTFail() }
    }

    func testISCCWithNonZeroUnusedTrailingBitsIsRejectedForShape() {
        // Last character Y (11000) changed to Z (11001): same length, non-canonical.
        let code = "ISCC:KACYPXW445FTYNJ3CYSXHAFJMA2HUWULUNRFE3BLHRSCXYH2M5AEGQZ"
        guard case .badShape(.iscc, code, _)? = rejection("iscc:" + code) else { return XCTFail() }
    }

    func testISCCWithImpossibleBase32LengthIsRejectedForShape() {
        guard case .badShape(.iscc, _, _)? = rejection("iscc:ISCC:AAAT4EBWK") else { return XCTFail() }
    }

    func testISCCTooShortForAHeaderIsRejectedForShape() {
        guard case .badShape(.iscc, "ISCC:AA", _)? = rejection("iscc:ISCC:AA") else { return XCTFail() }
    }

    // MARK: - URL

    func testURLKeepsPathAndQuery() {
        assertCanonical("url:https://example.com/a", "url:https://example.com/a")
    }

    func testURLSchemeAndHostAreLowerCasedAndEmptyPathBecomesSlash() {
        assertCanonical("url:HTTPS://Example.COM", "url:https://example.com/")
    }

    func testURLDefaultPortIsRemoved() {
        assertCanonical("url:https://example.com:443/a", "url:https://example.com/a")
        assertCanonical("url:http://example.com:80", "url:http://example.com/")
    }

    func testURLOtherPortIsKept() {
        assertCanonical("url:https://example.com:8443/a", "url:https://example.com:8443/a")
        assertCanonical("url:http://example.com:443/", "url:http://example.com:443/")
    }

    // Changed with PROTOCOL §2 "identity is bytes": the normal form is RFC 3986 §6's, which
    // drops only an empty fragment. A non-empty one is kept: it can name one work on a page
    // that holds several (it used to be removed).
    func testURLFragmentIsKeptAndPathCaseIsKept() {
        assertCanonical("url:http://Example.com/Works/B?x=1#top", "url:http://example.com/Works/B?x=1#top")
    }

    func testURLQueryWithoutPathGetsSlash() {
        assertCanonical("url:https://doi.org?q=10.1000/182", "url:https://doi.org/?q=10.1000/182")
    }

    func testNonHTTPURLIsRejectedForPrefix() {
        assertRejected("url:ftp://example.com/a",
                       .badPrefix(scheme: .url, value: "ftp://example.com/a", expected: "http:// or https://"))
    }

    func testRelativeURLIsRejectedForShape() {
        guard case .badShape(.url, "example.com/a", _)? = rejection("url:example.com/a") else { return XCTFail() }
        guard case .badShape(.url, "https:example.com", _)? = rejection("url:https:example.com") else { return XCTFail() }
    }

    func testURLWithoutHostIsRejectedForShape() {
        guard case .badShape(.url, "https:///a", _)? = rejection("url:https:///a") else { return XCTFail() }
    }

    func testURLWithPortOutOfRangeIsRejectedForShape() {
        guard case .badShape(.url, _, _)? = rejection("url:https://example.com:65536/") else { return XCTFail() }
        guard case .badShape(.url, _, _)? = rejection("url:https://example.com:http/") else { return XCTFail() }
    }

    func testURLWithSpaceIsRejectedForThatCharacter() {
        guard case .badCharacter(.url, _, " ", _)? = rejection("url:https://example.com/a b") else { return XCTFail() }
    }

    // MARK: - URL normal form (RFC 3986 §6.2.2, §6.2.3; PROTOCOL §2)

    func testURLAsTypedInTheCLIIsNormalized() {
        // Host case, default port, dot segments and escape case, all at once.
        assertCanonical("url:https://Example.com:443/a/./b/../Caf%c3%a9", "url:https://example.com/a/Caf%C3%A9")
    }

    func testBareHTTPURLAsPastedIsAURLWorkID() throws {
        assertCanonical("https://Example.com:443/a/./b/../Caf%c3%a9", "url:https://example.com/a/Caf%C3%A9")
        assertCanonical(" HTTP://example.com", "url:http://example.com/")
        // Not in a statement: there the normal form, with its scheme, is required.
        XCTAssertThrowsError(try WorkID(parsingNormalized: "https://example.com/")) {
            XCTAssertEqual($0 as? WorkIDError, .notNormalized(given: "https://example.com/", normalized: "url:https://example.com/"))
        }
    }

    func testURLComposedAndDecomposedAccentAreOneIdentity() throws {
        // "é" as U+00E9 and as "e" + U+0301 COMBINING ACUTE ACCENT: NFC, then UTF-8, percent-encoded.
        let composed = try WorkID(parsing: "url:https://example.com/caf\u{E9}")
        let decomposed = try WorkID(parsing: "url:https://example.com/cafe\u{301}")
        XCTAssertEqual(composed.description, "url:https://example.com/caf%C3%A9")
        XCTAssertEqual(decomposed.description, "url:https://example.com/caf%C3%A9")
        XCTAssertEqual(composed, decomposed)
        XCTAssertEqual(Set([composed, decomposed]).count, 1)
        XCTAssertEqual(try WorkID(parsing: "url:https://example.com/caf%C3%A9"), composed)
    }

    func testURLHangulJamoAndSyllableAreOneIdentity() {
        // 각 as conjoining jamo (U+1100 U+1161 U+11A8) and as the syllable U+AC01 (UTF-8 EA B0 81).
        assertCanonical("url:https://example.kr/\u{1100}\u{1161}\u{11A8}", "url:https://example.kr/%EA%B0%81")
        assertCanonical("url:https://example.kr/\u{AC01}", "url:https://example.kr/%EA%B0%81")
    }

    func testURLNonASCIIInQueryAndFragmentIsEncodedToo() {
        assertCanonical("url:https://example.com/s?q=Gr\u{FC}n#Kapitel-\u{E9}",
                        "url:https://example.com/s?q=Gr%C3%BCn#Kapitel-%C3%A9")
    }

    func testURLPercentEscapesAreWrittenWithUpperCaseHex() {
        assertCanonical("url:https://example.com/a%2fb?x=%3d", "url:https://example.com/a%2Fb?x=%3D")
    }

    func testURLEscapesOfUnreservedCharactersAreDecoded() {
        // RFC 3986 §6.2.2.2: %7E is "~", %41 "A", %2D "-"; %2F ("/") is reserved and stays.
        assertCanonical("url:https://example.com/%7Euser/%41%2d%2F", "url:https://example.com/~user/A-%2F")
    }

    func testURLDotSegmentsAreRemovedAsRFC3986Section524Says() {
        // The RFC's own example, and ".." above the root.
        assertCanonical("url:http://example.com/a/b/c/./../../g", "url:http://example.com/a/g")
        assertCanonical("url:http://example.com/mid/content=5/../6", "url:http://example.com/mid/6")
        assertCanonical("url:http://example.com/../a", "url:http://example.com/a")
        assertCanonical("url:http://example.com/a/..", "url:http://example.com/")
        assertCanonical("url:http://example.com/a/.", "url:http://example.com/a/")
        // Escaped dots are dots once decoded.
        assertCanonical("url:http://example.com/a/%2E%2E/b", "url:http://example.com/b")
        // Not dot segments: kept.
        assertCanonical("url:http://example.com/a/..b/.c", "url:http://example.com/a/..b/.c")
    }

    func testURLEmptyQueryAndEmptyFragmentAreDropped() {
        assertCanonical("url:https://example.com/a?", "url:https://example.com/a")
        assertCanonical("url:https://example.com/a#", "url:https://example.com/a")
        assertCanonical("url:https://example.com?#", "url:https://example.com/")
    }

    func testURLEmptyPortAndLeadingZerosInThePortAreDropped() {
        assertCanonical("url:http://example.com:/a", "url:http://example.com/a")
        assertCanonical("url:https://example.com:0443/a", "url:https://example.com/a")
        assertCanonical("url:https://example.com:08080/a", "url:https://example.com:8080/a")
    }

    func testURLCharactersThatMustBeEncodedAreEncoded() {
        // RFC 3987 §3.1 allows converting these; RFC 3986 allows none of them in a path or query.
        assertCanonical(#"url:https://example.com/a"b<c>[d]^e`f{g|h}?i"j"#,
                        "url:https://example.com/a%22b%3Cc%3E%5Bd%5D%5Ee%60f%7Bg%7Ch%7D?i%22j")
        // A second # belongs to the fragment and must be encoded there.
        assertCanonical("url:https://example.com/a#b#c", "url:https://example.com/a#b%23c")
    }

    func testURLKeepsSubDelimitersColonAndAtInPathAndQuery() {
        assertCanonical("url:https://example.com/a:b@c!$&'()*+,;=?q=1&r=a+b/c?d",
                        "url:https://example.com/a:b@c!$&'()*+,;=?q=1&r=a+b/c?d")
    }

    func testURLKelvinSignBecomesKByNFC() {
        // U+212A KELVIN SIGN is canonically equivalent to "K": its NFC form is ASCII.
        assertCanonical("url:https://example.com/\u{212A}", "url:https://example.com/K")
    }

    func testURLIPv6HostIsLowerCased() {
        assertCanonical("url:http://[2001:DB8::1]:80/a", "url:http://[2001:db8::1]/a")
        guard case .badCharacter(.url, _, "g", _)? = rejection("url:http://[2001:db8::g]/") else { return XCTFail() }
    }

    func testURLWithUserInformationIsRefused() {
        assertRejected("url:https://alice:secret@example.com/a", .credentialsInURL(value: "https://alice:secret@example.com/a"))
        assertRejected("url:https://@example.com/a", .credentialsInURL(value: "https://@example.com/a"))
        XCTAssertTrue(rejection("url:https://alice@example.com/")?.description.contains("no user names or passwords") ?? false)
    }

    func testURLWithNonASCIIHostIsRefusedAskingForPunycode() {
        let error = rejection("url:https://b\u{FC}cher.example/")
        XCTAssertEqual(error, .nonASCIIHost(value: "https://b\u{FC}cher.example/", host: "b\u{FC}cher.example"))
        XCTAssertTrue(error?.description.contains("punycode") ?? false, error?.description ?? "")
        // The A-label form (RFC 3492's example) is accepted.
        assertCanonical("url:https://XN--BCHER-KVA.example/", "url:https://xn--bcher-kva.example/")
    }

    func testURLWithPercentInHostIsRefused() {
        guard case .badCharacter(.url, _, "%", _)? = rejection("url:https://ex%41mple.com/") else { return XCTFail() }
    }

    func testURLWithPercentThatBeginsNoEscapeIsRefused() {
        assertRejected("url:https://example.com/100%", .badPercentEscape(scheme: .url, value: "https://example.com/100%"))
        assertRejected("url:https://example.com/%G1", .badPercentEscape(scheme: .url, value: "https://example.com/%G1"))
        XCTAssertTrue(rejection("url:https://example.com/100%")?.description.contains("%25") ?? false)
    }

    func testURLWithBackslashIsRefused() {
        guard case .badCharacter(.url, _, "\\", _)? = rejection(#"url:https://example.com\a"#) else { return XCTFail() }
    }

    func testURLNonBreakingSpaceIsRefusedLikeASpace() {
        guard case .badCharacter(.url, _, "\u{A0}", _)? = rejection("url:https://example.com/a\u{A0}b") else { return XCTFail() }
    }

    // MARK: - local

    func testLocalIdentifierIsKeptAsGiven() {
        assertCanonical("local:gema.de/123-456", "local:gema.de/123-456")
    }

    func testLocalSocietyIsLowerCasedButCatalogueIDIsKept() {
        assertCanonical("local:GEMA.de/AbC-1", "local:gema.de/AbC-1")
    }

    func testLocalCatalogueIDMayContainSlashes() {
        assertCanonical("local:prs.co.uk/works/W-0001", "local:prs.co.uk/works/W-0001")
    }

    func testLocalWithoutSlashIsRejectedForShape() {
        guard case .badShape(.local, "gema.de", _)? = rejection("local:gema.de") else { return XCTFail() }
    }

    func testLocalWithEmptySocietyOrCatalogueIDIsRejectedForShape() {
        guard case .badShape(.local, "/123", _)? = rejection("local:/123") else { return XCTFail() }
        guard case .badShape(.local, "gema.de/", _)? = rejection("local:gema.de/") else { return XCTFail() }
    }

    func testLocalSocietyWithUnderscoreIsRejectedForThatCharacter() {
        guard case .badCharacter(.local, _, "_", _)? = rejection("local:ge_ma/1") else { return XCTFail() }
    }

    func testLocalCatalogueIDBeyondASCIIIsNFCAndPercentEncoded() throws {
        assertCanonical("local:sacem.fr/Caf\u{E9}-1", "local:sacem.fr/Caf%C3%A9-1")
        XCTAssertEqual(try WorkID(parsing: "local:sacem.fr/Cafe\u{301}-1"), try WorkID(parsing: "local:sacem.fr/Caf\u{E9}-1"))
    }

    func testLocalCatalogueIDEscapesAreNormalized() {
        assertCanonical("local:sacem.fr/a%c3%a9%41", "local:sacem.fr/a%C3%A9A")
        assertRejected("local:sacem.fr/50%", .badPercentEscape(scheme: .local, value: "sacem.fr/50%"))
    }

    func testLocalSocietyInUpperCaseIsNotTheNormalForm() {
        XCTAssertEqual(try? WorkID(parsingNormalized: "local:gema.de/1").description, "local:gema.de/1")
        XCTAssertThrowsError(try WorkID(parsingNormalized: "local:GEMA.de/1")) {
            XCTAssertEqual($0 as? WorkIDError, .notNormalized(given: "local:GEMA.de/1", normalized: "local:gema.de/1"))
        }
    }

    func testLocalSocietyBeyondASCIIIsRefused() {
        guard case .badCharacter(.local, _, "\u{E9}", _)? = rejection("local:soci\u{E9}t\u{E9}.fr/1") else { return XCTFail() }
    }

    func testLocalCatalogueIDWithWhitespaceOrControlCharacterIsRejected() {
        guard case .badCharacter(.local, _, " ", _)? = rejection("local:gema.de/123 456") else { return XCTFail() }
        guard case .badCharacter(.local, _, "\u{7}", _)? = rejection("local:gema.de/123\u{7}") else { return XCTFail() }
    }

    // MARK: - Normal form only (statements, PROTOCOL §2)

    func testParsingNormalizedAcceptsTheNormalForm() throws {
        for text in ["iswc:T0345246801", "url:https://example.com/caf%C3%A9", "doi:10.1000/abc%2Fdef", "local:gema.de/AbC-1"] {
            XCTAssertEqual(try WorkID(parsingNormalized: text).description, text)
        }
    }

    func testParsingNormalizedRefusesAnotherSpellingNamingTheNormalForm() {
        let cases = [
            ("iswc:T-034.524.680-1", "iswc:T0345246801"),
            ("url:https://example.com/caf\u{E9}", "url:https://example.com/caf%C3%A9"),
            ("url:https://example.com/cafe\u{301}", "url:https://example.com/caf%C3%A9"),
            ("url:https://example.com/caf%c3%a9", "url:https://example.com/caf%C3%A9"),
            ("doi:10.1000/ABC", "doi:10.1000/abc"),
            ("ISWC:T0345246801", "iswc:T0345246801"),
        ]
        for (given, normalized) in cases {
            XCTAssertThrowsError(try WorkID(parsingNormalized: given), given) { error in
                XCTAssertEqual(error as? WorkIDError, .notNormalized(given: given, normalized: normalized))
                XCTAssertTrue("\(error)".contains("write \"\(normalized)\""), "\(error)")
            }
        }
    }

    func testEveryNormalFormIsASCII() throws {
        let typed = [
            "url:https://example.com/caf\u{E9}?q=\u{1F600}#\u{AC01}", "doi:10.1000/\u{65E5}\u{672C}",
            "local:jasrac.or.jp/\u{4F5C}\u{54C1}-1", "isni:0000 0001 2281 955x", "iswc:t 070 237 182 1",
        ]
        for text in typed {
            let id = try WorkID(parsing: text)
            XCTAssertTrue(id.description.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }, id.description)
            XCTAssertEqual(try WorkID(parsingNormalized: id.description), id, text)
        }
    }

    /// NFC (UAX #15) on the cases it is known for: composition, Hangul, singletons, reordering
    /// of combining marks, composition exclusions, and a compatibility character NFC leaves
    /// alone. Expected code points from Python's `unicodedata.normalize("NFC", …)`. Foundation's
    /// `precomposedStringWithCanonicalMapping` on Linux (swift-corelibs-foundation, Swift 6.3)
    /// gets the Hangul LV + T case wrong (it leaves U+AC00 U+11A8 apart), which is why the core
    /// uses the standard library's normalizer.
    func testNFCBeforePercentEncodingFollowsUAX15AndIsDeterministic() throws {
        let cases: [(String, [UInt32])] = [
            ("cafe\u{301}", [0x63, 0x61, 0x66, 0xE9]), ("caf\u{E9}", [0x63, 0x61, 0x66, 0xE9]),
            ("\u{1100}\u{1161}\u{11A8}", [0xAC01]), ("\u{AC00}\u{11A8}", [0xAC01]),   // Hangul L V T, LV + T
            ("\u{212B}", [0xC5]), ("\u{212A}", [0x4B]), ("\u{2126}", [0x3A9]),         // singletons
            ("q\u{307}\u{323}", [0x71, 0x323, 0x307]), ("\u{1E0B}\u{323}", [0x1E0D, 0x307]), // reordering
            ("x\u{958}", [0x78, 0x915, 0x93C]),   ("x\u{344}", [0x1E8D, 0x301]),            // exclusions; U+0344 splits, x + U+0308 composes
            ("\u{FB01}", [0xFB01]),                                                    // compatibility only: kept
        ]
        for (text, scalars) in cases {
            var nfc = ""
            nfc.unicodeScalars.append(contentsOf: scalars.compactMap(Unicode.Scalar.init))
            let expected = "local:x.org/" + nfc.utf8.map { $0 < 0x80 ? String(UnicodeScalar($0)) : String(format: "%%%02X", $0) }.joined()
            let first = try WorkID(parsing: "local:x.org/" + text).description
            XCTAssertEqual(first, expected, text.unicodeScalars.map { String($0.value, radix: 16) }.joined(separator: " "))
            for _ in 0..<100 { XCTAssertEqual(try WorkID(parsing: "local:x.org/" + text).description, first) }
        }
    }

    func testCatalogueIDThatStartsWithACombiningMarkIsSplitAtTheSlash() {
        // "/" + U+0344 is one Character to Swift; the split is on the byte.
        assertCanonical("local:x.org/\u{344}", "local:x.org/%CC%88%CC%81")
    }

    // MARK: - Error messages

    func testEveryErrorMessageNamesSchemeInputAndFailedCheck() {
        let cases: [(String, [String])] = [
            ("iswc:T-034.524.680", ["iswc", "\"T-034.524.680\"", "length", "has 9"]),
            ("isrc:U5RC17607839", ["isrc", "\"U5RC17607839\"", "shape", "CCXXXYYNNNNN"]),
            ("isbn:9770317847001", ["isbn", "\"9770317847001\"", "prefix", "978 or 979"]),
            ("isni:0000 0001 2103 26A3", ["isni", "\"0000 0001 2103 26A3\"", "character \"A\""]),
            ("iscc:ISCC:QAABAPQQGZLL77P4PI", ["iscc", "\"ISCC:QAABAPQQGZLL77P4PI\"", "MainType 8"]),
            ("iscc:ISCC:AEAT4EBWK27737D2", ["iscc", "SubType 1", "META"]),
            ("local:gema.de/a\nb", ["local", "\"gema.de/a\\nb\"", "character \"\\n\""]),
            ("work", ["\"work\"", "no scheme"]),
        ]
        for (text, fragments) in cases {
            let message = rejection(text)?.description ?? ""
            for fragment in fragments {
                XCTAssertTrue(message.contains(fragment), "\(message) lacks \(fragment)")
            }
        }
    }
}
