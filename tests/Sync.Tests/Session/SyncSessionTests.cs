using Datom.Log;
using Datom.Log.Entries;
using Datom.Log.Identity;
using Datom.Log.Storage;
using Datom.Sync.Connection;
using Datom.Sync.Discovery;
using Datom.Sync.Protocol;
using Datom.Sync.Session;
using Datom.Sync.Tests.Support;
using Xunit;

namespace Datom.Sync.Tests.Session;

/// <summary>
/// The protocol's state machine on its own: no socket, thread or clock, so each test drives two
/// sessions by hand, frame by frame and tick by tick, and every outcome is exact.
/// </summary>
public sealed class SyncSessionTests : IDisposable
{
    private static readonly SessionOptions Options = new()
    {
        AntiEntropyInterval = TimeSpan.FromSeconds(3),
        RequestTimeout = TimeSpan.FromSeconds(5),
        PingInterval = TimeSpan.FromSeconds(1),
        IdleTimeout = TimeSpan.FromSeconds(3),
    };

    private static readonly EntryVerifier Verifier = new(1, EntryLimits.Default);

    private readonly NodeIdentity _a = NodeIdentity.Generate();
    private readonly NodeIdentity _b = NodeIdentity.Generate();
    private readonly DatomLog _logA;
    private readonly DatomLog _logB;

    public SyncSessionTests()
    {
        _logA = DatomLog.Open(new MemoryStorage(), _a);
        _logB = DatomLog.Open(new MemoryStorage(), _b);
    }

    public void Dispose()
    {
        _logA.Dispose();
        _logB.Dispose();
        _a.Dispose();
        _b.Dispose();
    }

    /// <summary>Does what a session asks, at once, the way the simulator's shell does; returns the stored entries it was handed.</summary>
    private static List<Entry> Drain(SyncSession session, DatomLog log, TimeSpan now)
    {
        var stored = new List<Entry>();
        while (session.PollEvent(out var e))
        {
            switch (e)
            {
                case VerifyEvent verify:
                    session.Verified(Verifier.Verify(verify.Entries), now);
                    break;
                case EndOfRoundEvent end:
                    session.Verified(VerifiedBatch.EndOfRound(end.Done), now);
                    break;
                case IngestEvent ingest:
                    var result = log.IngestAsync(ingest.Entry).GetAwaiter().GetResult();
                    session.Ingested(result, now);
                    if (result.Status == IngestStatus.Stored)
                        stored.Add(result.Entry);
                    break;
                case FailEvent fail:
                    throw fail.Error;
            }
        }
        return stored;
    }

    /// <summary>Carries every frame each session has to send to the other until both are quiet; returns how many frames went.</summary>
    private int Exchange(SyncSession a, SyncSession b, TimeSpan now)
    {
        var frames = 0;
        var moved = true;
        while (moved)
        {
            moved = false;
            foreach (var (from, to, log) in new[] { (a, b, _logB), (b, a, _logA) })
            {
                while (from.PollTransmit(now) is { } message)
                {
                    // Encoded and decoded, as on the wire.
                    var bytes = new System.Buffers.ReadOnlySequence<byte>(FrameCodec.Encode(message));
                    Assert.True(FrameCodec.TryRead(ref bytes, FrameLimits.Default, out var decoded));
                    to.Receive(decoded!, now);
                    Drain(to, log, now);
                    frames++;
                    moved = true;
                }
                Drain(from, from == a ? _logA : _logB, now);
            }
        }
        return frames;
    }

    [Fact]
    public async Task Two_sessions_pull_from_each_other_on_opening_and_then_hold_the_same_entries()
    {
        for (var i = 0; i < 5; i++)
            await _logA.AppendAsync(TestNode.Tx(i));
        for (var i = 0; i < 3; i++)
            await _logB.AppendAsync(TestNode.Tx(100 + i));
        var a = new SyncSession(_logA, Options, TimeSpan.Zero);
        var b = new SyncSession(_logB, Options, TimeSpan.Zero);

        Exchange(a, b, TimeSpan.Zero);

        Assert.Equal(8, _logA.Count);
        Assert.Equal(8, _logB.Count);
        Assert.Equal(1, a.PullsCompleted);
        Assert.Equal(1, b.PullsCompleted);
        Assert.Equal(3, a.EntriesStored);
        Assert.Equal(5, b.EntriesStored);
    }

