import AssentCore
import Hummingbird
import NIOCore

/// The lines of a bulk check's reply (`POST /v1/check`, docs/node.md "Bulk check"), written the
/// same way whether a single node's log or every trusted log decided the works.
extension Node {
    /// Writes one chunk's answers in input order, one line a work line: `{"line", "problem"}` for
    /// a line that is not a work id; otherwise what `answer` writes for the work at that position
    /// in `asked`, which returns false (writing nothing) to leave the work without a line.
    static func writeCheckLines(_ asked: [(line: Int, work: Result<WorkID, Problem>)], to writer: inout any ResponseBodyWriter,
                                answer: (_ position: Int, _ work: WorkID, _ lines: inout CanonicalJSONWriter) -> Bool) async throws {
        var lines = CanonicalJSONWriter(capacity: asked.count * 160)
        for (i, item) in asked.enumerated() {
            switch item.work {
            case let .failure(problem): lines.value(["line": .integer(Int64(item.line)), "problem": problem.json])
            case let .success(work):
                guard answer(i, work, &lines) else { continue }
            }
            lines.endLine()
        }
        var out = ByteBuffer()
        out.writeBytes(lines.bytes)
        try await writer.write(out)
    }

    /// A failure of the node while answering: the status is already sent, so the failure is said
    /// on the stream (`{"problem"}`, an internal error), then the stream stops: `CheckStopped`,
    /// which `answerCheck` ends the reply on, without the `end` line (a cut answer).
    static func stopCheck(after error: any Error, writer: inout any ResponseBodyWriter) async throws -> Never {
        var out = ByteBuffer()
        appendLine(["problem": Problem.internalError(error).json], to: &out)
        try await writer.write(out)
        throw CheckStopped()
    }

    /// Thrown once a node failure was said on the stream: nothing more is written.
    struct CheckStopped: Error {}
}
