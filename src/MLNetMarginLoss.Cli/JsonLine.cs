using System.Text.Json;

namespace MLNetMarginLoss.Cli;

/// <summary>
/// Prints the one-object JSON line that ends a command's output when <c>--json</c> is given. Values that are
/// not finite numbers (a TAR@FAR that too few pairs cannot measure) are written as <c>null</c>, so the line is
/// standard JSON.
/// </summary>
internal static class JsonLine
{
    public static void Write(IReadOnlyDictionary<string, object?> values)
    {
        var clean = values.ToDictionary(kv => kv.Key, kv => kv.Value switch
        {
            double d when !double.IsFinite(d) => null,
            float f when !float.IsFinite(f) => null,
            var v => v,
        });
        Console.Out.Flush();
        Console.Out.WriteLine(JsonSerializer.Serialize(clean));
    }
}
