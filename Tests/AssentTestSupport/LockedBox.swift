import Foundation

/// A value shared under a lock: set by a Dispatch block or a non-escaping closure and read by a
/// `@Sendable` body, where Swift 6 would otherwise refuse the shared mutable capture.
public final class LockedBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T

    public init(_ value: T) { stored = value }

    public var value: T {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
