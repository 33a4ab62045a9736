namespace MLNetMarginLoss.Heads;

/// <summary>
/// Creates heads by kind, and converts between <see cref="HeadKind"/> and the names used on the command line
/// and in model files. A saved model stores <see cref="MarginHead.Kind"/>, <see cref="MarginHead.GetOptions"/>
/// and the parameter and buffer values; <see cref="Create(string, int, int, HeadOptions?)"/> rebuilds the head.
/// </summary>
internal static class HeadFactory
{
    private static readonly (HeadKind Kind, string Name)[] Table =
    [
        (HeadKind.Softmax, "softmax"),
        (HeadKind.NormSoftmax, "normsoftmax"),
        (HeadKind.SphereFace, "sphereface"),
        (HeadKind.CosFace, "cosface"),
        (HeadKind.ArcFace, "arcface"),
        (HeadKind.Combined, "combined"),
        (HeadKind.AdaCos, "adacos"),
        (HeadKind.SubCenter, "subcenter"),
        (HeadKind.Curricular, "curricular"),
        (HeadKind.MagFace, "magface"),
        (HeadKind.AdaFace, "adaface"),
        (HeadKind.ElasticFace, "elasticface"),
    ];

    /// <summary>Every head name, in <see cref="HeadKind"/> order.</summary>
    public static IReadOnlyList<string> Names { get; } = Table.Select(t => t.Name).ToArray();

    /// <summary>The name of a head kind ("arcface", …).</summary>
    public static string Name(HeadKind kind)
    {
        foreach (var (k, name) in Table)
            if (k == kind) return name;
        throw new ArgumentOutOfRangeException(nameof(kind), kind, $"Unknown head kind {(int)kind}.");
    }

    /// <summary>
    /// The kind named <paramref name="name"/> (case-insensitive; the enum member names and the spellings
    /// "sub-center", "subcenterarcface", "curricularface", "combinedmargin", "am-softmax" are accepted too).
    /// </summary>
    public static HeadKind Parse(string name)
    {
        if (TryParse(name, out var kind)) return kind;
        throw new ArgumentException($"Unknown head '{name}'; expected one of: {string.Join(", ", Names)}.", nameof(name));
    }

    /// <summary>Like <see cref="Parse"/>, returning false for an unknown name.</summary>
    public static bool TryParse(string? name, out HeadKind kind)
    {
        kind = default;
        if (string.IsNullOrWhiteSpace(name)) return false;
        string key = name.Trim().ToLowerInvariant().Replace("_", "").Replace("-", "").Replace(" ", "");
        key = key switch
        {
            "subcenterarcface" or "subcentre" or "subcentrearcface" => "subcenter",
            "curricularface" => "curricular",
            "combinedmargin" => "combined",
            "amsoftmax" => "cosface",
            "asoftmax" => "sphereface",
            _ => key,
        };
        foreach (var (k, n) in Table)
        {
            if (n == key) { kind = k; return true; }
        }
        return false;
    }

    /// <summary>Creates a head of kind <paramref name="kind"/> (a name accepted by <see cref="Parse"/>).</summary>
    public static MarginHead Create(string kind, int embeddingSize, int classCount, HeadOptions? options = null) =>
        Create(Parse(kind), embeddingSize, classCount, options);

    /// <summary>
    /// Creates a head for <paramref name="embeddingSize"/>-dimensional embeddings and <paramref name="classCount"/>
    /// classes: the plain softmax head, or class centres (K = <see cref="HeadOptions.SubCenters"/>, sub-centre ArcFace
    /// 3, else 1) composed with the kind's margin function. Cosine heads' centres are zero until
    /// <see cref="MarginHead.Initialize"/>.
    /// </summary>
    /// <exception cref="ArgumentException">An option is set that this head does not use (<see cref="HeadOptionRules"/>), or is out of range.</exception>
    public static MarginHead Create(HeadKind kind, int embeddingSize, int classCount, HeadOptions? options = null)
    {
        HeadOptionRules.Check(kind, options);
        if (kind == HeadKind.Softmax) return new SoftmaxHead(embeddingSize, classCount, options);
        int k = SubCenters(kind, options);
        return new CosineMarginHead(new ClassCenters(classCount, k, embeddingSize), CreateMargin(kind, classCount, options));
    }

    /// <summary>
    /// A cosine head holding only <paramref name="shard"/>'s classes (its centres; the margin is that of all
    /// <see cref="ClassShard.TotalClasses"/> classes). Centres are zero until <see cref="MarginHead.Initialize"/>, which
    /// gives them the values of those rows in a whole head initialised from the same generator.
    /// </summary>
    /// <exception cref="ArgumentException">The plain softmax head (it has no class centres to shard), or an option out of range.</exception>
    public static CosineMarginHead CreateShard(HeadKind kind, int embeddingSize, ClassShard shard, HeadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(shard);
        HeadOptionRules.Check(kind, options);
        if (kind == HeadKind.Softmax) throw new ArgumentException("The plain softmax head has no class centres to shard across processes.", nameof(kind));
        var centers = new ClassCenters(shard.ClassCount, SubCenters(kind, options), embeddingSize);
        return new CosineMarginHead(centers, CreateMargin(kind, shard.TotalClasses, options), shard);
    }

    private static int SubCenters(HeadKind kind, HeadOptions? options) =>
        HeadArguments.SubCenters(Name(kind), options?.SubCenters, kind == HeadKind.SubCenter ? HeadDefaults.SubCenters : 1);

    private static MarginFunction CreateMargin(HeadKind kind, int classCount, HeadOptions? options)
    {
        string name = Name(kind);
        if (classCount < 2) throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "A margin head needs at least 2 classes.");
        return kind switch
        {
            HeadKind.NormSoftmax => new NormSoftmaxMargin(classCount, options),
            HeadKind.SphereFace => new SphereFaceMargin(classCount, options),
            HeadKind.CosFace => new CosFaceMargin(classCount, options),
            HeadKind.ArcFace or HeadKind.SubCenter => new ArcFaceMargin(name, classCount, options),
            HeadKind.Combined => new CombinedMargin(classCount, options),
            HeadKind.AdaCos => new AdaCosMargin(classCount, options),
            HeadKind.Curricular => new CurricularFaceMargin(classCount, options),
            HeadKind.MagFace => new MagFaceMargin(classCount, options),
            HeadKind.AdaFace => new AdaFaceMargin(classCount, options),
            HeadKind.ElasticFace => new ElasticFaceMargin(classCount, options),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, $"Unknown head kind {(int)kind}."),
        };
    }
}
