import AssentCore
import Synchronization

/// The node's policy for open declarations (PROTOCOL §3): preferences from keys that no trusted
/// log enrolls. Each is charged to a per-key token bucket, a per-client token bucket and a
/// per-key daily quota; a statement that finds any of them empty is refused with 429 and the
/// seconds until it would be taken. Enrolled parties never pass through here.
///
/// Memory is bounded: at most `maxTracked` keys and `maxTracked` clients are tracked; when the
/// table is full, entries whose bucket has refilled (they carry no information) are dropped,
/// and if none has, a new key or client is refused until one does.
public final class OpenDeclarationLimiter: Sendable {
    public struct Policy: Codable, Sendable, Equatable {
        /// Whether open declarations are taken at all.
        public var enabled: Bool = false
        /// Sustained statements per minute per key, and the burst a key may send at once.
        public var perKeyPerMinute: Int = 60
        public var perKeyBurst: Int = 100
        /// Sustained statements per minute per client address, and its burst.
        public var perClientPerMinute: Int = 600
        public var perClientBurst: Int = 1000
        /// Statements per key per UTC day.
        public var dailyQuotaPerKey: Int = 10_000
        /// Keys (and clients) tracked at once.
        public var maxTracked: Int = 100_000

        public init() {}

        enum CodingKeys: String, CodingKey {
            case enabled, perKeyPerMinute, perKeyBurst, perClientPerMinute, perClientBurst, dailyQuotaPerKey, maxTracked
        }

        /// Every field is optional in a configuration file; a missing one keeps its default.
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let d = Policy()
            enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? d.enabled
            perKeyPerMinute = try c.decodeIfPresent(Int.self, forKey: .perKeyPerMinute) ?? d.perKeyPerMinute
            perKeyBurst = try c.decodeIfPresent(Int.self, forKey: .perKeyBurst) ?? d.perKeyBurst
            perClientPerMinute = try c.decodeIfPresent(Int.self, forKey: .perClientPerMinute) ?? d.perClientPerMinute
            perClientBurst = try c.decodeIfPresent(Int.self, forKey: .perClientBurst) ?? d.perClientBurst
            dailyQuotaPerKey = try c.decodeIfPresent(Int.self, forKey: .dailyQuotaPerKey) ?? d.dailyQuotaPerKey
            maxTracked = try c.decodeIfPresent(Int.self, forKey: .maxTracked) ?? d.maxTracked
        }

