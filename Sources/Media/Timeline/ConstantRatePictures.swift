import CFFmpeg

/// A video's decoded pictures laid on a constant-rate output the way the ffmpeg CLI lays them
/// (``ConstantRateSync``): the shared front of ``SourceRateFrames`` (the source's own rate) and
/// ``IntermediateMP4Frames`` (25 fps). Owns the opened file, its video decoder and the previous
/// picture (FFmpeg's `last_frame`, which duplicates show).
final class ConstantRatePictures {
    var container: InputContainer { video.container }
    var width: Int { video.width }
    var height: Int { video.height }
    /// The stream's guessed frame rate (`av_guess_frame_rate`), nil when FFmpeg cannot guess one.
    var guessedRate: (num: Int, den: Int)? { video.guessedRate }
    /// The output rate the pictures are placed at.
    let outputRate: (num: Int, den: Int)
    private let video: DecodedVideoStream
    private var sync: ConstantRateSync
    private let previousFrame: OwnedFrame
    private var previous: UnsafeMutablePointer<AVFrame> { previousFrame.pointer }
    private var hasPrevious = false
    private var previousPicture = 0

    /// - Parameter outputRate: the output rate, given the stream's guessed rate (nil: unknown).
    init(path: String, outputRate: ((num: Int, den: Int)?) -> (num: Int, den: Int)) throws(MediaError) {
        video = try DecodedVideoStream(path: path)
        self.outputRate = outputRate(video.guessedRate)
        // VSYNC_AUTO for image2 and MP4: CFR, or VSCFR when the input file has a single stream.
        sync = ConstantRateSync(method: video.container.streams.count == 1 ? .vscfr : .cfr)
        previousFrame = try OwnedFrame(label: path)
    }

    /// Decodes the next picture and hands `output` each output frame it becomes (the picture, or
    /// the previous one for a leading duplicate) with the index of the source picture shown; at the
    /// end of the stream, the final copies of the last picture. Returns false once the stream ended.
    func advance(_ output: (UnsafeMutablePointer<AVFrame>, Int) throws(MediaError) -> Void) throws(MediaError) -> Bool {
        let rate = (num: Int64(outputRate.num), den: Int64(outputRate.den))
        guard let picture = try video.next(outputRate: rate, framesSoFar: sync.framesOut) else {
            let copies = sync.finish()
            if hasPrevious { for _ in 0..<copies { try output(previous, previousPicture) } }
            return false
        }
        for source in sync.place(timestamp: picture.timestamp, duration: picture.duration) {
            if source == .previous && hasPrevious {
                try output(previous, previousPicture)
            } else {
                try output(picture.frame, picture.index)
            }
        }
        previousFrame.unreference()
        let path = container.path
        try previousFrame.reference(picture.frame).check { $0.error(path: path, operation: "av_frame_ref") }
        previousPicture = picture.index
        hasPrevious = true
        return true
    }
}
