import AssentCore

/// SHA-256 leaf hashing and Ed25519 sign/verify through the AssentCore wrappers, with the
/// inputs and timing loop of Scripts/bench/crypto_bound.c, so the two are directly comparable.
enum CryptoBench {
    nonisolated(unsafe) static var sink: UInt8 = 0

    static func run(seconds: Double, leafBytes: Int, messageBytes: Int, json: Bool) throws {
        let leaf = patternBytes(leafBytes)
        let message = patternBytes(messageBytes)
        let key = try SigningKey(seed: (1...32).map { UInt8($0) })
        let publicKey = key.publicKey
        let signature = key.sign(message)
        guard publicKey.isValidSignature(signature, for: message) else { throw UsageError(description: "self-check: signature does not verify") }

        let leafHash = warmThenMeasure(seconds: seconds) { sink ^= MerkleTree.leafHash(leaf).bytes[0] }
        let sign = warmThenMeasure(seconds: seconds) { sink ^= key.sign(message)[0] }
        var failures = 0
        let verify = warmThenMeasure(seconds: seconds) { if !publicKey.isValidSignature(signature, for: message) { failures += 1 } }
        guard failures == 0 else { throw UsageError(description: "\(failures) verifications failed") }

        if json {
            print(Out.object([
                ("seconds", .number(seconds)), ("leaf_bytes", .integer(Int64(leafBytes))),
                ("message_bytes", .integer(Int64(messageBytes))),
                ("leaf_hash", .number(leafHash)), ("sign", .number(sign)), ("verify", .number(verify)),
            ]).text)
        } else {
            print("AssentCore crypto wrappers, single thread, per CPU-second (\(seconds) s of CPU each)")
            print("  MerkleTree.leafHash (\(leafBytes)-byte leaf)      \(grouped(leafHash).leftPad(12)) /s")
            print("  SigningKey.sign (\(messageBytes)-byte message)        \(grouped(sign).leftPad(12)) /s")
            print("  PublicKey.isValidSignature (\(messageBytes) B)    \(grouped(verify).leftPad(12)) /s")
        }
    }
}

extension String {
    func leftPad(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
