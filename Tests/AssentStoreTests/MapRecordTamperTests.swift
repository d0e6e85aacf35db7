@testable import AssentCore
@testable import AssentStore
import Foundation
import GRDB
import XCTest

/// A `map_records` row whose record bytes no longer hash to its `value` column: the tree (built
/// from the key and value columns) still gives the epoch's root, so the store opens, yet state
/// queries read the record bytes. Such a row must not pass `assent store check`.
final class MapRecordTamperTests: StoreTestCase {
    let operatorKey = try! SigningKey(seed: [UInt8](repeating: 9, count: 32))
    var work: WorkID { try! WorkID(parsing: "iswc:T0345246801") }

    func at(_ minutes: Int) -> Timestamp { Timestamp(milliseconds: t0.milliseconds + Int64(minutes) * 60_000) }

    func testARecordWhoseBytesDoNotHashToItsValueIsReportedByTheStoreCheck() throws {
        let store = try open()
        try append([.sign(.enrollment(Enrollment(by: operatorKey.publicKey, issued: at(1), party: author.publicKey, role: .creator)), with: operatorKey),
                    .sign(.mandate(Mandate(by: operatorKey.publicKey, issued: at(1), party: author.publicKey, works: [work], role: .author)), with: operatorKey)],
                   at: at(1), to: store)
        // Leaf 3: the author allows training; leaf 5: the author refuses it.
        try append([.sign(.preference(Preference(by: author.publicKey, issued: at(2), work: work, usage: ["train-ai": true])), with: author)], at: at(2), to: store)
        try append([.sign(.preference(Preference(by: author.publicKey, issued: at(3), work: work, usage: ["train-ai": false])), with: author)], at: at(3), to: store)
        let query = Resolution.Query(work: work, at: at(3))
        XCTAssertEqual(try store.readBlocking { try $0.workState(query, operators: [operatorKey.publicKey], cache: ParsedStateCache()) }.decision[.trainAI], .disallowed)
        XCTAssertTrue(try StoreCheck.run(path: directory.path).ok)

        // Version 2 of the author's declarations rewritten to reference the earlier grant (leaf 3,
        // its true hash), its key and value columns left as they were.
        let leaf3 = try LogLeaf(bytes: try XCTUnwrap(try store.leafBytes(at: 3)))
        let leaf5 = try LogLeaf(bytes: try XCTUnwrap(try store.leafBytes(at: 5)))
        let stored = try DatabaseQueue(path: path).read {
            try Data.fetchOne($0, sql: "SELECT record FROM map_records WHERE idx = 5")
        }
        let text = String(decoding: try XCTUnwrap(stored), as: UTF8.self)
            .replacingOccurrences(of: #"{"hash":"\#(leaf5.leafHash.base64)","index":5}"#, with: #"{"hash":"\#(leaf3.leafHash.base64)","index":3}"#)
        try sqlite("UPDATE map_records SET record = ? WHERE idx = 5", [Data(text.utf8)])

        // The store opens (its tree comes from the key and value columns) and now answers "allowed".
        let reopened = try open()
        let answer = try reopened.readBlocking { try $0.workState(query, operators: [operatorKey.publicKey], cache: ParsedStateCache()) }
        XCTAssertEqual(answer.decision[.trainAI], .allowed, "the tampered record is read as it is")
        // The check must catch it: the record's bytes do not hash to the value the map holds.
        let report = try StoreCheck.run(path: directory.path)
        XCTAssertEqual(report.failures.map(\.kind), [.mapRecords], report.text)
        XCTAssertEqual(report.firstFailure?.leaf, 5, report.text)
    }
}
