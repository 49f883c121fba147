import Foundation
import Media
import Models
import Tensor
import TestSupport
import Testing

@testable import Pipeline

/// The evaluator's cache behaviour and its statuses for bad input, on small synthetic clips
/// (lossless FFV1, 25 fps) with boxes given, and the stand-in SyncNet.
@Suite("Evaluator", .serialized)
struct EvaluatorTests {
    /// A 70-frame 320×240 clip with 3 s of audio and one face box on every frame.
    struct Scene {
        let directory: URL
        let video: URL
        let boxes: DetectionBoxes

        init(frames: Int = 70, audioSeconds: Double? = 3, cutAt: Int? = nil, faces: ((Int) -> [[Double]])? = nil) throws {
            directory = try EvaluationFixtures.temporaryDirectory()
            video = directory.appending(path: "clip.mkv")
            try EvaluationFixtures.writeClip(to: video, frames: frames, audioSeconds: audioSeconds) { f in
                EvaluationFixtures.pattern(f, width: 320, height: 240, hue: cutAt.map { f >= $0 ? 1 : 0 } ?? 0)
            }
            boxes = try EvaluationFixtures.writeBoxes(to: directory.appending(path: "boxes.json"), frames: frames) { f in
                faces?(f) ?? [[100 + Double(f % 3), 60, 230, 200]]
            }
        }

        func input(speech: URL? = nil, speechSHA: String? = "5" + String(repeating: "0", count: 63)) -> EvaluationInput {
            EvaluationInput(
                videoPath: video.path, videoSHA256: "v" + String(repeating: "1", count: 63), speechPath: speech?.path,
                speechSHA256: speech == nil ? nil : speechSHA, boxes: boxes)
        }
    }

    func evaluator(_ cache: MemoryCache, settings: EvaluationSettings = EvaluationSettings(clean: true)) -> Evaluator {
        Evaluator(settings: settings, networks: EvaluationFixtures.networks(), cache: cache)
    }

