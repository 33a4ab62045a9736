using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace MLNetMarginLoss.MLNet;

/// <summary>
/// The int64 code of every class that a saved model's ONNX graph outputs in place of the class index, chosen so that
/// ML.NET's Hash transform (31 bits, fixed seed, <c>combine: true</c> over the <c>Vector&lt;Int64, 1&gt;</c>) gives every
/// code a distinct hash: the saved chain maps hashes back to classes (<see cref="PredictionChain"/>), and distinct
/// hashes are what makes that map exact. The graph looks the code up with a Gather from <see cref="Table"/>: code
/// <c>Table[i]</c> for class i, and with an unknown index the last entry for index −1 (ONNX Gather counts negative
/// indices from the end).
/// <para>
/// Construction, for any class count C in expected linear time: start from the codes 0..C−1 (and −1 for unknown);
/// hash them all with the very Hash estimator the chain uses; keep the first code of every hash and re-draw only the
/// codes whose hash is already taken, from a fixed-seed random stream of int64 values ≥ C, hashing each round of
/// re-drawn codes together. With 31-bit hashes the first round leaves at most about C²/2³² collisions (measured: none
/// at C = 100,000, 9 at C = 300,000, 125 at C = 1,000,000), so a few small rounds follow one pass over C codes.
/// Searching for a seed under which 0..C−1 are collision-free instead succeeds with probability ≈ exp(−C²/2³²) per
/// seed: never at C ≥ 300,000 (40 seeds tried, none).
/// </para>
/// </summary>
internal sealed class ClassCodes
{
    /// <summary>The Hash transform's seed (any fixed value; it is saved with the transform).</summary>
    public const uint HashSeed = 314489979;

    /// <summary>The Hash transform's bits (its maximum).</summary>
    public const int HashBits = 31;

    private ClassCodes(long[] table, uint[] hashes, int classCount)
    {
        Table = table;
        Hashes = hashes;
        ClassCount = classCount;
    }

    /// <summary>Code of class i at i; with an unknown code, that code last.</summary>
    public long[] Table { get; }

    /// <summary>The hash of every code of <see cref="Table"/>, all distinct.</summary>
    public uint[] Hashes { get; }

    /// <summary>Number of classes.</summary>
    public int ClassCount { get; }

    /// <summary>The hashes of the classes' codes, in class order.</summary>
    public ReadOnlySpan<uint> ClassHashes => Hashes.AsSpan(0, ClassCount);

    /// <summary>The hash of the unknown code, or null when there is none.</summary>
    public uint? UnknownHash => Hashes.Length > ClassCount ? Hashes[^1] : null;

    /// <summary>The Hash estimator the saved chain applies to the graph's code column.</summary>
    public static HashingEstimator Hash(MLContext ml, string outputColumn, string codeColumn) =>
        ml.Transforms.Conversion.Hash([new HashingEstimator.ColumnOptions(outputColumn, codeColumn, numberOfBits: HashBits, seed: HashSeed, useOrderedHashing: false, combine: true)]);

    /// <summary>Codes for <paramref name="classCount"/> classes, plus one for "unknown" (index −1) when <paramref name="unknown"/> is set.</summary>
    public static ClassCodes Choose(MLContext ml, int classCount, bool unknown)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);
        int n = checked(classCount + (unknown ? 1 : 0));
        var table = new long[n];
        for (int i = 0; i < classCount; i++) table[i] = i;
        if (unknown) table[classCount] = -1;
        var hashes = HashCodes(ml, table);
        var owner = new Dictionary<uint, int>(n);
        var pending = new List<int>();
        for (int i = 0; i < n; i++)
            if (!owner.TryAdd(hashes[i], i)) pending.Add(i);
        var random = new Random(unchecked((int)HashSeed));
        while (pending.Count > 0)
        {
            var candidates = pending.Select(_ => random.NextInt64(classCount, long.MaxValue)).ToArray();
            var candidateHashes = HashCodes(ml, candidates);
            var still = new List<int>();
            for (int k = 0; k < pending.Count; k++)
            {
                if (owner.TryAdd(candidateHashes[k], pending[k]))
                {
                    table[pending[k]] = candidates[k];
                    hashes[pending[k]] = candidateHashes[k];
                }
                else still.Add(pending[k]);
            }
            pending = still;
        }
        return new ClassCodes(table, hashes, classCount);
    }

    /// <summary>The hashes of <paramref name="codes"/> by the chain's Hash estimator, each code a Vector&lt;Int64, 1&gt; as the graph outputs it.</summary>
    private static uint[] HashCodes(MLContext ml, long[] codes)
    {
        var schema = SchemaDefinition.Create(typeof(CodeRow));
        schema[0].ColumnType = new VectorDataViewType(NumberDataViewType.Int64, 1);
        var view = ml.Data.LoadFromEnumerable(codes.Select(c => new CodeRow { Code = [c] }), schema);
        var hashed = Hash(ml, "Hash", nameof(CodeRow.Code)).Fit(view).Transform(view);
        var result = new uint[codes.Length];
        int i = 0;
        using var cursor = hashed.GetRowCursor([hashed.Schema["Hash"]]);
        var getter = cursor.GetGetter<uint>(hashed.Schema["Hash"]);
        while (cursor.MoveNext()) getter(ref result[i++]);
        return result;
    }

    private sealed class CodeRow
    {
        public long[] Code { get; set; } = [];
    }
}
