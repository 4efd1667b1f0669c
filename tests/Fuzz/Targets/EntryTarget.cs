using Datom.Fuzz.Engine;
using Datom.Log.Entries;

namespace Datom.Fuzz.Targets;

/// <summary>
/// The entry decoder (<see cref="EntryCodec.Decode"/>), the parser under both the segment reader
/// and the Entries frame: every stored or received entry goes through it. Allowed error:
/// <see cref="EntryRejectedException"/> with a defined <see cref="RejectReason"/>. Oracle: decoding
/// accepts only the canonical form, so an accepted input is exactly the entry's encoding, decodes
/// again to the same hash, and its signature check answers (true or false) without throwing.
/// </summary>
public sealed class EntryTarget : FuzzTarget
{
    public override string Name => "entry";

    public override IReadOnlyList<byte[]> Dictionary { get; } =
    [
        [0x92], [0x97], [0xc4], [0xc5], [0xc6], [0xdc], [0xdd], [0xcf], [0xcb], [0xc0], [0xc2], [0xc3], [0xd9], [0xa0], [0xc4, 0x20], [0xc4, 0x10], [0xc4, 0x40],
    ];

    public override IReadOnlyList<long> InterestingNumbers { get; } =
    [
        EntryLimits.Default.MaxEntryBytes, EntryLimits.Default.MaxDatoms, EntryLimits.Default.MaxParents, EntryLimits.Default.MaxAttributeBytes, EntryLimits.Default.MaxValueBytes, 32, 64, 16,
    ];

    public override FuzzOutcome Run(byte[] input)
    {
        Entry entry;
        try
        {
            entry = EntryCodec.Decode(input);
        }
        catch (EntryRejectedException e)
        {
            if (!Enum.IsDefined(e.Reason) || string.IsNullOrWhiteSpace(e.Message))
                throw new FuzzContractException($"a rejection without a defined reason: {e.Reason} {e.Message}", e);
            return FuzzOutcome.Reject($"EntryRejectedException: {e.Reason}");
        }
        if (!entry.Encoded.Span.SequenceEqual(input))
            throw new FuzzContractException("an entry decoded from bytes that are not its canonical encoding");
        var again = EntryCodec.Decode(entry.Encoded);
        if (again.Hash != entry.Hash)
            throw new FuzzContractException($"the same bytes decode to two hashes: {entry.Hash} and {again.Hash}");
        entry.VerifySignature();
        return FuzzOutcome.Accept();
    }

    protected override IReadOnlyList<byte[]> BuildCorpus() =>
        [.. LogSamples.All.SelectMany(h => h).DistinctBy(e => e.Hash).Select(e => e.Encoded.ToArray())];
}
