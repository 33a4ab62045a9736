using System.Text.Json;

namespace MLNetMarginLoss.Cli;

/// <summary>Prints the one-object JSON line that ends a command's output when <c>--json</c> is given.</summary>
internal static class JsonLine
{
    private static readonly JsonSerializerOptions Options = new()
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static void Write(IReadOnlyDictionary<string, object?> values)
    {
        Console.Out.Flush();
        Console.Out.WriteLine(JsonSerializer.Serialize(values, Options));
    }
}