    func computed(_ e: ClipEvaluation) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: e.stages.filter { $0.computed > 0 }.map { ($0.stage, $0.computed) })
    }

    @Test("an identical rerun computes nothing; a new vshift recomputes only the scores")
    func rerunAndVShift() throws {
        let scene = try Scene()
        let cache = MemoryCache()
        let first = try evaluator(cache).evaluate(scene.input())
        #expect(first.status == .ok, "\(first.message)")
        #expect(first.tracks.count == 1 && first.tracks[0].windows == 65)
        #expect(computed(first) == ["decode": 1, "detections": 1, "scenes": 1, "tracks": 1, "speech": 1, "crops": 1, "mfcc": 1, "embeddings": 1, "scores": 1])

        cache.resetSaves()
        let second = try evaluator(cache).evaluate(scene.input())
        #expect(cache.saves.isEmpty, "rerun wrote \(cache.saves)")
        #expect(computed(second).isEmpty)
        #expect(second.tracks == first.tracks && second.bestConfidence == first.bestConfidence && second.minDistance == first.minDistance)
        #expect(second.key == first.key)

        var settings = EvaluationSettings(clean: true)
        settings.vshift = 5
        let narrower = try evaluator(cache, settings: settings).evaluate(scene.input())
        #expect(computed(narrower) == ["scores": 1])
        #expect(cache.saves == ["scores"])
        #expect(narrower.key != first.key)
        #expect(narrower.tracks[0].windows == first.tracks[0].windows)
        // The minimum over fewer offsets can only be larger or equal.
        #expect(narrower.minDistance! >= first.minDistance!)
    }

    @Test(
        "with two cores the lip tower runs the whole batches during the crop pass: the same embeddings, bit for bit, as from the stored crops",
        .enabled(if: Parallel.processorCount >= 2, "needs two cores (CI has two)"),
        arguments: [(3.0, 3), (2.0, 2)])
    func lipTowerDuringCropPass(audioSeconds: Double, wholeBatches: Int) throws {
        // 70 frames: 3 s of speech give 65 windows (batches of 20: three whole ones, then 5);
        // 2 s give 45 (two whole ones: the third would need 65 speech frames).
        let scene = try Scene(audioSeconds: audioSeconds)
        let cache = MemoryCache()
        let overlapping = evaluator(cache)
        var run = EvaluationRun(evaluator: overlapping, input: scene.input())
        let overlapped = try run.execute(keys: overlapping.keys(for: scene.input()))
        #expect(overlapped.status == .ok, "\(overlapped.message)")
        let feed = try #require(run.lipFeeds[0])
        #expect(feed.received == 70 && feed.batchesSent == wholeBatches)
        #expect(feed.results.finished.batches.count == wholeBatches)
        #expect(feed.heldCount == 0, "a finished track's feed lets its crops go; the last batches decode them from the cache")

        // The crops cached, the embeddings and scores dropped: the embeddings stage decodes every
        // crop from the cache (no crop pass, no feed).
        let computed = try #require(overlapped.tracks.first?.artifacts)
        let key = try #require(computed["embeddings"])
        let a = try EmbeddingsArtifact(try #require(try cache.artifact(key: key)))
        cache.state.withLock {
            $0.artifacts[key] = nil
            $0.artifacts[computed["scores"]!] = nil
        }
        var again = EvaluationRun(evaluator: overlapping, input: scene.input())
        let fromCache = try again.execute(keys: overlapping.keys(for: scene.input()))
        #expect(again.lipFeeds.isEmpty)
        #expect(fromCache.stages.first { $0.stage == "crops" }?.outcome == .cached)
        let b = try EmbeddingsArtifact(try #require(try cache.artifact(key: key)))
        #expect(a.meta.windows == (audioSeconds == 3 ? 65 : 45))
        #expect(a.lip == b.lip && a.audio == b.audio)
        #expect(fromCache.tracks == overlapped.tracks)
    }

    @Test("a run killed while writing crops or embeddings resumes: finished stages are reused, half-written frames are dropped")
    func resumeAfterKill() throws {
        let scene = try Scene()
        let cache = MemoryCache()
        cache.state.withLock { $0.failOnFrameChunk = 2 }  // the second chunk of 32 crops fails
        #expect(throws: MemoryCache.Killed.self) { try evaluator(cache).evaluate(scene.input()) }
        #expect(cache.orphanFrames == 32, "the first chunk stays behind without its artifact row")
        #expect(cache.saves == ["detections", "scenes", "tracks"] || cache.saves == ["detections", "scenes", "tracks", "speech", "mfcc"]
            || cache.saves.starts(with: ["detections", "scenes", "tracks"]))
        cache.state.withLock { $0.failOnFrameChunk = nil; $0.failOnStage = ("embeddings", 1) }
        cache.resetSaves()
        #expect(throws: MemoryCache.Killed.self) { try evaluator(cache).evaluate(scene.input()) }
        #expect(cache.orphanFrames == 0, "the crops were redone whole")
        #expect(!cache.saves.contains("tracks") && cache.saves.contains("crops"))
        cache.state.withLock { $0.failOnStage = nil }
        cache.resetSaves()
        let resumed = try evaluator(cache).evaluate(scene.input())
        #expect(resumed.status == .ok)
        #expect(computed(resumed) == ["embeddings": 1, "scores": 1])
        let fresh = try evaluator(MemoryCache()).evaluate(scene.input())
        #expect(resumed.tracks == fresh.tracks && resumed.bestConfidence == fresh.bestConfidence)
    }

    @Test("a new detector threshold recomputes detections and what follows, not the scenes")
    func thresholdChange() throws {
        let directory = try EvaluationFixtures.temporaryDirectory()
        let video = directory.appending(path: "small.mkv")
        try EvaluationFixtures.writeClip(to: video, frames: 12, width: 160, height: 128) { f in
            EvaluationFixtures.pattern(f, width: 160, height: 128, hue: 0)
        }
        let input = EvaluationInput(videoPath: video.path, videoSHA256: "a" + String(repeating: "2", count: 63))
        let cache = MemoryCache()
        let networks = EvaluationFixtures.networks(s3fd: true)
        var settings = EvaluationSettings(clean: true)
        let first = try Evaluator(settings: settings, networks: networks, cache: cache).evaluate(input)
        #expect(first.status == .noFace || first.status == .noTrack)
        #expect(computed(first)["detections"] == 1 && computed(first)["scenes"] == 1 && computed(first)["tracks"] == 1)
        settings.detectorThreshold = 0.5
        let second = try Evaluator(settings: settings, networks: networks, cache: cache).evaluate(input)
        #expect(computed(second)["detections"] == 1 && computed(second)["tracks"] == 1)
        #expect(computed(second)["scenes"] == nil)
        #expect(second.stages.first { $0.stage == "scenes" }?.outcome == .cached)
    }

    @Test("hard cuts end tracks: a face across a cut becomes one track per scene")
    func hardCut() throws {
        let scene = try Scene(frames: 130, audioSeconds: 5.5, cutAt: 64)
        let result = try evaluator(MemoryCache()).evaluate(scene.input())
        #expect(result.status == .ok, "\(result.message)")
        #expect(result.tracks.map { [$0.startFrame, $0.endFrame] } == [[0, 63], [64, 129]])
    }

    @Test("two faces give two scored tracks; LSE-C is the larger confidence, LSE-D the smaller distance")
    func twoFaces() throws {
        let scene = try Scene(faces: { f in [[20, 40, 150, 190], [170 + Double(f % 2), 40, 300, 190]] })
        let result = try evaluator(MemoryCache()).evaluate(scene.input())
        #expect(result.status == .ok)
        #expect(result.tracks.count == 2)
        #expect(result.bestConfidence == result.tracks.compactMap(\.confidence).max())
        #expect(result.minDistance == result.tracks.compactMap(\.minDistance).min())
    }

    @Test("no face, a track too short, faces too small: recorded statuses, no scores")
    func noTrack() throws {
        let empty = try Scene(faces: { _ in [] })
        let none = try evaluator(MemoryCache()).evaluate(empty.input())
        #expect(none.status == .noFace && none.bestConfidence == nil && none.tracks.isEmpty)
        #expect(none.message.contains("no face"))

        let short = try Scene(faces: { f in f < 40 ? [[100, 60, 230, 200]] : [] })
        let shortResult = try evaluator(MemoryCache()).evaluate(short.input())
        #expect(shortResult.status == .noTrack)
        #expect(shortResult.message.contains("more than 50 detections"))

        let small = try Scene(faces: { _ in [[100, 100, 160, 160]] })
        #expect(try evaluator(MemoryCache()).evaluate(small.input()).status == .noTrack)
    }

    @Test("speech: missing, shorter than the video, too short to score; a video without audio")
    func speechProblems() throws {
        let scene = try Scene(audioSeconds: nil)
        var missing = scene.input(speech: scene.directory.appending(path: "nope.wav"), speechSHA: nil)
        missing.speechError = "nope.wav: no such file (speech)"
        let missingResult = try evaluator(MemoryCache()).evaluate(missing)
        #expect(missingResult.status == .audioError)
        #expect(missingResult.message == "nope.wav: no such file (speech)")

        let noAudio = try evaluator(MemoryCache()).evaluate(scene.input())
        #expect(noAudio.status == .noAudio, "\(noAudio.message)")
        #expect(noAudio.message.contains("no audio stream"))

        let shortSpeech = scene.directory.appending(path: "short.wav")
        try EvaluationFixtures.writeSpeech(to: shortSpeech, seconds: 2)
        let partial = try evaluator(MemoryCache()).evaluate(scene.input(speech: shortSpeech))
        #expect(partial.status == .ok)
        #expect(partial.tracks[0].windows == 50 - 5, "min_length = 2 s of speech = 50 frames")
        #expect(partial.message.contains("speech covers 50 of its 70 frames"))
        #expect(partial.warnings?.first == "track 0: scored over 50 of its 70 frames (the speech ends before the track does)")
        // The same warning when everything but the scores comes from the cache.
        let cache = MemoryCache()
        _ = try evaluator(cache).evaluate(scene.input(speech: shortSpeech))
        var narrower = EvaluationSettings(clean: true)
        narrower.vshift = 14
        let rescored = try evaluator(cache, settings: narrower).evaluate(scene.input(speech: shortSpeech))
        #expect(rescored.warnings?.first == partial.warnings?.first)

        let tiny = scene.directory.appending(path: "tiny.wav")
        try EvaluationFixtures.writeSpeech(to: tiny, seconds: 0.2)
        let tooShort = try evaluator(MemoryCache()).evaluate(scene.input(speech: tiny, speechSHA: "6" + String(repeating: "0", count: 63)))
        #expect(tooShort.status == .tooShort)
        #expect(tooShort.tracks.map(\.status) == [.tooShort])
    }

    @Test("joonson: min_track 100, and the speech is the video's own audio after the reference AVI's MP3 round trip")
    func joonson() throws {
        let scene = try Scene()
        let cache = MemoryCache()
        let strict = try evaluator(cache, settings: EvaluationSettings(profile: .joonson)).evaluate(scene.input())
        #expect(strict.status == .noTrack, "70 frames are not more than 100 detections")
        #expect(strict.message.contains("more than 100 detections"))
        var settings = EvaluationSettings(profile: .joonson)
        settings.minTrack = 50
        let scored = try evaluator(cache, settings: settings).evaluate(scene.input())
        #expect(scored.status == .ok, "\(scored.message)")
        let key = try #require(Evaluator(settings: settings, networks: EvaluationFixtures.networks(), cache: cache).keys(for: scene.input()).speech)
        let speech = try SpeechArtifact(try #require(try cache.artifact(key: key)))
        let direct = try AudioDecoder.decodeMono16k(path: scene.video.path)
        #expect(speech.meta.source == "video")
        #expect(speech.samples != direct, "the MP3 round trip changes the samples")
        #expect(abs(speech.samples.count - direct.count) < 2_000)
    }

    @Test("frames too small for S3FD are a recorded status, not a crash")
    func tinyFrames() throws {
        let directory = try EvaluationFixtures.temporaryDirectory()
        let video = directory.appending(path: "tiny.mkv")
        try EvaluationFixtures.writeClip(to: video, frames: 3, width: 64, height: 48) { f in
            EvaluationFixtures.pattern(f, width: 64, height: 48, hue: 0)
        }
        let input = EvaluationInput(videoPath: video.path, videoSHA256: "d" + String(repeating: "4", count: 63))
        let result = try Evaluator(settings: EvaluationSettings(), networks: EvaluationFixtures.networks(s3fd: true), cache: MemoryCache())
            .evaluate(input)
        #expect(result.status == .unsupported)
        #expect(result.message.contains("too small for S3FD"))
        #expect(!S3FD.accepts(width: 16, height: 12))
        // The smallest accepted side really runs through the network (so the check is not too
        // permissive), and one less is refused.
        let smallest = try #require((1...64).first { S3FD.accepts(width: $0, height: $0) })
        #expect(!S3FD.accepts(width: smallest - 1, height: 64) && !S3FD.accepts(width: 64, height: smallest - 1))
        let outputs = EvaluationFixtures.s3fd.heads(Tensor(zeros: [1, 3, smallest, smallest]))
        #expect(outputs.priorCount > 0)
    }

    @Test("the foundation's bad inputs — empty file, truncated MP4, audio only — are decode errors naming the file")
    func badMedia() throws {
        let directory = try EvaluationFixtures.temporaryDirectory()
        let empty = directory.appending(path: "empty.mp4")
        try Data().write(to: empty)
        let whole = directory.appending(path: "whole.mp4")
        try EvaluationFixtures.writeClip(to: whole, frames: 30, width: 128, height: 96, codec: "mpeg4") { f in
            EvaluationFixtures.pattern(f, width: 128, height: 96, hue: 0)
        }
        let truncated = directory.appending(path: "truncated.mp4")
        let bytes = try Data(contentsOf: whole)
        try bytes.prefix(bytes.count / 2).write(to: truncated)
        let audioOnly = directory.appending(path: "speech.wav")
        try EvaluationFixtures.writeSpeech(to: audioOnly, seconds: 1)
        for (file, words) in [(empty, "empty"), (truncated, "truncated"), (audioOnly, "no video stream")] {
            let input = EvaluationInput(videoPath: file.path, videoSHA256: sha256Hex(Data(file.path.utf8)), boxes: nil)
            let cache = MemoryCache()
            let result = try Evaluator(settings: EvaluationSettings(), networks: EvaluationFixtures.networks(s3fd: true), cache: cache).evaluate(input)
            #expect(result.status == .decodeError, "\(file.lastPathComponent): \(result.status)")
            #expect(result.message.hasPrefix(file.path) && result.message.contains(words), "\(result.message)")
            #expect(cache.saves.isEmpty)
        }
    }

    @Test("a file that is not a video, and a missing one, are decode errors")
    func notAVideo() throws {
        let directory = try EvaluationFixtures.temporaryDirectory()
        let text = directory.appending(path: "notes.mp4")
        try Data("just some text, not a video\n".utf8).write(to: text)
        for path in [text.path, directory.appending(path: "missing.mp4").path] {
            let input = EvaluationInput(videoPath: path, videoSHA256: "c" + String(repeating: "3", count: 63))
            let cache = MemoryCache()
            let result = try evaluator(cache).evaluate(input)
            #expect(result.status == .decodeError)
            #expect(result.message.hasPrefix(path))
            #expect(cache.saves.isEmpty, "nothing is cached for a clip that cannot be decoded")
        }
    }

    @Test("faces at and beyond the frame edge: cropped as the reference crops, or a crop_error naming track and frame, never a trap")
    func facesBeyondTheEdge() throws {
        // Partly off the left edge (x1 = -20): the reference crops it (edge_crops.json).
        let edge = try Scene(faces: { _ in [[-20, 60, 110, 200]] })
        let partial = try evaluator(MemoryCache()).evaluate(edge.input())
        #expect(partial.status == .ok, "\(partial.message)")
        // Walking off the left edge: from frame 20 the window is empty; the reference fails the clip.
        let walking = try Scene(faces: { f in [[100 - 12 * Double(f), 60, 230 - 12 * Double(f), 200]] })
        let failed = try evaluator(MemoryCache()).evaluate(walking.input())
        #expect(failed.status == .cropError)
        #expect(failed.message.hasPrefix(walking.video.path) && failed.message.contains("track 0: frame "), "\(failed.message)")
        #expect(failed.message.contains("the reference fails here"), "\(failed.message)")
        // Far off-frame on both sides of the window, and many boxes per frame: no trap either way.
        let farOff: (Int) -> [[Double]] = { _ in [[-900, 60, -770, 200]] }
        let many: (Int) -> [[Double]] = { f in
            (0..<200).map { k -> [Double] in
                let x = Double(k * 7 - 400)
                return [x, Double(f), x + 130, Double(f) + 140]
            }
        }
        for faces in [farOff, many] {
            let scene = try Scene(faces: faces)
            let result = try evaluator(MemoryCache()).evaluate(scene.input())
            let allowed: [ClipStatus] = [.ok, .cropError, .noTrack]
            #expect(allowed.contains(result.status), "\(result.status): \(result.message)")
        }
    }

    @Test("warnings say what the reference does silently: several tracks combined, the 24 fps timeline's frames outside every scene (quirk Q5)")
    func silentBehaviourWarned() throws {
        let two = try Scene(faces: { _ in [[20, 60, 150, 200], [170, 60, 300, 200]] })
        let both = try evaluator(MemoryCache()).evaluate(two.input())
        #expect(both.status == .ok && both.tracks.count == 2, "\(both.message)")
        #expect(both.warnings?.contains { $0.hasPrefix("2 tracks scored: LSE-C is track ") } == true, "\(both.warnings ?? [])")
        #expect(both.message.contains("2 tracks scored"))

        // 24 fps: the reference timeline has more 25 fps frames than the intermediate AVI has pictures.
        let directory = try EvaluationFixtures.temporaryDirectory()
        let video = directory.appending(path: "film.mkv")
        let writer = try ClipWriter(
            path: video.path, video: .init(width: 320, height: 240, frameRate: (24, 1), codec: "ffv1"),
            audio: .init(sampleRate: 16_000, channels: 1, codec: "pcm_s16le"))
        for f in 0..<96 { try writer.append(EvaluationFixtures.pattern(f, width: 320, height: 240, hue: 0)) }
        try writer.append(samples: EvaluationFixtures.chirp(seconds: 4))
        try writer.finish()
        let boxes = try EvaluationFixtures.writeBoxes(to: directory.appending(path: "boxes.json"), frames: 100) { _ in [[100, 60, 230, 200]] }
        let input = EvaluationInput(videoPath: video.path, videoSHA256: "f" + String(repeating: "2", count: 63), boxes: boxes)
        let film = try Evaluator(settings: EvaluationSettings(), networks: EvaluationFixtures.networks(), cache: MemoryCache()).evaluate(input)
        #expect(film.status == .ok, "\(film.message)")
        let frames = try #require(film.frames)
        let lastTracked = film.tracks.map(\.endFrame).max() ?? -1
        #expect(lastTracked < frames - 1, "frames \(frames), tracks \(film.tracks.map { "\($0.startFrame)-\($0.endFrame)" })")
        #expect(film.warnings?.contains { $0.contains("quirk Q5") && $0.contains("\(frames - 1 - lastTracked) frames lost") } == true, "\(film.warnings ?? [])")
    }

    @Test("switching profile on a cached clip recomputes only the stages whose knobs differ")
    func profileSwitch() throws {
        let scene = try Scene(frames: 120, audioSeconds: 5)
        let cache = MemoryCache()
        let joonson = try evaluator(cache, settings: EvaluationSettings(profile: .joonson, clean: true)).evaluate(scene.input())
        #expect(joonson.status == .ok, "\(joonson.message)")
        #expect(joonson.clip?.lseC == joonson.bestConfidence && joonson.clip?.lseD == joonson.minDistance)

        // wav2lip-real: joonson's pipeline and knobs; only the rule differs, nothing is recomputed.
        cache.resetSaves()
        let wav2lip = try evaluator(cache, settings: EvaluationSettings(profile: .wav2lipReal, clean: true)).evaluate(scene.input())
        #expect(computed(wav2lip).isEmpty, "\(computed(wav2lip))")
        #expect(cache.saves.isEmpty)
        #expect(wav2lip.tracks == joonson.tracks)
        #expect(wav2lip.clip?.lseC == nil && wav2lip.clip?.lseD == nil && wav2lip.clip?.notes.first?.contains("one line per track") == true)

        // mova: min_track 20 changes the tracks and what follows them; decoding, detections, scenes,
        // the speech (the same intermediate-AVI audio knob) and the MFCCs (keyed by the speech and
        // the track's frames, here the same) are reused.
        cache.resetSaves()
        let mova = try evaluator(cache, settings: EvaluationSettings(profile: .mova, clean: true)).evaluate(scene.input())
        #expect(computed(mova) == ["tracks": 1, "crops": 1, "embeddings": 1, "scores": 1], "\(computed(mova))")
        #expect(mova.clip?.rule.hasPrefix("mova: ") == true, "\(mova.clip?.rule ?? "")")

        // mochabench: min_track 50 and the video's audio as decoded (another speech knob).
        cache.resetSaves()
        let mocha = try evaluator(cache, settings: EvaluationSettings(profile: .mochabench, clean: true)).evaluate(scene.input())
        #expect(computed(mocha) == ["tracks": 1, "speech": 1, "crops": 1, "mfcc": 1, "embeddings": 1, "scores": 1], "\(computed(mocha))")

        // wav2lip-lrs: no detection; its one whole-frame track and its crops are new; the video's
        // decoded audio is mochabench's speech (same knob), and so are the MFCCs here (mochabench's
        // track spans every frame of this clip, as the whole-frame track does).
        cache.resetSaves()
        let lrs = try evaluator(cache, settings: EvaluationSettings(profile: .wav2lipLRS, clean: true)).evaluate(scene.input())
        #expect(lrs.status == .ok, "\(lrs.message)")
        #expect(computed(lrs) == ["tracks": 1, "crops": 1, "embeddings": 1, "scores": 1], "\(computed(lrs))")
        #expect(lrs.tracks.count == 1 && lrs.tracks[0].startFrame == 0 && lrs.clip?.rule.hasPrefix("wav2lip-lrs: the whole frame") == true)

        // latentsync: min_track 50 on joonson's tracker and the intermediate MP4's audio knob; in clean
        // mode the MP4 and AAC steps are skipped, so decoding, detections and scenes are reused.
        cache.resetSaves()
        let latent = try evaluator(cache, settings: EvaluationSettings(profile: .latentsync, clean: true)).evaluate(scene.input())
        #expect(computed(latent) == ["tracks": 1, "speech": 1, "crops": 1, "mfcc": 1, "embeddings": 1, "scores": 1], "\(computed(latent))")
        #expect(latent.clip?.lseD == nil && latent.clip?.rule.hasPrefix("latentsync: mean confidence") == true)
    }

    @Test(
        "--precision bf16 recomputes only the network stages (embeddings and scores with boxes, detections too with S3FD); fp32 keys and settings are those from before the option",
        .enabled(if: Precision.bf16.isSupported, "this CPU has no AVX512_BF16"))
    func precisionSwitch() throws {
        let scene = try Scene()
        let cache = MemoryCache()
        let fp32 = try evaluator(cache).evaluate(scene.input())
        #expect(fp32.status == .ok, "\(fp32.message)")
        var settings = EvaluationSettings(clean: true)
        settings.precision = .bf16
        cache.resetSaves()
        let bf16 = try evaluator(cache, settings: settings).evaluate(scene.input())
        #expect(bf16.status == .ok && computed(bf16) == ["embeddings": 1, "scores": 1], "\(computed(bf16))")
        #expect(bf16.key != fp32.key && bf16.settings.networkPrecision == .bf16)
        // Same track and offset; the numbers move by bf16's rounding only (docs/performance.md).
        #expect(bf16.tracks.map(\.offset) == fp32.tracks.map(\.offset))
        let (c32, c16) = (try #require(fp32.bestConfidence), try #require(bf16.bestConfidence))
        let (d32, d16) = (try #require(fp32.minDistance), try #require(bf16.minDistance))
        #expect(c16 != c32 || d16 != d32, "bf16 gave the fp32 numbers")
        #expect(abs(c16 - c32) <= 0.05 && abs(d16 - d32) <= 0.005 * d32, "LSE-C \(c32) → \(c16), LSE-D \(d32) → \(d16)")
        // Back to fp32: everything cached, the first result again.
        cache.resetSaves()
        let again = try evaluator(cache).evaluate(scene.input())
        #expect(computed(again).isEmpty && again.key == fp32.key && again.bestConfidence == fp32.bestConfidence)

        // With S3FD the detections key takes the precision; the scenes' does not.
        let input = EvaluationInput(videoPath: scene.video.path, videoSHA256: "b" + String(repeating: "3", count: 63))
        let networks = EvaluationFixtures.networks(s3fd: true)
        let keys32 = Evaluator(settings: EvaluationSettings(clean: true), networks: networks, cache: cache).keys(for: input)
        let keys16 = Evaluator(settings: settings, networks: networks, cache: cache).keys(for: input)
        #expect(keys16.detections != keys32.detections && keys16.scenes == keys32.scenes && keys16.evaluation != keys32.evaluation)

        // fp32 settings encode without a precision field, as before it existed (configuration keys).
        let json = String(decoding: try JSONEncoder().encode(EvaluationSettings(clean: true)), as: UTF8.self)
        #expect(!json.contains("precision"))
        #expect(String(decoding: try JSONEncoder().encode(settings), as: UTF8.self).contains("\"precision\":\"bf16\""))
        let decoded = try JSONDecoder().decode(EvaluationSettings.self, from: Data(json.utf8))
        #expect(decoded.networkPrecision == .fp32)
    }

    @Test("each profile's rule combines tracks as its upstream code does")
    func combinationRules() {
        func track(_ i: Int, _ c: Float, _ d: Float, _ o: Int) -> TrackEvaluation {
            TrackEvaluation(track: i, startFrame: 0, endFrame: 60, status: .ok, offset: o, confidence: c, minDistance: d, windows: 56)
        }
        let tracks = [track(0, 5, 8, 1), track(1, 7, 11, -2), track(2, 6, 7, 3), track(3, 4, 5, 0)]
        let best = ClipScore.combining(tracks, profile: EvaluationProfile.mochabench.description)
        #expect(best?.lseC == 7 && best?.lseD == 5 && best?.offset == nil && best?.notes.count == 1)
        // C − D: −3, −4, −1, −1: the first of the largest (track 2), as MOVA's strict > picks; no offset.
        let mova = ClipScore.combining(tracks, profile: EvaluationProfile.mova.description)
        #expect(mova?.lseC == 6 && mova?.lseD == 7 && mova?.offset == nil && mova?.rule.contains("track 2") == true)
        // No track beats MOVA's starting −100: it reports 0.0 / 0.0.
        let far = ClipScore.combining([track(0, 2, 120, 1), track(1, 1, 101.5, 0)], profile: EvaluationProfile.mova.description)
        #expect(far?.lseC == 0 && far?.lseD == 0 && far?.notes.count == 2)
        let lines = ClipScore.combining(tracks, profile: EvaluationProfile.wav2lipReal.description)
        #expect(lines?.lseC == nil && lines?.offset == nil)
        let single = ClipScore.combining([track(0, 5, 8, 1)], profile: EvaluationProfile.joonson.description)
        #expect(single?.lseC == 5 && single?.lseD == 8 && single?.offset == 1 && single?.notes == [])
        // LatentSync: fmean of the confidences (22 / 4 = 5.5), int() of the mean offset (2 / 4 = 0.5 → 0), no distance.
        let latent = ClipScore.combining(tracks, profile: EvaluationProfile.latentsync.description)
        #expect(latent?.lseC == 5.5 && latent?.meanConfidence == 5.5 && latent?.lseD == nil && latent?.offset == 0)
        let negative = ClipScore.combining([track(0, 5, 8, -3), track(1, 6, 9, -2)], profile: EvaluationProfile.latentsync.description)
        #expect(negative?.offset == -2, "int(-2.5) is -2: toward zero")
        let whole = ClipScore.combining([track(0, 5, 8, 1)], profile: EvaluationProfile.wav2lipLRS.description)
        #expect(whole?.lseC == 5 && whole?.lseD == 8 && whole?.offset == 1)
        var unscored = track(4, 9, 1, 0)
        unscored.status = .tooShort
        #expect(ClipScore.combining([unscored], profile: EvaluationProfile.mova.description) == nil)
    }

    @Test("stages are named by Stage's raw values, in the order they run: the ledger, the artifact rows, the artifact keys")
    func stageNames() throws {
        // Stored in every database (artifact rows, evaluations' JSON) and printed by `eval --json`.
        let names = ["decode", "detections", "scenes", "tracks", "speech", "crops", "mfcc", "embeddings", "scores"]
        #expect(Stage.allCases.map(\.rawValue) == names)
        let artifactTypes: [any StageArtifact.Type] = [
            DetectionsArtifact.self, ScenesArtifact.self, TracksArtifact.self, SpeechArtifact.self, CropsArtifact.self, MFCCArtifact.self,
            EmbeddingsArtifact.self, ScoresArtifact.self,
        ]
        #expect(artifactTypes.map { $0.stage.rawValue } == Array(names.dropFirst()))

        let scene = try Scene()
        let cache = MemoryCache()
        let cold = try evaluator(cache).evaluate(scene.input())
        #expect(cold.status == .ok, "\(cold.message)")
        #expect(cold.stages.map(\.stage) == names)
        #expect(cold.stages.allSatisfy { $0.outcome == .computed && $0.computed == 1 && $0.cached == 0 })
        #expect(cache.saves == Array(names.dropFirst()))
        let keys = evaluator(cache).keys(for: scene.input())
        let track = try #require(cold.tracks.first?.artifacts)
        #expect(cold.artifacts == ["detections": keys.detections, "scenes": keys.scenes, "tracks": keys.tracks, "speech": keys.speech!])
        #expect(Set(track.keys) == ["crops", "mfcc", "embeddings", "scores"])
        let perTrack = [track["crops"]!, track["mfcc"]!, track["embeddings"]!, track["scores"]!]
        #expect(cold.artifactKeys == [keys.detections, keys.scenes, keys.tracks, keys.speech!] + perTrack)

        cache.resetSaves()
        let warm = try evaluator(cache).evaluate(scene.input())
        #expect(warm.stages.map(\.stage) == ["tracks", "scores"])
        #expect(warm.stages.allSatisfy { $0.outcome == .cached && $0.computed == 0 && $0.cached == 1 })
        #expect(warm.artifactKeys == [keys.detections, keys.scenes, keys.tracks] + perTrack)
        #expect(warm.artifacts == cold.artifacts && warm.tracks == cold.tracks)

        // Whole frame: the pass saves the crops and the one-track tracks, and the crops are then read back.
        let lrsCache = MemoryCache()
        let lrs = try evaluator(lrsCache, settings: EvaluationSettings(profile: .wav2lipLRS, clean: true)).evaluate(scene.input())
        #expect(lrs.status == .ok, "\(lrs.message)")
        #expect(lrs.stages.map(\.stage) == ["crops", "tracks", "speech", "mfcc", "embeddings", "scores"])
        #expect(lrs.stages.first.map { [$0.computed, $0.cached] } == [1, 1])
        #expect(lrsCache.saves == ["crops", "tracks", "speech", "mfcc", "embeddings", "scores"])
        #expect(Set((lrs.artifacts ?? [:]).keys) == ["tracks", "speech"])
        #expect(Set(lrs.stages.map(\.stage)).isSubset(of: names))
    }
}
