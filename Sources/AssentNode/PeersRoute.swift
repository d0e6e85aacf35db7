import AssentCore
import Hummingbird

extension Node {
    /// `GET /v1/peers`: the replication of each peer log (docs/openapi.yaml, `Peers`), with the
    /// path its mirror is served under. Empty for a node without peers.
    func addPeersRoute(to router: Router<NodeRequestContext>) {
        let replicator = self.replicator
        router.get("/v1/peers") { _, _ -> Response in
            let peers: [JSONValue] = (replicator?.status() ?? []).map { status in
                guard case var .object(o) = status.json else { return status.json }
                o["mirror"] = .string("/logs/\(ServedLog.pathName(origin: status.origin))/")
                return .object(o)
            }
            return .json(["peers": .array(peers)])
        }
    }
}
