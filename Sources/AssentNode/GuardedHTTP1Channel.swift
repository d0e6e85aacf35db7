import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Hummingbird's HTTP/1 channel with the node's connection limits: at most `maxConnections`
/// open at once, and every connection held to `ConnectionDeadlines` by a `ConnectionGuard`.
///
/// A connection over the cap is accepted, answered `503 busy` with `Retry-After` and closed:
/// the client learns at once why, rather than waiting in the listen backlog. Each such
/// connection is held for at most `ConnectionGuard.linger`; should a flood keep more than
/// `refusalAllowance` of them open at once, further ones are closed without a word, so the
/// node's memory stays bounded by `maxConnections + refusalAllowance` connections.
struct GuardedHTTP1Channel: ServerChildChannel {
    struct Value: ServerChildChannelValue {
        let http: HTTP1Channel.Value
        let disposition: Disposition
        var channel: any Channel { http.channel }
    }

    enum Disposition {
        case serve
        /// Over the cap: answer 503 and close.
        case refuse
        /// Far over the cap: close at once.
        case drop
    }

    static let refusalAllowance = 256

    let http1: HTTP1Channel
    let limits: Limits
    let connections: OpenConnections

    /// The connection limits, from `NodeConfig`.
    struct Limits: Sendable {
        var maxConnections: Int
        var idle: TimeAmount
        var header: TimeAmount
        var body: TimeAmount

        init(_ config: NodeConfig) {
            func amount(_ seconds: Double) -> TimeAmount { .nanoseconds(Int64((seconds * 1e9).rounded())) }
            maxConnections = config.maxConnections
            idle = amount(config.idleTimeoutSeconds)
            header = amount(config.headerTimeoutSeconds)
            body = amount(config.bodyTimeoutSeconds)
        }
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let open = connections.open()
        channel.closeFuture.whenComplete { [connections] _ in connections.close() }
        let disposition: Disposition =
            open <= limits.maxConnections ? .serve : open <= limits.maxConnections + GuardedHTTP1Channel.refusalAllowance ? .refuse : .drop
        if disposition != .serve { connections.refused() }
        return http1.setup(channel: channel, logger: logger).flatMapThrowing { [limits] http in
            let connectionGuard = ConnectionGuard(deadlines: ConnectionDeadlines(
                idle: limits.idle, header: limits.header, body: limits.body, openedAt: .now()))
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(ConnectionGuard.ByteObserver(connectionGuard), position: .first)
            try pipeline.addHandler(connectionGuard, position: .before(try pipeline.handler(type: HTTPConnectionStateHandler.self)))
            return Value(http: http, disposition: disposition)
        }
    }

    func handle(value: Value, logger: Logger) async {
        switch value.disposition {
        case .serve: return await http1.handle(value: value.http, logger: logger)
        case .drop: return (try? await value.http.channel.close()) ?? ()
        case .refuse: break
        }
        let problem = Problem.busy("the node has \(limits.maxConnections) connections open, its most; try again shortly")
        let body = ByteBuffer(bytes: problem.json.canonicalBytes)
        let head = HTTPResponse(status: .serviceUnavailable, headerFields: [
            .contentType: "application/problem+json", .contentLength: String(body.readableBytes),
            .retryAfter: "1", .connection: "close",
        ])
        do {
            try await value.http.executeThenClose { _, outbound in
                try await outbound.write(.head(head))
                try await outbound.write(.body(body))
                try await outbound.write(.end(nil))
                // The guard half-closes after the response and closes within its linger time.
                try await value.http.channel.closeFuture.get()
            }
        } catch {
            logger.trace("refused connection closed", metadata: ["error": "\(error)"])
        }
    }
}

extension HTTPServerBuilder {
    /// HTTP/1 with the node's connection limits, for `Application(server:)`.
    static func guardedHTTP1(limits: GuardedHTTP1Channel.Limits, connections: OpenConnections) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            GuardedHTTP1Channel(http1: HTTP1Channel(responder: responder), limits: limits, connections: connections)
        }
    }
}

/// The count of open connections, shared by every connection's setup.
final class OpenConnections: Sendable {
    private let count = Atomic<Int>(0)
    let metrics: NodeMetrics

    init(metrics: NodeMetrics) {
        self.metrics = metrics
    }

    var current: Int { count.load(ordering: .relaxed) }

    /// Counts a new connection; returns the count with it.
    func open() -> Int {
        let now = count.wrappingAdd(1, ordering: .relaxed).newValue
        metrics.connections.set(Double(now))
        return now
    }

    func close() {
        let now = count.wrappingSubtract(1, ordering: .relaxed).newValue
        metrics.connections.set(Double(now))
    }

    func refused() { metrics.connectionsRefused.increment() }
}
