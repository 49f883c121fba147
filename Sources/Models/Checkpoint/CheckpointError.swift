import Foundation

/// Why a checkpoint could not be read or does not fit the network it is meant for.
///
/// Every message names what was found and what was expected ("got … expected …").
public enum CheckpointError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A tensor has another element type than the network needs.
    case wrongElementType(name: String, got: TensorElementType, expected: TensorElementType)
    /// The same key appears twice in a state dict.
    case duplicateKey(String)

    public var description: String {
        switch self {
        case let .wrongElementType(name, got, expected):
            "\(name): got element type \(got.rawValue), expected \(expected.rawValue)"
        case let .duplicateKey(name):
            "key \(name) appears twice"
        }
    }
}