        public func validate() throws(ConfigError) {
            for (name, value) in [("perKeyPerMinute", perKeyPerMinute), ("perKeyBurst", perKeyBurst),
                                  ("perClientPerMinute", perClientPerMinute), ("perClientBurst", perClientBurst),
                                  ("dailyQuotaPerKey", dailyQuotaPerKey), ("maxTracked", maxTracked)]
            where !(1...100_000_000).contains(value) {
                throw ConfigError("openDeclarations.\(name) must be 1...100000000, found \(value)")
            }
        }
    }

    /// A token bucket, refilled continuously; tokens are counted in thousandths so that slow
    /// rates refill smoothly with integer arithmetic.
    struct Bucket {
        var tokens: Int64
        var updated: Int64

        /// Thousandths of a token come back since `updated`, saturating at a full bucket: a
        /// bucket last seen long ago (or before a clock jump) must not overflow the arithmetic.
        func refilled(now: Int64, capacity: Int64, perMinute: Int64) -> Int64 {
            let elapsed = max(0, now - updated)
            let (product, overflow) = elapsed.multipliedReportingOverflow(by: perMinute * 1000)
            let refill = overflow ? capacity * 1000 : product / 60_000
            return min(capacity * 1000, tokens + min(refill, capacity * 1000))
        }

        mutating func take(now: Int64, capacity: Int64, perMinute: Int64) -> Int64? {
            tokens = refilled(now: now, capacity: capacity, perMinute: perMinute)
            updated = max(updated, now)
            if tokens >= 1000 {
                tokens -= 1000
                return nil
            }
            // Milliseconds until one whole token is back.
            return ((1000 - tokens) * 60_000 + perMinute * 1000 - 1) / (perMinute * 1000)
        }

        func isFull(now: Int64, capacity: Int64, perMinute: Int64) -> Bool {
            refilled(now: now, capacity: capacity, perMinute: perMinute) >= capacity * 1000
        }
    }

    private struct State {
        var keys: [PublicKey: Bucket] = [:]
        var clients: [String: Bucket] = [:]
        var day: Int64 = 0
        var usedToday: [PublicKey: Int] = [:]
        var keysSwept: Int64 = 0
        var clientsSwept: Int64 = 0
    }

    public let policy: Policy
    private let state = Mutex(State())

    public init(policy: Policy) {
        self.policy = policy
    }

    /// Charges one open declaration by `key` from `client` at `now`; nil when taken, otherwise
    /// the refusal, with the seconds after which it may be tried again.
    public func charge(key: PublicKey, client: String, now: Timestamp) -> (reason: String, retryAfter: Int)? {
        let ms = now.milliseconds
        return state.withLock { s -> (String, Int)? in
            let day = ms / 86_400_000
            if day != s.day {
                s.day = day
                s.usedToday = [:]
            }
            if s.usedToday[key, default: 0] >= policy.dailyQuotaPerKey {
                let untilMidnight = (day + 1) * 86_400_000 - ms
                return ("key \(key.base64) has used its daily quota of \(policy.dailyQuotaPerKey) open declarations", Int((untilMidnight + 999) / 1000))
            }
            let perKey = (Int64(policy.perKeyBurst), Int64(policy.perKeyPerMinute))
            let perClient = (Int64(policy.perClientBurst), Int64(policy.perClientPerMinute))
            guard Self.makeRoom(&s.keys, for: key, now: ms, limits: perKey, max: policy.maxTracked, lastSweep: &s.keysSwept),
                  Self.makeRoom(&s.clients, for: client, now: ms, limits: perClient, max: policy.maxTracked, lastSweep: &s.clientsSwept),
                  s.usedToday.count < policy.maxTracked || s.usedToday[key] != nil
            else {
                let untilMidnight = (day + 1) * 86_400_000 - ms
                return ("the node is tracking as many open declarants today as it may; new keys are taken again from the next UTC day",
                        Int((untilMidnight + 999) / 1000))
            }
            // Check both buckets before taking from either, so a refusal costs nothing.
            var keyBucket = s.keys[key] ?? Bucket(tokens: perKey.0 * 1000, updated: ms)
            var clientBucket = s.clients[client] ?? Bucket(tokens: perClient.0 * 1000, updated: ms)
            let keyWait = keyBucket.take(now: ms, capacity: perKey.0, perMinute: perKey.1)
            let clientWait = clientBucket.take(now: ms, capacity: perClient.0, perMinute: perClient.1)
            switch (keyWait, clientWait) {
            case (nil, nil):
                s.keys[key] = keyBucket
                s.clients[client] = clientBucket
                s.usedToday[key, default: 0] += 1
                return nil
            case let (k?, _):
                return ("key \(key.base64) may send \(policy.perKeyPerMinute) open declarations a minute (burst \(policy.perKeyBurst))", Int((k + 999) / 1000))
            case let (nil, c?):
                return ("client \(client) may send \(policy.perClientPerMinute) open declarations a minute (burst \(policy.perClientBurst))", Int((c + 999) / 1000))
            }
        }
    }

    /// Makes sure `id` has a place in `table`, dropping refilled buckets when the table is full.
    /// A sweep costs a pass over the table, so it runs at most once a second: a flood of new
    /// keys cannot make every request pay for one.
    private static func makeRoom<ID: Hashable>(_ table: inout [ID: Bucket], for id: ID, now: Int64,
                                               limits: (capacity: Int64, perMinute: Int64), max: Int, lastSweep: inout Int64) -> Bool {
        if table[id] != nil || table.count < max { return true }
        guard now - lastSweep >= 1000 else { return false }
        lastSweep = now
        table = table.filter { !$0.value.isFull(now: now, capacity: limits.capacity, perMinute: limits.perMinute) }
        return table.count < max
    }

    /// Keys and clients tracked now (for metrics and tests).
    public var tracked: (keys: Int, clients: Int) { state.withLock { ($0.keys.count, $0.clients.count) } }
}
