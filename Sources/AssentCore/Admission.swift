/// The intake rules of PROTOCOL §3 that a statement must meet to be logged: its clock window
/// and who may write it. One implementation: the node applies it on submission (with its own
/// clock as `now`), and a replayer re-applies it to a peer's log (with each leaf's `time`).
///
/// Whether an open declaration (a preference from a key no trusted log enrolls) is taken is a
/// node's policy, not a rule of the log: `check` reports the declarant's standing and the node
/// decides, so a replayer accepts the open declarations its peer chose to log.
public struct Admission: Sendable {
    /// How far `issued` may lie before or after `now`, in milliseconds.
    public struct ClockWindow: Sendable, Equatable {
        /// The widest window a node may configure: ten years back, one day ahead. Beyond that a
        /// window means nothing, and arithmetic on it could overflow.
        public static let maxPast: Int64 = 10 * 366 * 86_400_000
        public static let maxFuture: Int64 = 86_400_000

        public let past: Int64
        public let future: Int64

        public init(pastMilliseconds: Int64, futureMilliseconds: Int64) throws(AdmissionError) {
            guard (1...ClockWindow.maxPast).contains(pastMilliseconds), (0...ClockWindow.maxFuture).contains(futureMilliseconds) else {
                throw .badWindow("the clock window must be 1 ms to 10 years into the past and 0 to 1 day into the future")
            }
            past = pastMilliseconds
            future = futureMilliseconds
        }

        /// The widest window a node may configure: what a replayer applies to a peer's log, whose
        /// own window is its operator's policy and is not published (`LogReplay`).
        public static let widest = ClockWindow(past: maxPast, future: maxFuture)

        private init(past: Int64, future: Int64) {
            self.past = past
            self.future = future
        }
    }

    /// Who the declarant is, for the rules that follow admission.
    public enum Standing: Sendable, Equatable {
        /// A trusted operator key (enrollments and mandates).
        case `operator`
        /// A party enrolled in a trusted log.
        case enrolled
        /// A key no trusted log enrolls: an unverified declaration (PROTOCOL §3).
        case openDeclaration
    }

    public let window: ClockWindow
    /// The trusted operator keys: only they sign enrollments and mandates.
    public let operators: Set<PublicKey>

    public init(window: ClockWindow, operators: Set<PublicKey>) {
        self.window = window
        self.operators = operators
    }

    /// Checks `statement` against the rules at time `now`. `isEnrolled` says whether a key is
    /// an active party of a trusted log.
    public func check(_ statement: Statement, now: Timestamp, isEnrolled: (PublicKey) -> Bool) throws(AdmissionError) -> Standing {
        let issued = statement.issued
        // Both sides are bounded (PROTOCOL §1 times, the window's own bounds): no overflow.
        let (earliest, o1) = now.milliseconds.subtractingReportingOverflow(window.past)
        let (latest, o2) = now.milliseconds.addingReportingOverflow(window.future)
        if !o1, issued.milliseconds < earliest { throw .stale(issued: issued, now: now, windowSeconds: window.past / 1000) }
        if !o2, issued.milliseconds > latest { throw .future(issued: issued, now: now, windowSeconds: window.future / 1000) }
        switch statement {
        case .enrollment, .mandate:
            guard operators.contains(statement.by) else { throw .notOperator(kind: statement.kind, by: statement.by) }
            return .operator
        case .preference:
            return isEnrolled(statement.by) ? .enrolled : .openDeclaration
        case .erasure:
            // Who may erase what depends on the erased statement (`checkErasure`); the standing
            // only says which limits apply to the signer.
            if operators.contains(statement.by) { return .operator }
            return isEnrolled(statement.by) ? .enrolled : .openDeclaration
        }
    }

    /// Whether `erasure` may erase `target`, a statement already in the log (docs/protocol.md
    /// "Erasure"): its declarant may; for an enrollment, so may the enrolled party (the data
    /// subject); and a trusted operator key may erase any statement, since the operator is the
    /// controller of what its node discloses (a note naming a third person, a declarant who lost
    /// their key). Anyone else is refused, and so is an erasure with nothing to erase.
    public func checkErasure(_ erasure: Erasure, of target: Statement) throws(AdmissionError) {
        try Admission.checkErasure(erasure, of: ErasureTarget(target), operators: operators)
    }

    /// The rule itself, for a replayer that keeps only what it needs of each statement and
    /// knows the operator keys (`LogAudit`).
    public static func checkErasure(_ erasure: Erasure, of target: ErasureTarget, operators: Set<PublicKey>) throws(AdmissionError) {
        // An erasure holds no commitments, nor does a statement without any: an erasure of one
        // would delete nothing and only add a permanent leaf (a chain of erasures of erasures).
        guard target.kind != .erasure else { throw .nothingToErase(target: target.kind) }
        guard target.hasCommitments else { throw .nothingToErase(target: target.kind) }
        if erasure.by == target.declarant || operators.contains(erasure.by) { return }
        if target.kind == .enrollment, erasure.by == target.party { return }
        throw .notEraser(by: erasure.by, target: target.kind)
    }

    /// What the erasure rule needs of an erased statement.
    public struct ErasureTarget: Hashable, Sendable {
        public let kind: Statement.Kind
        public let declarant: PublicKey
        /// The enrolled party, for an enrollment.
        public let party: PublicKey?
        /// Whether the statement carries a commitment, so has something an erasure can delete.
        public let hasCommitments: Bool

        public init(_ statement: Statement) {
            kind = statement.kind
            declarant = statement.by
            if case let .enrollment(e) = statement { party = e.party } else { party = nil }
            hasCommitments = !statement.commitments.isEmpty
        }
    }
}

public enum AdmissionError: Error, Equatable, Sendable, CustomStringConvertible {
    case stale(issued: Timestamp, now: Timestamp, windowSeconds: Int64)
    case future(issued: Timestamp, now: Timestamp, windowSeconds: Int64)
    case notOperator(kind: Statement.Kind, by: PublicKey)
    case badWindow(String)
    /// An erasure signed by a key that may not erase that statement.
    case notEraser(by: PublicKey, target: Statement.Kind)
    /// An erasure of a statement that has no commitments (an erasure, a mandate, a statement
    /// without names, ids, credit or note): there is nothing to erase.
    case nothingToErase(target: Statement.Kind)

    public var description: String {
        switch self {
        case let .stale(issued, now, window): "issued \(issued) is more than \(window) s before \(now)"
        case let .future(issued, now, window): "issued \(issued) is more than \(window) s after \(now)"
        case let .notOperator(kind, by):
            "\(kind.rawValue) statements are accepted only from a trusted operator key, and \(by.base64) is not one"
        case let .badWindow(why): why
        case let .notEraser(by, target):
            target == .enrollment
                ? "\(by.base64) may not erase this enrollment: only its declarant, the enrolled party or the node's operator key may"
                : "\(by.base64) may not erase this \(target.rawValue): only its declarant or the node's operator key may"
        case let .nothingToErase(target):
            target == .erasure
                ? "nothing to erase: the statement named is itself an erasure, which holds no personal data"
                : "nothing to erase: the \(target.rawValue) named carries no commitments (no name, ids, credit or note), so nothing of it is disclosed"
        }
    }
}
