import AssentCore

/// A change of a history across logs: the log that holds it and the change.
public struct FederatedChange: Sendable {
    public let origin: String
    public let change: MapChange

    /// `MapChange.json` with `log`, the origin: leaf indexes of several logs mix.
    public var json: JSONValue {
        guard case var .object(o) = change.json else { return change.json }
        o["log"] = .string(origin)
        return .object(o)
    }
}

/// A mandate naming a party, with the log that holds it.
public struct FederatedMandate: Sendable {
    public let origin: String
    public let mandate: LoggedMandate

    /// `LoggedMandate.json` with `log`, the origin.
    public var json: JSONValue {
        guard case var .object(o) = mandate.json else { return mandate.json }
        o["log"] = .string(origin)
        return .object(o)
    }
}

/// One page of a work's history over every trusted log (`FederatedSnapshot.workHistory`).
public struct FederatedWorkHistory: Sendable {
    public let changes: [FederatedChange]
    /// Where the next page starts; nil when this page holds everything up to each log's size.
    public let next: FederatedCursor?
}

/// One page of a party's history over every trusted log (`FederatedSnapshot.partyHistory`).
public struct FederatedPartyHistory: Sendable {
    public let enrollments: [FederatedChange]
    public let mandates: [FederatedMandate]
    public let next: FederatedCursor?
}

extension FederatedSnapshot {
    /// Rows read from one log at a time while merging, at most: enough to keep the queries few.
    static let mergeChunk = 16

    /// The rows one source reads at a time for a page of at most `limit` of its kind over
    /// `logs` logs: `mergeChunk`, but no more than the page's share per log, so that the rows
    /// held pending (read, not yet taken) over all logs stay within the page's own bound. With
    /// 16 a source, a party's page over 64 logs would hold 1,024 mandates pending (a mandate row
    /// may be 63 KiB: 64 MB) for a page of 100.
    static func mergeChunk(limit: Int, logs: Int) -> Int { max(1, min(mergeChunk, limit / max(1, logs))) }

    /// The changes of `work`'s records in every log (`LogSnapshot.workHistory`), merged oldest
    /// first by (leaf time, origin bytes, leaf index), from `cursor` on, at most `limit` in all.
    public func workHistory(of work: WorkID, from cursor: FederatedCursor, limit: Int = LogSnapshot.maxHistory) throws -> FederatedWorkHistory {
        let chunk = Self.mergeChunk(limit: limit, logs: logs.count)
        let sources = logs.indices.map { i in
            FederatedMerge.Source<MapChange>(log: i, chunk: chunk) { from, chunk in try logs[i].workHistory(of: work, from: from, limit: chunk) }
        }
        var taken = 0
        let page = try FederatedMerge.page(sources, from: cursor, origins: logs.map(\.origin),
                                           stamp: { ($0.record.stamp.time, $0.record.stamp.index) },
                                           take: { _ in
                                               guard taken < limit else { return false }
                                               taken += 1
                                               return true
                                           })
        return FederatedWorkHistory(changes: page.items.map { FederatedChange(origin: logs[$0.log].origin, change: $0.item) },
                                    next: page.next)
    }

    /// `party`'s enrollment changes (`LogSnapshot.partyHistory`) and the mandates naming it
    /// (`LogSnapshot.mandates(naming:)`) in every log, merged into one sequence oldest first by
    /// (leaf time, origin bytes, leaf index), from `cursor` on. The page ends before the first
    /// item whose list is full (`enrollmentLimit`, `mandateLimit` over all logs), so that both
    /// lists stop at one point of the sequence and the next page repeats and skips nothing.
    public func partyHistory(of party: PublicKey, from cursor: FederatedCursor, enrollmentLimit: Int = LogSnapshot.maxHistory,
                             mandateLimit: Int = LogSnapshot.maxMandates) throws -> FederatedPartyHistory {
        enum Item {
            case enrollment(MapChange)
            case mandate(LoggedMandate)
        }
        // Each list's sources read in chunks of its own page's share per log.
        let enrollmentChunk = Self.mergeChunk(limit: enrollmentLimit, logs: logs.count)
        let mandateChunk = Self.mergeChunk(limit: mandateLimit, logs: logs.count)
        var sources = [FederatedMerge.Source<Item>]()
        for i in logs.indices {
            sources.append(.init(log: i, chunk: enrollmentChunk) { from, chunk in
                try logs[i].partyHistory(of: party, from: from, limit: chunk).map(Item.enrollment)
            })
            sources.append(.init(log: i, chunk: mandateChunk) { from, chunk in
                try logs[i].mandates(naming: party, from: from, limit: chunk).map(Item.mandate)
            })
        }
        var enrollmentsTaken = 0, mandatesTaken = 0
        let page = try FederatedMerge.page(sources, from: cursor, origins: logs.map(\.origin),
                                           stamp: { item in
                                               switch item {
                                               case let .enrollment(c): (c.record.stamp.time, c.record.stamp.index)
                                               case let .mandate(m): (m.time, m.index)
                                               }
                                           },
                                           take: { item in
                                               switch item {
                                               case .enrollment:
                                                   guard enrollmentsTaken < enrollmentLimit else { return false }
                                                   enrollmentsTaken += 1
                                               case .mandate:
                                                   guard mandatesTaken < mandateLimit else { return false }
                                                   mandatesTaken += 1
                                               }
                                               return true
                                           })
        var enrollments = [FederatedChange](), mandates = [FederatedMandate]()
        for (log, item) in page.items {
            switch item {
            case let .enrollment(c): enrollments.append(FederatedChange(origin: logs[log].origin, change: c))
            case let .mandate(m): mandates.append(FederatedMandate(origin: logs[log].origin, mandate: m))
            }
        }
        return FederatedPartyHistory(enrollments: enrollments, mandates: mandates, next: page.next)
    }
}

