using Datom.Log.Entries;
using Datom.Sync.Protocol;

namespace Datom.Sync.Connection;

/// <summary>One received frame of entries after verification, in the order sent: each an entry or the reason it failed.</summary>
internal sealed class VerifiedBatch
{
    private VerifiedBatch(uint round, Entry?[] entries, EntryRejectedException?[] errors, SyncDoneMessage? done)
    {
        Round = round;
        Entries = entries;
        Errors = errors;
        Done = done;
    }

    public uint Round { get; }

    public Entry?[] Entries { get; }

    public EntryRejectedException?[] Errors { get; }

    /// <summary>Not entries but the end of a pull round, kept in order with them.</summary>
    public SyncDoneMessage? Done { get; }

    public static VerifiedBatch Of(uint round, Entry?[] entries, EntryRejectedException?[] errors) => new(round, entries, errors, null);

    public static VerifiedBatch EndOfRound(SyncDoneMessage done) => new(done.Round, [], [], done);
}

/// <summary>
/// Decodes and verifies received entries on all cores. Signature verification dominates the cost of
/// taking an entry (NSec's Ed25519 verify is tens of microseconds; decoding and hashing a few), and
/// <see cref="Entry.VerifySignature"/> is thread-safe, so a frame is verified in parallel and its
/// entries are then handed to the log in their original order.
/// </summary>
internal sealed class EntryVerifier(int parallelism, EntryLimits limits)
{
    /// <summary>Below this many entries a frame is verified on the calling thread; spreading costs more than it saves.</summary>
    private const int ParallelThreshold = 8;

    public VerifiedBatch Verify(EntriesMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var count = message.Entries.Count;
        var entries = new Entry?[count];
        var errors = new EntryRejectedException?[count];
        if (count < ParallelThreshold || parallelism <= 1)
        {
            for (var i = 0; i < count; i++)
                VerifyOne(message.Entries[i], i, entries, errors);
        }
        else
        {
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, i => VerifyOne(message.Entries[i], i, entries, errors));
        }
        return VerifiedBatch.Of(message.Round, entries, errors);
    }

    private void VerifyOne(ReadOnlyMemory<byte> encoded, int index, Entry?[] entries, EntryRejectedException?[] errors)
    {
        try
        {
            var entry = EntryCodec.Decode(encoded, limits);
            if (entry.VerifySignature())
                entries[index] = entry;
            else
                errors[index] = new EntryRejectedException(RejectReason.BadSignature, $"signature of {entry.Hash} does not verify for author {entry.Author}");
        }
        catch (EntryRejectedException e)
        {
            errors[index] = e;
        }
    }
}
