import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Why a request's body never arrived whole. Thrown to the handler reading the body, so that a
/// truncated body is never taken for a complete one (Hummingbird ends the body quietly when
/// the connection closes under it), and so that metrics count no such request as a 500.
enum ClientGone: Error, Equatable {
    /// The client closed the connection, or its half of it, in the middle of the body.
    case closed
    /// The body did not arrive within `bodyTimeoutSeconds` of the head.
    case bodyTimedOut

    var problem: Problem {
        switch self {
        case .closed:
            // 499 (nginx's "client closed request") never reaches anyone: it labels the request in the metrics.
            Problem(.clientClosed, "the connection closed before the request body ended")
        case .bodyTimedOut:
            Problem(.requestTimeout, "the request body did not arrive within the node's body timeout")
        }
    }
}

/// Holds one HTTP/1 connection to the node's deadlines (`ConnectionDeadlines`), and closes it
/// properly when a response says `Connection: close`.
///
/// Sits between Hummingbird's HTTP codec and its request handling; `ByteObserver`, at the
/// front of the pipeline, tells it when raw bytes arrive, which is how the time a request head
/// takes is measured before the head is parsed. A connection past its idle or header deadline
/// is closed; one past its body deadline has the body end in `ClientGone.bodyTimedOut`, so
/// the handler answers 408, after which the connection closes.
///
/// Closing after a response (RFC 9112 §9.6): the node half-closes its side once the response
/// is written, then reads and discards what the client still sends, for at most `linger`,
/// before closing. Closing at once, with unread bytes of a refused body in the socket, would
/// reset the connection and could destroy the response before the client reads it.
final class ConnectionGuard: ChannelDuplexHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    static let linger: TimeAmount = .seconds(2)

    private var deadlines: ConnectionDeadlines
    private var context: ChannelHandlerContext?
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?
    private var closeAfterResponse = false
    /// Set when the connection is on its way out: deadlines no longer apply, input is discarded.
    private var ending = false
    /// Set once the node's side is half-closed and the final close is scheduled.
    private var lingering = false

    init(deadlines: ConnectionDeadlines) {
        self.deadlines = deadlines
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        reschedule()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        self.context = nil
    }

    /// From `ByteObserver`: bytes came off the socket.
    func bytesReceived() {
        guard !ending else { return }
        deadlines.bytesReceived(at: .now())
        reschedule()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !ending else { return }
        switch unwrapInboundIn(data) {
        case .head: deadlines.headReceived(at: .now())
        case .body: break
        case .end: deadlines.bodyEnded()
        }
        reschedule()
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            if lingering {
                context.close(promise: nil)
                return
            }
            if deadlines.receivingBody { context.fireErrorCaught(ClientGone.closed) }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // The HTTP decoder reports a stream that ended inside a body as a parse error; it is a
        // client that went away, not a malformed request.
        if deadlines.receivingBody, let parseError = error as? HTTPParserError, parseError == .invalidEOFState {
            return context.fireErrorCaught(ClientGone.closed)
        }
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        if !ending, deadlines.receivingBody { context.fireErrorCaught(ClientGone.closed) }
        ending = true
        context.fireChannelInactive()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case let .head(head):
            if let connection = head.headerFields[.connection], connection.lowercased().contains("close") { closeAfterResponse = true }
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            deadlines.responseEnded(at: .now())
            reschedule()
            guard closeAfterResponse else { return context.write(data, promise: promise) }
            closeAfterResponse = false
            let written = context.eventLoop.makePromise(of: Void.self)
            written.futureResult.cascade(to: promise)
            context.write(data, promise: written)
            written.futureResult.assumeIsolated().whenComplete { _ in self.lingerThenClose() }
        }
    }

    private func lingerThenClose() {
        guard let context, !lingering else { return }
        lingering = true
        ending = true
        timer?.cancel()
        let channel = context.channel
        context.close(mode: .output).whenFailure { _ in channel.close(promise: nil) }
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: ConnectionGuard.linger) { channel.close(promise: nil) }
    }

    private func reschedule() {
        guard let context, !ending else { return }
        let next = deadlines.next
        guard next?.deadline != timerDeadline else { return }
        timer?.cancel()
        timer = nil
        timerDeadline = next?.deadline
        guard let next else { return }
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: next.deadline) { self.expire(next.kind) }
    }

    private func expire(_ kind: ConnectionDeadlines.Kind) {
        guard let context, !ending else { return }
        timer = nil
        timerDeadline = nil
        switch kind {
        case .idle, .header:
            ending = true
            context.close(promise: nil)
        case .body:
            // The handler reading the body gets the error and answers 408 with `Connection: close`;
            // should nothing answer, the connection is closed after `linger` all the same.
            context.fireErrorCaught(ClientGone.bodyTimedOut)
            closeAfterResponse = true
            ending = true
            let channel = context.channel
            timer = context.eventLoop.assumeIsolated().scheduleTask(in: ConnectionGuard.linger) { channel.close(promise: nil) }
        }
    }

    /// First in the pipeline, before the HTTP decoder: tells the guard when bytes arrive, so the
    /// time a request head takes counts from its first byte.
    final class ByteObserver: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias InboundOut = ByteBuffer
        private let connectionGuard: ConnectionGuard

        init(_ connectionGuard: ConnectionGuard) {
            self.connectionGuard = connectionGuard
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            connectionGuard.bytesReceived()
            context.fireChannelRead(data)
        }
    }
}
