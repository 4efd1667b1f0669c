namespace Datom.Sync.Protocol;

/// <summary>
/// The 8 bytes each side sends first, in the clear: <c>"datom"</c>, the protocol version, two reserved
/// zero bytes. It lets a node name a version mismatch or a stranger (an HTTP client, a port scanner)
/// before any cryptography, and the handshake's prologue authenticates it afterwards.
/// </summary>
public readonly struct Preamble : IEquatable<Preamble>
{
    public const int Size = 8;

    private static ReadOnlySpan<byte> Magic => "datom"u8;

    public Preamble(byte version) => Version = version;

    /// <summary>Parses a received preamble.</summary>
    /// <exception cref="SyncProtocolException"><see cref="SyncError.BadPreamble"/>: wrong magic or reserved bytes set.</exception>
    public Preamble(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
            throw new ArgumentException($"a preamble is {Size} bytes", nameof(bytes));
        if (!bytes[..Magic.Length].SequenceEqual(Magic))
            SyncThrow.Error(SyncError.BadPreamble, $"the peer does not speak the datom sync protocol (it sent {Convert.ToHexStringLower(bytes)})");
        if (bytes[6] != 0 || bytes[7] != 0)
            SyncThrow.Error(SyncError.BadPreamble, $"preamble reserved bytes are {bytes[6]:x2}{bytes[7]:x2}, not zero");
        Version = bytes[5];
    }

    public byte Version { get; }

    public static Preamble Current => new(SyncProtocol.Version);

    public void Format(Span<byte> destination)
    {
        if (destination.Length < Size)
            throw new ArgumentException($"a preamble needs {Size} bytes", nameof(destination));
        Magic.CopyTo(destination);
        destination[5] = Version;
        destination[6] = 0;
        destination[7] = 0;
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[Size];
        Format(bytes);
        return bytes;
    }

    public bool Equals(Preamble other) => Version == other.Version;

    public override bool Equals(object? obj) => obj is Preamble other && Equals(other);

    public override int GetHashCode() => Version;

    public static bool operator ==(Preamble left, Preamble right) => left.Equals(right);

    public static bool operator !=(Preamble left, Preamble right) => !left.Equals(right);
}
