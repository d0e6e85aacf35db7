// PublicKey(bytes:) and PublicKey(base64:): the gate every key from outside passes (statement
// `by`, `party`, verifier keys, key files), with its own GF(2^255−19) arithmetic on the bytes.
// Any 32 bytes must give a key or an error; an accepted key keeps its bytes.
@testable import AssentCore

enum Target {
    static var seeds: [[UInt8]] {
        [Samples.declarant.publicKey.bytes, Samples.operatorKey.publicKey.bytes, [UInt8](repeating: 0xFF, count: 32),
         [0xEC] + [UInt8](repeating: 0xFF, count: 30) + [0x7F], [1] + [UInt8](repeating: 0, count: 31)]
    }

    static func run(_ input: [UInt8]) {
        do {
            let key = try PublicKey(bytes: input)
            require(key.bytes == input, "key does not keep its bytes")
        } catch {
            describe(error)
        }
        do { _ = try PublicKey(base64: text(input)) } catch { describe(error) }
    }
}
