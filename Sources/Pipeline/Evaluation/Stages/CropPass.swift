import Foundation
import Media
import Models

// The crop pass (docs/reference/pipeline.md §9): every missing track's crops in one pass over the video.
extension EvaluationRun {
    /// Second pass over the video: the 224×224 crops of every track in `plans`, streamed into the
    /// cache in chunks, then each track's artifact row. A track with a feed in `lipFeeds` also hands
    /// each crop to it, so SyncNet's lip tower starts on the track during the pass.
    mutating func cropPass(_ plans: [TrackPlan], lipFeeds: [Int: LipBatchFeed] = [:]) throws -> [Int: CropsArtifact] {
        let started = ContinuousClock.now
        let cropper = TrackCropper(cropScale: settings.cropScale)
        struct Active {
            var plan: TrackPlan
            var windows: [CropWindow]
            /// The reference's XVID video + JPEG re-extraction of this track's crops (faithful chain).
            /// Opened at the track's first frame, finished and released at its last, so only the
            /// tracks on screen hold encoders and pending frames.
            var roundTrip: CropVideoRoundTrip? = nil
            var pending: [Data] = []
            var written = 0
            var finished = false
        }
        let faithful = settings.pictureChain == .faithful
        var active: [Active] = []
        for plan in plans {
            do { active.append(Active(plan: plan, windows: try cropper.windows(for: plan.track))) } catch {
                throw Stop(status: .cropError, message: "\(input.videoPath): track \(plan.index): \(error)")
            }
        }
        // Start each track's frames over (frames this writer saved earlier; never another writer's).
        for plan in plans { try cache.discardFrames(of: plan.crops) }
        let lastFrame = plans.map { $0.track.frames.upperBound - 1 }.max() ?? -1
        let codec = try mediaCall { try PNGImageCodec() }
        let chunk = 32
        func keep(_ images: [Image], _ entry: inout Active) throws {
            let feed = lipFeeds[entry.plan.index]
            for image in images {
                entry.pending.append(try codec.encode(image))
                feed?.append(image)
            }
            if entry.pending.count >= chunk {
                try cache.saveFrames(of: entry.plan.crops, startingAt: entry.written, entry.pending)
                entry.written += entry.pending.count
                entry.pending.removeAll(keepingCapacity: true)
            }
        }
        func finish(_ entry: inout Active) throws {
            if let roundTrip = entry.roundTrip { try keep(try roundTrip.finish(), &entry) }
            entry.roundTrip = nil
            lipFeeds[entry.plan.index]?.finish()
            if !entry.pending.isEmpty {
                try cache.saveFrames(of: entry.plan.crops, startingAt: entry.written, entry.pending)
                entry.written += entry.pending.count
                entry.pending = []
            }
            entry.finished = true
        }
        func cut(_ image: Image, frame f: Int) throws {
            evaluator.progress?(EvaluationProgress(stage: "cropping", done: f + 1, total: lastFrame + 1, unit: "frames"))
            for i in active.indices where active[i].plan.track.frames.contains(f) {
                if faithful && active[i].roundTrip == nil { active[i].roundTrip = try CropVideoRoundTrip() }
                let crop: Image
                do { crop = try cropper.crop(image, window: active[i].windows[f - active[i].plan.track.firstFrame], frame: f) } catch {
                    throw Stop(status: .cropError, message: "\(input.videoPath): track \(active[i].plan.index): \(error)")
                }
                let seen = try active[i].roundTrip.map { try $0.append(crop) } ?? [crop]
                try keep(seen, &active[i])
                if f == active[i].plan.track.frames.upperBound - 1 { try finish(&active[i]) }
            }
        }
        do throws(any Error) {
            if let jpegs = retainedJPEGs {
                // The first pass kept the faithful frames' JPEGs: decode them (as imread does).
                for f in 0..<min(jpegs.count, lastFrame + 1) {
                    try cut(try Image(jpeg: jpegs[f], label: "\(input.videoPath) frame \(f)"), frame: f)
                }
            } else {
                let decoder = try frameSource(convertPixels: true)
                while let frame = try decoder.nextFrame() {
                    let f = frame.slot.index
                    if f > lastFrame { break }
                    guard let image = frame.image else { continue }
                    try cut(image, frame: f)
                }
            }
            // Tracks running past the end of the video (the reference skips the missing frames).
            for i in active.indices where !active[i].finished { try finish(&active[i]) }
        } catch let error as MediaError {
            throw Stop(status: .decodeError, message: error.description)
        }
        var result: [Int: CropsArtifact] = [:]
        let seconds = elapsed(since: started) / Double(max(1, plans.count))
        for entry in active {
            let artifact = CropsArtifact(
                meta: .init(
                    track: entry.plan.index, firstFrame: entry.plan.track.firstFrame, frames: entry.written,
                    trackFrames: entry.plan.track.boxes.count, chain: evaluator.chainName),
                windows: Array(entry.windows.prefix(entry.written)))
            try save(artifact, key: entry.plan.crops, seconds: seconds)
            result[entry.plan.index] = artifact
        }
        return result
    }
}
