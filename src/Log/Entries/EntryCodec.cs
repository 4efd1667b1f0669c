using System.Buffers;
using System.Buffers.Binary;
using Datom.Log.Identity;
using Datom.Log.Model;
using MessagePack;
using NSec.Cryptography;

namespace Datom.Log.Entries;

/// <summary>
/// The canonical MessagePack form of an entry, one byte string per entry (the same entry always has
/// the same bytes):
/// <code>
/// entry = [ bin body, bin signature(64) ]
/// body  = [ version(1), bin author(32), seq, bin tx(16), hlc, [bin parent(32)...], [datom...] ]
/// datom = [ bin e(16), str attribute, tag, value, added ]
/// </code>
/// Integers take their shortest MessagePack form, doubles are always float64, parents ascend strictly.
/// The signed bytes are <see cref="Domain"/> followed by the body; the entry hash is BLAKE2b-256 of the
/// signed bytes; the signature (Ed25519, RFC 8032) covers the signed bytes and so everything but itself.
/// Decoding accepts only the canonical form: it re-encodes and compares.
/// </summary>
public static class EntryCodec
{
    public const byte Version = 1;
    public const int SignatureSize = 64;

    /// <summary>Domain separation: a signature made for an entry can never be replayed as one for another purpose of the same key.</summary>
    private static ReadOnlySpan<byte> Domain => "datom.entry.v1\0"u8;

    private static readonly SignatureAlgorithm Ed25519 = SignatureAlgorithm.Ed25519;

    internal static Entry Sign(NodeIdentity author, ulong seq, EntityId tx, HlcTimestamp time, EntryHash[] parents, LogDatom[] datoms, EntryLimits limits) =>
        Complete(Prepare(author.Id, seq, tx, time, parents, datoms, limits), author);

    // The signed bytes (domain and body) are built here, one buffer per thread, reused: only the
    // encoded entry itself is allocated per entry. Nothing in it outlives Prepare.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_signed;

    /// <summary>
    /// Encodes and hashes an entry without signing it: everything but the signature is fixed here, so
    /// the (slow) signature can be made outside any lock. The encoded entry is allocated once, at its
    /// final size, with the signature's 64 bytes still zero.
    /// </summary>
    internal static PreparedEntry Prepare(NodeId author, ulong seq, EntityId tx, HlcTimestamp time, EntryHash[] parents, LogDatom[] datoms, EntryLimits limits)
    {
        if (seq == 0)
            throw new ArgumentOutOfRangeException(nameof(seq), "sequence numbers start at 1");
        if (parents.Length > limits.MaxParents)
            Reject.Throw(RejectReason.TooLarge, $"{parents.Length} parents; at most {limits.MaxParents}");
        if (datoms.Length > limits.MaxDatoms)
            Reject.Throw(RejectReason.TooLarge, $"{datoms.Length} datoms; at most {limits.MaxDatoms}");

        var signed = t_signed ??= new ArrayBufferWriter<byte>(1024);
        signed.ResetWrittenCount();
        signed.Write(Domain);
        WriteBody(signed, author, seq, tx, time, parents, datoms, limits);
        var body = signed.WrittenSpan[Domain.Length..];
        var encodedLength = EncodedLength(body.Length);
        if (encodedLength > limits.MaxEntryBytes)
            Reject.Throw(RejectReason.TooLarge, $"entry is {encodedLength} bytes; at most {limits.MaxEntryBytes}");
        var hash = EntryHash.Compute(signed.WrittenSpan);

        var encoded = new byte[encodedLength];
        var bodyOffset = WriteEntryHeader(encoded, body.Length);
        body.CopyTo(encoded.AsSpan(bodyOffset));
        WriteBinHeader(encoded.AsSpan(bodyOffset + body.Length), SignatureSize);
        // Trim a buffer that one huge entry grew, so that a thread does not keep a megabyte forever.
        if (signed.Capacity > MaxRetainedScratch)
            t_signed = null;
        return new PreparedEntry(author, seq, tx, time, parents, datoms, encoded, bodyOffset, body.Length, hash);
    }

