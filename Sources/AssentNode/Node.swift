import AssentCore
import AssentStore
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A society's node: its database, keys, sequencer and HTTP API.
public final class Node: Sendable {
    public let config: NodeConfig
    public let keys: NodeKeys
    public let database: AssentDatabase
    public let store: LogStore
    public let sequencer: Sequencer
    /// Truncates the WAL after erasures, off the write path.
    public let walTruncation: WALTruncation
    public let metrics: NodeMetrics
    /// Equivocation evidence found by the witness and the replicator (`GET /v1/evidence`).
    public let evidence: EvidenceRecorder
    /// The intake rules (PROTOCOL §3) with this node's clock window and trusted operator keys.
    public let admission: Admission
    public let openDeclarations: OpenDeclarationLimiter
    public let clock: any NodeClock
    /// The federation file the configuration names (docs/federation.md); nil for a node alone.
    public let federation: Federation?
    /// Cosignatures of the notes receipts carry, for submit replies; nil for a node alone.
    let cosignatureCount: CosignatureCount?
    let lock: DataDirectoryLock
    let logger: Logger
    /// gzip-encoded full entry bundles, kept.
    let bundles: EntryBundleCache
    /// Large request bodies handled at once.
    let bodyPermits: BodyPermits
    let connections: OpenConnections
    /// Follows the peer logs into mirrors; nil without peers (a single node).
    public let replicator: Replicator?
    /// Cosigns the peer logs' checkpoints once replicated (`POST /add-checkpoint`); without a
    /// federation or peers it knows no log and answers every request 404.
    public let witness: Witness
    /// The mirrors the read routes serve, by the hex SHA-256 of their origin.
    let servedMirrors: [String: ServedLog]
    /// Its own log and the mirrors, read together for admission and state (docs/federation.md
    /// "One federation, one answer"); nil without peers (a single node reads its own log).
    public let trusted: FederatedState?

    /// A node. With a federation file it mirrors the file's other logs, replaying their leaves
    /// with the federation's operator keys as those their sequencers trusted. `peers` and
    /// `peerOperators`, when `peers` is not empty, stand in for the file's (tests, tools).
    public init(config: NodeConfig, clock: any NodeClock = SystemClock(), logger: Logger,
                peers givenPeers: [Replicator.Peer] = [], peerOperators givenOperators: Set<PublicKey> = [],
                replication: Replicator.Settings = .init()) throws {
        try config.validate()
        self.config = config
        self.clock = clock
        self.logger = logger
        keys = try NodeKeys.loadOrCreate(dataDirectory: config.dataDirectory, origin: config.origin, logger: logger)
        // Before the database is touched: one node per data directory.
        lock = try DataDirectoryLock(directory: config.dataDirectory)
        if let path = config.federation {
            let federation = try FederationFile.load(path: path)
            try FederationFile.check(federation, origin: config.origin, keys: keys, path: path)
            self.federation = federation
        } else {
            federation = nil
        }
        cosignatureCount = federation.map(CosignatureCount.init)
        // Enrollments and mandates are taken from every operator the federation lists (PROTOCOL
        // §3: "a trusted operator key"), and always from this node's own operator.
        admission = Admission(window: try config.clockWindow(),
                              operators: (federation?.operatorKeys ?? []).union([keys.operator.key.publicKey]))
        openDeclarations = OpenDeclarationLimiter(policy: config.openDeclarations)
        database = try AssentDatabase(path: (config.dataDirectory as NSString).appendingPathComponent("node.sqlite"))
        // Opening verifies the stored tree against the latest signed checkpoint and throws if they differ.
        store = try database.openLog(origin: config.origin, verifierKey: keys.log.verifierKey, role: .own)
        metrics = NodeMetrics()
        evidence = try EvidenceRecorder(store: EvidenceStore(database: database), metrics: metrics, logger: logger, clock: clock)
        bundles = EntryBundleCache(capacityBytes: config.bundleCacheBytes)
        bodyPermits = BodyPermits(limit: config.maxConcurrentLargeBodies)
        connections = OpenConnections(metrics: metrics)
        let walTruncation = WALTruncation(database: database, logger: logger)
        self.walTruncation = walTruncation
        sequencer = Sequencer(
            store: store, signer: keys.log,
            settings: .init(batchSize: config.batchSize, batchInterval: .milliseconds(config.batchIntervalMilliseconds),
                            epochInterval: .seconds(config.epochIntervalSeconds), maxQueued: config.maxQueued),
            clock: clock, metrics: metrics, logger: logger,
            cosigner: Cosigner(federation: federation, witnesses: Node.witnesses(of: federation, ownKey: keys.witness.verifierKey),
                               store: store, timeout: .milliseconds(config.witnessTimeoutMilliseconds), metrics: metrics, logger: logger),
            erasureLogged: { walTruncation.signal() })
        let followed = givenPeers.isEmpty
            ? (federation?.logs ?? []).filter { !Bytewise.equal($0.origin, config.origin) }.map { Replicator.Peer(origin: $0.origin, key: $0.key, url: $0.url) }
            : givenPeers
        let peerOperators = givenPeers.isEmpty ? (federation?.operatorKeys ?? []) : givenOperators
        if followed.isEmpty {
            replicator = nil
            servedMirrors = [:]
        } else {
            let replicator = try Replicator(database: database, peers: followed, operators: peerOperators, settings: replication,
                                            clock: clock, metrics: metrics, logger: logger,
                                            recordEvidence: { [evidence] in try await evidence.record($0, logKey: $1) })
            self.replicator = replicator
            // Each mirror keeps its own gzip bundles, the node's budget shared among its logs.
            let share = config.bundleCacheBytes / (followed.count + 1)
            servedMirrors = Dictionary(uniqueKeysWithValues: replicator.mirrors.map { origin, store in
                (ServedLog.pathName(origin: origin), ServedLog(store: store, bundles: EntryBundleCache(capacityBytes: share)))
            })
        }
        let own = store
        trusted = try replicator.map { try FederatedState(logs: [own] + $0.mirrors.values) }
        // The logs this node witnesses are those it follows (it cosigns only what it replicated):
        // the federation's other logs, or the peers given. Looked up bytewise (PROTOCOL §2).
        let witnessed = followed.map { ($0.origin, $0.key) }
        witness = Witness(signer: keys.witness, logKey: { origin in witnessed.first { Bytewise.equal($0.0, origin) }?.1 },
                          replication: replicator, state: WitnessStateStore(database: database), evidence: evidence, clock: clock,
                          deadline: .milliseconds(config.witnessCatchUpMilliseconds), logger: logger)
        logger.info("log opened", metadata: ["origin": "\(config.origin)", "size": "\(store.size)", "logKey": "\(keys.log.verifierKey)"])
        // Where the node's memory goes at open (docs/benchmarks.md "Node memory and past T"): the
        // map's tree and the consent index are the two structures that grow with the catalogue.
        // The index's count walks every work, so only when the line is logged.
        if logger.logLevel <= .info {
            let map = store.mapSize
            logger.info("state held in memory", metadata: [
                "mapKeys": "\(map.keys)", "mapTreeBytes": "\(map.bytes)",
                "consentWorks": "\(store.consentIndexSize.works)", "consentIndexBytes": "\(store.consentIndexBytes)",
            ])
        }
    }

