/// Who a preference speaks to: everyone (`*`) or one licensee (`licensee:example-ai.com`).
public struct Audience: Hashable, Sendable, CustomStringConvertible {
    public let value: String
    public static let everyone = Audience(unchecked: "*")

    init(unchecked value: String) { self.value = value }

    public init?(_ value: String) {
        if value == "*" {
            self.value = value
            return
        }
        guard value.hasPrefix("licensee:") else { return nil }
        let id = value.dropFirst("licensee:".count)
        guard !id.isEmpty, id.count <= 253,
              id.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x2D || $0 == 0x2F || $0 == 0x5F })
        else { return nil }
        self.value = value
    }

    public var description: String { value }
}
