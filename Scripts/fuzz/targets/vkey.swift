// Note keys as read from flags and key files: NoteVerifierKey(parsing:) and
// NoteSigner(parsingPrivateKey:). An accepted key must print back to its text.
@testable import AssentCore

enum Target {
    static var seeds: [[UInt8]] {
        [Samples.log.verifierKey.description, Samples.witness.verifierKey.description, Samples.log.privateKeyString + "\n"].map(Samples.bytes)
    }

    static func run(_ input: [UInt8]) {
        let s = text(input)
        do {
            let key = try NoteVerifierKey(parsing: s)
            require(key.description == s, "verifier key \(s) prints as \(key)")
        } catch {
            describe(error)
        }
        do {
            let signer = try NoteSigner(parsingPrivateKey: s)
            require(signer.privateKeyString == String(s.trimmingTrailingNewlines), "private key prints differently")
        } catch {
            describe(error)
        }
    }
}
