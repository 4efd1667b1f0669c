using System.Net;
using Datom.Log.Identity;
using Datom.Sync.Noise;
using Datom.Sync.Protocol;
using Datom.Sync.Tests.Support;
using Datom.Sync.Transport;
using Xunit;

namespace Datom.Sync.Tests.Handshake;

/// <summary>The handshake between two endpoints: Noise XXpsk3 under the mesh key, and the identity proofs.</summary>
public sealed class SecureHandshakeTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private readonly MemorySyncTransport _network = new();
    private readonly List<IAsyncDisposable> _owned = [];
    private ISyncListener _listener = null!;

    public async Task InitializeAsync() => _listener = await _network.ListenAsync(new IPEndPoint(IPAddress.Loopback, 0));

    public async Task DisposeAsync()
    {
        foreach (var d in _owned)
            await d.DisposeAsync();
        await _listener.DisposeAsync();
    }

    /// <summary>The responder's side, as a node runs it: on failure the connection is closed.</summary>
    private async Task<HandshakeResult> RespondAsync(SyncIdentity identity, MeshKey mesh, TimeSpan? timeout = null)
    {
        var connection = await _listener.AcceptAsync().AsTask().WaitAsync(Bound);
        _owned.Add(connection);
        try
        {
            return await SecureHandshake.RunAsync(connection, false, identity, mesh, FrameLimits.Default, "test", timeout ?? Timeout, TimeProvider.System, null, CancellationToken.None);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private async Task<HandshakeResult> InitiateAsync(SyncIdentity identity, MeshKey mesh, NodeId? expected = null)
    {
        var connection = await _network.ConnectAsync(_listener.LocalEndPoint);
        _owned.Add(connection);
        try
        {
            return await SecureHandshake.RunAsync(connection, true, identity, mesh, FrameLimits.Default, "test", Timeout, TimeProvider.System, expected, CancellationToken.None);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private async Task<RawPeer> RawAsync()
    {
        var peer = await RawPeer.ConnectAsync(_network, _listener.LocalEndPoint);
        _owned.Add(peer);
        return peer;
    }

    private static SyncIdentity NewIdentity(out NodeIdentity node)
    {
        node = NodeIdentity.Generate();
        return SyncIdentity.Create(node);
    }

    [Fact]
    public async Task Same_mesh_key_connects_and_each_side_learns_the_others_node_id()
    {
        var mesh = MeshKey.Generate();
        using var a = NewIdentity(out var nodeA);
        using var b = NewIdentity(out var nodeB);
        var responding = RespondAsync(b, mesh);
        var initiated = await InitiateAsync(a, mesh, expected: nodeB.Id);
        var responded = await responding.WaitAsync(Bound);

        Assert.Equal(nodeB.Id, initiated.Remote.NodeId);
        Assert.Equal(nodeA.Id, responded.Remote.NodeId);
        Assert.True(initiated.Transport.HandshakeHash.SequenceEqual(responded.Transport.HandshakeHash));
        Assert.True(initiated.Transport.RemoteStaticPublicKey.SequenceEqual(b.StaticPublicKey));
        // The channel works both ways.
        byte[] ping = [1, 2, 3];
        Assert.Equal(ping, responded.Transport.Receive.DecryptWithAd([], initiated.Transport.Send.EncryptWithAd([], ping)));
        Assert.Equal(ping, initiated.Transport.Receive.DecryptWithAd([], responded.Transport.Send.EncryptWithAd([], ping)));
        initiated.Transport.Dispose();
        responded.Transport.Dispose();
        nodeA.Dispose();
        nodeB.Dispose();
    }

    [Fact]
    public void The_noise_static_key_is_derived_from_the_node_key_and_bound_to_it()
    {
        using var node = NodeIdentity.Generate();
        using var again = NodeIdentity.FromSeed(node.ExportSeed());
        using var other = NodeIdentity.Generate();
        using var one = SyncIdentity.Create(node);
        using var two = SyncIdentity.Create(again);
        using var three = SyncIdentity.Create(other);
        Assert.True(one.StaticPublicKey.SequenceEqual(two.StaticPublicKey)); // stable per node
        Assert.False(one.StaticPublicKey.SequenceEqual(three.StaticPublicKey));
        Assert.True(SyncIdentity.VerifyProof(node.Id, one.StaticPublicKey, one.Proof));
        Assert.False(SyncIdentity.VerifyProof(other.Id, one.StaticPublicKey, one.Proof));
        Assert.False(SyncIdentity.VerifyProof(node.Id, three.StaticPublicKey, one.Proof));
    }

    [Fact]
    public async Task A_wrong_mesh_key_fails_on_both_sides_with_specific_errors_and_the_responder_reveals_nothing()
    {
        using var a = NewIdentity(out var nodeA);
        using var b = NewIdentity(out var nodeB);
        var responding = RespondAsync(b, MeshKey.Generate());
        var initiator = await Assert.ThrowsAsync<SyncProtocolException>(() => InitiateAsync(a, MeshKey.Generate()));
        var responder = await Assert.ThrowsAsync<SyncProtocolException>(() => responding.WaitAsync(Bound));
        Assert.Equal(SyncError.HandshakeRejected, initiator.Error);
        Assert.Equal(SyncError.MeshKeyMismatch, responder.Error);

        // Byte for byte: a stranger gets the preamble and handshake message 2 (whose payload is empty),
        // then the connection closes: no Hello, no node id, nothing under the mesh key.
        var stranger = await RawAsync();
        responding = RespondAsync(b, MeshKey.Generate());
        await Assert.ThrowsAsync<EndOfStreamException>(() => stranger.InitiateAsync(MeshKey.Generate().Bytes.ToArray(), a.StaticKey, a.Hello(FrameLimits.Default, "x")));
        Assert.Equal(SyncError.MeshKeyMismatch, (await Assert.ThrowsAsync<SyncProtocolException>(() => responding.WaitAsync(Bound))).Error);
        Assert.Equal(Preamble.Size + 2 + 96, stranger.Received.Count);
        Assert.False(stranger.Received.ToArray().AsSpan().IndexOf(nodeB.Id.PublicKey) >= 0);
        nodeA.Dispose();
        nodeB.Dispose();
    }

    [Fact]
    public async Task A_peer_claiming_a_node_id_it_cannot_sign_for_is_rejected()
    {
        var mesh = MeshKey.Generate();
        using var b = NewIdentity(out var nodeB);
        using var victim = NewIdentity(out var victimNode);
        using var attacker = NewIdentity(out var attackerNode);

        // 1. The victim's id with a made-up proof.
        var responding = RespondAsync(b, mesh);
        var raw = await RawAsync();
        var forged = new HelloMessage(SyncProtocol.Version, victimNode.Id, new byte[64], FrameLimits.Default.MaxFrameBytes, "forger");
        await Assert.ThrowsAsync<EndOfStreamException>(() => raw.InitiateAsync(mesh.Bytes.ToArray(), attacker.StaticKey, forged));
        Assert.Equal(SyncError.IdentityProofInvalid, (await Assert.ThrowsAsync<SyncProtocolException>(() => responding.WaitAsync(Bound))).Error);

        // 2. The victim's genuine proof, replayed over the attacker's own Noise key: it signs another key.
        responding = RespondAsync(b, mesh);
        raw = await RawAsync();
        var replayed = new HelloMessage(SyncProtocol.Version, victimNode.Id, victim.Proof, FrameLimits.Default.MaxFrameBytes, "replayer");
        await Assert.ThrowsAsync<EndOfStreamException>(() => raw.InitiateAsync(mesh.Bytes.ToArray(), attacker.StaticKey, replayed));
        Assert.Equal(SyncError.IdentityProofInvalid, (await Assert.ThrowsAsync<SyncProtocolException>(() => responding.WaitAsync(Bound))).Error);

        // 3. The attacker's own proof, honestly, is fine.
        responding = RespondAsync(b, mesh);
        raw = await RawAsync();
        var (transport, hello) = await raw.InitiateAsync(mesh.Bytes.ToArray(), attacker.StaticKey, attacker.Hello(FrameLimits.Default, "honest"));
        Assert.Equal(nodeB.Id, hello.NodeId);
        Assert.Equal(attackerNode.Id, (await responding.WaitAsync(Bound)).Remote.NodeId);
        transport.Dispose();
        nodeB.Dispose();
        victimNode.Dispose();
        attackerNode.Dispose();
    }

    [Fact]
    public async Task The_initiator_rejects_a_responder_that_is_not_the_expected_node_or_is_itself()
    {
        var mesh = MeshKey.Generate();
        using var a = NewIdentity(out var nodeA);
        using var b = NewIdentity(out var nodeB);
        var responding = RespondAsync(b, mesh);
        var error = await Assert.ThrowsAsync<SyncProtocolException>(() => InitiateAsync(a, mesh, expected: nodeA.Id));
        Assert.Equal(SyncError.UnexpectedPeer, error.Error);
        await Record.ExceptionAsync(() => responding.WaitAsync(Bound));

        responding = RespondAsync(a, mesh);
        error = await Assert.ThrowsAsync<SyncProtocolException>(() => InitiateAsync(a, mesh));
        Assert.Equal(SyncError.SelfConnection, error.Error);
        // The initiator sees its own Noise key in message 2 and stops; the responder sees the connection close.
        Assert.Contains((await Assert.ThrowsAsync<SyncProtocolException>(() => responding.WaitAsync(Bound))).Error, new[] { SyncError.ConnectionClosed, SyncError.SelfConnection });
        nodeA.Dispose();
        nodeB.Dispose();
    }

    [Fact]
    public async Task A_truncated_handshake_fails_cleanly_and_a_stalled_one_times_out()
    {
        using var b = NewIdentity(out var nodeB);
        var mesh = MeshKey.Generate();

        // Half of message 1, then close.
        var responding = RespondAsync(b, mesh);
        var raw = await RawAsync();
        await raw.SendAsync(Preamble.Current.ToBytes());
        await raw.SendAsync(new byte[] { 0, 48, 1, 2, 3, 4, 5 });
        await raw.Connection.DisposeAsync();
        Assert.Equal(SyncError.Truncated, (await Assert.ThrowsAsync<SyncProtocolException>(() => responding.WaitAsync(Bound))).Error);

        // Half of message 1, then silence: the deadline ends it.
        var started = DateTime.UtcNow;
        responding = RespondAsync(b, mesh, TimeSpan.FromMilliseconds(300));
        raw = await RawAsync();
        await raw.SendAsync(Preamble.Current.ToBytes());
        await raw.SendAsync(new byte[] { 0, 48, 1, 2, 3 });
        Assert.Equal(SyncError.HandshakeTimeout, (await Assert.ThrowsAsync<SyncProtocolException>(() => responding.WaitAsync(Bound))).Error);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
        Assert.True(await raw.ClosedWithinAsync(Bound));

        // Nothing at all after connecting.
        responding = RespondAsync(b, mesh, TimeSpan.FromMilliseconds(300));
        raw = await RawAsync();
        Assert.Equal(SyncError.HandshakeTimeout, (await Assert.ThrowsAsync<SyncProtocolException>(() => responding.WaitAsync(Bound))).Error);
        nodeB.Dispose();
    }

    [Fact]
    public async Task A_replayed_handshake_fails_and_gets_nothing_under_the_mesh_key()
    {
        var mesh = MeshKey.Generate();
        using var a = NewIdentity(out var nodeA);
        using var b = NewIdentity(out var nodeB);

        // Record a genuine initiator's bytes.
        var responding = RespondAsync(b, mesh);
        var genuine = await RawAsync();
        var (transport, _) = await genuine.InitiateAsync(mesh.Bytes.ToArray(), a.StaticKey, a.Hello(FrameLimits.Default, "genuine"));
        transport.Dispose();
        (await responding.WaitAsync(Bound)).Transport.Dispose();

        // Replay them, unchanged, to the same node: its fresh ephemeral key makes message 3 undecryptable.
        responding = RespondAsync(b, mesh);
        var replay = await RawAsync();
        await replay.SendAsync(genuine.Sent.ToArray());
        Assert.Equal(SyncError.MeshKeyMismatch, (await Assert.ThrowsAsync<SyncProtocolException>(() => responding.WaitAsync(Bound))).Error);
        Assert.True(await replay.ClosedWithinAsync(Bound));
        Assert.Equal(Preamble.Size + 2 + 96, replay.Received.Count);
        nodeA.Dispose();
        nodeB.Dispose();
    }

    [Fact]
    public async Task Strangers_and_other_versions_are_named_before_any_cryptography()
    {
        using var b = NewIdentity(out var nodeB);
        var mesh = MeshKey.Generate();

        var responding = RespondAsync(b, mesh);
        var http = await RawAsync();
        await http.SendAsync("GET / HTTP/1.1\r\n\r\n"u8.ToArray());
        Assert.Equal(SyncError.BadPreamble, (await Assert.ThrowsAsync<SyncProtocolException>(() => responding.WaitAsync(Bound))).Error);

        responding = RespondAsync(b, mesh);
        var future = await RawAsync();
        await future.SendAsync(new Preamble(2).ToBytes());
        Assert.Equal(SyncError.VersionMismatch, (await Assert.ThrowsAsync<SyncProtocolException>(() => responding.WaitAsync(Bound))).Error);

        responding = RespondAsync(b, mesh);
        var huge = await RawAsync();
        await huge.SendAsync(Preamble.Current.ToBytes());
        await huge.SendAsync(new byte[] { 0xff, 0xff });
        Assert.Equal(SyncError.HandshakeMalformed, (await Assert.ThrowsAsync<SyncProtocolException>(() => responding.WaitAsync(Bound))).Error);
        nodeB.Dispose();
    }

    [Fact]
    public void The_preamble_round_trips_and_refuses_strangers()
    {
        var bytes = Preamble.Current.ToBytes();
        Assert.Equal(Preamble.Size, bytes.Length);
        Assert.Equal("datom"u8.ToArray(), bytes[..5]);
        Assert.Equal(Preamble.Current, new Preamble(bytes));
        Assert.Equal(7, new Preamble(new Preamble(7).ToBytes()).Version);
        var reserved = (byte[])bytes.Clone();
        reserved[7] = 1;
        Assert.Equal(SyncError.BadPreamble, Assert.Throws<SyncProtocolException>(() => new Preamble(reserved)).Error);
        var other = (byte[])bytes.Clone();
        other[0] = (byte)'D';
        Assert.Equal(SyncError.BadPreamble, Assert.Throws<SyncProtocolException>(() => new Preamble(other)).Error);
    }
}
