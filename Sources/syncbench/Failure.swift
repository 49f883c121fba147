import ArgumentParser
import Benchmark
import Foundation
import Media
import Models
import Pipeline
import Reports
import Store

/// Exit codes of `syncbench`, one per kind of failure, so scripts can tell them apart.
/// Documented in `docs/cli.md`; 0 is success and 64 a usage error (ArgumentParser's).
enum ExitStatus: Int32, CaseIterable {
    case failure = 1
    /// `eval`: the clip was evaluated but has no score (no_face, no_track, too_short).
    case noScore = 3
    /// `eval`: the audio to score against is missing, empty or undecodable.
    case clipAudio = 4
    /// `eval`: the video cannot be decoded.
    case clipVideo = 5
    case fileNotFound = 10
    case unreadable = 11
    case emptyFile = 12
    case unrecognizedFormat = 13
    case corruptContainer = 14
    case noVideoStream = 15
    case noAudioStream = 16
    case unsupportedCodec = 17
    case emptyStream = 18
    case decodeFailed = 19
    case writeFailed = 20
    /// An input file other than media (a boxes file) is malformed, or an input is not a regular
    /// file (a pipe, a device, a folder).
    case invalidInput = 21
    case databaseError = 30
    /// `query`: the database holds no such evaluation or artifact.
    case notInCache = 31
    /// `cache verify`: the database has damaged artifacts or fails SQLite's checks.
    case cacheDamaged = 32
    /// `verify`: our scores disagree with the published ones (beyond the tolerances, other offsets,
    /// or scored on one side only).
    case disagrees = 33
    /// `verify`: no published row matches a sample with a result.
    case nothingToCompare = 34
    case weightsNotFound = 40
    case weightsInvalid = 41
    case downloadFailed = 42

    /// The exit status of an evaluated clip, nil when it was scored.
    init?(clip status: ClipStatus) {
        switch status {
        case .ok: return nil
        case .noFace, .noTrack, .tooShort: self = .noScore
        case .noAudio, .audioError: self = .clipAudio
        case .decodeError, .unsupported, .cropError: self = .clipVideo
        }
    }

    /// A user's file that cannot be read is an input error (11), not a database one.
    init(_ error: StoreError) {
        if case .unreadableFile = error { self = .unreadable } else { self = .databaseError }
    }

    init(_ error: MediaError) {
        switch error {
        case .fileNotFound: self = .fileNotFound
        case .unreadable: self = .unreadable
        case .emptyFile: self = .emptyFile
        case .unrecognizedFormat: self = .unrecognizedFormat
        case .corruptContainer: self = .corruptContainer
        case .noVideoStream: self = .noVideoStream
        case .noAudioStream: self = .noAudioStream
        case .unsupportedCodec: self = .unsupportedCodec
        case .emptyStream: self = .emptyStream
        case .decodeFailed, .ffmpeg: self = .decodeFailed
        case .encodeFailed: self = .writeFailed
        }
    }
}

/// Prints `message` on standard error as `syncbench: error: …` and exits with `status`.
func fail(_ message: String, status: ExitStatus) -> ExitCode {
    FileHandle.standardError.write(Data("syncbench: error: \(message)\n".utf8))
    return ExitCode(status.rawValue)
}

/// Runs `body`, turning library errors into one clear line on stderr and a distinct exit code.
func reportingFailures<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as MediaError {
        throw fail(error.description, status: ExitStatus(error))
    } catch let error as WeightsError {
        switch error {
        case .notFound: throw fail(error.description, status: .weightsNotFound)
        case .invalid: throw fail(error.description, status: .weightsInvalid)
        }
    } catch let error as StoreError {
        throw fail(error.description, status: ExitStatus(error))
    } catch let error as MissingInputFile {
        throw fail(error.description, status: .fileNotFound)
    } catch let error as IrregularInputFile {
        throw fail(error.description, status: .unreadable)
    } catch let error as SuiteLayoutError {
        throw fail(error.description, status: .invalidInput)
    } catch let error as ReportLoadError {
        throw fail(error.description, status: .notInCache)
    } catch let error as ReportError {
        throw fail(error.description, status: .writeFailed)
    } catch let error as CLIError {
        throw fail(error.message, status: error.status)
    } catch let error as DetectionBoxes.LoadError {
        throw fail(error.description, status: .invalidInput)
    } catch let error as ArtifactError {
        throw fail(error.description, status: .databaseError)
    } catch let error as ExitCode {
        throw error
    } catch {
        throw fail(String(describing: error), status: .failure)
    }
}
