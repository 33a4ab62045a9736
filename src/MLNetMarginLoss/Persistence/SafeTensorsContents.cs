namespace MLNetMarginLoss.Persistence;

/// <summary>What a safetensors buffer holds: its tensors in storage order and its string metadata.</summary>
/// <param name="Tensors">The tensors, ordered by their position in the data block.</param>
/// <param name="Metadata">The <c>__metadata__</c> map (empty when the header has none).</param>
internal sealed record SafeTensorsContents(IReadOnlyList<NamedTensor> Tensors, IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>The tensor called <paramref name="name"/>, or null when there is none.</summary>
    public NamedTensor? Find(string name) => Tensors.FirstOrDefault(t => t.Name == name);
}
