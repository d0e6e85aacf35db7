// Checkpoint(text:) on a note body, and Checkpoint.verified on a whole signed note. A parsed
// checkpoint must print back to the same text.
@testable import AssentCore

enum Target {
    static var seeds: [[UInt8]] {
        [Samples.bytes(Samples.checkpoint.text), Samples.bytes(Samples.note.serialized),
         Samples.bytes(Checkpoint(origin: "o", size: UInt64.max, root: .zero).text)]
    }

    static func run(_ input: [UInt8]) {
        let body = text(input)
        do {
            let checkpoint = try Checkpoint(text: body)
            require(checkpoint.text == body, "checkpoint does not print back to its text")
        } catch {
            describe(error)
        }
        do {
            _ = try Checkpoint.verified(try SignedNote(parsing: body), logKey: Samples.log.verifierKey)
        } catch {
            describe(error)
        }
    }
}