    /// <summary>Signs a prepared entry: the signature goes into the last 64 bytes of its encoding.</summary>
    internal static Entry Complete(in PreparedEntry prepared, NodeIdentity author)
    {
        if (author.Id != prepared.Author)
            throw new ArgumentException("signing key does not belong to the entry's author", nameof(author));
        var encoded = prepared.Encoded;
        var body = encoded.AsSpan(prepared.BodyOffset, prepared.BodyLength);
        var signedLength = Domain.Length + body.Length;
        var rented = signedLength > MaxStackSigned ? ArrayPool<byte>.Shared.Rent(signedLength) : null;
        Span<byte> signed = rented is null ? stackalloc byte[MaxStackSigned] : rented;
        try
        {
            Domain.CopyTo(signed);
            body.CopyTo(signed[Domain.Length..]);
            author.Sign(signed[..signedLength], encoded.AsSpan(encoded.Length - SignatureSize));
        }
        finally
        {
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented);
        }
        return new Entry(prepared.Author, prepared.Seq, prepared.Tx, prepared.Time, prepared.Parents, prepared.Datoms,
            encoded.AsMemory(encoded.Length - SignatureSize), prepared.Hash, encoded);
    }

    /// <summary>Signed bytes up to this size are copied to the stack for signing; a typical entry is a few hundred bytes.</summary>
    private const int MaxStackSigned = 1024;

    /// <summary>The per-thread encoding buffer is dropped after an entry larger than this (64 KiB).</summary>
    private const int MaxRetainedScratch = 64 * 1024;

    /// <summary>array(2) header, bin header and body, bin8 header and signature.</summary>
    private static int EncodedLength(int bodyLength) => 1 + BinHeaderSize(bodyLength) + bodyLength + 2 + SignatureSize;

    private static int BinHeaderSize(int length) => length <= byte.MaxValue ? 2 : length <= ushort.MaxValue ? 3 : 5;

    /// <summary>
    /// Writes <c>[</c> (a fixarray of two) and the body's bin header; returns where the body starts.
    /// MessagePack spec: fixarray is 0x90 | n; bin 8/16/32 is 0xc4/0xc5/0xc6 with a big-endian length,
    /// shortest form, as MessagePackWriter writes them (the canonical check in Decode compares with it).
    /// </summary>
    private static int WriteEntryHeader(Span<byte> destination, int bodyLength)
    {
        destination[0] = 0x92;
        return 1 + WriteBinHeader(destination[1..], bodyLength);
    }

    private static int WriteBinHeader(Span<byte> destination, int length)
    {
        if (length <= byte.MaxValue)
        {
            destination[0] = 0xc4;
            destination[1] = (byte)length;
            return 2;
        }
        if (length <= ushort.MaxValue)
        {
            destination[0] = 0xc5;
            BinaryPrimitives.WriteUInt16BigEndian(destination[1..], (ushort)length);
            return 3;
        }
        destination[0] = 0xc6;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)length);
        return 5;
    }

    /// <summary>
    /// Decodes and checks the form of an entry: caps, structure, canonical bytes, parent order. It
    /// computes the hash but does not check the signature (<see cref="Entry.VerifySignature"/>).
    /// </summary>
    public static Entry Decode(ReadOnlyMemory<byte> bytes, EntryLimits? limits = null)
    {
        limits ??= EntryLimits.Default;
        if (bytes.Length > limits.MaxEntryBytes)
            Reject.Throw(RejectReason.TooLarge, $"entry is {bytes.Length} bytes; at most {limits.MaxEntryBytes}");

        ReadOnlyMemory<byte> body;
        NodeId author;
        ulong seq;
        EntityId tx;
        HlcTimestamp time;
        EntryHash[] parents;
        LogDatom[] datoms;
        try
        {
            var r = new MessagePackReader(bytes);
            if (r.ReadArrayHeader() != 2)
                Reject.Throw(RejectReason.Malformed, "an entry is a two-element array [body signature]");
            var bodySeq = r.ReadBytes() ?? throw Malformed("body is nil");
            var bodyEnd = (int)r.Consumed;
            var sigSeq = r.ReadBytes() ?? throw Malformed("signature is nil");
            if (!r.End)
                Reject.Throw(RejectReason.Malformed, "trailing bytes after the entry");
            if (sigSeq.Length != SignatureSize)
                Reject.Throw(RejectReason.Malformed, $"signature is {sigSeq.Length} bytes, not {SignatureSize}");
            body = bytes.Slice(bodyEnd - (int)bodySeq.Length, (int)bodySeq.Length);

            var b = new MessagePackReader(body);
            if (b.ReadArrayHeader() != 7)
                Reject.Throw(RejectReason.Malformed, "entry body is a seven-element array");
            var version = b.ReadByte();
            if (version != Version)
                Reject.Throw(RejectReason.Malformed, $"entry version {version}; this node reads version {Version}");
            author = new NodeId(ReadFixed(ref b, NodeId.KeySize, "author"));
            seq = b.ReadUInt64();
            if (seq == 0)
                Reject.Throw(RejectReason.BadSequence, "sequence number 0; they start at 1");
            tx = new EntityId(ReadFixed(ref b, EntityId.Size, "tx"));
            time = new HlcTimestamp(b.ReadUInt64());

            var parentCount = b.ReadArrayHeader();
            if (parentCount > limits.MaxParents)
                Reject.Throw(RejectReason.TooLarge, $"{parentCount} parents; at most {limits.MaxParents}");
            parents = new EntryHash[parentCount];
            for (var i = 0; i < parentCount; i++)
            {
                parents[i] = new EntryHash(ReadFixed(ref b, EntryHash.Size, "parent"));
                if (i > 0 && parents[i] <= parents[i - 1])
                    Reject.Throw(RejectReason.NonCanonical, "parents must ascend strictly");
            }

            var datomCount = b.ReadArrayHeader();
            if (datomCount > limits.MaxDatoms)
                Reject.Throw(RejectReason.TooLarge, $"{datomCount} datoms; at most {limits.MaxDatoms}");
            // Every datom takes at least 21 bytes, so a count beyond what the body can hold is a lie.
            if (datomCount > body.Length / 21)
                Reject.Throw(RejectReason.Malformed, $"{datomCount} datoms cannot fit in {body.Length} bytes");
            datoms = new LogDatom[datomCount];
            for (var i = 0; i < datomCount; i++)
                datoms[i] = ReadDatom(ref b, limits);
            if (!b.End)
                Reject.Throw(RejectReason.Malformed, "trailing bytes after the entry body");
        }
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException or OverflowException or ArgumentException or InvalidOperationException)
        {
            throw Malformed(e.Message);
        }

        // The signature is the last 64 bytes of the entry (nothing trails it, checked above).
        var encoded = bytes.ToArray();
        var entry = new Entry(author, seq, tx, time, parents, datoms, encoded.AsMemory(encoded.Length - SignatureSize), ComputeHash(body.Span), encoded);
        var reencoded = Reencode(entry, body.Length);
        if (!reencoded.SequenceEqual(bytes.Span))
            Reject.Throw(RejectReason.NonCanonical, "entry bytes are not in canonical form");
        return entry;
    }

    internal static bool VerifySignature(Entry entry)
    {
        var body = BodyOf(entry.Encoded);
        var signed = ArrayPool<byte>.Shared.Rent(Domain.Length + body.Length);
        try
        {
            Domain.CopyTo(signed);
            body.Span.CopyTo(signed.AsSpan(Domain.Length));
            if (!PublicKey.TryImport(Ed25519, entry.Author.PublicKey, KeyBlobFormat.RawPublicKey, out var key))
                return false;
            return Ed25519.Verify(key!, signed.AsSpan(0, Domain.Length + body.Length), entry.Signature.Span);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(signed);
        }
    }

    /// <summary>An entry encoded and hashed, its signature still to be made (<see cref="Complete"/>).</summary>
    internal readonly record struct PreparedEntry(NodeId Author, ulong Seq, EntityId Tx, HlcTimestamp Time, EntryHash[] Parents, LogDatom[] Datoms, byte[] Encoded, int BodyOffset, int BodyLength, EntryHash Hash);

    private static EntryHash ComputeHash(ReadOnlySpan<byte> body)
    {
        IncrementalHash.Initialize(HashAlgorithm.Blake2b_256, out var state);
        IncrementalHash.Update(ref state, Domain);
        IncrementalHash.Update(ref state, body);
        Span<byte> digest = stackalloc byte[EntryHash.Size];
        IncrementalHash.Finalize(ref state, digest);
        return new EntryHash(digest);
    }

    private static ReadOnlyMemory<byte> BodyOf(ReadOnlyMemory<byte> encoded)
    {
        var r = new MessagePackReader(encoded);
        r.ReadArrayHeader();
        var length = (int)r.ReadBytes()!.Value.Length;
        return encoded.Slice((int)r.Consumed - length, length);
    }

    private static byte[] Reencode(Entry e, int bodyHint)
    {
        var body = new ArrayBufferWriter<byte>(bodyHint + 16);
        WriteBody(body, e.Author, e.Seq, e.Tx, e.Time, e.ParentArray, (LogDatom[])e.Datoms, limits: null);
        var encoded = new ArrayBufferWriter<byte>(bodyHint + SignatureSize + 16);
        var w = new MessagePackWriter(encoded);
        w.WriteArrayHeader(2);
        w.Write(body.WrittenSpan);
        w.Write(e.Signature.Span);
        w.Flush();
        return encoded.WrittenSpan.ToArray();
    }

    private static void WriteBody(IBufferWriter<byte> output, NodeId author, ulong seq, EntityId tx, HlcTimestamp time, EntryHash[] parents, LogDatom[] datoms, EntryLimits? limits)
    {
        var w = new MessagePackWriter(output);
        w.WriteArrayHeader(7);
        w.Write(Version);
        w.Write(author.PublicKey);
        w.Write(seq);
        WriteEntityId(ref w, tx);
        w.Write(time.Value);
        w.WriteArrayHeader(parents.Length);
        foreach (var p in parents)
        {
            w.WriteBinHeader(EntryHash.Size);
            p.Format(w.GetSpan(EntryHash.Size));
            w.Advance(EntryHash.Size);
        }
        w.WriteArrayHeader(datoms.Length);
        foreach (var d in datoms)
        {
            if (limits is not null && System.Text.Encoding.UTF8.GetByteCount(d.A) > limits.MaxAttributeBytes)
                Reject.Throw(RejectReason.TooLarge, $"attribute name ':{d.A}' is longer than {limits.MaxAttributeBytes} bytes");
            if (limits is not null)
                CheckValueSize(d.V, limits);
            w.WriteArrayHeader(5);
            WriteEntityId(ref w, d.E);
            w.Write(d.A);
            w.Write((byte)d.V.Type);
            WriteValue(ref w, d.V);
            w.Write(d.Added);
        }
        w.Flush();
    }

    /// <summary>bin(16), formatted in place: the same bytes as writing a 16-byte array, without the array.</summary>
    private static void WriteEntityId(ref MessagePackWriter w, EntityId id)
    {
        w.WriteBinHeader(EntityId.Size);
        id.Format(w.GetSpan(EntityId.Size));
        w.Advance(EntityId.Size);
    }

    private static void CheckValueSize(Value v, EntryLimits limits)
    {
        var bytes = v.Type switch
        {
            // A UTF-16 unit is at most three UTF-8 bytes: only a long string needs counting.
            Model.ValueType.String or Model.ValueType.Keyword or Model.ValueType.Symbol =>
                v.AsString.Length > limits.MaxValueBytes / 3 ? System.Text.Encoding.UTF8.GetByteCount(v.AsString) : 0,
            Model.ValueType.Bytes => v.AsBytes.Length,
            _ => 0,
        };
        if (bytes > limits.MaxValueBytes)
            Reject.Throw(RejectReason.TooLarge, $"a {TypeName(v.Type)} value of {bytes} bytes; at most {limits.MaxValueBytes}");
    }

    private static string TypeName(Model.ValueType type) => type switch
    {
        Model.ValueType.String => "string",
        Model.ValueType.Keyword => "keyword",
        Model.ValueType.Symbol => "symbol",
        _ => "bytes",
    };

    private static void WriteValue(ref MessagePackWriter w, Value v)
    {
        switch (v.Type)
        {
            case Model.ValueType.String:
            case Model.ValueType.Keyword:
            case Model.ValueType.Symbol:
                w.Write(v.AsString);
                break;
            case Model.ValueType.Long:
                w.Write(v.AsLong);
                break;
            case Model.ValueType.Double:
                w.Write(v.AsDouble);
                break;
            case Model.ValueType.Boolean:
                w.Write(v.AsBoolean);
                break;
            case Model.ValueType.Ref:
                WriteEntityId(ref w, v.AsRef);
                break;
            case Model.ValueType.Instant:
                w.Write(v.AsInstantMs);
                break;
            case Model.ValueType.Uuid:
                w.WriteBinHeader(16);
                v.AsUuid.TryWriteBytes(w.GetSpan(16), bigEndian: true, out _);
                w.Advance(16);
                break;
            case Model.ValueType.Bytes:
                w.Write(v.AsBytes);
                break;
            default:
                throw new ArgumentException($"value of unknown type {v.Type}", nameof(v));
        }
    }

    private static LogDatom ReadDatom(ref MessagePackReader r, EntryLimits limits)
    {
        if (r.ReadArrayHeader() != 5)
            Reject.Throw(RejectReason.Malformed, "a datom is a five-element array [e a tag v added]");
        var e = new EntityId(ReadFixed(ref r, EntityId.Size, "entity"));
        var a = r.ReadString();
        if (string.IsNullOrEmpty(a))
            Reject.Throw(RejectReason.Malformed, "datom attribute is empty");
        if (a.Length > limits.MaxAttributeBytes)
            Reject.Throw(RejectReason.TooLarge, $"attribute name is longer than {limits.MaxAttributeBytes} bytes");
        if (a[0] == ':')
            Reject.Throw(RejectReason.Malformed, $"attribute '{a}' is stored without its leading colon");
        var tag = (Model.ValueType)r.ReadByte();
        Value v = tag switch
        {
            Model.ValueType.String => Value.String(r.ReadString() ?? throw Malformed("string value is nil")),
            Model.ValueType.Long => Value.Long(r.ReadInt64()),
            Model.ValueType.Double => Value.Double(r.ReadDouble()),
            Model.ValueType.Boolean => Value.Boolean(r.ReadBoolean()),
            Model.ValueType.Keyword => Value.Keyword(NonEmpty(r.ReadString(), "keyword")),
            Model.ValueType.Symbol => Value.Symbol(NonEmpty(r.ReadString(), "symbol")),
            Model.ValueType.Ref => Value.Ref(new EntityId(ReadFixed(ref r, EntityId.Size, "ref"))),
            Model.ValueType.Instant => Value.Instant(r.ReadInt64()),
            Model.ValueType.Uuid => Value.Uuid(new Guid(ReadFixed(ref r, 16, "uuid"), bigEndian: true)),
            Model.ValueType.Bytes => Value.Bytes(ReadBytesValue(ref r, limits)),
            _ => throw Malformed($"unknown value type tag {(byte)tag}"),
        };
        // Strings are bounded by the entry's size (checked before decoding); their UTF-8 length is
        // known only once read.
        CheckValueSize(v, limits);
        var added = r.ReadBoolean();
        return new LogDatom(e, a, v, added);
    }

    private static byte[] ReadBytesValue(ref MessagePackReader r, EntryLimits limits)
    {
        var bytes = r.ReadBytes() ?? throw Malformed("bytes value is nil");
        if (bytes.Length > limits.MaxValueBytes)
            Reject.Throw(RejectReason.TooLarge, $"a bytes value of {bytes.Length} bytes; at most {limits.MaxValueBytes}");
        return bytes.ToArray();
    }

    private static string NonEmpty(string? s, string what) =>
        string.IsNullOrEmpty(s) || s[0] == ':' ? throw Malformed($"{what} value must be a name without its colon") : s;

    private static ReadOnlySpan<byte> ReadFixed(ref MessagePackReader r, int size, string what)
    {
        var seq = r.ReadBytes() ?? throw Malformed($"{what} is nil");
        if (seq.Length != size)
            Reject.Throw(RejectReason.Malformed, $"{what} is {seq.Length} bytes, not {size}");
        return seq.IsSingleSegment ? seq.FirstSpan : seq.ToArray();
    }

    private static EntryRejectedException Malformed(string message) => new(RejectReason.Malformed, message);
}
