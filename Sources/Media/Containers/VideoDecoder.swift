import CFFmpeg
import Foundation

/// One frame of the 25 fps timeline the scorer sees.
public struct TimelineFrame: Sendable {
    /// Where the frame sits and which source picture it shows.
    public var slot: ReferenceTimeline.Slot
    /// The picture as packed BGR, or nil when the decoder was asked not to convert pixels.
    /// With ``PictureChain/faithful``: what `cv2.imread` returns for the reference's JPEG of this slot.
    public var image: Image?
    /// Set on the first slot that shows each picture of the reference's intermediate AVI (the
    /// frames OpenCV's `VideoCapture`, and so scene detection, reads; nil on repeats and when
    /// pixels are not converted). With ``PictureChain/faithful``: OpenCV's decode of that picture of
    /// `video.avi`; with ``PictureChain/clean``: the source picture, the same as ``image``.
    public var sceneImage: Image?
    /// Faithful chain only: the bytes of the reference's JPEG for this slot, byte-identical to the
    /// file its frame extraction writes (shared, not copied, between repeated slots). Decoding them
    /// with ``Image/init(jpeg:label:)`` gives ``image`` again, far faster than re-running the chain.
    public var jpeg: [UInt8]? = nil
}

/// Decodes a video file into the reference's 25 fps timeline, one frame at a time.
///
/// Frames stream: at most a few decoded pictures are in flight, so memory does not grow with the
/// clip length. Pictures the frame-rate conversion drops are never converted to BGR. When pixels
/// are wanted, a background thread decodes and places pictures while the caller's thread converts
/// the previous ones, so decoding and conversion overlap. Not thread-safe: use one decoder per task.
///
/// ```swift
/// let decoder = try VideoDecoder(path: "clip.mp4", mode: .reference)
/// while let frame = try decoder.nextFrame() { use(frame.image!) }
/// ```
public final class VideoDecoder {
    /// The timeline mode this decoder was opened with.
    public let mode: TimelineMode
    /// Which pixels the frames carry.
    public let chain: PictureChain
    /// Slots the MP3 track of the reference's intermediate AVI delays the pictures by (0 in clean
    /// mode or when the input has no audio stream).
    public let audioShift: Int
    /// Width and height of the decoded pictures.
    public let width: Int
    public let height: Int
    /// Whether faithful frames carry their decoded JPEG (see ``TimelineFrameSource/decodesJPEGs``).
    public var decodesJPEGs = true

    private let producer: PictureProducer
    private let converter: PixelConverter?
    /// The faithful chain's second half, on the caller's thread (its first half, the `video.avi`
    /// round trip, runs on the decoding thread).
    private let extraction: FrameExtraction?
    private let queue: DecodedPictureQueue?
    private var pending: [TimelineFrame] = []
    private var pendingIndex = 0
    private var lastKept: (picture: Int, image: Image?, jpeg: [UInt8]?)? = nil
    private var emitted = 0
    private var pictures = 0
    private var finished = false

    /// Opens `path` and prepares its best video stream.
    ///
    /// - Parameters:
    ///   - path: any file FFmpeg can read.
    ///   - mode: whether to reproduce the reference's audio-induced one-slot shift.
    ///   - chain: ``PictureChain/clean`` for the source pixels, ``PictureChain/faithful`` for the
    ///     pixels the reference sees after its MPEG-4 and JPEG round trips (several times slower).
    ///   - convertPixels: false to only count and index frames (used by probing; `chain` is then
    ///     irrelevant).
    /// - Throws: ``MediaError`` naming the file: missing, empty, not media, damaged, no video
    ///   stream, unsupported codec.
    public convenience init(path: String, mode: TimelineMode, chain: PictureChain = .clean, convertPixels: Bool = true) throws(MediaError) {
        try self.init(path: path, mode: mode, chain: chain, convertPixels: convertPixels, faithfulEncoderThreads: 0)
    }

    /// - Parameter faithfulEncoderThreads: the faithful chain's MPEG-4 encoder thread count; 0 is
    ///   the ffmpeg CLI's `-threads auto` (see ``FaithfulPictureChain/encoderThreads``). The thread
    ///   count changes the reference's pixels, so pinning it reproduces a reference run made on a
    ///   machine with another CPU count (and lets tests compare with goldens made elsewhere).
    public init(path: String, mode: TimelineMode, chain: PictureChain, convertPixels: Bool, faithfulEncoderThreads: Int32) throws(MediaError) {
        producer = try PictureProducer(path: path, mode: mode)
        self.mode = mode
        self.chain = chain
        let faithful = convertPixels && chain == .faithful ? try FaithfulPictureChain(label: path, encoderThreads: faithfulEncoderThreads) : nil
        extraction = faithful?.extraction
        audioShift = producer.timeline.audioShift
        width = producer.width
        height = producer.height
        if convertPixels {
            converter = try PixelConverter(path: path)
            let queue = DecodedPictureQueue(capacity: 3)
            self.queue = queue
            let producer = producer
            producer.roundTrip = faithful?.roundTrip
            let thread = Thread { producer.run(into: queue) }
            thread.name = "syncbench.decode"
            thread.start()
        } else {
            converter = nil
            queue = nil
        }
    }

    deinit {
        queue?.cancel()
    }

