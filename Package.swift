// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Assent",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "AssentCore", targets: ["AssentCore"]),
        .executable(name: "assent", targets: ["assent"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // Tests only: OpenAPITests reads docs/openapi.yaml to validate examples and replies against its schemas.
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // libcrypto only: SHA-256 and Ed25519 (ARCHITECTURE.md, "Modules").
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        // zlib, for gzip-encoded entry bundles.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "AssentCore", dependencies: ["COpenSSL"]),
        .target(
            name: "AssentStore",
            dependencies: [
                "AssentCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's C API, which GRDB links: the writer binds its hot rows directly (RowInsert).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        .target(
            name: "AssentNode",
            dependencies: [
                "AssentCore",
                "AssentStore",
                "CZlib",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "assent",
            dependencies: [
                "AssentCore",
                "AssentStore",
                "AssentNode",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Load generator for the node benchmark and the crash drill (Scripts/).
        .executableTarget(
            name: "assent-load",
            dependencies: [
                "AssentCore", "AssentNode",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        // Benchmarks of the core and the store (Scripts/bench-core.sh runs it in release mode).
        .executableTarget(
            name: "assent-bench",
            dependencies: ["AssentCore", "AssentStore", "AssentNode", "COpenSSL", .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "Logging", package: "swift-log")]
        ),
        // What the three test targets share (a seeded generator, a locked box): one copy, not one a target.
        .target(name: "AssentTestSupport", path: "Tests/AssentTestSupport"),
        .testTarget(
            name: "AssentCoreTests",
            // COpenSSL: the key tests call libcrypto directly, to show what it accepts unaided.
            dependencies: ["AssentCore", "AssentTestSupport", "COpenSSL"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "AssentStoreTests",
            dependencies: ["AssentCore", "AssentStore", "AssentTestSupport", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "AssentNodeTests",
            dependencies: [
                "AssentCore", "AssentStore", "AssentNode", "AssentTestSupport", "CZlib",
                .product(name: "Hummingbird", package: "hummingbird"),
                // Route tests that are not about sockets run in process (app.test(.router)).
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                // To damage a stopped node's database behind its back.
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
    ]
)
