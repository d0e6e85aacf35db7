import AssentCore
import Foundation

/// What a follower spends on each leaf besides its signature: leaves made as the replication
/// bench's source makes them (preferences by 16 declarants, an epoch leaf every 1,000), then
/// parsed on one thread as a mirror parses its peer's (`LogLeaf(bytes:signedLeafHash:)`, the
/// signature verified) and as a store reads its own back (`LogLeaf(storedBytes:)`, every rule
/// but the signature), against the Ed25519 verify rate of the same statements, all per CPU-second.
enum ParseBench {
    static func run(leaves count: Int, seconds: Double, json: Bool) throws {
        guard count >= 1000 else { throw UsageError(description: "leaves must be at least 1,000") }
        let origin = ReplicateBench.origin
        let authors = try (0..<16).map { i in try SigningKey(seed: [UInt8](repeating: UInt8(100 + i), count: 32)) }
        var chain = ChainVerifier(origin: origin)
        var leaves = [LogLeaf]()
        leaves.reserveCapacity(count)
        var statements = 0
        while leaves.count < count {
            let time = Timestamp(milliseconds: StoreBench.t0.milliseconds + Int64(leaves.count / 1000) * 1000)
            let content: LogLeaf.Content
            if leaves.count % 1000 == 999 {
                content = .epoch(mapRoot: Hash.zero, size: chain.nextIndex)
            } else {
                content = .statement(StoreBench.statement(number: statements, author: authors[statements % authors.count]))
                statements += 1
            }
            let leaf = try LogLeaf(index: chain.nextIndex, origin: origin, prev: chain.prevHash, time: time, content: content)
            try chain.append(leaf)
            leaves.append(leaf)
        }
        let bytes = leaves.map(\.bytes), hashes = leaves.map(\.leafHash)
        let signed = leaves.compactMap(\.statement)
        var i = 0
        let parsed = warmThenMeasure(seconds: seconds) {
            _ = try! LogLeaf(bytes: bytes[i], signedLeafHash: hashes[i])
            i = (i + 1) % bytes.count
        }
        i = 0
        let stored = warmThenMeasure(seconds: seconds) {
            _ = try! LogLeaf(storedBytes: bytes[i])
            i = (i + 1) % bytes.count
        }
        // The statements' own signatures over their signed bodies, as the parse verifies them.
        let messages = signed.map { SignedStatement.domain + CanonicalJSON.encode($0.statement.json) }
        i = 0
        let verified = warmThenMeasure(seconds: seconds) {
            precondition(signed[i].statement.by.isValidSignature(signed[i].signature, for: messages[i]))
            i = (i + 1) % signed.count
        }
        let bytesPerLeaf = Double(bytes.reduce(0) { $0 + $1.count }) / Double(bytes.count)
        let withoutSignature = 1e6 / stored, parse = 1e6 / parsed, verify = 1e6 / verified
        if json {
            let object: [String: Any] = ["leaves": count, "bytes_per_leaf": bytesPerLeaf, "parsed_per_cpu_second": parsed,
                                         "stored_parsed_per_cpu_second": stored, "verified_per_cpu_second": verified,
                                         "parse_us": parse, "parse_without_signature_us": withoutSignature, "verify_us": verify]
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        } else {
            print("\(grouped(Double(count))) leaves of \(String(format: "%.0f", bytesPerLeaf)) bytes, one thread, per CPU-second:")
            print("  parsed as a mirror parses its peer's (signature verified): \(grouped(parsed))/s, \(String(format: "%.2f", parse)) us a leaf")
            print("  parsed as stored (no signature):                           \(grouped(stored))/s, \(String(format: "%.2f", withoutSignature)) us a leaf")
            print("  their signatures verified alone:                           \(grouped(verified))/s, \(String(format: "%.2f", verify)) us a statement")
        }
    }
}