/// A merge of several logs' rows into one page, oldest first (docs/federation.md "History
/// across logs"). Each source reads one log in leaf order; the page takes, again and again, the
/// earliest head of all sources by (leaf time, origin bytes, leaf index). Leaf times never
/// decrease within a log (PROTOCOL §4), so that order keeps each log's leaf order, and the
/// position after a page is, per log, one leaf index: the cursor.
enum FederatedMerge {
    struct Source<Item> {
        /// Its log's position in `FederatedSnapshot.logs` (the order of the origins' bytes).
        let log: Int
        /// The rows it reads at a time (at least 1): what it holds pending at most.
        let chunk: Int
        /// Up to `limit` rows from leaf `from` on, in leaf order.
        let fetch: (_ from: UInt64, _ limit: Int) throws -> [Item]
    }

    /// The items taken (each with its log's position), in merged order, until the sources are
    /// exhausted or `take` refuses one (it is then left for the next page, which `next` starts
    /// at). `take` is asked once per item, in order, and counts what it accepts.
    static func page<Item>(_ sources: [Source<Item>], from cursor: FederatedCursor, origins: [String],
                           stamp: (Item) -> (time: Timestamp, index: UInt64),
                           take: (Item) -> Bool) throws -> (items: [(log: Int, item: Item)], next: FederatedCursor?) {
        guard cursor.positions.count == origins.count, sources.allSatisfy({ origins.indices.contains($0.log) }) else {
            throw StoreError.notFound("a cursor of \(origins.count) logs: this one has \(cursor.positions.count) positions")
        }
        var next = cursor.positions
        var pending = sources.map { _ in [Item]() }
        var head = [Int](repeating: 0, count: sources.count)
        var fetchFrom = sources.map { cursor.positions[$0.log] }
        var exhausted = [Bool](repeating: false, count: sources.count)
        var last = [(time: Timestamp, index: UInt64)?](repeating: nil, count: sources.count)
        var items = [(log: Int, item: Item)]()
        while true {
            var best: (source: Int, time: Timestamp, log: Int, index: UInt64)?
            for s in sources.indices {
                if head[s] == pending[s].count, !exhausted[s] {
                    let chunk = max(1, sources[s].chunk)
                    let rows = try sources[s].fetch(fetchFrom[s], chunk)
                    exhausted[s] = rows.count < chunk
                    for row in rows {
                        let (time, index) = stamp(row)
                        // The merge relies on it: a row out of leaf order, or a leaf giving two
                        // rows of one source, would be skipped or repeated across pages.
                        if let previous = last[s], !(previous.index < index && previous.time <= time) {
                            throw StoreError.corrupt(origin: origins[sources[s].log], "history rows out of leaf order: leaf \(index) (\(time.rfc3339)) after leaf \(previous.index) (\(previous.time.rfc3339))")
                        }
                        // An index is below the log's size, a UInt64, so index + 1 (the next
                        // position) fits; a row saying otherwise is refused before it is added to.
                        guard index >= fetchFrom[s], index < UInt64.max else {
                            throw StoreError.corrupt(origin: origins[sources[s].log], "a history read from leaf \(fetchFrom[s]) gave leaf \(index)")
                        }
                        last[s] = (time, index)
                    }
                    if let l = last[s] { fetchFrom[s] = l.index + 1 }
                    pending[s] = rows
                    head[s] = 0
                }
                guard head[s] < pending[s].count else { continue }
                let (time, index) = stamp(pending[s][head[s]])
                let log = sources[s].log
                if let b = best, (b.time, b.log, b.index) <= (time, log, index) { continue }
                best = (s, time, log, index)
            }
            guard let b = best else { return (items, nil) }
            let item = pending[b.source][head[b.source]]
            guard take(item) else { return (items, FederatedCursor(positions: next)) }
            items.append((b.log, item))
            head[b.source] += 1
            next[b.log] = max(next[b.log], b.index + 1)
        }
    }
}
