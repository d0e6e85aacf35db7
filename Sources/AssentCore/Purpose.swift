/// What a use is for (PROTOCOL §6): a licence may restrict a grant to a purpose; a query names one.
public enum Purpose: String, Sendable, CaseIterable {
    case any, commercial
    case nonCommercial = "non-commercial"
    case research
}
