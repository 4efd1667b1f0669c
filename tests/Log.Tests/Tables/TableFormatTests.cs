using Datom.Log.Model;
using Datom.Log.Segments;
using Datom.Log.Tables;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace Datom.Log.Tests.Tables;

/// <summary>Round trips of every on-disk format of the log's tables, and their refusal of damage.</summary>
public class TableFormatTests
{
    [Fact]
    public void Table_header_round_trips_for_every_kind()
    {
        foreach (var kind in Enum.GetValues<TableKind>())
        {
            var header = new TableHeader(kind, 96);
            var bytes = new byte[TableHeader.Size];
            header.Format(bytes);
            Assert.True(TableHeader.TryParse(bytes, out var parsed, out _));
            Assert.Equal(header, parsed);
            Assert.Equal((byte)'D', bytes[0]);
            Assert.Equal(TableHeader.CurrentVersion, bytes[8]);
            Assert.Equal(96, BitConverter.ToInt32(bytes, 12)); // little-endian on the test machine, as written
        }
    }

    [Fact]
    public void Table_header_refuses_a_flipped_bit_anywhere()
    {
        var bytes = new byte[TableHeader.Size];
        new TableHeader(TableKind.Keys, EntryKey.Size).Format(bytes);
        for (var bit = 0; bit < TableHeader.Size * 8; bit++)
        {
            var copy = (byte[])bytes.Clone();
            copy[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(TableHeader.TryParse(copy, out _, out var error));
            Assert.NotEmpty(error);
        }
    }

    [Property(MaxTest = 300)]
    public Property Entry_record_round_trips() => Prop.ForAll(Generators.EntryRecord().ToArbitrary(), record =>
    {
        var bytes = new byte[EntryRecord.Size];
        record.Format(bytes);
        return EntryRecord.TryParse(bytes, out var parsed, out _) && parsed == record;
    });

    [Property(MaxTest = 100)]
    public Property Entry_record_refuses_a_flipped_bit() => Prop.ForAll(Generators.EntryRecord().ToArbitrary(), Gen.Choose(0, (EntryRecord.Size * 8) - 1).ToArbitrary(), (record, bit) =>
    {
        var bytes = new byte[EntryRecord.Size];
        record.Format(bytes);
        bytes[bit / 8] ^= (byte)(1 << (bit % 8));
        return !EntryRecord.TryParse(bytes, out _, out var error) && error.Length > 0;
    });

    [Property(MaxTest = 200)]
    public Property Entry_key_round_trips(ulong prefix, int author, uint seq)
    {
        var key = new EntryKey(prefix, Math.Abs(author % int.MaxValue), seq);
        var bytes = new byte[EntryKey.Size];
        key.Format(bytes);
        return (new EntryKey(bytes) == key).ToProperty();
    }

    [Property(MaxTest = 200)]
    public Property Checkpoint_round_trips() => Prop.ForAll(Generators.Checkpoint().ToArbitrary(), checkpoint =>
    {
        var bytes = checkpoint.Format();
        Assert.True(Checkpoint.TryParse(bytes, out var parsed, out var error), error);
        Assert.Equal(checkpoint with { SealedLengths = [], Heads = [] }, parsed! with { SealedLengths = [], Heads = [] });
        Assert.Equal(checkpoint.SealedLengths, parsed.SealedLengths);
        Assert.Equal(checkpoint.Heads, parsed.Heads);
    });

    [Property(MaxTest = 100)]
    public Property Checkpoint_refuses_a_flipped_bit() => Prop.ForAll(Generators.Checkpoint().ToArbitrary(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (checkpoint, at) =>
    {
        var bytes = checkpoint.Format();
        var bit = at % (bytes.Length * 8);
        bytes[bit / 8] ^= (byte)(1 << (bit % 8));
        return !Checkpoint.TryParse(bytes, out _, out var error) && error.Length > 0;
    });

    [Fact]
    public void Checkpoint_refuses_a_cut_file()
    {
        var checkpoint = new Checkpoint(3, 10, 12, 2, 1, [100, 200], new RecordPosition(3, 44), new HlcTimestamp(5), 1, 2, 3, default, [4, 9]);
        var bytes = checkpoint.Format();
        for (var length = 0; length < bytes.Length; length++)
            Assert.False(Checkpoint.TryParse(bytes.AsSpan(0, length), out _, out _));
    }
}
