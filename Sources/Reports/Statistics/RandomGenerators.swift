/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", 2014;
/// the 64-bit mixer as in Vigna's reference `splitmix64.c`).
///
/// Used only to expand a 64-bit seed into the 256-bit state of ``Xoshiro256StarStar``, as the
/// xoshiro authors recommend, and to mix labels into seeds.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The generator's state: the seed, advanced by the golden-gamma constant at every draw.
    public private(set) var state: UInt64

    /// Creates a generator whose first output is `SplitMix64.mix(seed &+ 0x9E37_79B9_7F4A_7C15)`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// SplitMix64's output function (a bijective 64-bit finaliser).
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// xoshiro256** 1.0 (Blackman and Vigna, "Scrambled linear pseudorandom number generators", 2021;
/// reference `xoshiro256starstar.c`), the generator every bootstrap in `Reports` uses.
///
/// Chosen because it is small, fast, statistically strong for simulation, fully specified by a
/// public reference implementation, and independent of the platform and of the Swift standard
/// library's `SystemRandomNumberGenerator` (which cannot be seeded): the same seed gives the same
/// stream on every machine and toolchain. Not cryptographic.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable {
    private var s0, s1, s2, s3: UInt64

    /// Creates a generator whose 256-bit state is four consecutive outputs of
    /// `SplitMix64(seed: seed)` (never all zero, since SplitMix64 is a bijection of a counter).
    public init(seed: UInt64) {
        var expander = SplitMix64(seed: seed)
        s0 = expander.next()
        s1 = expander.next()
        s2 = expander.next()
        s3 = expander.next()
    }

    /// Creates a generator with the given raw state (for checking against the reference's test
    /// vectors). - Precondition: not all zero.
    init(state: (UInt64, UInt64, UInt64, UInt64)) {
        precondition(state != (0, 0, 0, 0), "xoshiro256** state must not be all zero")
        (s0, s1, s2, s3) = state
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, by: 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, by: 45)
        return result
    }

    /// A uniformly distributed integer in `0..<bound`, by Lemire's multiply-and-reject method
    /// ("Fast random integer generation in an interval", 2019).
    ///
    /// Written out here, rather than using `Int.random(in:using:)`, so that the indices drawn for a
    /// seed do not depend on the standard library's implementation.
    /// - Precondition: `bound > 0`.
    public mutating func next(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold { product = next().multipliedFullWidth(by: range) }
        }
        return Int(product.high)
    }

    private func rotateLeft(_ x: UInt64, by k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
