import AssentCore
import Foundation

extension Timestamp {
    /// The wall clock. The core never reads it; the node and the CLI pass it in.
    public static var now: Timestamp { Timestamp(milliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))) }
}
