using System.Buffers.Binary;
using System.Text;

namespace MLNetMarginLoss.TorchBackend.Native;

/// <summary>
/// Reads and edits the symbol-version requirements (<c>.gnu.version_r</c>) of a 64-bit little-endian ELF shared
/// library in memory. Used to make one unused version requirement of TorchSharp's native shim weak (see
/// <see cref="TorchNativeLoader"/>): glibc then only warns, instead of refusing to load, when the installed library
/// does not define that version.
/// </summary>
internal sealed class ElfVersionNeeds
{
    private const uint ShtRela = 4, ShtRel = 9, ShtDynamic = 6, ShtGnuVerneed = 0x6ffffffe, ShtGnuVersym = 0x6fffffff;
    private const long DtNeeded = 1;

    /// <summary>The <c>vna_flags</c> bit that makes a version requirement weak.</summary>
    public const ushort VerFlagWeak = 0x2;

    private readonly byte[] _image;
    private readonly List<Section> _sections = [];

    private readonly record struct Section(uint Type, ulong Offset, ulong Size, uint Link, ulong EntrySize);

    /// <summary>One required version (a <c>Vernaux</c> entry).</summary>
    /// <param name="File">The library it is required from (e.g. libstdc++.so.6).</param>
    /// <param name="Version">The version name (e.g. GLIBCXX_3.4.32).</param>
    /// <param name="Index">The version index that <c>.gnu.version</c> entries use for it.</param>
    /// <param name="Flags">Its <c>vna_flags</c>.</param>
    /// <param name="FlagsOffset">File offset of <c>vna_flags</c>.</param>
    public sealed record Requirement(string File, string Version, ushort Index, ushort Flags, int FlagsOffset)
    {
        /// <summary>True when the requirement is weak (a missing version is only a warning).</summary>
        public bool IsWeak => (Flags & VerFlagWeak) != 0;
    }

    /// <summary>Parses <paramref name="image"/> (not copied: <see cref="MakeWeak"/> edits it in place).</summary>
    /// <exception cref="InvalidDataException">It is not a 64-bit little-endian ELF file with section headers.</exception>
    public ElfVersionNeeds(byte[] image)
    {
        _image = image ?? throw new ArgumentNullException(nameof(image));
        if (image.Length < 64 || image[0] != 0x7f || image[1] != (byte)'E' || image[2] != (byte)'L' || image[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file.");
        if (image[4] != 2 || image[5] != 1)
            throw new InvalidDataException("not a 64-bit little-endian ELF file.");
        ulong shoff = U64(0x28);
        int shentsize = U16(0x3A), shnum = U16(0x3C);
        if (shoff == 0 || shnum == 0 || shentsize < 64 || shoff + (ulong)(shnum * shentsize) > (ulong)image.Length)
            throw new InvalidDataException("the ELF file has no usable section headers.");
        for (int i = 0; i < shnum; i++)
        {
            int at = checked((int)shoff + i * shentsize);
            var s = new Section(U32(at + 4), U64(at + 24), U64(at + 32), U32(at + 40), U64(at + 56));
            if (s.Type != 8 /* SHT_NOBITS */ && s.Offset + s.Size > (ulong)image.Length)
                throw new InvalidDataException($"section {i} lies outside the file.");
            _sections.Add(s);
        }
        Requirements = ReadRequirements();
    }

    /// <summary>Every version requirement, in file order.</summary>
    public IReadOnlyList<Requirement> Requirements { get; private set; }

    /// <summary>The libraries named by DT_NEEDED entries, in order.</summary>
    public IReadOnlyList<string> NeededLibraries
    {
        get
        {
            var list = new List<string>();
            foreach (var s in _sections.Where(s => s.Type == ShtDynamic))
            {
                var strings = _sections[(int)s.Link];
                for (ulong at = 0; at + 16 <= s.Size; at += 16)
                {
                    long tag = (long)U64((int)(s.Offset + at));
                    if (tag == 0) break;
                    if (tag == DtNeeded) list.Add(CString(strings, (uint)U64((int)(s.Offset + at + 8))));
                }
            }
            return list;
        }
    }

    /// <summary>The requirement of <paramref name="version"/>, or null.</summary>
    public Requirement? Find(string version) => Requirements.FirstOrDefault(r => r.Version == version);

    /// <summary>
    /// Names of the dynamic symbols that relocations reference and that are bound to version index
    /// <paramref name="index"/> by <c>.gnu.version</c>. Empty means no relocation can need that version.
    /// </summary>
    public IReadOnlyList<string> RelocatedSymbolsOfVersion(ushort index)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (name, versymOffset) in RelocatedSymbols())
            if ((U16(versymOffset) & 0x7fff) == index) found.Add(name);
        return found.ToArray();
    }