    [Fact]
    public async Task A_push_waits_for_the_first_round_served_and_then_goes_out_alone()
    {
        var a = new SyncSession(_logA, Options, TimeSpan.Zero);
        var b = new SyncSession(_logB, Options, TimeSpan.Zero);
        var early = await _logA.AppendAsync(TestNode.Tx(1));
        a.Offer(early);
        // Before A has served B's first pull, the only frame A sends is its own pull.
        Assert.IsType<SyncRequestMessage>(a.PollTransmit(TimeSpan.Zero));
        Assert.Null(a.PollTransmit(TimeSpan.Zero));

        // Put the request back through the normal path: B answers, then A serves B's pull (the entry), then pushes.
        var fresh = new SyncSession(_logA, Options, TimeSpan.Zero);
        Exchange(fresh, b, TimeSpan.Zero);
        Assert.True(_logB.Contains(early.Hash));
        var later = await _logA.AppendAsync(TestNode.Tx(2));
        fresh.Offer(later);
        var push = Assert.IsType<EntriesMessage>(fresh.PollTransmit(TimeSpan.Zero));
        Assert.Equal(0u, push.Round);
        Assert.Single(push.Entries);
        // The entry B already holds (it came in the served round) is not pushed again.
        fresh.Offer(early);
        Assert.Null(fresh.PollTransmit(TimeSpan.Zero));
    }

    [Fact]
    public void A_silent_peer_is_pinged_and_then_given_up_at_the_deadline_the_session_names()
    {
        var a = new SyncSession(_logA, Options, TimeSpan.Zero);
        Assert.IsType<SyncRequestMessage>(a.PollTransmit(TimeSpan.Zero));
        var now = TimeSpan.Zero;
        var pings = 0;
        while (true)
        {
            now = a.PollTimeout()!.Value;
            try
            {
                a.HandleTimeout(now);
            }
            catch (SyncProtocolException e)
            {
                // The pull round's 5 s would come later: silence is noticed first, just past 3 s.
                Assert.Equal(SyncError.IdleTimeout, e.Error);
                Assert.True(now > Options.IdleTimeout && now <= Options.IdleTimeout + TimeSpan.FromMilliseconds(1), now.ToString());
                break;
            }
            while (a.PollTransmit(now) is { } message)
            {
                Assert.IsType<PingMessage>(message);
                pings++;
            }
        }
        Assert.InRange(pings, 1, 6);
    }

    [Fact]
    public void A_pull_round_the_peer_never_answers_times_out_even_if_the_peer_keeps_talking()
    {
        var a = new SyncSession(_logA, Options, TimeSpan.Zero);
        Assert.IsType<SyncRequestMessage>(a.PollTransmit(TimeSpan.Zero));
        var error = Assert.Throws<SyncProtocolException>((Action)(() =>
        {
            for (var ms = 500; ; ms += 500)
            {
                var now = TimeSpan.FromMilliseconds(ms);
                a.Receive(new PingMessage((ulong)ms), now);
                a.HandleTimeout(now);
                while (a.PollTransmit(now) is not null)
                {
                }
            }
        }));
        Assert.Equal(SyncError.RequestTimeout, error.Error);
    }

    [Fact]
    public void Entries_for_a_round_that_is_not_in_progress_are_refused()
    {
        var a = new SyncSession(_logA, Options, TimeSpan.Zero);
        var error = Assert.Throws<SyncProtocolException>(() => a.Receive(new SyncDoneMessage(7, 0), TimeSpan.Zero));
        Assert.Equal(SyncError.UnexpectedMessage, error.Error);
    }

    [Fact]
    public void A_third_pull_request_while_two_are_in_progress_is_refused()
    {
        var a = new SyncSession(_logA, Options, TimeSpan.Zero);
        a.Receive(new SyncRequestMessage(1, []), TimeSpan.Zero);
        a.Receive(new SyncRequestMessage(2, []), TimeSpan.Zero);
        var error = Assert.Throws<SyncProtocolException>(() => a.Receive(new SyncRequestMessage(3, []), TimeSpan.Zero));
        Assert.Equal(SyncError.UnexpectedMessage, error.Error);
    }

    [Fact]
    public void A_lost_peer_is_dialed_until_forgotten_after_the_set_time_and_a_sighting_keeps_it()
    {
        var lost = new LostPeers(TimeSpan.FromMinutes(30), maxLost: 2);
        using var x = NodeIdentity.Generate();
        using var y = NodeIdentity.Generate();
        using var z = NodeIdentity.Generate();
        Assert.Empty(lost.Lost(x.Id, TimeSpan.FromMinutes(0)));
        Assert.Empty(lost.Lost(y.Id, TimeSpan.FromMinutes(10)));
        // Past the bound, the longest lost goes first.
        Assert.Equal([x.Id], lost.Lost(z.Id, TimeSpan.FromMinutes(20)));
        lost.Seen(y.Id);
        Assert.Equal(TimeSpan.FromMinutes(50), lost.PollTimeout());
        Assert.Empty(lost.Expire(TimeSpan.FromMinutes(49)));
        Assert.Equal([z.Id], lost.Expire(TimeSpan.FromMinutes(50)));
        Assert.Null(lost.PollTimeout());
    }
}
