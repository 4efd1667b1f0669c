using Datom.Index;
using Datom.Log;
using Datom.Log.Entries;
using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Log.Storage;
using Datom.Vm.Loading;

namespace Datom.Vm.Tests.Support;

/// <summary>Wall time a test sets by hand: each edit happens at the HLC time the script says.</summary>
public sealed class ManualClock : IClock
{
    public long UnixMilliseconds { get; set; }
}

/// <summary>
/// One author's node: identity, clock, log, DaoDB and loader. An author edits on their own node and
/// sees others' edits only when they receive them, so two authors who edit without receiving each
/// other's entries make concurrent edits.
/// </summary>
public sealed class AuthorNode : IDisposable
{
    private AuthorNode(string name, NodeIdentity identity, ManualClock clock, DatomLog log, DaoDb db)
    {
        Name = name;
        Identity = identity;
        Clock = clock;
        Log = log;
        Db = db;
        Loader = new CodeLoader(db);
    }

    public string Name { get; }

    public NodeIdentity Identity { get; }

    public ManualClock Clock { get; }

    public DatomLog Log { get; }

    public DaoDb Db { get; }

    public CodeLoader Loader { get; }

    public string Id => Identity.Id.ToString();

    public static AuthorNode InMemory(string name)
    {
        var identity = NodeIdentity.Generate();
        var clock = new ManualClock();
        var log = DatomLog.Open(new MemoryStorage(), identity, new LogOptions { Clock = clock });
        return new AuthorNode(name, identity, clock, log, DaoDb.Open(new MemoryStorage(), log));
    }

    /// <summary>A node in a data directory laid out as 'datom init' makes it, so the CLI can open it afterwards.</summary>
    public static AuthorNode OnDisk(string name, string directory)
    {
        var identity = NodeIdentity.Exists(directory) ? NodeIdentity.Load(directory) : NodeIdentity.Create(directory);
        var clock = new ManualClock();
        var log = DatomLog.Open(directory, identity, new LogOptions { Clock = clock });
        return new AuthorNode(name, identity, clock, log, DaoDb.Open(directory, log));
    }

    /// <summary>Loads a whole namespace file at wall time <paramref name="atMs"/>; returns the entry written.</summary>
    public async Task<Entry> LoadAsync(string source, string reason, long atMs)
    {
        Clock.UnixMilliseconds = atMs;
        var result = await Loader.LoadAsync(source, "core.clj", reason);
        return result.Entry ?? throw new InvalidOperationException($"{Name}'s load changed nothing");
    }

    /// <summary>Edits one definition (as 'datom code edit' does) at wall time <paramref name="atMs"/>.</summary>
    public async Task<Entry> EditAsync(string definition, string text, string reason, long atMs)
    {
        Clock.UnixMilliseconds = atMs;
        var result = await Loader.LoadDefinitionAsync(text, definition, reason);
        return result.Entry ?? throw new InvalidOperationException($"{Name}'s edit changed nothing");
    }

    /// <summary>Takes in every entry <paramref name="other"/> holds that this node lacks (a sync).</summary>
    public async Task ReceiveAsync(AuthorNode other)
    {
        foreach (var entry in other.Log.Entries())
        {
            if (!Log.Contains(entry.Hash))
                await Log.IngestAsync(entry);
        }
        await Db.WaitForAsync(Log.DurableCount);
    }

    public void Dispose()
    {
        Loader.Dispose();
        Db.Dispose();
        Log.Dispose();
        Identity.Dispose();
    }
}

/// <summary>
/// A scripted history of edits to namespace <c>core</c> by three authors, ending in a concurrent edit:
/// <list type="number">
/// <item>t=1000 Alice loads <see cref="V1"/> ("first version").</item>
/// <item>t=2000 Bob, having Alice's entry, changes greet's "Hello, " to "Hi, " ("friendlier greeting").</item>
/// <item>t=3000 Carol, having both, edits shout alone: its body now takes two lines ("louder").</item>
/// <item>t=4000 Bob and t=4100 Carol, each having everything so far and not each other's new entry,
/// change the same literal: "Hey, " ("bob: hey") and "Howdy, " ("carol: howdy"). Carol's is later
/// by the clock, so it wins; Bob's stays visible as a conflict.</item>
/// </list>
/// Then all three nodes exchange everything. Alice's node holds the whole history.
/// </summary>
public sealed class ScriptedHistory : IDisposable
{
    public const string V1 = """
        (ns core)

        (defn greet [name]
          (str "Hello, " name))

        (defn shout [name]
          (str (greet name) "!"))
        """;

    public const string V2 = """
        (ns core)

        (defn greet [name]
          (str "Hi, " name))

        (defn shout [name]
          (str (greet name) "!"))
        """;

    public const string LouderShout = "(defn shout [name]\n  (str (greet name)\n    \"!!\"))\n";

    public const string HeyGreet = "(defn greet [name]\n  (str \"Hey, \" name))\n";

    public const string HowdyGreet = "(defn greet [name]\n  (str \"Howdy, \" name))\n";

    private ScriptedHistory(AuthorNode alice, AuthorNode bob, AuthorNode carol)
    {
        Alice = alice;
        Bob = bob;
        Carol = carol;
    }

    public AuthorNode Alice { get; }

    public AuthorNode Bob { get; }

    public AuthorNode Carol { get; }

    public Entry First { get; private set; } = null!;

    public Entry Hi { get; private set; } = null!;

    public Entry Louder { get; private set; } = null!;

    public Entry Hey { get; private set; } = null!;

    public Entry Howdy { get; private set; } = null!;

    /// <param name="aliceDirectory">A data directory for Alice's node (so a CLI can open it after <see cref="Dispose"/>), or null for memory.</param>
    public static async Task<ScriptedHistory> CreateAsync(string? aliceDirectory = null)
    {
        var alice = aliceDirectory is null ? AuthorNode.InMemory("alice") : AuthorNode.OnDisk("alice", aliceDirectory);
        var h = new ScriptedHistory(alice, AuthorNode.InMemory("bob"), AuthorNode.InMemory("carol"));
        h.First = await h.Alice.LoadAsync(V1, "first version", 1000);
        await h.Bob.ReceiveAsync(h.Alice);
        h.Hi = await h.Bob.LoadAsync(V2, "friendlier greeting", 2000);
        await h.Carol.ReceiveAsync(h.Alice);
        await h.Carol.ReceiveAsync(h.Bob);
        h.Louder = await h.Carol.EditAsync("core/shout", LouderShout, "louder", 3000);
        await h.Bob.ReceiveAsync(h.Carol);
        // Concurrent: neither has the other's next entry.
        h.Hey = await h.Bob.EditAsync("core/greet", HeyGreet, "bob: hey", 4000);
        h.Howdy = await h.Carol.EditAsync("core/greet", HowdyGreet, "carol: howdy", 4100);
        foreach (var to in new[] { h.Alice, h.Bob, h.Carol })
        {
            foreach (var from in new[] { h.Alice, h.Bob, h.Carol })
            {
                if (to != from)
                    await to.ReceiveAsync(from);
            }
        }
        return h;
    }

    public void Dispose()
    {
        Alice.Dispose();
        Bob.Dispose();
        Carol.Dispose();
    }
}