    /// The HTTP application, with the sequencer as a service that shuts down after the server
    /// has drained its in-flight requests.
    public func application(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        let (host, port) = try config.listenAddress()
        let limits = GuardedHTTP1Channel.Limits(config)
        let connections = self.connections
        var services: [any Service] = [sequencer, walTruncation]
        if let replicator { services.append(replicator) }
        return Application(
            router: router(),
            server: .guardedHTTP1(limits: limits, connections: connections),
            configuration: .init(address: .hostname(host, port: port), serverName: "assent"),
            services: services,
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    /// The other logs of the federation, which this node follows: none without a federation.
    public var peers: [Federation.Log] {
        (federation?.logs ?? []).filter { !Bytewise.equal($0.origin, config.origin) }
    }

    /// The witnesses this node's sequencer asks for cosignatures: the federation's, except this
    /// node's own witness (a log does not witness itself).
    public var witnesses: [Federation.Witness] { Node.witnesses(of: federation, ownKey: keys.witness.verifierKey) }

    static func witnesses(of federation: Federation?, ownKey: NoteVerifierKey) -> [Federation.Witness] {
        (federation?.witnesses ?? []).filter { $0.key.publicKey != ownKey.publicKey }
    }

    /// Gives up the data directory once the node has stopped, so that another node (a restart
    /// in the same process) may take it.
    public func close() { lock.release() }

    /// Runs until SIGTERM or SIGINT, then drains and stops.
    public func run() async throws {
        let host = try config.listenAddress().host
        let app = try application { [logger, config] port in
            logger.notice("listening", metadata: ["address": "\(host):\(port)", "origin": "\(config.origin)"])
        }
        let group = ServiceGroup(configuration: .init(
            services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// The node's routes and middleware. Building it binds nothing: tests drive it in process.
    public func router() -> Router<NodeRequestContext> {
        // HEAD wherever GET is answered, as every general-purpose server must (RFC 9110 §9.1,
        // §9.3.2): the GET response's status and headers, without its body.
        let router = Router(context: NodeRequestContext.self, options: .autoGenerateHeadEndpoints)
        let routeTable = RouteTable()
        // Metrics outermost, so they see the status of the problem each error became.
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.add(middleware: ProblemMiddleware(maxBodyBytes: config.maxBodyBytes, allowedMethods: routeTable.allowedMethods))
        addReadRoutes(to: router)
        addAPIRoutes(to: router)
        addStatementRoute(to: router)
        addStateRoutes(to: router)
        addMapProofRoute(to: router)
        addPeersRoute(to: router)
        addEvidenceRoute(to: router)
        addWitnessRoute(to: router)
        let routes = router.routes.map { ($0.path, $0.method) }
        routeTable.set(routes + routes.filter { $0.1 == .get }.map { ($0.0, .head) })
        return router
    }
}

/// The request context of the node's routes: Hummingbird's core context and the client's
/// address, which the open-declaration limits charge (PROTOCOL §3).
public struct NodeRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The client as the limits count it (`clientKey(for:)`).
    var client: String { Self.clientKey(for: remoteAddress) }

    /// An IPv4 client is its address (any port). An IPv6 client is its /64: one subscriber is
    /// routinely given a whole /64 (RFC 6177, RFC 7934), so counting single addresses would
    /// give one client 2^64 buckets. An IPv4-mapped IPv6 address counts as its IPv4 address.
    /// "local" when there is no socket (in-process requests).
    static func clientKey(for address: SocketAddress?) -> String {
        guard let address else { return "local" }
        guard case let .v6(v6) = address else { return address.ipAddress ?? "local" }
        let bytes = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            return bytes[12...].map(String.init).joined(separator: ".")
        }
        let groups = stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
        return groups.joined(separator: ":") + "::/64"
    }
}
