// Base64.decode: strict, so each byte string has one accepted spelling, which encode gives back.
@testable import AssentCore

enum Target {
    static var seeds: [[UInt8]] { ["", "AA==", "AAA=", "AAAA", "+/+/", Samples.log.verifierKey.publicKey.base64].map(Samples.bytes) }

    static func run(_ input: [UInt8]) {
        if let decoded = Base64.decode(bytes: input) {
            require(Array(Base64.encode(decoded).utf8) == input, "base64 is accepted in a second spelling")
        }
        let s = text(input)
        if let decoded = Base64.decode(s) {
            require(Base64.encode(decoded) == s, "base64 text is accepted in a second spelling")
        }
        _ = Hash(base64: s)
        _ = try? PublicKey(base64: s)
    }
}
