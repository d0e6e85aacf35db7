import AssentCore
import Hummingbird

extension Node {
    /// `GET /v1/evidence`: every piece of equivocation evidence this node recorded, oldest
    /// first, each with when it was found, the log key it verified with and the evidence file
    /// (`assent verify-evidence` checks it offline). Evidence needs the log's own signature on
    /// both sides, so the list stays as short as the logs are honest.
    func addEvidenceRoute(to router: Router<NodeRequestContext>) {
        let store = evidence.store
        router.get("/v1/evidence") { _, _ -> Response in
            let recorded = try await store.all()
            return .json(["evidence": .array(recorded.map { item in
                ["id": .string(item.evidence.id.base64), "foundAt": .string(item.foundAt.rfc3339),
                 "logKey": .string(item.logKey.description), "evidence": item.evidence.json]
            })])
        }
    }
}
