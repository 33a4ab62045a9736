namespace MLNetMarginLoss.Mpi.TestHost;

/// <summary>Every collective operation of a <see cref="Communicator"/> on known data, with uneven parts; throws on the first wrong value.</summary>
internal static class Collectives
{
    public static void Check(Communicator world)
    {
        int rank = world.Rank, size = world.Size;
        // All-reduce of each element type and operation, on a buffer large enough for MPICH's large-message algorithms.
        var floats = GC.AllocateArray<float>(1_000_003, pinned: true);
        for (int i = 0; i < floats.Length; i++) floats[i] = (rank + 1) * 0.5f + (i % 7);
        world.AllReduce<float>(floats, ReduceOperation.Sum);
        for (int i = 0; i < floats.Length; i++)
            Expect(floats[i] == Sum(size, r => (r + 1) * 0.5f + (i % 7)), $"float sum at {i}: {floats[i]}");
        Span<double> doubles = [rank, -rank, rank * 1.5];
        world.AllReduce(doubles, ReduceOperation.Max);
        Expect(doubles[0] == size - 1 && doubles[1] == 0 && doubles[2] == (size - 1) * 1.5, "double max");
        Span<int> ints = [rank + 10, -rank];
        world.AllReduce(ints, ReduceOperation.Min);
        Expect(ints[0] == 10 && ints[1] == -(size - 1), "int min");
        Span<long> longs = [1L << 40, rank];
        world.AllReduce(longs, ReduceOperation.Sum);
        Expect(longs[0] == size * (1L << 40) && longs[1] == size * (size - 1) / 2, "long sum");

        // Uneven parts: rank r contributes r + 1 elements of value 100·r + j.
        var counts = Enumerable.Range(0, size).Select(r => r + 1).ToArray();
        int total = counts.Sum();
        var local = Enumerable.Range(0, rank + 1).Select(j => 100f * rank + j).ToArray();
        var expected = Enumerable.Range(0, size).SelectMany(r => Enumerable.Range(0, r + 1).Select(j => 100f * r + j)).ToArray();
        var all = new float[total];
        world.AllGather<float>(local, all, counts);
        Expect(all.SequenceEqual(expected), "all-gather");
        int root = size - 1;
        var gathered = new float[rank == root ? total : 0];
        world.Gather<float>(local, gathered, counts, root);
        Expect(rank != root || gathered.SequenceEqual(expected), "gather");
        var labels = new int[total];
        world.AllGather<int>(Enumerable.Repeat(rank, rank + 1).ToArray(), labels, counts);
        Expect(labels.SequenceEqual(Enumerable.Range(0, size).SelectMany(r => Enumerable.Repeat(r, r + 1))), "all-gather int");

        // Reduce-scatter: every rank holds [1, 2, …, total] × (rank + 1); each gets its part of the sum.
        var contribution = Enumerable.Range(1, total).Select(v => (float)v * (rank + 1)).ToArray();
        var part = new float[counts[rank]];
        world.ReduceScatter<float>(contribution, part, counts);
        int offset = counts.Take(rank).Sum();
        for (int j = 0; j < part.Length; j++) Expect(part[j] == (offset + j + 1) * Sum(size, r => r + 1f), $"reduce-scatter {j}");

        var broadcast = rank == root ? new[] { 3.5f, -1f, 7f } : new float[3];
        world.Broadcast<float>(broadcast, root);
        Expect(broadcast.SequenceEqual([3.5f, -1f, 7f]), "broadcast");
        world.Barrier();
        Expect(world.Collectives == 10 && world.CommunicatedBytes > 4_000_000, $"statistics {world.Collectives} calls, {world.CommunicatedBytes} bytes");
    }

    private static float Sum(int size, Func<int, float> value)
    {
        float s = value(0);
        for (int r = 1; r < size; r++) s += value(r);
        return s;
    }

    private static void Expect(bool condition, string what)
    {
        if (!condition) throw new InvalidOperationException("collective check failed: " + what);
    }
}
