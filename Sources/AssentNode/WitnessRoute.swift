import AssentCore
import Hummingbird

extension Node {
    /// `POST /add-checkpoint` (C2SP tlog-witness v1.0.0; PROTOCOL §8), at the path the spec
    /// names, outside `/v1`. The body is read up to `AddCheckpointRequest.maxBytes`; a larger
    /// one is `too-large` (413) before it is parsed.
    func addWitnessRoute(to router: Router<NodeRequestContext>) {
        let witness = self.witness
        router.post("/add-checkpoint") { request, _ -> Response in
            let body = try await request.body.collect(upTo: AddCheckpointRequest.maxBytes)
            switch await witness.addCheckpoint(Array(buffer: body)) {
            case let .cosigned(lines):
                return .bytes(Array(lines.utf8), contentType: "text/plain; charset=utf-8")
            case let .conflict(latest):
                // tlog-witness: the size last cosigned, in decimal, then a newline, as text/x.tlog.size.
                return .bytes(Array("\(latest)\n".utf8), status: .conflict, contentType: "text/x.tlog.size")
            case let .refused(problem):
                return .problem(problem)
            }
        }
    }
}
