/// Who a preference speaks to: everyone (`*`) or one licensee (`licensee:example-ai.com`).
/// The licensee id is ASCII (lower-case letters, digits, `.-_/`), and audiences compare by
/// their bytes (PROTOCOL §2).
public struct Audience: Hashable, Sendable, CustomStringConvertible {
    public let value: String
    public static let everyone = Audience(unchecked: "*")

    init(unchecked value: String) { self.value = value }

    /// The licensee's id after `licensee:`, at most (a DNS name's length, RFC 1035 §2.3.4, less its final dot).
    public static let maxLicenseeBytes = 253

    public init?(_ value: String) {
        if value == "*" {
            self.value = value
            return
        }
        let prefix = "licensee:".utf8
        guard value.utf8.starts(with: prefix) else { return nil }
        let id = value.utf8.dropFirst(prefix.count)
        guard !id.isEmpty, id.count <= Audience.maxLicenseeBytes, id.allSatisfy(Audience.isLicenseeByte) else { return nil }
        self.value = value
    }

    private static func isLicenseeByte(_ b: UInt8) -> Bool {
        ASCII.isLower(b) || ASCII.isDigit(b) || b == UInt8(ascii: ".") || b == UInt8(ascii: "-")
            || b == UInt8(ascii: "/") || b == UInt8(ascii: "_")
    }

    public static func == (lhs: Audience, rhs: Audience) -> Bool { Bytewise.equal(lhs.value, rhs.value) }
    public func hash(into hasher: inout Hasher) { Bytewise.hash(value, into: &hasher) }

    public var description: String { value }
}
