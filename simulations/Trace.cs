using System.Security.Cryptography;
using System.Text;

namespace Datom.Simulations;

/// <summary>
/// What happened in a run, line by line, stamped with simulated time. Its digest identifies the
/// run: the same seed gives the same digest, which is how replay is checked. The last lines are
/// kept to explain a failure; all of them when asked to print as they come.
/// </summary>
internal sealed class Trace(Scheduler scheduler, TextWriter? live)
{
    private const int Kept = 200;

    private readonly IncrementalHash _digest = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Queue<string> _last = new();

    public void Add(string line)
    {
        var stamped = $"{scheduler.Now,8} ms  {line}";
        _digest.AppendData(Encoding.UTF8.GetBytes(stamped + "\n"));
        live?.WriteLine(stamped);
        _last.Enqueue(stamped);
        if (_last.Count > Kept)
            _last.Dequeue();
    }

    public IReadOnlyCollection<string> Last => _last;

    /// <summary>The digest of every line so far (16 hex digits).</summary>
    public string Digest()
    {
        var hash = _digest.GetCurrentHash();
        return Convert.ToHexStringLower(hash.AsSpan(0, 8));
    }
}
