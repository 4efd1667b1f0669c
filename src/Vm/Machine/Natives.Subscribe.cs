using System.Threading.Channels;
using Datom.Index;
using Datom.Log.Edn;

namespace Datom.Vm.Machine;

internal static partial class Natives
{
    /// <summary>
    /// Most changes queued for a subscribing program before its subscription ends as too slow: the
    /// index's thread hands changes over and never waits on a Yin program (the same bound as
    /// <c>datom subscribe</c>'s).
    /// </summary>
    private const int MaxPendingChanges = 10_000;

    /// <summary>How often a waiting subscriber wakes to check its deadline and cancellation (through <see cref="YinMachine.Sleep"/>).</summary>
    private const int SubscribeWaitSliceMs = 20;

    private static readonly Keyword UnsubscribeKey = Keyword.Intern(null, "unsubscribe");

    /// <summary>
    /// <c>(subscribe query inputs... f)</c>: calls <c>(f change)</c> first with the query's current
    /// result as <c>{:added rows :removed [] :initial true}</c>, then once per indexed entry that
    /// changes the result, with <c>{:added [...] :removed [...] :hash "..." :author "..." :seq N
    /// :branch "..."}</c>, so that the changes, applied in order, always equal the result. It runs
    /// under the caller's limits: <c>f</c>'s steps are its fuel, and waiting ends at its deadline or
    /// cancellation; it returns nil when <c>f</c> returns <c>:unsubscribe</c>.
    /// </summary>
    private static void RegisterSubscribe()
    {
        Def("subscribe", 2, -1, (m, a) =>
        {
            var host = m.Effects ?? throw YinException.Of(Kinds.Effect, "subscribe: this run has no database");
            var f = a[^1];
            var query = a[0].Obj is string text ? ParseQuery(text) : ValConvert.ToEdn(a[0]);
            var inputs = a[1..^1].ToArray().Select(ValConvert.ToEdn).ToList();
            var changes = Channel.CreateBounded<object>(new BoundedChannelOptions(MaxPendingChanges) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
            void Post(object item)
            {
                if (!changes.Writer.TryWrite(item))
                    changes.Writer.TryComplete(new InvalidOperationException($"the program fell more than {MaxPendingChanges} changes behind"));
            }
            IDisposable subscription;
            try
            {
                subscription = host.Subscribe(query, inputs, start => Post(StartChange(start)), change => Post(Change(change)), ended => changes.Writer.TryComplete(ended));
            }
            catch (Exception e) when (e is not YinException)
            {
                throw YinException.Of(Kinds.Effect, "subscribe: " + e.Message);
            }
            using (subscription)
            {
                while (true)
                {
                    object item;
                    while (!changes.Reader.TryRead(out item!))
                    {
                        if (changes.Reader.Completion.IsCompleted)
                        {
                            var why = changes.Reader.Completion.Exception?.InnerException?.Message ?? "it ended";
                            throw YinException.Of(Kinds.Effect, "subscribe: the subscription ended: " + why);
                        }
                        m.Sleep(SubscribeWaitSliceMs);
                    }
                    var change = ValConvert.FromEdn(item);
                    m.Charge(Heap.Estimate(change));
                    var answer = m.Invoke(f, [change]);
                    if (answer.Obj is Keyword k && k.Equals(UnsubscribeKey))
                        return Val.Nil;
                }
            }
        });
    }

    private static EdnMap StartChange(SubscriptionStart start) => new(
    [
        new(Keyword.Intern(null, "added"), Rows(start.Result)),
        new(Keyword.Intern(null, "removed"), new EdnVector([])),
        new(Keyword.Intern(null, "initial"), true),
    ]);

    private static EdnMap Change(SubscriptionChange change) => new(
    [
        new(Keyword.Intern(null, "added"), Rows(change.Added)),
        new(Keyword.Intern(null, "removed"), Rows(change.Removed)),
        new(Keyword.Intern(null, "hash"), change.Hash.ToString()),
        new(Keyword.Intern(null, "author"), change.Author),
        new(Keyword.Intern(null, "seq"), (long)change.Entry.Seq),
        new(Keyword.Intern(null, "branch"), change.Branch),
    ]);

    private static EdnVector Rows(IReadOnlyList<IReadOnlyList<object?>> rows) => new(rows.Select(r => (object?)new EdnVector(r)));
}
