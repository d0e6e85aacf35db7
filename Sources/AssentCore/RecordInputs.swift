/// The resolution inputs of one state-map record version (PROTOCOL §5, §6): what
/// `Resolution.resolve` reads from the statements a record references, kept beside the record
/// so that a decision at any T needs neither the record's JSON nor the referenced leaves
/// (docs/state-map.md "Resolution inputs").
///
/// - a work record: per mandate entry, in the record's order, its operator, party, role, leaf,
///   whether it is active, and whether its labels restrict every use or allow only
///   non-commercial use (`LabelEffect`);
/// - a declaration record: per preference entry, in the record's order, its audience, leaf and
///   the facts of the preference it references (`ConsentIndex.PreferenceFacts`: the category
///   values after inheritance within the statement, the purpose condition, the expiry);
/// - a party record: per enrollment entry, in the record's order, its operator and whether it
///   is active.
///
/// The subject (work id, declarant, party) is not repeated: the store keeps it in columns of
/// its own. Keys here are identities to compare, never keys to verify with: they were checked
/// when the record was made, and a decoded key is not checked again (the curve check costs more
/// than the whole decision); a stored blob that lies is caught by `assent store check`, which
/// recomputes every row's inputs from its record and leaves.
public enum RecordInputs: Sendable, Hashable {
    case work([MandateInput])
    case declaration([PreferenceInput])
    case party([EnrollmentInput])

    public struct MandateInput: Sendable, Hashable {
        public let by: PublicKey
        public let party: PublicKey
        public let index: UInt64
        public let role: Mandate.Role
        public let active: Bool
        /// A steward's labels include one that refuses every use (`LabelEffect.restricting`).
        public let restricting: Bool
        /// A steward's labels include a non-commercial one (`LabelEffect.nonCommercial`).
        public let nonCommercial: Bool
    }

    public struct PreferenceInput: Sendable, Hashable {
        public let audience: Audience
        public let index: UInt64
        public let facts: ConsentIndex.PreferenceFacts
    }

    public struct EnrollmentInput: Sendable, Hashable {
        public let by: PublicKey
        public let active: Bool
    }

    public enum DecodingError: Error, Equatable, Sendable, CustomStringConvertible {
        case truncated(at: Int)
        case trailingBytes(at: Int)
        case badKind(UInt8)
        case badField(entry: Int, String)

        public var description: String {
            switch self {
            case let .truncated(at): "resolution inputs end at byte \(at), inside an entry or the header"
            case let .trailingBytes(at): "resolution inputs have bytes after their last entry, from byte \(at)"
            case let .badKind(k): "resolution inputs of kind \(k), not 1 (work), 2 (declaration) or 3 (party)"
            case let .badField(entry, why): "resolution inputs, entry \(entry): \(why)"
            }
        }
    }

    /// The inputs of `record`. For a declaration record, `preferences` holds the facts of the
    /// statement each entry references, in the entries' order (nil when the counts differ);
    /// it is ignored for the other records.
    public init?(_ record: MapRecord, preferences: [ConsentIndex.PreferenceFacts] = []) {
        switch record {
        case let .work(r):
            self = .work(r.mandates.map { m in
                MandateInput(by: m.by, party: m.party, index: m.ref.index, role: m.role, active: m.active,
                             restricting: m.role == .steward && m.labels.contains(where: LabelEffect.restricting.contains),
                             nonCommercial: m.role == .steward && m.labels.contains(where: LabelEffect.nonCommercial.contains))
            })
        case let .declaration(r):
            guard r.preferences.count == preferences.count else { return nil }
            self = .declaration(zip(r.preferences, preferences).map { PreferenceInput(audience: $0.audience, index: $0.ref.index, facts: $1) })
        case let .party(r):
            self = .party(r.enrollments.map { EnrollmentInput(by: $0.by, active: $0.active) })
        }
    }

    // MARK: Bytes

