import ArgumentParser
import Tensor

/// The `syncbench` command: the only place in SyncBench that prints, parses arguments or
/// decides exit codes.
@main
struct SyncBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "syncbench",
        abstract: "Score lip sync of talking-head videos (SyncNet LSE-C / LSE-D), cached in SQLite.",
        version: SyncBenchVersion.current,
        subcommands: [
            EvalCommand.self, BenchCommand.self, ReportCommand.self, VerifyCommand.self, DBCommand.self, QueryCommand.self, CacheCommand.self, MediaCommand.self, WeightsCommand.self,
            DetectCommand.self, BenchKernelsCommand.self,
        ]
    )

    /// The allocator set up for the networks' large, short-lived blocks (one heap for all threads,
    /// large freed blocks kept) and OpenBLAS's own threads stopped (the GEMMs are single-threaded,
    /// parallelism is SyncBench's), then the command.
    static func main() async {
        FreedMemory.shareOneHeap()
        FreedMemory.keepLargeFreedBlocks()
        GEMM.stopLibraryThreads()
        await main(nil)
    }
}

enum SyncBenchVersion {
    static let number = "0.1.0"
    /// The git commit of the build (BuildInfoPlugin), `unknown` outside a checkout.
    static let commit = BuildInfo.commit
    /// `0.1.0 (1a2b3c4d5e6f)`, as `--version` and every output's provenance show it.
    static let current = "\(number) (\(commit))"
}
