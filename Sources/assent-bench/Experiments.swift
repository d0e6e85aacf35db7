import AssentCore
import COpenSSL

enum Experiments {
    nonisolated(unsafe) static var sink: UInt8 = 0

    @inline(never)
    static func concreteLeafHash(_ leaf: [UInt8]) -> Hash {
        var digest = [UInt8](repeating: 0, count: 32)
        leaf.withUnsafeBytes { leafBytes in
            var prefix: UInt8 = 0
            let ctx = EVP_MD_CTX_new()
            defer { EVP_MD_CTX_free(ctx) }
            EVP_DigestInit_ex(ctx, EVP_sha256(), nil)
            EVP_DigestUpdate(ctx, &prefix, 1)
            EVP_DigestUpdate(ctx, leafBytes.baseAddress, leafBytes.count)
            EVP_DigestFinal_ex(ctx, &digest, nil)
        }
        return Hash(bytes: digest)!
    }

    @inline(never)
    static func noAllocLeafHash(_ leaf: [UInt8], _ out: UnsafeMutablePointer<UInt8>) {
        leaf.withUnsafeBytes { leafBytes in
            var prefix: UInt8 = 0
            let ctx = EVP_MD_CTX_new()
            defer { EVP_MD_CTX_free(ctx) }
            EVP_DigestInit_ex(ctx, EVP_sha256(), nil)
            EVP_DigestUpdate(ctx, &prefix, 1)
            EVP_DigestUpdate(ctx, leafBytes.baseAddress, leafBytes.count)
            EVP_DigestFinal_ex(ctx, out, nil)
        }
    }

    static func run(seconds: Double) {
        let leaf = patternBytes(400)
        let out = UnsafeMutablePointer<UInt8>.allocate(capacity: 32)
        for _ in 0..<3 {
            let a = warmThenMeasure(seconds: seconds) { sink ^= MerkleTree.leafHash(leaf).bytes[0] }
            let b = warmThenMeasure(seconds: seconds) { sink ^= concreteLeafHash(leaf).bytes[0] }
            let c = warmThenMeasure(seconds: seconds) { noAllocLeafHash(leaf, out); sink ^= out[0] }
            let d = warmThenMeasure(seconds: seconds) { let x = [UInt8](repeating: 0, count: 32); sink ^= Hash(bytes: x)!.bytes[0] }
            print("core \(Int(a))  concrete \(Int(b)) (\(b/a))  no-alloc \(Int(c)) (\(c/a))  alloc-only \(Int(d))")
        }
    }
}
