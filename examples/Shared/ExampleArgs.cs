using System.Globalization;

namespace Examples;

/// <summary>
/// The examples' command line: options of the form <c>--name value</c> (or <c>--flag</c>), each with a default;
/// <c>--help</c> lists them with their defaults. An unknown option or a value that does not parse ends the program
/// with exit code 2 and one line on stderr.
/// </summary>
internal sealed class ExampleArgs
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    private ExampleArgs() { }

    /// <summary>One option: its name without dashes, its default ("false" for a flag) and a short description.</summary>
    public readonly record struct Option(string Name, string Default, string Help, bool IsFlag = false);

    /// <summary>Reads <paramref name="args"/> against <paramref name="options"/>.</summary>
    public static ExampleArgs Parse(string[] args, string usage, params Option[] options)
    {
        var result = new ExampleArgs();
        foreach (var o in options) result._values[o.Name] = o.Default;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (a is "--help" or "-h")
            {
                Console.WriteLine(usage);
                foreach (var o in options)
                    Console.WriteLine($"  {"--" + o.Name + (o.IsFlag ? "" : " <value>"),-26} {o.Help} (default: {(o.IsFlag ? "off" : o.Default.Length == 0 ? "none" : o.Default)})");
                Environment.Exit(0);
            }
            string name = a.StartsWith("--", StringComparison.Ordinal) ? a[2..] : "";
            if (!options.Any(o => o.Name == name)) Fail($"unknown argument '{a}'; --help lists the options.");
            if (options.First(o => o.Name == name).IsFlag) { result._values[name] = "true"; continue; }
            if (i + 1 >= args.Length) Fail($"{a} needs a value.");
            result._values[name] = args[++i];
        }
        return result;
    }

    /// <summary>The value of a text option.</summary>
    public string String(string name) => _values[name];

    /// <summary>The value of an integer option.</summary>
    public int Int(string name) =>
        int.TryParse(_values[name], NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : Fail<int>($"--{name}: expected an integer, found '{_values[name]}'.");

    /// <summary>The value of a number option.</summary>
    public double Double(string name) =>
        double.TryParse(_values[name], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : Fail<double>($"--{name}: expected a number, found '{_values[name]}'.");

    /// <summary>Whether a flag was given.</summary>
    public bool Flag(string name) => _values[name] == "true";

    /// <summary>The output folder (option "out"), created if needed; returns its full path.</summary>
    public string OutputFolder(string name = "out") => Directory.CreateDirectory(_values[name]).FullName;

    private static void Fail(string message) => Fail<int>(message);

    private static T Fail<T>(string message)
    {
        Console.Error.WriteLine(message);
        Environment.Exit(2);
        return default!;
    }
}
