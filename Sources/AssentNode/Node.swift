import AssentCore
import AssentStore
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// A society's node: its database, keys, sequencer and HTTP API.
public final class Node: Sendable {
    public let config: NodeConfig
    public let keys: NodeKeys
    public let database: AssentDatabase
    public let store: LogStore
    public let sequencer: Sequencer
    public let metrics: NodeMetrics
    let logger: Logger
    /// gzip-encoded full entry bundles, kept.
    let bundles: EntryBundleCache
    /// Large request bodies handled at once.
    let bodyPermits: BodyPermits
    let connections: OpenConnections

    public init(config: NodeConfig, logger: Logger) throws {
        try config.validate()
        self.config = config
        self.logger = logger
        keys = try NodeKeys.loadOrCreate(dataDirectory: config.dataDirectory, origin: config.origin, logger: logger)
        database = try AssentDatabase(path: (config.dataDirectory as NSString).appendingPathComponent("node.sqlite"))
        // Opening verifies the stored tree against the latest signed checkpoint and throws if they differ.
        store = try database.openLog(origin: config.origin, verifierKey: keys.log.verifierKey, role: .own)
        metrics = NodeMetrics()
        bundles = EntryBundleCache(capacityBytes: config.bundleCacheBytes)
        bodyPermits = BodyPermits(limit: config.maxConcurrentLargeBodies)
        connections = OpenConnections(metrics: metrics)
        sequencer = Sequencer(
            store: store, signer: keys.log, batchSize: config.batchSize,
            batchInterval: .milliseconds(config.batchIntervalMilliseconds), epochInterval: .seconds(config.epochIntervalSeconds),
            metrics: metrics, logger: logger)
        logger.info("log opened", metadata: ["origin": "\(config.origin)", "size": "\(store.size)", "logKey": "\(keys.log.verifierKey)"])
    }

    /// The HTTP application, with the sequencer as a service that shuts down after the server
    /// has drained its in-flight requests.
    public func application(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        let (host, port) = try config.listenAddress()
        let limits = GuardedHTTP1Channel.Limits(config)
        let connections = self.connections
        return Application(
            router: router(),
            server: .guardedHTTP1(limits: limits, connections: connections),
            configuration: .init(address: .hostname(host, port: port), serverName: "assent"),
            services: [sequencer],
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }

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
    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        let routeTable = RouteTable()
        // Metrics outermost, so they see the status of the problem each error became.
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.add(middleware: ProblemMiddleware(maxBodyBytes: config.maxBodyBytes, allowedMethods: routeTable.allowedMethods))
        addReadRoutes(to: router)
        addAPIRoutes(to: router)
        routeTable.set(router.routes.map { ($0.path, $0.method) })
        return router
    }
}
