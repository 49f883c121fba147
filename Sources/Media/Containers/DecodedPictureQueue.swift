import CFFmpeg
import Foundation

/// A decoded picture handed from the decoding thread to the converting one: its timeline slots
/// and its own reference to the decoded frame, freed when the last holder lets go of it.
final class PlacedPicture: @unchecked Sendable {
    // @unchecked: the frame is a private reference (a clone of the decoder's) used by exactly one
    // side at a time — the producer until `push`, the consumer after `pop`.
    let slots: [ReferenceTimeline.Slot]
    let picture: Int
    /// The picture's slot in the AVI encoder's 1/25 s time base (before the MP3 shift).
    let encoderPts: Int64
    private let owned: OwnedFrame
    var frame: UnsafeMutablePointer<AVFrame> { owned.pointer }

    /// Takes a new reference to `frame` (`av_frame_clone`).
    convenience init(
        slots: [ReferenceTimeline.Slot], picture: Int, encoderPts: Int64, cloning frame: UnsafeMutablePointer<AVFrame>, label: String
    ) throws(MediaError) {
        self.init(slots: slots, picture: picture, encoderPts: encoderPts, owning: try OwnedFrame(cloning: frame, label: label))
    }

    /// Keeps `frame`, a reference of its own (the faithful chain's picture of `video.avi`).
    init(slots: [ReferenceTimeline.Slot], picture: Int, encoderPts: Int64, owning frame: consuming OwnedFrame) {
        self.slots = slots
        self.picture = picture
        self.encoderPts = encoderPts
        owned = frame
    }
}

/// A small bounded FIFO between the thread that decodes and the thread that converts pictures,
/// so libavcodec decodes the next pictures while the previous one is converted to BGR.
final class DecodedPictureQueue: @unchecked Sendable {
    // @unchecked: every stored property is read and written only while `condition` is locked.
    enum Item {
        case picture(PlacedPicture)
        case end
        case failure(MediaError)
    }

    private let condition = NSCondition()
    private var items: [Item] = []
    private var cancelled = false
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Appends an item, waiting while the queue is full. Returns false if the consumer has gone.
    func push(_ item: Item) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && !cancelled { condition.wait() }
        if cancelled { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// Takes the oldest item, waiting while the queue is empty.
    func pop() -> Item {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty { condition.wait() }
        let item = items.removeFirst()
        condition.broadcast()
        return item
    }

    /// Stops the producer and frees every queued frame.
    func cancel() {
        condition.lock()
        cancelled = true
        items.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}
