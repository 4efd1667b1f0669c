using System.Buffers.Binary;
using Datom.Fuzz.Engine;
using Datom.Log;
using Datom.Log.Entries;
using Datom.Log.Model;
using Datom.Log.Segments;
using Datom.Log.Storage;

namespace Datom.Fuzz.Targets;

/// <summary>
/// The segment reader and log recovery, on the simulated disk (<see cref="MemoryStorage"/>). An input
/// is the concatenation of a log's segment files; it is cut before every later <c>DATOMSEG</c> magic,
/// and the pieces become <c>00000001.seg</c>, <c>00000002.seg</c>, ... Allowed error:
/// <see cref="LogCorruptionException"/> naming one of those files and an offset inside it. Checked
/// against a slow reference, a scanner written from the format's description (the header layout on
/// <see cref="SegmentHeader"/>, the torn-tail rule on <see cref="SegmentStore"/>) that predicts
/// <list type="bullet">
/// <item>for <see cref="SegmentStore.ScanReadOnly"/>: every record, or the file and offset of the first damage;</item>
/// <item>for <see cref="DatomLog.Open"/>: whether it opens (cutting a torn tail, dropping a last
/// segment whose header never became durable) and how many entries it then holds, or where it fails;</item>
/// </list>
/// and whatever opens then passes <see cref="LogVerifier.Verify"/>, since every record it kept is a
/// whole, real entry.
/// </summary>
public sealed class SegmentTarget : FuzzTarget
{
    private const int MaxFiles = 8;
    private static readonly byte[] Magic = "DATOMSEG"u8.ToArray();
    private static readonly SegmentStoreOptions StoreOptions = new() { Fsync = FsyncPolicy.Never, MaxSegmentBytes = 64L << 20 };
    private static readonly LogOptions Options = new() { Segments = StoreOptions };

    public override string Name => "segment";

    public override int MaxInputBytes => 64 << 10;

    public override IReadOnlyList<byte[]> Dictionary { get; } =
    [
        Magic, [1, 0, 0, 0], [0x92, 0xc5], [0x92, 0xc4], [0x97, 0x01, 0xc4, 0x20],
    ];

    public override IReadOnlyList<long> InterestingNumbers { get; } =
    [
        StoreOptions.MaxRecordBytes, SegmentHeader.Size, RecordHeader.Size, 1, 2, 3, MaxFiles, 1 << 20,
    ];

    public override FuzzOutcome Run(byte[] input)
    {
        var files = Split(input);
        var names = files.Select((_, i) => SegmentHeader.FileName((uint)(i + 1))).ToArray();

        // 1. Read-only scan against the reference.
        var expectedScan = Reference.Scan(files, StoreOptions.MaxRecordBytes);
        var scanned = new List<(RecordPosition, byte[])>();
        string? scanError = null;
        try
        {
            SegmentStore.ScanReadOnly(Disk(files), StoreOptions, (p, payload) => scanned.Add((p, payload.ToArray())));
        }
        catch (LogCorruptionException e)
        {
            CheckSpecific(e, names, files);
            scanError = $"{e.File}@{e.Offset}";
            var (file, offset) = Locate(e, names);
            if (expectedScan.Damage != (file, offset))
                throw new FuzzContractException($"ScanReadOnly reports damage in {e.File} at {e.Offset} ({e.Reason}); the reference expects {Describe(expectedScan.Damage, names)}", e);
        }
        if (scanError is null && expectedScan.Damage is not null)
            throw new FuzzContractException($"ScanReadOnly read the log whole; the reference expects damage at {Describe(expectedScan.Damage, names)}");
        var common = Math.Min(scanned.Count, expectedScan.Records.Count);
        if (scanned.Count != expectedScan.Records.Count && scanError is null)
            throw new FuzzContractException($"ScanReadOnly returned {scanned.Count} records; the reference finds {expectedScan.Records.Count}");
        for (var i = 0; i < common; i++)
        {
            if (scanned[i].Item1 != expectedScan.Records[i].Position || !scanned[i].Item2.AsSpan().SequenceEqual(expectedScan.Records[i].Payload))
                throw new FuzzContractException($"record {i}: ScanReadOnly read {scanned[i].Item1}, the reference {expectedScan.Records[i].Position}");
        }

        // 2. Open for writing (repairs), against the reference.
        var expected = Reference.Open(files, StoreOptions.MaxRecordBytes);
        var disk = Disk(files);
        DatomLog log;
        try
        {
            log = DatomLog.Open(disk, null, Options);
        }
        catch (LogCorruptionException e)
        {
            CheckSpecific(e, names, files);
            var at = Locate(e, names);
            if (expected.Damage != at)
                throw new FuzzContractException($"DatomLog.Open fails in {e.File} at {e.Offset} ({e.Reason}); the reference expects {(expected.Damage is null ? $"it to open with {expected.Entries} entries" : Describe(expected.Damage, names))}", e);
            return FuzzOutcome.Reject("LogCorruptionException: " + EdnTarget.Category(e.Reason));
        }
        using (log)
        {
            if (expected.Damage is not null)
                throw new FuzzContractException($"DatomLog.Open opened the log; the reference expects it to fail at {Describe(expected.Damage, names)}");
            if (log.Count != expected.Entries)
                throw new FuzzContractException($"DatomLog.Open holds {log.Count} entries; the reference expects {expected.Entries}");
        }

        // 3. What opened (and was repaired) verifies.
        var report = LogVerifier.Verify(disk, Options);
        if (!report.Ok || report.Entries != expected.Entries)
            throw new FuzzContractException($"the log opened with {expected.Entries} entries, but does not verify: {report.Failure?.ToString() ?? $"{report.Entries} entries"}");
        return FuzzOutcome.Accept(scanError is null ? "" : "repaired");
    }

