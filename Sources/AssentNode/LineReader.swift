import Hummingbird
import NIOCore

/// Reads a request body line by line as it arrives (NDJSON, `POST /v1/check`), holding at most
/// one line of `maxLine` bytes and one received buffer: memory does not grow with the body.
/// A longer line is skipped to its end and reported as `.tooLong`; a body over `maxBytes` throws.
///
/// Used by one task at a time (the handler reads the first line, then the response writer reads
/// the rest, strictly after it), hence `@unchecked Sendable`: nothing reads it concurrently.
final class LineReader: @unchecked Sendable {
    enum Line {
        case line([UInt8])
        /// A line longer than `maxLine`, skipped.
        case tooLong
    }

    struct TooLarge: Error {
        let limit: Int
    }

    private var iterator: RequestBody.AsyncIterator
    private var buffer = ByteBuffer()
    private var finished = false
    private(set) var bytesRead = 0
    /// Lines returned so far (including blank and too-long ones): the number of the last line.
    private(set) var lineNumber = 0
    let maxLine: Int
    let maxBytes: Int

    init(_ body: RequestBody, maxLine: Int, maxBytes: Int) {
        iterator = body.makeAsyncIterator()
        self.maxLine = maxLine
        self.maxBytes = maxBytes
    }

    /// The next line without its `\n` (and a `\r` before it), or nil at the end of the body.
    func next() async throws -> Line? {
        var line = [UInt8]()
        var skipping = false
        while true {
            if let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
                let count = newline - buffer.readerIndex
                if !skipping, line.count + count <= maxLine {
                    line += buffer.readBytes(length: count) ?? []
                } else {
                    skipping = true
                    buffer.moveReaderIndex(forwardBy: count)
                }
                buffer.moveReaderIndex(forwardBy: 1)
                return finish(line, skipped: skipping)
            }
            // No newline in what is buffered: keep it (up to the line limit) and read more.
            let count = buffer.readableBytes
            if !skipping, line.count + count <= maxLine {
                line += buffer.readBytes(length: count) ?? []
            } else {
                skipping = true
                line = []
                buffer.moveReaderIndex(forwardBy: count)
            }
            buffer.discardReadBytes()
            guard !finished, let more = try await iterator.next() else {
                finished = true
                // The last line may lack its newline.
                return line.isEmpty && !skipping ? nil : finish(line, skipped: skipping)
            }
            bytesRead += more.readableBytes
            guard bytesRead <= maxBytes else { throw TooLarge(limit: maxBytes) }
            buffer = more
        }
    }

    private func finish(_ line: [UInt8], skipped: Bool) -> Line {
        lineNumber += 1
        if skipped { return .tooLong }
        return .line(line.last == UInt8(ascii: "\r") ? Array(line.dropLast()) : line)
    }
}
