/// The state of a subject (work, declarant on a work, party) in one log at time T, proven against
/// a map root (PROTOCOL §5): record v*, the greatest version made at or before T (none when
/// version 1 is later or absent), with its membership proof; and either non-membership of
/// version v*+1 or its membership with a record made after T. Versions are contiguous from 1
/// and their leaves' times never decrease (§4), so this pins v* as the state at T.
public struct MapStateProof: Hashable, Sendable {
    /// A record and the proof that the map holds it under its subject's key at its version.
    public struct Step: Hashable, Sendable {
        public let record: MapRecord
        public let proof: PrefixTreeProof

        public init(record: MapRecord, proof: PrefixTreeProof) {
            self.record = record
            self.proof = proof
        }
    }

    /// What follows the state: no next version, or a next version made after T.
    public enum Next: Hashable, Sendable {
        case absent(PrefixTreeProof)
        case later(Step)
    }

    public let subject: MapSubject
    public let at: Timestamp
    public let current: Step?
    public let next: Next

    public init(subject: MapSubject, at: Timestamp, current: Step?, next: Next) {
        self.subject = subject
        self.at = at
        self.current = current
        self.next = next
    }

    /// Checks the proof against `root`; returns the state record at T, or nil when the subject
    /// had no record yet at T.
    public func verify(root: Hash) throws(MapStateProofError) -> MapRecord? {
        var nextVersion: UInt32 = 1
        if let current {
            let version = current.record.stamp.version
            try check(current, version: version, root: root)
            guard current.record.stamp.time <= at else { throw .stateAfterT(version: version, time: current.record.stamp.time, at: at) }
            guard version < UInt32.max else { throw .versionOverflow }
            nextVersion = version + 1
        }
        switch next {
        case let .absent(proof):
            do { try proof.verifyNonMembership(key: subject.key(version: nextVersion), root: root) } catch {
                throw .proof(version: nextVersion, error)
            }
        case let .later(step):
            guard step.record.stamp.version == nextVersion else { throw .wrongVersion(expected: nextVersion, found: step.record.stamp.version) }
            try check(step, version: nextVersion, root: root)
            guard step.record.stamp.time > at else { throw .nextNotAfterT(version: nextVersion, time: step.record.stamp.time, at: at) }
        }
        return current?.record
    }

    private func check(_ step: Step, version: UInt32, root: Hash) throws(MapStateProofError) {
        guard step.record.subject == subject else { throw .wrongSubject(version: version, expected: subject, found: step.record.subject) }
        do { try step.proof.verifyMembership(key: subject.key(version: version), value: step.record.value, root: root) } catch {
            throw .proof(version: version, error)
        }
    }

    /// Makes the proof from the current tree. `record(v)` gives the subject's record of version v,
    /// nil past the last; versions are searched by doubling then halving, so a subject with many
    /// versions costs O(log versions) look-ups.
    public static func make<S: PrefixTreeStorage>(
        subject: MapSubject, at: Timestamp, tree: PrefixTree<S>, record: (UInt32) throws -> MapRecord?
    ) throws -> MapStateProof {
        try make(subject: subject, at: at, prove: { try tree.prove($0) }, record: record)
    }

