/// A request's `Accept-Encoding` (RFC 9110 §12.5.3), asked one question: may this node send
/// gzip, and does the client prefer it to no coding at all?
///
/// The field is a list of codings, each with an optional weight `;q=` (RFC 9110 §12.4.2,
/// 0 to 1 with at most three decimals). `q=0` means "not acceptable". `*` stands for any
/// coding not listed by name, `identity` (no coding) included. `x-gzip` is gzip (RFC 9110
/// §8.4.1.3). `identity` is always acceptable unless weighted 0; when the field does not weigh
/// it, it is the last choice, so `gzip;q=0.5` alone gets gzip. An element whose weight is
/// malformed is ignored. With no field at all the node sends no coding: RFC 9110 allows any
/// coding then, but a client that did not ask may not expect one.
struct AcceptEncoding: Equatable {
    /// The weight of gzip (0 when not acceptable).
    let gzip: Double
    /// The weight of identity when the field gives one (by name or by `*`); nil when it does
    /// not, in which case identity is acceptable but preferred to no listed coding.
    let identity: Double?

    /// Whether to send gzip: acceptable, and weighted at least as high as identity.
    var prefersGzip: Bool { gzip > 0 && gzip >= (identity ?? 0) }

    /// `values`: every `Accept-Encoding` field line of the request (a list may be split
    /// across lines, RFC 9110 §5.3). No lines at all: the field is absent.
    init(_ values: [String]) {
        guard !values.isEmpty else {
            gzip = 0
            identity = nil
            return
        }
        var named = [String: Double]()
        var star: Double?
        for element in values.joined(separator: ",").split(separator: ",") {
            let parts = element.split(separator: ";", omittingEmptySubsequences: false)
            let coding = parts[0].trimmingWhitespace.lowercased()
            guard !coding.isEmpty else { continue }  // empty list elements are allowed (RFC 9110 §5.6.1)
            guard let weight = AcceptEncoding.weight(parts.dropFirst()) else { continue }
            switch coding {
            case "*": star = weight
            case "x-gzip": named["gzip"] = max(named["gzip"] ?? 0, weight)
            default: named[coding] = max(named[coding] ?? 0, weight)
            }
        }
        gzip = named["gzip"] ?? star ?? 0
        identity = named["identity"] ?? star
    }

    /// The `q` parameter among an element's parameters: 1 when absent, nil when malformed.
    private static func weight(_ parameters: ArraySlice<Substring>) -> Double? {
        var q: Double = 1
        for parameter in parameters {
            let pair = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2 else { return nil }
            guard pair[0].trimmingWhitespace.lowercased() == "q" else { continue }  // other parameters do not weigh
            guard let value = qvalue(pair[1].trimmingWhitespace) else { return nil }
            q = value
        }
        return q
    }

    /// RFC 9110 §12.4.2: `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )`.
    static func qvalue(_ text: Substring) -> Double? {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, first == UInt8(ascii: "0") || first == UInt8(ascii: "1") else { return nil }
        var thousandths = Int(first - UInt8(ascii: "0")) * 1000
        if bytes.count > 1 {
            guard bytes[1] == UInt8(ascii: "."), bytes.count <= 5 else { return nil }
            var scale = 100
            for digit in bytes[2...] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) else { return nil }
                thousandths += Int(digit - UInt8(ascii: "0")) * scale
                scale /= 10
            }
        }
        guard thousandths <= 1000 else { return nil }
        return Double(thousandths) / 1000
    }
}

extension Substring {
    /// Without the optional whitespace (space, tab) of RFC 9110 §5.6.3 at either end.
    var trimmingWhitespace: Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return s
    }
}
