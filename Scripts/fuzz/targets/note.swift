// SignedNote(parsing:) on whatever a server or a file holds, then its signatures against the
// log key and the witness key. A parsed note must serialize back to the same text.
@testable import AssentCore

enum Target {
    static var seeds: [[UInt8]] { [Samples.bytes(Samples.note.serialized)] + Samples.receipts.prefix(1).map { Samples.bytes($0.checkpoint) } }

    static func run(_ input: [UInt8]) {
        let serialized = text(input)
        do {
            let note = try SignedNote(parsing: serialized)
            require(note.serialized == serialized, "note does not serialize to the text it was parsed from")
            do { try note.verify(keys: [Samples.log.verifierKey]) } catch { describe(error) }
            do { _ = try Cosignature.verify(note, witness: Samples.witness.verifierKey) } catch { describe(error) }
        } catch {
            describe(error)
        }
    }
}
