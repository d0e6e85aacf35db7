import CZlib
import XCTest

/// Decodes a gzip stream (RFC 1952) with zlib, so a test can check what the node sent.
func gunzip(_ input: [UInt8]) throws -> [UInt8] {
    var stream = z_stream()
    // windowBits 15 + 16: gzip wrapper only.
    guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
        throw XCTSkip("zlib inflateInit2 failed")
    }
    defer { inflateEnd(&stream) }
    var input = input
    var output = [UInt8]()
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    var status: Int32 = Z_OK
    try input.withUnsafeMutableBufferPointer { inBuf in
        stream.next_in = inBuf.baseAddress
        stream.avail_in = uInt(inBuf.count)
        while status != Z_STREAM_END {
            let produced: Int = chunk.withUnsafeMutableBufferPointer { outBuf in
                stream.next_out = outBuf.baseAddress
                stream.avail_out = uInt(outBuf.count)
                status = inflate(&stream, Z_NO_FLUSH)
                return outBuf.count - Int(stream.avail_out)
            }
            guard status == Z_OK || status == Z_STREAM_END else {
                struct NotGzip: Error { let status: Int32 }
                throw NotGzip(status: status)
            }
            output += chunk[0..<produced]
        }
    }
    return output
}
