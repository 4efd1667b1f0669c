namespace Datom.Simulations;

/// <summary>
/// The simulated network: links between every two nodes, which partitions cut and heal, carrying
/// the frames of connections. A frame arrives after a delay, and with the run's chances it is lost,
/// arrives twice, or arrives after a later one. Connections number their frames as Noise numbers
/// its nonces, so any of those faults breaks the connection at the receiver, as a real one would
/// fail to decrypt; nothing crosses a cut link, so its connections break when their sessions'
/// keep-alive notices the silence.
/// </summary>
internal sealed class Network(Scheduler scheduler, Random random, Faults faults, Trace trace)
{
    private readonly HashSet<(int, int)> _cut = [];
    private readonly Dictionary<(int Connection, bool FromInitiator), long> _lastArrival = [];

    /// <summary>Whether frames suffer the run's faults (off once the run heals).</summary>
    public bool Faulty { get; set; } = true;

    public long Frames { get; private set; }

    public long Bytes { get; private set; }

    public long Lost { get; private set; }

    public long Duplicated { get; private set; }

    public long Reordered { get; private set; }

    public int CutLinks => _cut.Count;

    public bool IsCut(int a, int b) => _cut.Contains(Key(a, b));

    public void Cut(int a, int b)
    {
        if (_cut.Add(Key(a, b)))
            trace.Add($"link {a}-{b} cut");
    }

    public void Heal(int a, int b)
    {
        if (_cut.Remove(Key(a, b)))
            trace.Add($"link {a}-{b} healed");
    }

    public IReadOnlyList<(int A, int B)> CutPairs() => [.. _cut.Order()];

    /// <summary>One-way delay of a frame or a connection attempt.</summary>
    public long Delay() => faults.BaseDelayMs + (faults.JitterMs == 0 ? 0 : random.Next(faults.JitterMs + 1));

    /// <summary>Sends one frame of <paramref name="from"/>'s connection to its other end.</summary>
    public void Transmit(Connection from, long number, byte[] frame)
    {
        var to = from.Remote;
        Frames++;
        Bytes += frame.Length;
        if (IsCut(from.Node.Index, to.Node.Index))
            return; // nothing crosses; both ends find out when their keep-alive fails
        if (Faulty && random.NextDouble() < faults.Loss)
        {
            Lost++;
            return;
        }
        var key = (from.Id, from.IsInitiator);
        var at = scheduler.Now + Delay();
        if (Faulty && random.NextDouble() < faults.Reordering)
        {
            // Held back: later frames may overtake it.
            Reordered++;
            at += 1 + random.Next(200);
        }
        else
        {
            // In order behind every earlier frame of this direction.
            at = Math.Max(at, _lastArrival.GetValueOrDefault(key));
            _lastArrival[key] = at;
        }
        scheduler.At(at, () => to.Arrive(number, frame));
        if (Faulty && random.NextDouble() < faults.Duplication)
        {
            Duplicated++;
            scheduler.At(at + random.Next(50), () => to.Arrive(number, frame));
        }
    }

    private static (int, int) Key(int a, int b) => a < b ? (a, b) : (b, a);
}