    /// The same over any tree: `prove(key)` gives the proof for a key against the root the
    /// proof is meant for (a node's `CompactPrefixTree`).
    public static func make(
        subject: MapSubject, at: Timestamp, prove: (Hash) throws -> PrefixTreeProof, record: (UInt32) throws -> MapRecord?
    ) throws -> MapStateProof {
        func isAtOrBefore(_ v: UInt32) throws -> Bool {
            guard let r = try record(v) else { return false }
            return r.stamp.time <= at
        }
        // Greatest v with record(v) made at or before T (0: none). Invariant: lo qualifies, hi does not.
        var lo: UInt32 = 0
        var hi: UInt32 = 1
        while try isAtOrBefore(hi) {
            lo = hi
            guard hi < UInt32.max / 2 else { hi = UInt32.max; break }
            hi *= 2
        }
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2
            if try isAtOrBefore(mid) { lo = mid } else { hi = mid }
        }
        var current: Step?
        if lo > 0, let r = try record(lo) {
            current = Step(record: r, proof: try prove(subject.key(version: lo)))
        }
        guard lo < UInt32.max else { throw MapStateProofError.versionOverflow }
        let nextKey = subject.key(version: lo + 1)
        let next: Next = if let r = try record(lo + 1) {
            .later(Step(record: r, proof: try prove(nextKey)))
        } else {
            .absent(try prove(nextKey))
        }
        return MapStateProof(subject: subject, at: at, current: current, next: next)
    }

    // MARK: JSON

    /// `{"at": T, "current": {"proof": …, "record": …}, "next": {"proof": …[, "record": …]},
    /// "subject": …}`; `current` is absent when there is no state at T, `next.record` when the
    /// next version is absent from the map.
    public var json: JSONValue {
        var o: [JSONKey: JSONValue] = ["at": .string(at.rfc3339), "subject": subject.json]
        if let current { o["current"] = ["proof": current.proof.json, "record": current.record.json] }
        switch next {
        case let .absent(proof): o["next"] = ["proof": proof.json]
        case let .later(step): o["next"] = ["proof": step.proof.json, "record": step.record.json]
        }
        return .object(o)
    }

    /// Two records and two paths: bounded by the record limit.
    public static let maxJSONBytes = 2 * MapRecord.maxBytes + 4 * PrefixTreeProof.maxJSONBytes

    public init(jsonBytes: [UInt8]) throws(MapStateProofError) {
        guard jsonBytes.count <= MapStateProof.maxJSONBytes else { throw .malformed("\(jsonBytes.count) bytes, at most \(MapStateProof.maxJSONBytes)") }
        let value: JSONValue
        do { value = try CanonicalJSON.parse(jsonBytes, requireCanonical: true) } catch { throw .malformed("\(error)") }
        try self.init(json: value)
    }

    public init(json: JSONValue) throws(MapStateProofError) {
        guard case var .object(o) = json else { throw .malformed("a state proof is a JSON object, found \(json.typeName)") }
        guard case let .string(t)? = o.removeValue(forKey: "at"), let at = Timestamp(rfc3339: t) else {
            throw .malformed("\"at\" must be an RFC 3339 time with milliseconds")
        }
        guard let s = o.removeValue(forKey: "subject") else { throw .malformed("missing \"subject\"") }
        let subject: MapSubject
        do { subject = try MapSubject(json: s) } catch { throw .malformed("\"subject\": \(error)") }
        func step(_ value: JSONValue, _ name: String, recordRequired: Bool) throws(MapStateProofError) -> (PrefixTreeProof, MapRecord?) {
            guard case var .object(m) = value, let p = m.removeValue(forKey: "proof") else { throw .malformed("\"\(name)\" must be {\"proof\", \"record\"}") }
            let proof: PrefixTreeProof
            do { proof = try PrefixTreeProof(json: p) } catch { throw .malformed("\"\(name)\".proof: \(error)") }
            var record: MapRecord?
            if let r = m.removeValue(forKey: "record") {
                do { record = try MapRecord(json: r) } catch { throw .malformed("\"\(name)\".record: \(error)") }
            } else if recordRequired { throw .malformed("\"\(name)\" has no \"record\"") }
            if let extra = m.keys.min() { throw .malformed("\"\(name)\" has unknown member \"\(extra)\"") }
            return (proof, record)
        }
        var current: Step?
        if let c = o.removeValue(forKey: "current") {
            let (proof, record) = try step(c, "current", recordRequired: true)
            if let record { current = Step(record: record, proof: proof) }
        }
        guard let n = o.removeValue(forKey: "next") else { throw .malformed("missing \"next\"") }
        let (proof, record) = try step(n, "next", recordRequired: false)
        let next: Next = record.map { .later(Step(record: $0, proof: proof)) } ?? .absent(proof)
        if let extra = o.keys.min() { throw .malformed("unknown member \"\(extra)\"") }
        self.init(subject: subject, at: at, current: current, next: next)
    }
}
