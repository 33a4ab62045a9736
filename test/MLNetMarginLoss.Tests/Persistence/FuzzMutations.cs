using System.Buffers.Binary;
using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Tests.Persistence;

/// <summary>Seeded random damage to a byte buffer: bit flips, truncations, insertions, deletions, header length and digit edits.</summary>
internal static class FuzzMutations
{
    public static byte[] Mutate(byte[] original, SeededRandom rng, out string what)
    {
        var b = (byte[])original.Clone();
        switch (rng.NextInt(8))
        {
            case 0:
            {
                int flips = 1 + rng.NextInt(8);
                for (int k = 0; k < flips; k++) b[rng.NextInt(b.Length)] ^= (byte)(1 << rng.NextInt(8));
                what = $"{flips} bit flips";
                return b;
            }
            case 1:
            {
                int keep = rng.NextInt(b.Length);
                what = $"truncated to {keep}";
                return b.AsSpan(0, keep).ToArray();
            }
            case 2:
            {
                int at = rng.NextInt(b.Length + 1), n = 1 + rng.NextInt(16);
                var insert = new byte[n];
                for (int k = 0; k < n; k++) insert[k] = (byte)rng.NextInt(256);
                what = $"{n} bytes inserted at {at}";
                return [.. b.AsSpan(0, at), .. insert, .. b.AsSpan(at)];
            }
            case 3:
            {
                int at = rng.NextInt(b.Length), n = 1 + rng.NextInt(Math.Min(16, b.Length - at));
                what = $"{n} bytes deleted at {at}";
                return [.. b.AsSpan(0, at), .. b.AsSpan(at + n)];
            }
            case 4:
            {
                // Safetensors header length edits: small deltas, huge values, zero.
                ulong len = BinaryPrimitives.ReadUInt64LittleEndian(b);
                ulong[] choices = [len + 1, len - 1, len + 8, len - 8, 0, 1, ulong.MaxValue, (ulong)b.Length, (ulong)b.Length - 8, 1UL << 40, (ulong)rng.NextInt(int.MaxValue)];
                ulong value = choices[rng.NextInt(choices.Length)];
                BinaryPrimitives.WriteUInt64LittleEndian(b, value);
                what = $"header length {len} -> {value}";
                return b;
            }
            case 5:
            {
                // Offset/shape edits: replace a digit in the JSON part by another digit or a sign/letter.
                var digits = new List<int>();
                for (int k = 0; k < b.Length; k++) if (b[k] is >= (byte)'0' and <= (byte)'9') digits.Add(k);
                if (digits.Count == 0) goto case 0;
                int at = digits[rng.NextInt(digits.Count)];
                byte[] replacements = "0123456789-.eE ]}"u8.ToArray();
                b[at] = replacements[rng.NextInt(replacements.Length)];
                what = $"digit at {at} -> '{(char)b[at]}'";
                return b;
            }
            case 6:
            {
                int at = rng.NextInt(b.Length);
                b[at] = (byte)rng.NextInt(256);
                what = $"byte at {at} randomised";
                return b;
            }
            default:
            {
                // Duplicate a chunk (shifts everything after it).
                int at = rng.NextInt(b.Length), n = 1 + rng.NextInt(Math.Min(64, b.Length - at));
                what = $"{n} bytes duplicated at {at}";
                return [.. b.AsSpan(0, at + n), .. b.AsSpan(at, n), .. b.AsSpan(at + n)];
            }
        }
    }
}
