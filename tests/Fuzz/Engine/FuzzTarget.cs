namespace Datom.Fuzz.Engine;

/// <summary>What a target made of one input: a value, or a specific rejection (its error, for the report).</summary>
public readonly record struct FuzzOutcome(bool Accepted, string Detail)
{
    public static FuzzOutcome Accept(string detail = "") => new(true, detail);

    public static FuzzOutcome Reject(string error) => new(false, error);
}

/// <summary>
/// A broken contract that is not an exception of the code under test: an oracle that disagrees
/// (a value that does not round-trip, a reference parser that disagrees), or a rejection that is
/// not specific (an error without its location or code).
/// </summary>
public sealed class FuzzContractException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// One parser under fuzz (after garnet's <c>test/Garnet.fuzz/Targets</c>: a target owns its seed
/// inputs and knows which outcomes are allowed). The contract every target checks: each input ends
/// in a value or in one of the target's own errors, which must be specific (a location, a code);
/// any other exception escapes <see cref="Run"/> and is a failure, as is an oracle that disagrees
/// (<see cref="FuzzContractException"/>). The runner adds the time limit.
/// </summary>
public abstract class FuzzTarget : IDisposable
{
    private IReadOnlyList<byte[]>? _corpus;

    /// <summary>The name the console and the tests use (<c>edn</c>, <c>datalog</c>, ...).</summary>
    public abstract string Name { get; }

    /// <summary>Text targets decode inputs as UTF-8 and also get token-level mutations.</summary>
    public virtual bool IsText => false;

    /// <summary>Whether every seed input must be accepted (a check on the corpus and the target together).</summary>
    public virtual bool CorpusIsValid => true;

    /// <summary>Inputs grow no larger than this under mutation.</summary>
    public virtual int MaxInputBytes => 16 << 10;

    /// <summary>Valid inputs made by the real encoders; built once, deterministically.</summary>
    public IReadOnlyList<byte[]> Corpus => _corpus ??= BuildCorpus();

    /// <summary>Tokens worth inserting: grammar pieces for text targets, format codes for binary ones.</summary>
    public virtual IReadOnlyList<byte[]> Dictionary => [];

    /// <summary>Numbers worth writing over 1, 2 or 4 bytes: the caps of this format, and one either side.</summary>
    public virtual IReadOnlyList<long> InterestingNumbers => [];

    /// <summary>Runs one input and checks the result.</summary>
    public abstract FuzzOutcome Run(byte[] input);

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected abstract IReadOnlyList<byte[]> BuildCorpus();

    protected virtual void Dispose(bool disposing)
    {
    }
}
