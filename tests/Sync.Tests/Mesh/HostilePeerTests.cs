using System.Buffers.Binary;
using System.Net;
using Datom.Log;
using Datom.Log.Entries;
using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Sync.Noise;
using Datom.Sync.Protocol;
using Datom.Sync.Tests.Support;
using Datom.Sync.Transport;
using Xunit;
using Xunit.Abstractions;

namespace Datom.Sync.Tests.Mesh;

/// <summary>
/// A peer with the mesh key and an identity of its own that misbehaves: every bad entry is refused,
/// logged, never stored and never relayed; misbehaviour ends the connection and bans the peer.
/// Node N is the target; W is an honest node connected to N, to see what N relays.
/// </summary>
public sealed class HostilePeerTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private readonly MeshKey _mesh = MeshKey.Generate();
    private readonly NodeIdentity _hostile = NodeIdentity.Generate();
    private readonly NodeIdentity _stranger = NodeIdentity.Generate();
    private TestNode _n = null!;
    private TestNode _w = null!;
    private SyncIdentity _hostileSync = null!;

    public async Task InitializeAsync()
    {
        var allowed = new HashSet<NodeId>();
        var identityN = NodeIdentity.Generate();
        var identityW = NodeIdentity.Generate();
        allowed.UnionWith([identityN.Id, identityW.Id, _hostile.Id]);
        var logOptions = new LogOptions { AllowedAuthors = allowed };
        _n = await TestNode.StartAsync(_mesh, identity: identityN, logOptions: logOptions);
        _w = await TestNode.StartAsync(_mesh, identity: identityW, logOptions: logOptions);
        _w.Sync.AddPeer(_n.Address);
        await Eventually.TrueAsync(() => _n.Sync.Peers().Any(p => p.PullRoundsCompleted > 0) && _w.Sync.Peers().Any(p => p.PullRoundsCompleted > 0), Bound, "N and W connected");
        _hostileSync = SyncIdentity.Create(_hostile);
    }

    public async Task DisposeAsync()
    {
        output.WriteLine(_n.Logger.Dump());
        await _n.DisposeAsync();
        await _w.DisposeAsync();
        _hostileSync.Dispose();
        _hostile.Dispose();
        _stranger.Dispose();
    }

    private async Task<(RawPeer Peer, NoiseTransport Transport)> ConnectHostileAsync()
    {
        var peer = await RawPeer.ConnectAsync(TcpSyncTransport.Instance, _n.EndPoint);
        var (transport, hello) = await peer.InitiateAsync(_mesh.Bytes.ToArray(), _hostileSync.StaticKey, _hostileSync.Hello(FrameLimits.Default, "hostile"));
        Assert.Equal(_n.Id, hello.NodeId);
        return (peer, transport);
    }

    private static Entry Make(NodeIdentity author, ulong seq, params Entry[] parents) => MakeWith(author, seq, parents.Select(p => p.Hash));

    private static Entry MakeWith(NodeIdentity author, ulong seq, IEnumerable<EntryHash> parents) =>
        Entry.Create(author, seq, new EntityId(21, seq), new HlcTimestamp((ulong)(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + (long)seq) << 16), parents, TestNode.Tx((int)seq));

    private static async Task<GoodbyeMessage?> GoodbyeAsync(RawPeer peer, NoiseTransport transport)
    {
        var messages = await peer.ReceiveAsync(transport, m => m is GoodbyeMessage, Bound);
        return messages.OfType<GoodbyeMessage>().FirstOrDefault();
    }

    [Fact]
    public async Task An_entry_with_a_bad_signature_is_refused_and_the_peer_is_disconnected_and_banned_but_valid_ones_before_it_stay()
    {
        var (peer, transport) = await ConnectHostileAsync();
        await using var _ = peer;
        var good = Make(_hostile, 1);
        var bad = Make(_hostile, 2, good).Encoded.ToArray();
        bad[^1] ^= 0x01; // the last byte is the signature's
        await peer.SendAsync(transport, new EntriesMessage(0, [good.Encoded, bad]));

        var goodbye = await GoodbyeAsync(peer, transport);
        Assert.Equal(SyncError.InvalidEntry, goodbye?.Error);
        Assert.True(await peer.ClosedWithinAsync(Bound));
        Assert.True(_n.Log.Contains(good.Hash));
        await Eventually.TrueAsync(() => _w.Log.Contains(good.Hash), Bound, "the valid entry relayed to W");
        Assert.Equal(1, _n.Log.Count);
        Assert.Equal(1, _w.Log.Count);
        Assert.True(_n.Logger.Has(4204), "misbehaviour logged");
        Assert.Contains(_n.Logger.MessagesWith(4205), m => m.Contains("bad-signature", StringComparison.Ordinal));

        // Banned: connecting again gets the handshake and then nothing.
        var again = await RawPeer.ConnectAsync(TcpSyncTransport.Instance, _n.EndPoint);
        await using var __ = again;
        var (transport2, _) = await again.InitiateAsync(_mesh.Bytes.ToArray(), _hostileSync.StaticKey, _hostileSync.Hello(FrameLimits.Default, "hostile"));
        Assert.True(await again.ClosedWithinAsync(Bound));
        Assert.True(_n.Logger.Has(4216), "banned peer refused");
        transport.Dispose();
        transport2.Dispose();
    }

    [Fact]
    public async Task A_tampered_body_or_a_wrong_sequence_is_refused_and_not_relayed()
    {
        var (peer, transport) = await ConnectHostileAsync();
        await using var _ = peer;
        var first = Make(_hostile, 1);
        // Re-signed by the author, but its sequence does not follow its parent (1 -> 3).
        var skipped = Make(_hostile, 3, first);
        await peer.SendAsync(transport, new EntriesMessage(0, [first.Encoded, skipped.Encoded]));
        Assert.Equal(SyncError.InvalidEntry, (await GoodbyeAsync(peer, transport))?.Error);
        Assert.Contains(_n.Logger.MessagesWith(4205), m => m.Contains("bad-sequence", StringComparison.Ordinal));
        Assert.False(_n.Log.Contains(skipped.Hash));
        transport.Dispose();

        // A body changed after signing (the datom's value): the signature no longer covers it.
        var w = await RawPeer.ConnectAsync(TcpSyncTransport.Instance, _n.EndPoint);
        await using var __ = w;
        using var other = NodeIdentity.Generate();
        using var otherSync = SyncIdentity.Create(other);
        var (transport2, _) = await w.InitiateAsync(_mesh.Bytes.ToArray(), otherSync.StaticKey, otherSync.Hello(FrameLimits.Default, "tamperer"));
        var tampered = Make(_hostile, 2, first).Encoded.ToArray();
        var value = tampered.AsSpan(0, tampered.Length - 66).LastIndexOf((byte)2); // Value.Long(2) in the only datom, before the signature
        tampered[value] = 7;
        await w.SendAsync(transport2, new EntriesMessage(0, [tampered]));
        Assert.Equal(SyncError.InvalidEntry, (await GoodbyeAsync(w, transport2))?.Error);
        Assert.Equal(1, _n.Log.Count);
        await Task.Delay(100);
        Assert.Equal(_n.Log.Count, _w.Log.Count);
        Assert.DoesNotContain(_w.Hashes(), h => h != first.Hash);
        transport2.Dispose();
    }

    [Fact]
    public async Task An_entry_whose_parent_never_arrives_is_held_not_stored_and_not_relayed()
    {
        var (peer, transport) = await ConnectHostileAsync();
        await using var _ = peer;
        var orphan = MakeWith(_hostile, 2, [new EntryHash(new byte[32])]);
        await peer.SendAsync(transport, new EntriesMessage(0, [orphan.Encoded]));
        await Eventually.TrueAsync(() => _n.Log.HeldCount == 1, Bound, "the orphan held");
        Assert.False(_n.Log.Contains(orphan.Hash));
        Assert.Equal(0, _w.Log.Count);
        transport.Dispose();
    }

    [Fact]
    public async Task An_entry_by_an_author_outside_the_allow_list_is_refused_and_logged_but_the_peer_may_stay()
    {
        var (peer, transport) = await ConnectHostileAsync();
        await using var _ = peer;
        var foreign = Make(_stranger, 1);
        var own = Make(_hostile, 1);
        await peer.SendAsync(transport, new EntriesMessage(0, [foreign.Encoded]), new EntriesMessage(0, [own.Encoded]));
        await Eventually.TrueAsync(() => _w.Log.Contains(own.Hash), Bound, "the allowed entry stored and relayed");
        Assert.False(_n.Log.Contains(foreign.Hash));
        Assert.False(_w.Log.Contains(foreign.Hash));
        // The refusal is logged when N's ingest of it settles, which need not come before the allowed
        // entry reaches W (it is relayed as soon as the log stores it): wait for it, not for a time.
        await Eventually.TrueAsync(() => _n.Logger.MessagesWith(4217).Any(m => m.Contains("author-not-allowed", StringComparison.Ordinal)), Bound, "the refusal logged");
        Assert.Contains(_n.Sync.Peers(), p => p.NodeId == _hostile.Id);
        transport.Dispose();
    }

    [Fact]
    public async Task Oversized_and_garbage_frames_and_undecryptable_messages_end_the_connection_with_a_specific_error()
    {
        // A frame length far beyond the cap: refused on its four bytes.
        var (peer, transport) = await ConnectHostileAsync();
        await using (peer)
        {
            var prefix = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(prefix, 100 << 20);
            await peer.SendFramesAsync(transport, prefix);
            Assert.Equal(SyncError.FrameTooLarge, (await GoodbyeAsync(peer, transport))?.Error);
            transport.Dispose();
        }

        // Bytes that are not a Noise message of this session.
        using var other = NodeIdentity.Generate();
        using var otherSync = SyncIdentity.Create(other);
        var raw = await RawPeer.ConnectAsync(TcpSyncTransport.Instance, _n.EndPoint);
        await using (raw)
        {
            var (transport2, _) = await raw.InitiateAsync(_mesh.Bytes.ToArray(), otherSync.StaticKey, otherSync.Hello(FrameLimits.Default, "noise"));
            await raw.SendNoiseAsync(new byte[100]);
            Assert.True(await raw.ClosedWithinAsync(Bound));
            transport2.Dispose();
        }
        await Eventually.TrueAsync(() => _n.Logger.MessagesWith(4204).Any(m => m.Contains("DecryptionFailed", StringComparison.Ordinal)), Bound, "decryption failure logged");
        Assert.Contains(_n.Logger.MessagesWith(4204), m => m.Contains("FrameTooLarge", StringComparison.Ordinal));
        Assert.Equal(0, _n.Log.Count);
    }
}