    /// Number of timeline frames returned so far.
    public var framesEmitted: Int { emitted }
    /// Number of real pictures of the reference's intermediate AVI among the frames returned.
    public var aviPictures: Int { pictures }

    /// The next frame of the timeline, or nil at the end.
    ///
    /// - Throws: ``MediaError/decodeFailed(path:stream:reason:)`` or
    ///   ``MediaError/corruptContainer(path:container:reason:)`` when the stream breaks off.
    public func nextFrame() throws(MediaError) -> TimelineFrame? {
        while pendingIndex >= pending.count {
            if finished { return nil }
            pending.removeAll(keepingCapacity: true)
            pendingIndex = 0
            if let queue, let converter {
                switch queue.pop() {
                case .end:
                    finished = true
                    return nil
                case .failure(let error):
                    finished = true
                    throw error
                case .picture(let placed):
                    if let extraction {
                        let picture = try extraction.picture(of: placed.frame, decodingJPEG: decodesJPEGs)
                        enqueue(placed.slots, picture: placed.picture, image: picture.image, sceneImage: picture.sceneImage, jpeg: picture.jpeg)
                    } else {
                        let image = try converter.bgrImage(from: placed.frame)
                        enqueue(placed.slots, picture: placed.picture, image: image, sceneImage: image)
                    }
                }
            } else {
                guard let placed = try producer.nextPlacedPicture() else {
                    finished = true
                    return nil
                }
                enqueue(placed.slots, picture: placed.picture, image: nil, sceneImage: nil)
            }
        }
        defer { pendingIndex += 1 }
        let frame = pending[pendingIndex]
        emitted += 1
        pictures = max(pictures, frame.slot.aviPicture + 1)
        return frame
    }

    private func enqueue(_ slots: [ReferenceTimeline.Slot], picture: Int, image: Image?, sceneImage: Image?, jpeg: [UInt8]? = nil) {
        let previous = lastKept
        var sceneImage = sceneImage
        for slot in slots {
            let current = slot.sourcePicture == picture
            pending.append(
                TimelineFrame(
                    slot: slot, image: current ? image : previous?.image, sceneImage: current ? sceneImage : nil,
                    jpeg: current ? jpeg : previous?.jpeg))
            if current { sceneImage = nil }
        }
        lastKept = (picture, image, jpeg)
    }
}

/// Decodes the video stream and places each picture on the timeline, and with the faithful chain
/// takes it through `video.avi` (``roundTrip``), so the caller's thread meanwhile extracts the
/// JPEG of the picture before. Used by one thread at a time: the caller's when no pixels are
/// needed, otherwise the decoding thread only.
final class PictureProducer: @unchecked Sendable {
    // @unchecked: after `VideoDecoder.init` hands it to the decoding thread, only that thread
    // touches it (the decoder then only reads the immutable `timeline.audioShift`, `width`, `height`).
    var width: Int { video.width }
    var height: Int { video.height }
    private(set) var timeline: ReferenceTimeline
    private let video: DecodedVideoStream
    private var lastKeptPicture: Int? = nil
    /// The faithful chain's first half (set before the decoding thread starts), or nil.
    var roundTrip: AVIRoundTrip? = nil

    init(path: String, mode: TimelineMode) throws(MediaError) {
        video = try DecodedVideoStream(path: path)
        var shift = 0
        if mode == .reference, let audio = video.container.bestStream(AVMEDIA_TYPE_AUDIO) {
            shift = ReferenceTimeline.mp3Shift(inputSampleRate: Int(audio.pointee.codecpar.pointee.sample_rate))
        }
        timeline = ReferenceTimeline(audioShift: shift)
    }

    /// Decodes until the next picture the timeline keeps; its pixels are in the decoder's frame.
    /// Returns nil at the end of the stream.
    func nextPlacedPicture() throws(MediaError) -> (slots: [ReferenceTimeline.Slot], picture: Int, encoderPts: Int64)? {
        let rate = (num: Int64(ReferenceTimeline.framesPerSecond), den: Int64(1))
        while let picture = try video.next(outputRate: rate, framesSoFar: timeline.slotCount) {
            let slots = timeline.place(
                sourcePicture: picture.index, previousSourcePicture: lastKeptPicture, timestamp: picture.timestamp,
                duration: picture.duration)
            if slots.isEmpty { continue }
            lastKeptPicture = picture.index
            return (slots, picture.index, timeline.lastEncoderPts)
        }
        return nil
    }

    /// The decoding thread's loop: places pictures and queues a reference to each kept one (with
    /// the faithful chain, to its picture of `video.avi`).
    func run(into queue: DecodedPictureQueue) {
        do {
            while let placed = try nextPlacedPicture() {
                let picture: PlacedPicture
                if let roundTrip {
                    picture = PlacedPicture(
                        slots: placed.slots, picture: placed.picture, encoderPts: placed.encoderPts,
                        owning: try roundTrip.picture(video.decoder.frame, encoderPts: placed.encoderPts))
                } else {
                    picture = try PlacedPicture(
                        slots: placed.slots, picture: placed.picture, encoderPts: placed.encoderPts, cloning: video.decoder.frame,
                        label: video.container.path)
                }
                if !queue.push(.picture(picture)) { return }
            }
            _ = queue.push(.end)
        } catch {
            _ = queue.push(.failure(error))
        }
    }
}
