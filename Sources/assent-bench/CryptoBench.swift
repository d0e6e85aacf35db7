import AssentCore

/// SHA-256 leaf hashing and Ed25519 sign/verify through the AssentCore wrappers, with the
/// inputs and timing loop of Scripts/bench/crypto_bound.c, so the two are directly comparable.
enum CryptoBench {
    static let measurements = ["leaf_hash", "sign", "verify"]
    nonisolated(unsafe) static var sink: UInt8 = 0

    static func run(seconds: Double, leafBytes: Int, messageBytes: Int, only: String, json: Bool) throws {
        guard seconds > 0, leafBytes > 0, messageBytes > 0 else { throw UsageError(description: "seconds and sizes must be positive") }
        guard only == "all" || measurements.contains(only) else {
            throw UsageError(description: "unknown measurement \"\(only)\": expected all, \(measurements.joined(separator: ", "))")
        }
        let leaf = patternBytes(leafBytes)
        let message = patternBytes(messageBytes)
        let key = try SigningKey(seed: (1...32).map { UInt8($0) })
        let publicKey = key.publicKey
        let signature = key.sign(message)
        guard publicKey.isValidSignature(signature, for: message) else { throw UsageError(description: "self-check: signature does not verify") }

        func wanted(_ name: String) -> Bool { only == "all" || only == name }
        var leafHash: Double?, sign: Double?, verify: Double?
        if wanted("leaf_hash") {
            leafHash = warmThenMeasure(seconds: seconds) { sink ^= MerkleTree.leafHash(leaf).withUnsafeBytes { $0[0] } }
        }
        if wanted("sign") {
            sign = warmThenMeasure(seconds: seconds) { sink ^= key.sign(message)[0] }
        }
        if wanted("verify") {
            var failures = 0
            verify = warmThenMeasure(seconds: seconds) { if !publicKey.isValidSignature(signature, for: message) { failures += 1 } }
            guard failures == 0 else { throw UsageError(description: "\(failures) verifications failed") }
        }

        if json {
            func value(_ d: Double?) -> Out { d.map { .number($0) } ?? .null }
            print(Out.object([
                ("seconds", .number(seconds)), ("leaf_bytes", .integer(Int64(leafBytes))),
                ("message_bytes", .integer(Int64(messageBytes))),
                ("leaf_hash", value(leafHash)), ("sign", value(sign)), ("verify", value(verify)),
            ]).text)
        } else {
            print("AssentCore crypto wrappers, single thread, per CPU-second (\(seconds) s of CPU each)")
            if let leafHash { print("  MerkleTree.leafHash (\(leafBytes)-byte leaf)         \(grouped(leafHash).leftPad(12)) /s") }
            if let sign { print("  SigningKey.sign (\(messageBytes)-byte message)           \(grouped(sign).leftPad(12)) /s") }
            if let verify { print("  PublicKey.isValidSignature (\(messageBytes)-byte message) \(grouped(verify).leftPad(12)) /s") }
        }
    }
}

extension String {
    func leftPad(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
