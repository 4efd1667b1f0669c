using System.Diagnostics.CodeAnalysis;

namespace Datom.Log.Entries;

/// <summary>Why an entry was refused. Stable names: they appear in logs and in peers' error frames.</summary>
public enum RejectReason
{
    TooLarge,
    Malformed,
    NonCanonical,
    BadSignature,
    AuthorNotAllowed,
    BadSequence,
    MissingParents,
    PendingBufferFull,
    BadTime,
}

/// <summary>An entry failed a check. Nothing of it was stored.</summary>
public sealed class EntryRejectedException(RejectReason reason, string message) : Exception($"{ToKebab(reason)}: {message}")
{
    public RejectReason Reason { get; } = reason;

    internal static string ToKebab(RejectReason reason) => reason switch
    {
        RejectReason.TooLarge => "too-large",
        RejectReason.Malformed => "malformed",
        RejectReason.NonCanonical => "non-canonical",
        RejectReason.BadSignature => "bad-signature",
        RejectReason.AuthorNotAllowed => "author-not-allowed",
        RejectReason.BadSequence => "bad-sequence",
        RejectReason.MissingParents => "missing-parents",
        RejectReason.PendingBufferFull => "pending-buffer-full",
        RejectReason.BadTime => "bad-time",
        _ => reason.ToString(),
    };
}

internal static class Reject
{
    [DoesNotReturn]
    public static void Throw(RejectReason reason, string message) => throw new EntryRejectedException(reason, message);
}
