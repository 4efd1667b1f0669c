using System.Net;
using Datom.Log.Identity;
using Datom.Sync.Protocol;

namespace Datom.Sync;

public enum PeerDirection
{
    /// <summary>The peer connected to us.</summary>
    Inbound,

    /// <summary>We connected to the peer.</summary>
    Outbound,
}

/// <summary>One connected peer as this node sees it, for <c>datom peers</c>.</summary>
/// <param name="EntriesTheyLack">
/// How far behind the peer is: per author, our highest sequence number less the highest it is known
/// to hold (from its last summary and the entries exchanged since), summed.
/// </param>
/// <param name="EntriesWeLack">How far behind we are, the same way.</param>
/// <param name="ClockOffset">
/// The peer's wall clock less ours, measured when it connected (null if it did not say): positive
/// when its clock is ahead.
/// </param>
public sealed record PeerInfo(
    NodeId NodeId,
    EndPoint RemoteEndPoint,
    PeerDirection Direction,
    string Agent,
    DateTimeOffset ConnectedSince,
    long EntriesSent,
    long EntriesReceived,
    long EntriesStored,
    long BytesSent,
    long BytesReceived,
    long EntriesTheyLack,
    long EntriesWeLack,
    int PullRoundsCompleted,
    int RoundsServed,
    DateTimeOffset? LastPullCompleted,
    TimeSpan? ClockOffset = null);

public enum PeerTargetState
{
    Connecting,
    Connected,

    /// <summary>Connected to the same node through another connection.</summary>
    ConnectedElsewhere,
    WaitingToRetry,
    Stopped,
}

/// <summary>An address this node keeps dialing (a static or discovered peer), for <c>datom peers</c>.</summary>
public sealed record PeerTargetInfo(
    PeerAddress Address,
    PeerTargetState State,
    NodeId? NodeId,
    int FailedAttempts,
    DateTimeOffset? NextAttempt,
    SyncError? LastError,
    string? LastErrorMessage);
