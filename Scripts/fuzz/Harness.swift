// The libFuzzer entry points shared by every target (Scripts/fuzz.sh builds one binary per
// file in targets/, each with this file and Samples.swift). A target file defines
//
//     enum Target {
//         static var seeds: [[UInt8]] { get }     // valid inputs the corpus starts from
//         static func run(_ input: [UInt8])        // feeds one input to the parser under test
//     }
//
// `run` may only crash through `require`, when a property that must hold for every input
// fails (a round trip that is not the identity); the parsers themselves must never crash.

#if canImport(Glibc)
import Glibc
#endif

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    Target.run(input)
    return 0
}

/// With `FUZZ_WRITE_SEEDS=<dir>` the binary writes its seeds there (one file each) and exits,
/// so the seed corpus is made from the same code as the target, at the time it is run.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    guard let dir = getenv("FUZZ_WRITE_SEEDS").map({ String(cString: $0) }) else { return 0 }
    for (n, seed) in Target.seeds.enumerated() {
        let path = "\(dir)/seed-\(n)"
        guard let file = fopen(path, "wb") else { fatalError("cannot write \(path)") }
        _ = seed.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
        fclose(file)
    }
    exit(0)
}

/// A property every input must have; a failure is reported as a crash with the input kept.
func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("property violated: \(message())") }
}

/// Renders an error the way a CLI or a log would: descriptions are code too, and must not trap.
func describe(_ error: any Error) {
    _ = "\(error)".utf8.count
}

func text(_ input: [UInt8]) -> String { String(decoding: input, as: UTF8.self) }
