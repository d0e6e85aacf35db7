#if canImport(Glibc)
import Glibc
#endif

/// The node's limit on glibc's malloc arenas. glibc gives threads that allocate at the same
/// time their own arenas (up to 8 a core) and keeps what each arena freed for later use in that
/// arena, so the memory one thread freed is not reused by another and stays resident. A node
/// allocates on its HTTP event loops, the cooperative pool and SQLite's reader threads at once:
/// with two arenas its peak under load was 0–70 MB lower at 300,000 works (27 MB, 7%, in the
/// back-to-back pair; runs varied; docs/benchmarks.md "Node memory and past T"). `MALLOC_ARENA_MAX` in the environment, when
/// set, is left to decide.
public enum MallocArenas {
    public static let nodeLimit: Int32 = 2

    /// Sets the limit, before the node starts its threads; nothing off glibc.
    public static func limit(to arenas: Int32 = nodeLimit) {
        #if canImport(Glibc)
        guard getenv("MALLOC_ARENA_MAX") == nil else { return }
        // `mallopt` is in <malloc.h>, which the Glibc module does not bring in: looked up by
        // name in the process (glibc's libc.so.6 is always loaded). M_ARENA_MAX is -8 there.
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "mallopt") else { return }
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        _ = unsafeBitCast(symbol, to: Mallopt.self)(-8, arenas)
        #endif
    }
}
