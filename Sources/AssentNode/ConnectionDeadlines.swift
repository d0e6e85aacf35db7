import NIOCore

/// When a connection must be given up on, from what it has done so far. Pure: every event
/// carries its time, so tests drive it with made-up instants.
///
/// At any moment one deadline applies, the first that fits:
/// - a request's body is being received: its head ended at most `body` ago (a body trickled a
///   byte at a time is cut off, however steadily it comes);
/// - the node owes a response: none (the node's own work is not the client's delay);
/// - bytes of a request head have arrived: the first came at most `header` ago (or, if they
///   came while the node owed a response, that response ended at most `header` ago);
/// - otherwise the connection is idle: it opened, or its last response ended, at most `idle` ago.
struct ConnectionDeadlines {
    enum Kind: Equatable, Sendable {
        case idle, header, body
    }

    let idle: TimeAmount
    let header: TimeAmount
    let body: TimeAmount

    /// Requests whose head has arrived and whose response has not ended.
    private(set) var owed = 0
    private var bodyStarted: NIODeadline?
    private var headStarted: NIODeadline?
    private var quietSince: NIODeadline

    init(idle: TimeAmount, header: TimeAmount, body: TimeAmount, openedAt: NIODeadline) {
        self.idle = idle
        self.header = header
        self.body = body
        quietSince = openedAt
    }

    /// Bytes arrived from the client. Outside a body they begin (or continue) a request head.
    mutating func bytesReceived(at now: NIODeadline) {
        if bodyStarted == nil, headStarted == nil { headStarted = now }
    }

    /// A request head was parsed; its body (perhaps empty) follows.
    mutating func headReceived(at now: NIODeadline) {
        headStarted = nil
        bodyStarted = now
        owed += 1
    }

    /// The request's body ended.
    mutating func bodyEnded() {
        bodyStarted = nil
    }

    /// The node finished writing a response.
    mutating func responseEnded(at now: NIODeadline) {
        owed = max(0, owed - 1)
        guard owed == 0 else { return }
        quietSince = now
        if headStarted != nil { headStarted = now }
    }

    /// Whether a request head has arrived and its body has not ended.
    var receivingBody: Bool { bodyStarted != nil }

    /// The deadline in force, and which limit it is.
    var next: (deadline: NIODeadline, kind: Kind)? {
        if let bodyStarted { return (bodyStarted + body, .body) }
        if owed > 0 { return nil }
        if let headStarted { return (headStarted + header, .header) }
        return (quietSince + idle, .idle)
    }
}