    /// <summary>The files an input stands for: cut before every DATOMSEG after the first byte.</summary>
    internal static List<byte[]> Split(byte[] input)
    {
        var files = new List<byte[]>();
        var start = 0;
        var span = input.AsSpan();
        while (files.Count < MaxFiles - 1)
        {
            if (start + 1 >= span.Length)
                break;
            var next = span[(start + 1)..].IndexOf(Magic);
            if (next < 0)
                break;
            files.Add(span[start..(start + 1 + next)].ToArray());
            start += 1 + next;
        }
        files.Add(span[start..].ToArray());
        return files;
    }

    private static MemoryStorage Disk(List<byte[]> files)
    {
        var disk = new MemoryStorage();
        for (var i = 0; i < files.Count; i++)
        {
            using var file = disk.Create(SegmentHeader.FileName((uint)(i + 1)));
            file.Write(0, files[i]);
            file.Sync();
        }
        disk.SyncDirectory();
        return disk;
    }

    private static (int File, long Offset) Locate(LogCorruptionException e, string[] names)
    {
        var file = Array.FindIndex(names, n => e.File == "sim:" + n);
        return (file, e.Offset);
    }

    private static void CheckSpecific(LogCorruptionException e, string[] names, List<byte[]> files)
    {
        var (file, offset) = Locate(e, names);
        if (file < 0 || offset < 0 || offset > files[file].Length || string.IsNullOrWhiteSpace(e.Reason))
            throw new FuzzContractException($"LogCorruptionException names no place in the log: {e.Message}", e);
    }

    private static string Describe((int File, long Offset)? at, string[] names) =>
        at is { } a ? $"{names[a.File]}@{a.Offset}" : "none";

    protected override IReadOnlyList<byte[]> BuildCorpus()
    {
        var corpus = new List<byte[]>();
        foreach (var history in LogSamples.All)
        {
            corpus.Add(Write(history, StoreOptions));
            // Small segments, so the store rolls: several files in one input.
            corpus.Add(Write(history, StoreOptions with { MaxSegmentBytes = 700 }));
        }
        corpus.Add(Write([], StoreOptions));
        return corpus;
    }

    /// <summary>A log written by the real store, its segment files concatenated.</summary>
    private static byte[] Write(IReadOnlyList<Entry> entries, SegmentStoreOptions options)
    {
        var disk = new MemoryStorage();
        using (var store = SegmentStore.Open(disk, options, null))
        {
            foreach (var entry in entries)
                store.AppendAsync(entry.Encoded).AsTask().GetAwaiter().GetResult();
        }
        var bytes = new List<byte>();
        foreach (var name in disk.List())
        {
            using var file = disk.Open(name);
            var data = new byte[file.Length];
            file.Read(0, data);
            bytes.AddRange(data);
        }
        return [.. bytes];
    }

    /// <summary>
    /// The slow reference: the segment format and the recovery rules as documented, written again
    /// plainly (whole-file buffers, no shared code with <see cref="SegmentStore"/> but CRC-32C).
    /// </summary>
    internal static class Reference
    {
        public sealed record ScanResult(List<(RecordPosition Position, byte[] Payload)> Records, (int File, long Offset)? Damage);