    /// The stored form (docs/state-map.md "Resolution inputs"): a kind byte (1 work,
    /// 2 declaration, 3 party), uint32be the number of entries, then the entries:
    ///
    /// - work: operator key (32) ‖ party key (32) ‖ uint64be leaf ‖ role (0 author,
    ///   1 rightsholder, 2 steward) ‖ flags (1 active, 2 restricting, 4 non-commercial);
    /// - declaration: uint64be leaf ‖ int64be expiry in ms (2⁶³−1: none) ‖ uint16be values (two
    ///   bits a category in `UsageCategory.allCases` order: 0 not stated, 1 `n`, 2 `y`) ‖ purpose
    ///   (0 any, 1 commercial, 2 non-commercial, 3 research) ‖ uint16be length ‖ audience ASCII;
    /// - party: operator key (32) ‖ active (0 or 1).
    public var bytes: [UInt8] {
        var out = [UInt8]()
        func append<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.bigEndian) { out.append(contentsOf: $0) } }
        switch self {
        case let .work(entries):
            out.reserveCapacity(5 + 74 * entries.count)
            out.append(1)
            append(UInt32(truncatingIfNeeded: entries.count))
            for m in entries {
                out += m.by.bytes
                out += m.party.bytes
                append(m.index)
                out.append(Self.roleCode(m.role))
                out.append((m.active ? 1 : 0) | (m.restricting ? 2 : 0) | (m.nonCommercial ? 4 : 0))
            }
        case let .declaration(entries):
            out.reserveCapacity(5 + 40 * entries.count)
            out.append(2)
            append(UInt32(truncatingIfNeeded: entries.count))
            for p in entries {
                append(p.index)
                append(p.facts.expires)
                append(p.facts.values)
                out.append(p.facts.purpose)
                let audience = Array(p.audience.value.utf8)
                append(UInt16(truncatingIfNeeded: audience.count))
                out += audience
            }
        case let .party(entries):
            out.reserveCapacity(5 + 33 * entries.count)
            out.append(3)
            append(UInt32(truncatingIfNeeded: entries.count))
            for e in entries {
                out += e.by.bytes
                out.append(e.active ? 1 : 0)
            }
        }
        return out
    }

    /// Reads the stored form, refusing anything `bytes` would not write: a short or long blob,
    /// an unknown kind, role, flag, purpose or value code, an audience that is not one.
    public init(bytes: some Collection<UInt8>) throws(DecodingError) {
        var r = Reader(bytes: Array(bytes))
        let kind = try r.byte()
        let count = Int(try r.integer(UInt32.self))
        // Every entry takes at least 21 bytes: a count beyond that is a lie, not an allocation.
        guard count <= (r.bytes.count - r.at) / 21 else { throw .truncated(at: r.bytes.count) }
        switch kind {
        case 1:
            var entries = [MandateInput]()
            entries.reserveCapacity(count)
            for i in 0..<count {
                let by = try r.key(), party = try r.key(), index = try r.integer(UInt64.self)
                let roleCode = try r.byte(), flags = try r.byte()
                guard let role = Self.role(roleCode) else { throw .badField(entry: i, "role code \(roleCode)") }
                guard flags & ~7 == 0 else { throw .badField(entry: i, "mandate flags \(flags)") }
                guard role == .steward || flags & 6 == 0 else { throw .badField(entry: i, "label flags on a \(role.rawValue)'s mandate") }
                entries.append(MandateInput(by: by, party: party, index: index, role: role, active: flags & 1 != 0,
                                            restricting: flags & 2 != 0, nonCommercial: flags & 4 != 0))
            }
            self = .work(entries)
        case 2:
            var entries = [PreferenceInput]()
            entries.reserveCapacity(count)
            for i in 0..<count {
                let index = try r.integer(UInt64.self), expires = try r.integer(Int64.self), values = try r.integer(UInt16.self)
                let purpose = try r.byte()
                let length = Int(try r.integer(UInt16.self))
                let text = try r.take(length)
                guard purpose <= 3 else { throw .badField(entry: i, "purpose code \(purpose)") }
                guard Self.valuesAreWellFormed(values) else { throw .badField(entry: i, "category values \(values)") }
                // `*` is most entries' audience: no string is made for it.
                guard let audience = text.elementsEqual([0x2A]) ? .everyone : Audience(String(decoding: text, as: UTF8.self)),
                      audience.value.utf8.elementsEqual(text) else {
                    throw .badField(entry: i, "an audience that is neither * nor licensee:<id>")
                }
                entries.append(PreferenceInput(audience: audience, index: index,
                                               facts: ConsentIndex.PreferenceFacts(rawValues: values, purpose: purpose, expires: expires)))
            }
            self = .declaration(entries)
        case 3:
            var entries = [EnrollmentInput]()
            entries.reserveCapacity(count)
            for i in 0..<count {
                let by = try r.key(), active = try r.byte()
                guard active <= 1 else { throw .badField(entry: i, "active flag \(active)") }
                entries.append(EnrollmentInput(by: by, active: active == 1))
            }
            self = .party(entries)
        default:
            throw .badKind(kind)
        }
        guard r.at == r.bytes.count else { throw .trailingBytes(at: r.at) }
    }

    static func roleCode(_ role: Mandate.Role) -> UInt8 {
        switch role {
        case .author: 0
        case .rightsholder: 1
        case .steward: 2
        }
    }

    static func role(_ code: UInt8) -> Mandate.Role? {
        switch code {
        case 0: .author
        case 1: .rightsholder
        case 2: .steward
        default: nil
        }
    }

    /// Two bits a category, none of them 3, none beyond the categories.
    static func valuesAreWellFormed(_ values: UInt16) -> Bool {
        let categories = UsageCategory.allCases.count
        for i in 0..<8 {
            let v = (values >> (2 * i)) & 3
            if v == 3 || (i >= categories && v != 0) { return false }
        }
        return true
    }

    private struct Reader {
        let bytes: [UInt8]
        var at = 0

        mutating func take(_ n: Int) throws(DecodingError) -> ArraySlice<UInt8> {
            guard n <= bytes.count - at else { throw .truncated(at: bytes.count) }
            defer { at += n }
            return bytes[at..<(at + n)]
        }

        mutating func byte() throws(DecodingError) -> UInt8 { try take(1).first ?? 0 }

        mutating func integer<T: FixedWidthInteger>(_: T.Type) throws(DecodingError) -> T {
            var v: T = 0
            for b in try take(MemoryLayout<T>.size) { v = v << 8 | T(truncatingIfNeeded: b) }
            return v
        }

        /// A key as an identity (see the type's comment: not checked against the curve again).
        mutating func key() throws(DecodingError) -> PublicKey { PublicKey(identity: Array(try take(32))) }
    }
}

extension RecordInputs {
    /// Whether these are inputs of a record of `subject`'s kind.
    public func fits(_ subject: MapSubject) -> Bool {
        switch (self, subject) {
        case (.work, .work), (.declaration, .declaration), (.party, .party): true
        default: false
        }
    }
}

extension MapSubject {
    /// The subject of a stored record version from the store's `work` and `party` columns
    /// (docs/state-map.md "Stored form"): a work alone is a work record, a work and a key a
    /// declaration record, a key alone a party record. The key is taken as an identity, not
    /// checked against the curve again (as in `RecordInputs`). Nil for anything else.
    public init?(storedWork work: WorkID?, party: [UInt8]?) {
        switch (work, party) {
        case let (work?, nil): self = .work(work)
        case let (work?, party?) where party.count == 32: self = .declaration(work: work, declarant: PublicKey(identity: party))
        case let (nil, party?) where party.count == 32: self = .party(PublicKey(identity: party))
        default: return nil
        }
    }
}

extension PublicKey {
    /// A key read back from the store's own resolution inputs, to compare with others: not
    /// checked against the curve (`RecordInputs`).
    init(identity bytes: [UInt8]) { self.bytes = bytes }
}
