enum MFCCExtraction {
    struct Matrix { var rows: Int; var columns: Int; var values: [Double] }
    static func coefficients(of samples: [Int16]) throws -> Matrix { throw MediaError.emptyStream(path: "", stream: "") }
}
import Media
