import CZlib

/// gzip (RFC 1952) through zlib, for `Content-Encoding: gzip` on entry bundles.
///
/// Level 1 (`Z_BEST_SPEED`, nginx's default for `gzip_comp_level`), not zlib's default 6: on a
/// log's bundles it takes two thirds of the CPU for 3% more bytes (24.9% of the bundle against
/// 24.2%), and a node compresses every bundle its peers catch up on (docs/benchmarks.md,
/// "Replication": a third of the source node's CPU at level 6).
enum Gzip {
    static let level = Z_BEST_SPEED

    static func compress(_ input: [UInt8]) -> [UInt8]? {
        var stream = z_stream()
        // windowBits 15 + 16 selects the gzip wrapper.
        guard deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 32)
        var input = input
        let status: Int32 = input.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = inBuf.baseAddress
                stream.avail_in = uInt(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = uInt(outBuf.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { return nil }
        return Array(output.prefix(Int(stream.total_out)))
    }
}
