/// A point in time with millisecond precision, written as RFC 3339 UTC with
/// exactly three fraction digits: `2026-11-21T10:00:00.000Z` (PROTOCOL §1).
///
/// The core never reads a clock: callers pass times in.
public struct Timestamp: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public let milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.milliseconds < b.milliseconds }

    public var description: String { rfc3339 }

    /// Parses exactly `YYYY-MM-DDTHH:MM:SS.sssZ`; nil for any other form, so a time has one spelling.
    public init?(rfc3339 text: some StringProtocol) {
        let c = Array(text.utf8)
        guard c.count == 24, c[4] == UInt8(ascii: "-"), c[7] == UInt8(ascii: "-"), c[10] == UInt8(ascii: "T"),
              c[13] == UInt8(ascii: ":"), c[16] == UInt8(ascii: ":"), c[19] == UInt8(ascii: "."),
              c[23] == UInt8(ascii: "Z")
        else { return nil }
        func number(_ from: Int, _ count: Int) -> Int64? {
            var n: Int64 = 0
            for i in from..<(from + count) {
                let d = c[i] &- UInt8(ascii: "0")
                guard d <= 9 else { return nil }
                n = n * 10 + Int64(d)
            }
            return n
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
              let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
              let millis = number(20, 3),
              (1...12).contains(month), day >= 1, day <= Timestamp.daysIn(month: month, year: year),
              hour < 24, minute < 60, second < 60
        else { return nil }
        let days = Timestamp.daysFromCivil(year: year, month: month, day: day)
        milliseconds = ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis
    }

    public var rfc3339: String {
        var out = [UInt8]()
        out.reserveCapacity(24)
        appendRFC3339(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The times `rfc3339` prints with a four-digit year, which are exactly those `init?(rfc3339:)`
    /// reads back: 0000-01-01T00:00:00.000Z through 9999-12-31T23:59:59.999Z.
    public static let fourDigitYears: ClosedRange<Int64> = -62_167_219_200_000...253_402_300_799_999

    /// Appends the bytes of `rfc3339` to `out` without making the string (every state-map record
    /// carries its time, PROTOCOL §5). Outside `fourDigitYears` the year is written as `rfc3339`
    /// always wrote it: its digits (and sign) padded with zeros on the left to four characters.
    public func appendRFC3339(to out: inout [UInt8]) {
        // Floor division that cannot overflow, even at Int64.min: printing is total.
        var (totalSeconds, millis) = milliseconds.quotientAndRemainder(dividingBy: 1000)
        if millis < 0 {
            totalSeconds -= 1
            millis += 1000
        }
        let days = totalSeconds >= 0 ? totalSeconds / 86400 : (totalSeconds - 86399) / 86400
        let secondOfDay = totalSeconds - days * 86400
        let (y, m, d) = Timestamp.civilFromDays(days)
        func pad(_ v: Int64, _ width: Int) {
            var limit: Int64 = 1
            for _ in 0..<width { limit *= 10 }
            guard v >= 0, v < limit else {
                let s = String(v)
                out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: max(0, width - s.utf8.count)))
                out.append(contentsOf: s.utf8)
                return
            }
            var divisor = limit / 10
            while divisor > 0 {
                out.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: v / divisor % 10))
                divisor /= 10
            }
        }
        pad(y, 4)
        out.append(UInt8(ascii: "-"))
        pad(m, 2)
        out.append(UInt8(ascii: "-"))
        pad(d, 2)
        out.append(UInt8(ascii: "T"))
        pad(secondOfDay / 3600, 2)
        out.append(UInt8(ascii: ":"))
        pad(secondOfDay / 60 % 60, 2)
        out.append(UInt8(ascii: ":"))
        pad(secondOfDay % 60, 2)
        out.append(UInt8(ascii: "."))
        pad(millis, 3)
        out.append(UInt8(ascii: "Z"))
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's days_from_civil / civil_from_days: proleptic Gregorian calendar.
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civilFromDays(_ z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
