import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// A real HTTP server on 127.0.0.1 at a port the system picks: what the tests' stand-ins for a
/// misbehaving peer or witness run on (TamperingProxy, TestWitness, StallingReplyTests).
final class LoopbackServer: Sendable {
    private let running = Mutex<(group: ServiceGroup, task: Task<Void, Error>)?>(nil)
    private let boundPort = Mutex(0)

    /// The port it listens on; 0 until `start` returns.
    var port: Int { boundPort.withLock { $0 } }

    /// Serves `router` until `stop`, returning once the server listens.
    func start(_ router: Router<BasicRequestContext>, label: String, logLevel: Logger.Level = .warning) async throws {
        var logger = Logger(label: label)
        logger.logLevel = logLevel
        let ready = AsyncStream<Int>.makeStream()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { ready.continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        running.withLock { $0 = (group, Task { try await group.run() }) }
        for await port in ready.stream {
            boundPort.withLock { $0 = port }
            break
        }
    }

    /// Shuts the server down gracefully and waits for it; rethrows what the server's run threw.
    func stop() async throws {
        guard let (group, task) = running.withLock({ $0 }) else { return }
        await group.triggerGracefulShutdown()
        try await task.value
    }
}
