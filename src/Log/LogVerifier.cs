using Datom.Log.Entries;
using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Log.Segments;
using Datom.Log.Storage;

namespace Datom.Log;

public sealed record VerifyReport(long Entries, int Authors, int Forks, long Bytes, int Segments, VerifyFailure? Failure)
{
    public bool Ok => Failure is null;

    /// <summary>What was found of the tables (<see cref="Tables.TableVerifier"/>): how far they were checked, or why not.</summary>
    public string Tables { get; init; } = "";

    /// <summary>Things worth knowing that are not failures: a checkpoint slot or the hash index image that opening would not use.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>The first thing wrong in a log, and where it is.</summary>
public sealed record VerifyFailure(string File, long Offset, string Reason)
{
    public override string ToString() => $"{File}: offset {Offset}: {Reason}";
}

/// <summary>
/// Checks a log from its bytes up, changing nothing: every record's checksum, every entry's canonical
/// form, hash, signature, parents (stored before it), sequence number and time; then the tables
/// opening relies on (<see cref="Tables.TableVerifier"/>) against those entries. Stops at the first
/// failure and names its file and offset.
/// </summary>
public static class LogVerifier
{
    public static VerifyReport Verify(string dataDirectory, LogOptions? options = null, IProgress<long>? progress = null) =>
        Verify(new FileStorage(Path.Combine(dataDirectory, "log")), options, progress);

    public static VerifyReport Verify(IStorage storage, LogOptions? options = null, IProgress<long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(storage);
        options ??= new LogOptions();
        var seen = new Dictionary<EntryHash, (NodeId Author, ulong Seq, HlcTimestamp Time)>();
        var bySeq = new HashSet<(NodeId, ulong)>();
        long entries = 0, bytes = 0;
        var forks = 0;
        var segments = new HashSet<uint>();
        var notes = new List<string>();
        Tables.TableVerifier? tables = null;
        try
        {
            tables = Tables.TableVerifier.Open(storage, notes);
            SegmentStore.ScanReadOnly(storage, options.Segments, (position, payload) =>
            {
                segments.Add(position.Segment);
                bytes += RecordHeader.Size + payload.Length;
                var reason = Check(payload, options.Limits, seen, out var entry);
                if (reason is not null)
                    throw new LogCorruptionException(storage.Describe(SegmentHeader.FileName(position.Segment)), position.Offset, reason);
                if (seen.ContainsKey(entry!.Hash))
                    return;
                tables?.OnEntry(entries, position, entry);
                seen.Add(entry.Hash, (entry.Author, entry.Seq, entry.Time));
                if (!bySeq.Add((entry.Author, entry.Seq)))
                    forks++;
                entries++;
                if ((entries & 0xFFF) == 0)
                    progress?.Report(entries);
            });
            tables?.Finish(entries, notes);
        }
        catch (LogCorruptionException e)
        {
            return new VerifyReport(entries, seen.Values.Select(v => v.Author).Distinct().Count(), forks, bytes, segments.Count, new VerifyFailure(e.File, e.Offset, e.Reason))
            {
                Notes = notes,
            };
        }
        finally
        {
            tables?.Dispose();
        }
        progress?.Report(entries);
        return new VerifyReport(entries, seen.Values.Select(v => v.Author).Distinct().Count(), forks, bytes, segments.Count, null)
        {
            Tables = tables?.Summary ?? "",
            Notes = notes,
        };
    }

    private static string? Check(ReadOnlyMemory<byte> payload, EntryLimits limits, Dictionary<EntryHash, (NodeId Author, ulong Seq, HlcTimestamp Time)> seen, out Entry? entry)
    {
        entry = null;
        try
        {
            entry = EntryCodec.Decode(payload, limits);
        }
        catch (EntryRejectedException e)
        {
            return "entry does not decode: " + e.Message;
        }
        if (!entry.VerifySignature())
            return $"entry {entry.Hash} ({entry.Author}#{entry.Seq}): signature does not verify";
        ulong maxOwn = 0;
        var maxTime = default(HlcTimestamp);
        foreach (var p in entry.Parents)
        {
            if (!seen.TryGetValue(p, out var parent))
                return $"entry {entry.Hash} ({entry.Author}#{entry.Seq}): parent {p} is not stored before it";
            if (parent.Author == entry.Author)
                maxOwn = Math.Max(maxOwn, parent.Seq);
            if (parent.Time > maxTime)
                maxTime = parent.Time;
        }
        if (entry.Seq != maxOwn + 1)
            return $"entry {entry.Hash} ({entry.Author}#{entry.Seq}): sequence should be {maxOwn + 1}";
        if (entry.Parents.Count > 0 && entry.Time <= maxTime)
            return $"entry {entry.Hash} ({entry.Author}#{entry.Seq}): time {entry.Time} is not after its parents' {maxTime}";
        return null;
    }
}
