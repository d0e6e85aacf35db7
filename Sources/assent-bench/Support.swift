import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Monotonic wall-clock seconds.
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// This thread's CPU seconds: crypto rates are per CPU-second, so other load on the
/// machine changes them far less than wall time would (Scripts/bench/crypto_bound.c does the same).
func threadCPUTime() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// This process's CPU seconds, every thread: for work that GRDB may run on its own queues
/// (reads, opening a store), where another helper's build on the machine slows wall time.
func processCPUTime() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// A short warm-up, then `measure`.
func warmThenMeasure(seconds: Double, _ body: () -> Void) -> Double {
    _ = measure(seconds: min(0.25, seconds / 8), body)
    return measure(seconds: seconds, body)
}

/// Runs `body` in chunks of 64 calls until `seconds` of thread CPU time have passed (the
/// same loop as Scripts/bench/crypto_bound.c) and returns calls per CPU-second.
@inline(never)
func measure(seconds: Double, _ body: () -> Void) -> Double {
    let now = threadCPUTime
    let start = now()
    var ops = 0
    var elapsed = 0.0
    repeat {
        for _ in 0..<64 { body() }
        ops += 64
        elapsed = now() - start
    } while elapsed < seconds
    return Double(ops) / elapsed
}

/// A field of /proc/self/status in megabytes (VmHWM: peak resident set; VmRSS: current). 0 when unavailable.
/// CPU seconds this thread has run: a rate per CPU second moves less than a wall-clock rate
/// when other processes share the cores.
func threadCPU() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

func procStatusMB(_ field: String) -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
        let kB = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Double($0) } ?? 0
        return kB / 1024
    }
    return 0
}

/// A counter of /proc/self/io (wchar: bytes passed to write calls, pwrite included). 0 when unavailable.
func procIO(_ field: String) -> Int64 {
    guard let text = try? String(contentsOfFile: "/proc/self/io", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
        return Int64(line.split(separator: " ").last ?? "") ?? 0
    }
    return 0
}

/// A JSON value for output, keeping key order.
enum Out {
    case number(Double)
    case integer(Int64)
    case string(String)
    case bool(Bool)
    case object([(String, Out)])
    case array([Out])
    case null

    var text: String {
        switch self {
        case let .number(d): return d.isFinite ? String(format: "%.3f", d) : "null"
        case let .integer(i): return String(i)
        case let .string(s): return Out.quote(s)
        case let .bool(b): return b ? "true" : "false"
        case .null: return "null"
        case let .array(items): return "[" + items.map(\.text).joined(separator: ", ") + "]"
        case let .object(members): return "{" + members.map { "\(Out.quote($0.0)): \($0.1.text)" }.joined(separator: ", ") + "}"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// 1234567.8 → "1,234,568".
func grouped(_ value: Double) -> String {
    let digits = String(Int64(value.rounded()))
    var out = ""
    for (i, c) in digits.reversed().enumerated() {
        if i > 0 && i % 3 == 0 && c != "-" { out.append(",") }
        out.append(c)
    }
    return String(out.reversed())
}

struct UsageError: Error, CustomStringConvertible {
    let description: String
}

/// Deterministic input bytes shared with crypto_bound.c: byte i is i*31+7 mod 256.
func patternBytes(_ count: Int) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
}
