namespace MLNetMarginLoss.Onnx;

/// <summary>
/// The largest ONNX model this library writes into one graph. An ONNX model is one protobuf message, and protobuf
/// messages cannot exceed 2 GiB − 1 bytes (<see cref="MaxModelBytes"/>); a classifier whose weights, class codes and
/// class names would not fit is saved as an embedding model instead (see <see cref="ArcFaceTransformer.IsEmbeddingModel"/>).
/// Tests lower the limit for the calls they make (<see cref="Override"/>) to exercise that path with a small head.
/// </summary>
internal static class OnnxSizeLimit
{
    /// <summary>Protobuf's limit on one message, in bytes.</summary>
    public const long MaxModelBytes = int.MaxValue;

    private static readonly AsyncLocal<long?> Lowered = new();

    /// <summary>The limit in force: <see cref="MaxModelBytes"/> unless overridden in this asynchronous flow.</summary>
    public static long Current => Lowered.Value ?? MaxModelBytes;

    /// <summary>Uses <paramref name="bytes"/> as the limit in this asynchronous flow until the result is disposed.</summary>
    internal static IDisposable Override(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes);
        var previous = Lowered.Value;
        Lowered.Value = bytes;
        return new Restore(previous);
    }

    private sealed class Restore(long? previous) : IDisposable
    {
        public void Dispose() => Lowered.Value = previous;
    }
}
