import Foundation
import Media
import Testing

/// Compares our 25 fps timeline of a clip with the reference's ffmpeg chain, frame by frame.
enum TimelineParity {
    struct Report {
        var ourFrames: Int
        var referenceJPEGs: Int
        var referencePictures: Int
        /// Frames whose pixels are not exactly FFmpeg's bgr24 of the source picture we claim.
        var inexactPixels: [Int]
        /// Frames where the reference shows a different source picture than we do.
        var orderMismatches: [Int]
    }

    /// Runs both and compares: counts, exact pixels of the source picture each frame claims, and
    /// which source picture the reference's frame shows.
    ///
    /// The reference's frames went through MPEG-4 q2 (and would go through JPEG q2), so they are
    /// matched to the nearest source picture: a frame counts as a mismatch only when another source
    /// picture within ±3 is clearly closer (its squared error below 1/1.5 of ours, minus 0.5 grey
    /// levels² of slack). Consecutive source pictures that are near-duplicates (generators often
    /// repeat frames) therefore cannot produce false alarms, while a one-frame slip between two
    /// different pictures is always caught.
    static func compare(_ clip: URL) throws -> Report {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let decoder = try VideoDecoder(path: clip.path, mode: .reference)
        var ours: [(slot: ReferenceTimeline.Slot, picture: PictureFingerprint)] = []
        while let frame = try decoder.nextFrame() {
            ours.append((frame.slot, PictureFingerprint(frame.image!)))
        }
        let source = try ReferenceFFmpeg.sourcePictures(clip, width: decoder.width, height: decoder.height)
        let reference = try ReferenceFFmpeg.referenceTimeline(clip, width: decoder.width, height: decoder.height, in: directory)
        var inexact: [Int] = []
        var mismatches: [Int] = []
        for (index, frame) in ours.enumerated() {
            let claimed = frame.slot.sourcePicture
            if claimed >= source.count || source[claimed].hash != frame.picture.hash { inexact.append(index) }
            guard index < reference.pictures.count, claimed < source.count else { continue }
            let shown = reference.pictures[index]
            let window = max(0, claimed - 3)..<min(source.count, claimed + 4)
            let errors = window.map { shown.meanSquaredDifference(source[$0]) }
            let ourError = shown.meanSquaredDifference(source[claimed])
            if ourError > 1.5 * errors.min()! + 0.5 { mismatches.append(index) }
        }
        return Report(
            ourFrames: ours.count, referenceJPEGs: reference.jpegCount, referencePictures: reference.pictures.count,
            inexactPixels: inexact, orderMismatches: mismatches)
    }

    /// Asserts a clip's report is a perfect match.
    static func expectMatch(_ clip: URL, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let report = try compare(clip)
        let name = clip.lastPathComponent
        #expect(report.ourFrames == report.referenceJPEGs, "\(name): frame count", sourceLocation: sourceLocation)
        #expect(report.referencePictures == report.referenceJPEGs, "\(name): reference rawvideo vs JPEG count", sourceLocation: sourceLocation)
        #expect(report.inexactPixels.isEmpty, "\(name): frames not bit-exact with ffmpeg bgr24: \(report.inexactPixels.prefix(10))", sourceLocation: sourceLocation)
        #expect(report.orderMismatches.isEmpty, "\(name): frames showing another source picture than the reference: \(report.orderMismatches.prefix(10))", sourceLocation: sourceLocation)
    }
}