    /// <summary>Every dynamic symbol that a relocation references: its name and the file offset of its <c>.gnu.version</c> entry.</summary>
    internal IEnumerable<(string Name, int VersymOffset)> RelocatedSymbols()
    {
        var versym = _sections.FirstOrDefault(s => s.Type == ShtGnuVersym);
        if (versym.Type != ShtGnuVersym) yield break;
        int dynsymIndex = (int)versym.Link;
        var dynsym = _sections[dynsymIndex];
        var names = _sections[(int)dynsym.Link];
        long symbols = (long)(versym.Size / 2);
        foreach (var rel in _sections.Where(s => (s.Type is ShtRela or ShtRel) && s.Link == dynsymIndex))
        {
            ulong entry = rel.EntrySize != 0 ? rel.EntrySize : rel.Type == ShtRela ? 24UL : 16UL;
            for (ulong at = 0; at + entry <= rel.Size; at += entry)
            {
                long sym = (long)(U64((int)(rel.Offset + at + 8)) >> 32);
                if (sym == 0 || sym >= symbols) continue;
                yield return (CString(names, U32((int)(dynsym.Offset + (ulong)sym * 24))), (int)(versym.Offset + (ulong)sym * 2));
            }
        }
    }

    /// <summary>
    /// Marks the requirement of <paramref name="version"/> weak, after checking that no relocation uses a symbol
    /// of that version (so the version is never needed to bind anything). Returns false when it was weak already.
    /// </summary>
    /// <exception cref="InvalidDataException">The version is not required, or a relocation uses one of its symbols.</exception>
    public bool MakeWeak(string version)
    {
        var r = Find(version) ?? throw new InvalidDataException($"the library does not require version {version}.");
        var used = RelocatedSymbolsOfVersion(r.Index);
        if (used.Count > 0)
            throw new InvalidDataException($"relocations use symbols of version {version} ({string.Join(", ", used)}), so it cannot be made weak.");
        if (r.IsWeak) return false;
        BinaryPrimitives.WriteUInt16LittleEndian(_image.AsSpan(r.FlagsOffset), (ushort)(r.Flags | VerFlagWeak));
        Requirements = ReadRequirements();
        return true;
    }

    private List<Requirement> ReadRequirements()
    {
        var list = new List<Requirement>();
        foreach (var s in _sections.Where(s => s.Type == ShtGnuVerneed))
        {
            var strings = _sections[(int)s.Link];
            ulong at = s.Offset, end = s.Offset + s.Size;
            for (int guard = 0; guard < 4096 && at + 16 <= end; guard++)
            {
                int count = U16((int)at + 2);
                string file = CString(strings, U32((int)at + 4));
                ulong aux = at + U32((int)at + 8);
                for (int k = 0; k < count && aux + 16 <= end; k++)
                {
                    int a = (int)aux;
                    list.Add(new Requirement(file, CString(strings, U32(a + 8)), U16(a + 6), U16(a + 4), a + 4));
                    uint nextAux = U32(a + 12);
                    if (nextAux == 0) break;
                    aux += nextAux;
                }
                uint next = U32((int)at + 12);
                if (next == 0) break;
                at += next;
            }
        }
        return list;
    }

    private string CString(Section strings, uint offset)
    {
        int start = checked((int)(strings.Offset + offset));
        int end = Array.IndexOf(_image, (byte)0, start);
        if (end < 0) throw new InvalidDataException("unterminated string in the ELF string table.");
        return Encoding.ASCII.GetString(_image, start, end - start);
    }

    private ushort U16(int at) => BinaryPrimitives.ReadUInt16LittleEndian(_image.AsSpan(at, 2));
    private uint U32(int at) => BinaryPrimitives.ReadUInt32LittleEndian(_image.AsSpan(at, 4));
    private ulong U64(int at) => BinaryPrimitives.ReadUInt64LittleEndian(_image.AsSpan(at, 8));
}
