/// Every length and count limit the core puts on a submission, in one table, so that
/// docs/statements.md can be checked against it: `StatementReferenceTests` requires each limit's
/// number in the row of the field it names (review of issue 10, finding 18). A limit added to the
/// code and not here is caught by that test's scan of the core's refusal messages.
public enum StatementLimits {
    public struct Limit: Sendable, Hashable {
        /// The field as docs/statements.md's tables name it (`community.name`), or `statement` /
        /// `submission` for the sizes of the whole.
        public let field: String
        public let value: Int
        /// What is counted: `bytes` (UTF-8), `characters` (Unicode scalar values) or `items`.
        public let unit: String
    }

    public static let all: [Limit] = [
        Limit(field: "statement", value: SignedStatement.maxSize, unit: "bytes"),
        Limit(field: "submission", value: Submission.maxSize, unit: "bytes"),
        Limit(field: "work", value: WorkID.maxBytes, unit: "bytes"),
        Limit(field: "works", value: Mandate.maxWorks, unit: "items"),
        Limit(field: "works", value: WorkID.maxBytes, unit: "bytes"),
        Limit(field: "labels", value: Mandate.maxLabels, unit: "items"),
        Limit(field: "audience", value: Audience.maxLicenseeBytes, unit: "bytes"),
        Limit(field: "usage", value: Preference.maxUsageCategories, unit: "items"),
        Limit(field: "usage", value: UsageCategory.maxNameBytes, unit: "bytes"),
        Limit(field: "note", value: Preference.maxNoteCharacters, unit: "characters"),
        Limit(field: "conditions.credit", value: Conditions.maxCreditCharacters, unit: "characters"),
        // Conditions.swift writes this one in place (`maxLength: 2048`).
        Limit(field: "conditions.terms", value: 2048, unit: "bytes"),
        Limit(field: "name", value: Enrollment.maxNameCharacters, unit: "characters"),
        Limit(field: "ids", value: Enrollment.maxIDs, unit: "items"),
        Limit(field: "community.name", value: Enrollment.Community.maxNameBytes, unit: "bytes"),
        Limit(field: "community.projects", value: Enrollment.Community.maxProjects, unit: "items"),
        Limit(field: "community.projects", value: Enrollment.Community.maxProjectBytes, unit: "bytes"),
        Limit(field: "field", value: Disclosure.maxPointerBytes, unit: "bytes"),
    ]
}
