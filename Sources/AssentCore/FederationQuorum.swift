extension Federation {
    /// The federation's witnesses whose cosignature on `note` verifies (C2SP tlog-cosignature
    /// v1.0.1). Lines by other keys are ignored, and so is a line by a listed witness that does
    /// not verify (tlog-witness: "the client MUST ignore any cosignatures from unknown keys";
    /// a bad one proves nothing either).
    public func cosigners(of note: SignedNote) -> [Witness] {
        witnesses.filter { witness in ((try? Cosignature.verify(note, witness: witness.key)) ?? nil) != nil }
    }

    /// Whether `note` carries the cosignatures of at least `quorum` of the federation's witnesses.
    public func meetsQuorum(_ note: SignedNote) -> Bool { cosigners(of: note).count >= quorum }
}
