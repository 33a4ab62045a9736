using System.Globalization;

namespace MLNetMarginLoss.Plotting;

/// <summary>Checks class labels and names shared by the class-coloured plots.</summary>
internal static class ClassLabels
{
    /// <summary>Validates labels (non-negative) and returns the names to show for classes 0..max.</summary>
    public static string[] Names(ReadOnlySpan<int> labels, IReadOnlyList<string>? classNames)
    {
        int max = -1;
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] < 0) throw new ArgumentException($"Label {labels[i]} at row {i} is negative; class labels start at 0.", nameof(labels));
            max = Math.Max(max, labels[i]);
        }
        if (classNames is not null && classNames.Count <= max)
            throw new ArgumentException($"Labels go up to {max} but only {classNames.Count} class names were given.", nameof(classNames));
        int count = classNames?.Count ?? max + 1;
        var names = new string[count];
        for (int c = 0; c < count; c++) names[c] = classNames?[c] ?? c.ToString(CultureInfo.InvariantCulture);
        return names;
    }

    /// <summary>The classes that occur in <paramref name="labels"/>, ascending.</summary>
    public static int[] Present(ReadOnlySpan<int> labels, int classCount)
    {
        var seen = new bool[classCount];
        foreach (var l in labels) seen[l] = true;
        return Enumerable.Range(0, classCount).Where(c => seen[c]).ToArray();
    }
}
