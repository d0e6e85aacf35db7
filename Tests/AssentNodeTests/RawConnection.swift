import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A bare TCP connection to a test node, for what an HTTP client library hides: requests sent
/// byte by byte, bodies that never end, connections left idle. Blocking socket calls run on a
/// queue of the connection's own, never on Swift's cooperative pool, which the node shares.
final class RawConnection: @unchecked Sendable {
    private let fd: Int32
    private let queue = DispatchQueue(label: "raw-connection")
    private var buffered = [UInt8]()

    struct SocketError: Error, CustomStringConvertible {
        let description: String
    }

    struct Response {
        let status: Int
        let headers: [String: String]
        let body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SocketError(description: "socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            Glibc.close(fd)
            throw SocketError(description: "connect to port \(port): errno \(errno)")
        }
    }

    deinit { Glibc.close(fd) }

    func close() { shutdown(fd, Int32(SHUT_RDWR)) }

    private func blocking<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in queue.async { continuation.resume(returning: body()) } }
    }

    /// Sends all of `bytes`; false when the node has closed or reset the connection.
    @discardableResult
    func send(_ bytes: [UInt8]) async -> Bool {
        await blocking { [fd] in
            var sent = 0
            while sent < bytes.count {
                let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard n > 0 else { return false }
                sent += n
            }
            return true
        }
    }

    @discardableResult
    func send(_ text: String) async -> Bool { await send(Array(text.utf8)) }

    /// Reads what arrives within `timeout` seconds; stops early at end of stream (or a reset).
    /// Returns the bytes and whether the stream ended.
    func read(for timeout: Double, stopAfter wanted: Int = .max) async -> (bytes: [UInt8], closed: Bool) {
        await blocking { [self] in
            let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeout * 1e9)
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while buffered.count < wanted {
                let now = DispatchTime.now().uptimeNanoseconds
                guard now < deadline else { break }
                var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let ready = poll(&poller, 1, Int32(max(1, (deadline - now) / 1_000_000)))
                guard ready > 0 else { continue }
                let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                guard n > 0 else {
                    let bytes = buffered
                    buffered = []
                    return (bytes, true)
                }
                buffered += chunk[0..<n]
            }
            let bytes = buffered
            buffered = []
            return (bytes, false)
        }
    }

    /// Reads until the stream ends, or `timeout` passes. True when it ended.
    func waitUntilClosed(timeout: Double) async -> Bool {
        await read(for: timeout).closed
    }

    /// Reads one HTTP/1.1 response with a `Content-Length` body, within `timeout` seconds.
    func readResponse(timeout: Double = 10) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        var bytes = [UInt8]()
        var closed = false
        while true {
            if let response = try RawConnection.parse(bytes) {
                return response
            }
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            guard !closed, elapsed < timeout else {
                throw SocketError(description: "no complete response within \(timeout) s (closed: \(closed)): \(String(decoding: bytes, as: UTF8.self))")
            }
            let more = await read(for: min(0.2, timeout - elapsed))
            bytes += more.bytes
            closed = more.closed
        }
    }

    private static func parse(_ bytes: [UInt8]) throws -> Response? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = (0..<max(0, bytes.count - 3)).first(where: { Array(bytes[$0..<($0 + 4)]) == separator }) else { return nil }
        let head = String(decoding: bytes[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw SocketError(description: "bad status line \(head[0])") }
        var headers = [String: String]()
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        let bodyStart = end + 4
        guard bytes.count >= bodyStart + length else { return nil }
        return Response(status: status, headers: headers, body: Array(bytes[bodyStart..<(bodyStart + length)]))
    }
}
