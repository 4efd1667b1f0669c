namespace Datom.Fuzz.Targets;

/// <summary>Every fuzz target by name, in the order the console and the tests list them.</summary>
public static class AllTargets
{
    public static IReadOnlyList<string> Names { get; } = ["edn", "datalog", "entry", "segment", "frame", "handshake"];

    public static Engine.FuzzTarget Create(string name) => name switch
    {
        "edn" => new EdnTarget(),
        "datalog" => new DatalogTarget(),
        "entry" => new EntryTarget(),
        "segment" => new SegmentTarget(),
        "frame" => new FrameTarget(),
        "handshake" => new HandshakeTarget(),
        _ => throw new ArgumentException($"no fuzz target '{name}'; the targets are {string.Join(", ", Names)}", nameof(name)),
    };
}
