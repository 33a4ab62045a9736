using Google.Protobuf;
using Onnx;

namespace MLNetMarginLoss.Onnx;

/// <summary>
/// A small writer of ONNX graphs over the protobuf classes of the OnnxSharp package: initializers (float tensors
/// stored as raw little-endian bytes, so values round-trip bit-exactly), constants, nodes with attributes, typed
/// inputs and outputs, ML.NET's slot-names convention, and model metadata. Node outputs get unique names from
/// <see cref="Fresh"/>. Opset 13 of the default domain (supported by every ONNX Runtime ML.NET ships with), and opset 2
/// of ai.onnx.ml when <see cref="SlotNames"/> is used.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    /// <summary>The default-domain opset the graphs use.</summary>
    public const int Opset = 13;

    /// <summary>The ai.onnx.ml opset of the slot-names node (LabelEncoder with keys_strings / values_int64s).</summary>
    public const int MLOpset = 2;

    private readonly GraphProto _graph = new() { Name = "mlnet-margin" };
    private readonly HashSet<string> _names = [];
    private int _counter;
    private bool _usesML;

    /// <summary>The graph being built.</summary>
    public GraphProto Graph => _graph;

    /// <summary>A name no other value in the graph has, derived from <paramref name="hint"/>.</summary>
    public string Fresh(string hint)
    {
        string name;
        do name = $"{hint}_{_counter++}"; while (!_names.Add(name));
        return name;
    }

    /// <summary>Adds a float initializer with the given name and dimensions (the values are copied as raw bytes).</summary>
    public string Initializer(string name, ReadOnlySpan<int> dims, ReadOnlySpan<float> values)
    {
        if (!_names.Add(name)) throw new InvalidOperationException($"ONNX graph: the name '{name}' is used twice.");
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        foreach (var d in dims) t.Dims.Add(d);
        t.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));
        _graph.Initializer.Add(t);
        return name;
    }

    /// <summary>Adds an int64 initializer with the given name and the values as a 1-D tensor (e.g. a table of labels).</summary>
    public string Int64Initializer(string name, ReadOnlySpan<long> values)
    {
        if (!_names.Add(name)) throw new InvalidOperationException($"ONNX graph: the name '{name}' is used twice.");
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.Add(values.Length);
        t.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));
        _graph.Initializer.Add(t);
        return name;
    }

    /// <summary>
    /// Gives the graph output <paramref name="column"/> the ML.NET annotation SlotNames = <paramref name="names"/>:
    /// OnnxTransformer reads them from the keys_strings attribute of a node named <c>mlnet.{column}.SlotNames</c>, the
    /// convention of ML.NET's own ONNX export — a LabelEncoder (ai.onnx.ml) from a constant string to an int64 graph
    /// output named <c>mlnet.{column}.unusedOutput</c>, which OnnxTransformer does not map to a column and never asks
    /// ONNX Runtime to compute.
    /// </summary>
    public void SlotNames(string column, IReadOnlyList<string> names)
    {
        string nodeName = $"mlnet.{column}.SlotNames", output = $"mlnet.{column}.unusedOutput", input = $"mlnet.{column}.unusedInput";
        if (!_names.Add(input) || !_names.Add(nodeName)) throw new InvalidOperationException($"ONNX graph: slot names of '{column}' are added twice.");
        var one = new TensorProto { Name = input, DataType = (int)TensorProto.Types.DataType.String };
        one.Dims.Add([1, 1]);
        one.StringData.Add(ByteString.CopyFromUtf8("one"));
        _graph.Initializer.Add(one);
        var keys = new AttributeProto { Name = "keys_strings", Type = AttributeProto.Types.AttributeType.Strings };
        foreach (var n in names) keys.Strings.Add(ByteString.CopyFromUtf8(n));
        var values = Ints("values_int64s", Enumerable.Range(0, names.Count).Select(i => (long)i).ToArray());
        var node = new NodeProto { OpType = "LabelEncoder", Domain = "ai.onnx.ml", Name = nodeName };
        node.Input.Add(input);
        node.Output.Add(output);
        node.Attribute.Add([keys, values]);
        _graph.Node.Add(node);
        Output(output, TensorProto.Types.DataType.Int64, 1, 1);
        _usesML = true;
    }

    /// <summary>Adds an int64 constant initializer (shapes, axes).</summary>
    public string Int64s(string hint, params long[] values)
    {
        var name = Fresh(hint);
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.Add(values.Length);
        t.Int64Data.Add(values);
        _graph.Initializer.Add(t);
        return name;
    }

    /// <summary>Adds a scalar float constant initializer.</summary>
    public string Scalar(string hint, float value)
    {
        var name = Fresh(hint);
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.FloatData.Add(value);
        _graph.Initializer.Add(t);
        return name;
    }

    /// <summary>Adds a node with one output named <paramref name="output"/> (or a fresh name) and returns that name.</summary>
    public string Node(string opType, string[] inputs, string? output = null, params AttributeProto[] attributes)
    {
        output ??= Fresh(opType.ToLowerInvariant());
        if (output is not null) _names.Add(output);
        var node = new NodeProto { OpType = opType, Name = Fresh("node_" + opType) };
        node.Input.Add(inputs);
        node.Output.Add(output);
        node.Attribute.Add(attributes);
        _graph.Node.Add(node);
        return output!;
    }

    /// <summary>An integer attribute.</summary>
    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>A float attribute.</summary>
    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    /// <summary>An integer-list attribute.</summary>
    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.Add(values);
        return a;
    }

    /// <summary>Declares a graph input of element type float with the given dimensions (null = symbolic batch "N").</summary>
    public void Input(string name, params long?[] dims) => _graph.Input.Add(ValueInfo(name, TensorProto.Types.DataType.Float, dims));

    /// <summary>Declares a graph output.</summary>
    public void Output(string name, TensorProto.Types.DataType type, params long?[] dims) => _graph.Output.Add(ValueInfo(name, type, dims));

    private ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, long?[] dims)
    {
        _names.Add(name);
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d is { } v ? new TensorShapeProto.Types.Dimension { DimValue = v } : new TensorShapeProto.Types.Dimension { DimParam = "N" });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    /// <summary>Wraps the graph in a model with the given metadata.</summary>
    public ModelProto ToModel(IEnumerable<KeyValuePair<string, string>> metadata)
    {
        var model = new ModelProto
        {
            IrVersion = 7,
            ProducerName = "MLNetMarginLoss",
            ProducerVersion = typeof(OnnxGraphBuilder).Assembly.GetName().Version?.ToString() ?? "0",
            Graph = _graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        if (_usesML) model.OpsetImport.Add(new OperatorSetIdProto { Domain = "ai.onnx.ml", Version = MLOpset });
        foreach (var (k, v) in metadata) model.MetadataProps.Add(new StringStringEntryProto { Key = k, Value = v });
        return model;
    }
}
