import AssentCore
import AssentStore
import Hummingbird

extension Node {
    /// `GET /v1/map/proof` (docs/node.md "State map proofs"): the state of a work, a declarant on
    /// a work, or a party at time T, proved against the latest epoch leaf's map root
    /// (`LogStore.mapStateProof`, docs/state-map.md §7). The reply names that epoch (leaf index,
    /// time, map root), so a client checks the root against a checkpoint-covered epoch leaf.
    func addMapProofRoute(to router: Router<NodeRequestContext>) {
        let store = self.store
        router.get("/v1/map/proof") { request, _ -> Response in
            let query: MapProofQuery
            do { query = try MapProofQuery(request.uri.query) } catch { return .problem(.badRequest("\(error)")) }
            let answer: MapProofAnswer
            do { answer = try await store.mapStateProof(query.subject, at: query.at ?? Timestamp(milliseconds: .max)) } catch let error as StoreError {
                guard case let .notFound(what) = error else { throw error }
                return .problem(.notFound("\(what) not found: the log has no epoch leaf whose map root a proof could be checked against yet"))
            }
            return .json(MapProofRoute.json(answer))
        }
    }
}

/// The reply of `GET /v1/map/proof`.
enum MapProofRoute {
    /// `{"epoch": {"index": N, "map": base64 root, "time": T}, "proof": MapStateProof JSON}`.
    static func json(_ answer: MapProofAnswer) -> JSONValue {
        ["epoch": ["index": .integer(Int64(answer.epoch.index)), "map": .string(answer.epoch.mapRoot.base64),
                   "time": .string(answer.epoch.time.rfc3339)],
         "proof": answer.proof.json]
    }
}
