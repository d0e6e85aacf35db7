// Receipt(text:) (a C2SP tlog-proof text) and its offline verification for a statement. A parsed
// receipt must print back to its text. The proof arithmetic is also run against the unverified
// checkpoint, so hostile indexes and sizes reach it without a valid log signature.
@testable import AssentCore

enum Target {
    static var seeds: [[UInt8]] { Samples.receipts.map { Samples.bytes($0.text) } }

    static func run(_ input: [UInt8]) {
        let receipt: Receipt
        do { receipt = try Receipt(text: text(input)) } catch {
            describe(error)
            return
        }
        require(receipt.text == text(input), "receipt does not print back to its text")
        // One statement per input (a signature check each): which one, the input's length says.
        let statement = Samples.statements[input.count % Samples.statements.count]
        do { try receipt.verify(statement: statement, logKey: Samples.log.verifierKey) } catch { describe(error) }
        guard let note = try? SignedNote(parsing: receipt.checkpoint), let checkpoint = try? Checkpoint(text: note.text) else { return }
        do {
            let leaf = try LogLeaf(index: receipt.index, origin: checkpoint.origin, prev: receipt.prev, time: receipt.time,
                                   content: .statement(Samples.statements[0]))
            try InclusionProof(index: receipt.index, size: checkpoint.size, hashes: receipt.proof).verify(leafHash: leaf.leafHash, root: checkpoint.root)
        } catch {
            describe(error)
        }
    }
}