        public sealed record OpenResult(long Entries, (int File, long Offset)? Damage);

        public static ScanResult Scan(List<byte[]> files, int maxRecord)
        {
            var records = new List<(RecordPosition, byte[])>();
            for (var i = 0; i < files.Count; i++)
            {
                var data = files[i];
                if (!HeaderValid(data))
                    return new ScanResult(records, (i, 0));
                if (BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(12)) != i + 1)
                    return new ScanResult(records, (i, 12));
                var offset = SegmentHeader.Size;
                while (offset < data.Length)
                {
                    var length = RecordAt(data, offset, maxRecord);
                    if (length < 0)
                        return new ScanResult(records, (i, offset));
                    records.Add((new RecordPosition((uint)(i + 1), offset), data.AsSpan(offset + RecordHeader.Size, length).ToArray()));
                    offset += RecordHeader.Size + length;
                }
            }
            return new ScanResult(records, null);
        }

        public static OpenResult Open(List<byte[]> files, int maxRecord)
        {
            // First the store's recovery, decoding each record as it is read (the first failure wins)...
            var decoded = new List<(int File, int Offset, Entry Entry)>();
            for (var i = 0; i < files.Count; i++)
            {
                var data = files[i];
                var last = i == files.Count - 1;
                if (!HeaderValid(data))
                {
                    // A last segment whose creation never finished (no whole record in it) is removed.
                    if (last && !AnyRecordFrom(data, 0, maxRecord))
                        break;
                    return new OpenResult(0, (i, 0));
                }
                if (BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(12)) != i + 1)
                    return new OpenResult(0, (i, 12));
                var offset = SegmentHeader.Size;
                while (offset < data.Length)
                {
                    var length = RecordAt(data, offset, maxRecord);
                    if (length < 0)
                    {
                        // A torn tail: damage in the last segment with no whole record after it.
                        if (last && !AnyRecordFrom(data, offset + 1, maxRecord))
                            break;
                        return new OpenResult(0, (i, offset));
                    }
                    try
                    {
                        decoded.Add((i, offset, EntryCodec.Decode(data.AsMemory(offset + RecordHeader.Size, length), Options.Limits)));
                    }
                    catch (EntryRejectedException)
                    {
                        return new OpenResult(0, (i, offset));
                    }
                    offset += RecordHeader.Size + length;
                }
            }

            // ...then the DAG: each entry's parents stored before it; a repeated entry is skipped.
            var seen = new HashSet<EntryHash>();
            foreach (var (file, offset, entry) in decoded)
            {
                if (seen.Contains(entry.Hash))
                    continue;
                if (entry.Parents.Any(p => !seen.Contains(p)))
                    return new OpenResult(0, (file, offset));
                seen.Add(entry.Hash);
            }
            return new OpenResult(seen.Count, null);
        }

        private static bool HeaderValid(byte[] data)
        {
            if (data.Length < SegmentHeader.Size || !data.AsSpan(0, 8).SequenceEqual(Magic))
                return false;
            if (BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(28)) != Crc32C.Compute(data.AsSpan(0, 28)))
                return false;
            return data[8] == 1 && data[9] == 0 && data[10] == 0 && data[11] == 0 && !data.AsSpan(16, 12).ContainsAnyExcept((byte)0);
        }

        /// <summary>The payload length of the whole, valid record at <paramref name="offset"/>, or -1.</summary>
        private static int RecordAt(byte[] data, int offset, int maxRecord)
        {
            if (data.Length - offset < RecordHeader.Size)
                return -1;
            var header = data.AsSpan(offset, RecordHeader.Size);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header[8..]) != Crc32C.Compute(header[..8]))
                return -1;
            var length = BinaryPrimitives.ReadUInt32LittleEndian(header);
            if (length == 0 || length > maxRecord || offset + RecordHeader.Size + (long)length > data.Length)
                return -1;
            var payload = data.AsSpan(offset + RecordHeader.Size, (int)length);
            return Crc32C.Compute(payload) == BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) ? (int)length : -1;
        }

        private static bool AnyRecordFrom(byte[] data, int from, int maxRecord)
        {
            for (var o = from; o < data.Length; o++)
            {
                if (RecordAt(data, o, maxRecord) >= 0)
                    return true;
            }
            return false;
        }
    }
}
