import Tensor

/// Where a network's builder takes its float32 values from: a ``StateDict`` in memory, or a
/// ``CheckpointFile`` that reads each tensor from the file when it is asked for. The layout
/// tables of the network files name the keys; these helpers turn them into `Tensor` layers
/// (BatchNorm folded at load time). Both sources have been validated against the network's
/// schema first.
protocol LayerValues {
    /// The tensor stored under `name`, if any.
    func tensor(_ name: String) throws(CheckpointError) -> CheckpointTensor?
}

extension LayerValues {
    /// The float32 values stored under `name`.
    func floats(_ name: String) throws(CheckpointError) -> [Float] {
        guard let tensor = try tensor(name) else { throw .missingKey(network: "state dict", name: name, expectedShape: []) }
        return try tensor.float32Values(name: name)
    }

    /// The eval-mode BatchNorm whose parameters are stored under `prefix` (`prefix.weight`,
    /// `.bias`, `.running_mean`, `.running_var`; eps 1e-5, PyTorch's default).
    func batchNorm(_ prefix: String) throws(CheckpointError) -> BatchNorm {
        BatchNorm(
            weight: try floats(prefix + ".weight"), bias: try floats(prefix + ".bias"),
            runningMean: try floats(prefix + ".running_mean"),
            runningVariance: try floats(prefix + ".running_var"))
    }
}

extension StateDict: LayerValues {
    func tensor(_ name: String) -> CheckpointTensor? { self[name] }
}

extension CheckpointFile: LayerValues {}

/// State-dict entries of the layer types the two networks use, in PyTorch's registration order.
enum LayerLayout {
    /// `weight` and `bias` of a convolution or linear layer.
    static func affine(_ prefix: String, weight shape: [Int]) -> [(name: String, shape: [Int])] {
        [(prefix + ".weight", shape), (prefix + ".bias", [shape[0]])]
    }

    /// The five entries of a BatchNorm module (`num_batches_tracked` is optional when reading).
    static func batchNorm(_ prefix: String, channels: Int) -> [(name: String, shape: [Int])] {
        [
            (prefix + ".weight", [channels]), (prefix + ".bias", [channels]),
            (prefix + ".running_mean", [channels]), (prefix + ".running_var", [channels]),
            (prefix + ".num_batches_tracked", []),
        ]
    }
}

extension StateDictSchema {
    /// A schema from a network's layout table: float32 tensors, except `*.num_batches_tracked`,
    /// which is an optional 0-d int64.
    init(network: String, layout: [(name: String, shape: [Int])]) {
        self.init(
            network: network,
            entries: layout.map { name, shape in
                name.hasSuffix(".num_batches_tracked")
                    ? .numBatchesTracked(String(name.dropLast(".num_batches_tracked".count))) : .float32(name, shape)
            })
    }
}
