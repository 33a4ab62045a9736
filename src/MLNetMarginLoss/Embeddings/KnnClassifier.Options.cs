namespace MLNetMarginLoss;

public sealed partial class KnnClassifier
{
    /// <summary>
    /// Settings of a <see cref="KnnClassifier"/>, named as ML.NET's trainers name them. Every member has a documented
    /// default: <c>new KnnClassifier.Options()</c> votes with the 5 nearest gallery rows of the "Embedding" column,
    /// distance-weighted, with no open-set threshold.
    /// </summary>
    public sealed class Options
    {
        /// <summary>The embedding column (a known-size vector of Single; need not be normalised). Default "Embedding".</summary>
        public string FeatureColumnName { get; set; } = "Embedding";

        /// <summary>The gallery's label column, a key (add <c>mlContext.Transforms.Conversion.MapValueToKey</c>). Read by <see cref="Fit"/> only. Default "Label".</summary>
        public string LabelColumnName { get; set; } = "Label";

        /// <summary>The output column of per-class vote shares (Vector&lt;Single, C&gt;, summing to 1; all 0 for an unknown row). Default "Score".</summary>
        public string ScoreColumnName { get; set; } = "Score";

        /// <summary>The output column of the predicted class, a key with the gallery label's values (0 = unknown). Default "PredictedLabel".</summary>
        public string PredictionColumnName { get; set; } = "PredictedLabel";

        /// <summary>The output column of the best cosine similarity to the gallery, a Vector&lt;Single, 1&gt;. Default "Similarity".</summary>
        public string SimilarityColumnName { get; set; } = "Similarity";

        /// <summary>Neighbours that vote, at least 1 (capped at the gallery size). Default 5.</summary>
        public int K { get; set; } = 5;

        /// <summary>How the neighbours' votes are weighted. Default <see cref="KnnVoting.DistanceWeighted"/> (1 / (1 − cos + 10⁻⁶)).</summary>
        public KnnVoting Voting { get; set; } = KnnVoting.DistanceWeighted;

        /// <summary>
        /// Open-set recognition: a cosine in [−1, 1]; neighbours less similar than this do not vote, and a row none of
        /// whose k neighbours reaches it is "unknown" (PredictedLabel key 0, ML.NET's missing value; Score all zero).
        /// Default null (every row gets a class).
        /// </summary>
        public float? SimilarityThreshold { get; set; }

        internal Options Clone() => (Options)MemberwiseClone();

        internal void Validate()
        {
            if (K < 1) throw new ArgumentException($"K must be at least 1, found {K}.");
            if (!Enum.IsDefined(Voting)) throw new ArgumentException($"Voting must be Majority, SimilarityWeighted or DistanceWeighted, found {(int)Voting}.");
            if (SimilarityThreshold is { } t && !(t >= -1 && t <= 1))
                throw new ArgumentException($"SimilarityThreshold must be a cosine in [−1, 1] (or null for none), found {t}.");
            var columns = new (string Name, string Value)[]
            {
                (nameof(FeatureColumnName), FeatureColumnName), (nameof(LabelColumnName), LabelColumnName), (nameof(ScoreColumnName), ScoreColumnName),
                (nameof(PredictionColumnName), PredictionColumnName), (nameof(SimilarityColumnName), SimilarityColumnName),
            };
            foreach (var (name, value) in columns)
                if (string.IsNullOrWhiteSpace(value)) throw new ArgumentException($"{name} must name a column.");
            var outputs = columns.Skip(2).ToArray();
            foreach (var (name, value) in outputs)
            {
                if (value == FeatureColumnName) throw new ArgumentException($"{name} and FeatureColumnName are both '{value}'; the classifier's outputs need names of their own.");
                foreach (var (other, otherValue) in outputs)
                    if (string.CompareOrdinal(name, other) < 0 && value == otherValue)
                        throw new ArgumentException($"{name} and {other} are both '{value}'; give each output column its own name.");
            }
        }
    }
}
