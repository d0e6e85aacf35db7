// WorkID(parsing:) on whatever a statement's work field holds. The normal form must be a fixed
// point: statements must carry it, so parsing it again must give it back.
@testable import AssentCore

enum Target {
    static var seeds: [[UInt8]] {
        (Samples.workIDs + ["iswc:t 070 237 182 1", "isbn:ISBN-13: 978-3-16-148410-0", "isni:0000 0001 2281 955x",
                            "doi:https://doi.org/10.1000/182", "url:HTTP://[::1]:80", "iscc:ISCC:AAAT4EBWK27737D2"]).map(Samples.bytes)
    }

    static func run(_ input: [UInt8]) {
        let id: WorkID
        do { id = try WorkID(parsing: text(input)) } catch {
            describe(error)
            return
        }
        do {
            let again = try WorkID(parsing: id.description)
            require(again == id, "\(id) parses to \(again)")
        } catch {
            require(false, "normal form \(id) is refused: \(error)")
        }
    }
}
