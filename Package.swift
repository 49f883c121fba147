// swift-tools-version:6.0
//
// SyncBench: SyncNet lip-sync scoring (LSE-C / LSE-D) with a content-addressed SQLite cache.
// Targets mirror docs/architecture.md; every library target has a test target of the same name.
import PackageDescription

let package = Package(
    name: "SyncBench",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "syncbench", targets: ["syncbench"])
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // MARK: C libraries (module maps and shims only)
        .systemLibrary(
            name: "CFFmpeg",
            pkgConfig: "libavformat",
            providers: [
                .apt(["libavformat-dev", "libavcodec-dev", "libavutil-dev", "libswscale-dev", "libswresample-dev"])
            ]
        ),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg62-turbo-dev"])]),
        .systemLibrary(name: "CCairo", pkgConfig: "cairo", providers: [.apt(["libcairo2-dev"])]),
        // MARK: C code of our own
        .target(name: "CBFloat16"),  // the bf16 GEMM kernel (AVX512_BF16), for Tensor's --precision bf16
        .target(name: "CPrefetch"),  // cache-line prefetches for Tensor's Winograd transforms

        // MARK: Libraries
        .target(name: "Media", dependencies: ["CFFmpeg", "CJPEG", "DSP"], swiftSettings: numericSettings),
        .target(name: "DSP", swiftSettings: numericSettings),
        .target(name: "NPY"),
        .target(name: "Reports", dependencies: ["Media", "Store", "Pipeline", "CCairo"]),
        .target(name: "TestSupport", dependencies: ["Media", "Models", .product(name: "Crypto", package: "swift-crypto")], path: "Tests/TestSupport"),
        .target(name: "Tensor", dependencies: ["COpenBLAS", "CBFloat16", "CPrefetch"], swiftSettings: numericSettings),
        .target(
            name: "Models",
            dependencies: ["Tensor", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: numericSettings
        ),
        .target(
            name: "Pipeline", dependencies: ["Media", "DSP", "Models", "Tensor", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: numericSettings),
        .target(
            name: "Store",
            dependencies: [
                "Media", "Pipeline", "Models",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            plugins: ["EmbedMigrationsPlugin"]
        ),

        .target(
            name: "Benchmark",
            dependencies: ["Store", "Pipeline", "Models", "Media", "Tensor"]),

        // MARK: Build tools
        .executableTarget(name: "EmbedMigrations"),
        .plugin(name: "EmbedMigrationsPlugin", capability: .buildTool(), dependencies: ["EmbedMigrations"]),
        .plugin(name: "BuildInfoPlugin", capability: .buildTool()),

        // MARK: Command-line tool
        .executableTarget(
            name: "syncbench",
            dependencies: [
                "Media", "DSP", "NPY", "Store", "Models", "Tensor", "Pipeline", "Benchmark", "Reports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            plugins: ["BuildInfoPlugin"]
        ),

        // MARK: Tests
        .testTarget(name: "NPYTests", dependencies: ["NPY"]),
        .testTarget(name: "MediaTests", dependencies: ["Media", "NPY", "TestSupport"], exclude: ["Fixtures"], swiftSettings: numericSettings),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "TestSupport"], swiftSettings: numericSettings),
        .testTarget(
            name: "ModelsTests",
            dependencies: ["Models", "Tensor", "NPY", "Media", "DSP", "TestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: numericSettings
        ),
        .testTarget(name: "DSPTests", dependencies: ["DSP", "Media", "NPY", "TestSupport"], exclude: ["Fixtures"], swiftSettings: numericSettings),
        .testTarget(
            name: "PipelineTests", dependencies: ["Pipeline", "Models", "Media", "Tensor", "TestSupport"], exclude: ["Fixtures"],
            swiftSettings: numericSettings),
        .testTarget(name: "StoreTests", dependencies: ["Store", "Media", "Pipeline", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(
            name: "BenchmarkTests", dependencies: ["Benchmark", "Store", "Pipeline", "Models", "Media", "TestSupport"],
            swiftSettings: numericSettings),
        .testTarget(
            name: "ReportsTests", dependencies: ["Reports", "Media", "Store", "Pipeline", "Benchmark", "Models", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "CLITests",
            dependencies: ["syncbench", "Media", "Models", "NPY", "Reports", "Tensor", "TestSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            // `--help` snapshots, read through #filePath (HelpSnapshotTests).
            exclude: ["HelpSnapshots"]),
        // Property tests of what users feed the binary (docs/reliability.md).
        .testTarget(name: "FuzzTests", dependencies: ["syncbench", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)

/// Numeric targets (and the tests that compare their output pixel by pixel) are compiled with
/// optimisation even in debug builds: decoding, resizing and MFCC are 10-100x slower at -Onone,
/// which would make the parity tests crawl.
var numericSettings: [SwiftSetting] { [.unsafeFlags(["-O"], .when(configuration: .debug))] }
