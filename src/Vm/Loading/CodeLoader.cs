using Datom.Index;
using Datom.Index.Query;
using Datom.Log.Edn;
using Datom.Log.Entries;
using Datom.Log.Model;
using Datom.Vm.Ast;
using Datom.Vm.Reading;
using ValueType = Datom.Log.Model.ValueType;

namespace Datom.Vm.Loading;

/// <summary>What a load did.</summary>
/// <param name="Entry">The log entry written, or null when the database already held exactly this code.</param>
/// <param name="Changed">The definitions (<c>ns/name</c>) whose datoms changed, in key order.</param>
public sealed record LoadResult(string Namespace, int Asserted, int Retracted, Entry? Entry, IReadOnlyList<string> Changed)
{
    public bool Transacted => Entry is not null;
}

/// <summary>
/// Loads Yin source into DaoDB as AST datoms: read, analyze, then transact only the datoms that
/// make the database's copy of the namespace equal to the source. Loading unchanged source
/// transacts nothing (no entry at all); a changed function changes only its own datoms; a
/// definition that left the source is retracted, keeping only its <c>:ast/key</c> so that
/// references to it from other namespaces keep naming it and a later reload revives the same entity.
/// </summary>
public sealed class CodeLoader(DaoDb db, TimeProvider? time = null) : IDisposable
{
    private static readonly Keyword DbAdd = Keyword.Intern("db", "add");
    private static readonly Keyword DbRetract = Keyword.Intern("db", "retract");
    private static readonly Keyword TxReason = Keyword.Intern("tx", "reason");

    // One load at a time per loader: the difference is computed against the view it transacts onto.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <exception cref="CodeException">A syntax error, or code the language does not accept; nothing is transacted.</exception>
    public async Task<LoadResult> LoadAsync(string text, string sourceName, string? reason = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentException.ThrowIfNullOrEmpty(sourceName);
        var forms = SourceReader.Read(text, sourceName);
        await AstSchema.EnsureAsync(db, cancellationToken).ConfigureAwait(false);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var view = db.Current();
            var unit = Analyzer.Analyze(forms, sourceName, new ViewCatalog(view), text: text);
            var diff = Diff(view, unit, _time.GetUtcNow());
            if (diff.Forms.Count == 0)
                return new LoadResult(unit.Namespace, 0, 0, null, []);
            var txData = new List<object?>(diff.Forms);
            if (!string.IsNullOrEmpty(reason))
                txData.Add(EdnVector.Of(DbAdd, "datomic.tx", TxReason, reason));
            var result = await TransactAsync(new EdnVector(txData), unit.Source, cancellationToken).ConfigureAwait(false);
            var tx = result.Tx.Tx;
            var code = result.Tx.Datoms.Where(d => d.E != tx).ToList();
            return new LoadResult(unit.Namespace, code.Count(d => d.Added), code.Count(d => !d.Added), result.Entry, diff.Changed);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Loads one definition's new text (<c>(defn name ...)</c> or <c>(defrecord name ...)</c>, as
    /// <see cref="Printing.AstPrinter.PrintDefinition"/> prints it) as the new version of
    /// <paramref name="key"/> (<c>ns/name</c>), leaving the rest of the namespace alone: only the
    /// datoms of that definition that differ are transacted. The text's lines count from the
    /// definition's own first line, so its nodes keep their place in the namespace; a syntax error's
    /// line is the line in <paramref name="text"/>.
    /// </summary>
    /// <exception cref="CodeException">A syntax error, code the language does not accept, or text that is not exactly that one definition; nothing is transacted.</exception>
    public async Task<LoadResult> LoadDefinitionAsync(string text, string key, string? reason = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentException.ThrowIfNullOrEmpty(key);
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == key.Length - 1 || key.Contains('#', StringComparison.Ordinal))
            throw new ArgumentException($"'{key}' is not a definition name (ns/name)", nameof(key));
        var ns = key[..slash];
        await AstSchema.EnsureAsync(db, cancellationToken).ConfigureAwait(false);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var view = db.Current();
            var reader = new AstReader(view);
            var nsNode = reader.Lookup(AstKeys.Namespace(ns));
            if (nsNode is null || !nsNode.Is(AstSchema.Types.Namespace))
                throw new CodeException(key, 0, 0, $"no namespace {ns} is loaded");
            var old = reader.Lookup(key);
            var live = old is not null && (old.Is(AstSchema.Types.Function) || old.Is(AstSchema.Types.Record));
            var siblings = view.Match(null, AstSchema.Namespace, Value.String(ns))
                .Select(d => reader.Node(d.E)).Where(n => n is not null && !n.Is(AstSchema.Types.Namespace) && n.Key != key).Select(n => n!).ToList();
            var location = (live ? old!.Str(AstSchema.Location) : null) ?? nsNode.Str(AstSchema.Location) ?? ns + ".yin";
            // A definition that is gone (a revert to a version before its deletion) goes after the rest.
            var firstLine = live ? old!.Line : siblings.Select(n => reader.Subtree(n).Max(x => x.Line)).DefaultIfEmpty(nsNode.Line).Max() + 2;
            var index = live ? old!.Index : siblings.Select(n => n.Index + 1).DefaultIfEmpty(0).Max();

            // The namespace form shares the text's first line, so every line number in an error is the text's own.
            var prefix = NsLine(nsNode, ns) + " ";
            IReadOnlyList<Syntax> forms;
            try
            {
                forms = SourceReader.Read(prefix + text, location);
            }
            catch (CodeException e) when (e.Line == 1 && e.Column > prefix.Length)
            {
                throw new CodeException(e.SourceName, e.Line, e.Column - prefix.Length, e.Reason);
            }
            if (forms.Count < 2)
                throw new CodeException(location, 1, 0, $"the text is empty: it should be the definition of {key}");
            if (forms.Count > 2)
                throw new CodeException(location, forms[2].Line, 0, $"the text should be one definition ({key}), but another form follows it");
            var known = (siblings.Where(n => n.Is(AstSchema.Types.Function) || n.Is(AstSchema.Types.Def)).Select(n => n.Str(AstSchema.FnName)!),
                siblings.Where(n => n.Is(AstSchema.Types.Record)).Select(n => n.Str(AstSchema.TypeName)!));
            var unit = Analyzer.Analyze(forms, location, new ViewCatalog(view), siblings: known, text: prefix + text);
            if (unit.Definitions.Count != 1 || unit.Definitions[0] != key)
                throw new CodeException(location, forms[1].Line, 0, $"the text defines {string.Join(" ", unit.Definitions)}, not {key}");
            var shift = firstLine - forms[1].Line;
            var nodes = new List<NodeSpec>();
            foreach (var node in unit.Nodes)
            {
                if (node.Shared)
                {
                    nodes.Add(node);
                    continue;
                }
                if (AstKeys.DefinitionOf(node.Key) != key)
                    continue; // the namespace node: this load does not speak for it
                if (node.One(AstSchema.Line) is { } line)
                    node.Set(AstSchema.Line, Value.Long(line.AsLong + shift));
                if (node.Key == key)
                    node.Set(AstSchema.Index, Value.Long(index));
                nodes.Add(node);
            }
            var scoped = new LoadUnit(ns, location, nodes, unit.Definitions);
            var diff = Diff(view, scoped, _time.GetUtcNow(), key, resolveConflicts: true);
            if (diff.Forms.Count == 0)
                return new LoadResult(ns, 0, 0, null, []);
            var txData = new List<object?>(diff.Forms);
            if (!string.IsNullOrEmpty(reason))
                txData.Add(EdnVector.Of(DbAdd, "datomic.tx", TxReason, reason));
            var result = await TransactAsync(new EdnVector(txData), location, cancellationToken).ConfigureAwait(false);
            var tx = result.Tx.Tx;
            var code = result.Tx.Datoms.Where(d => d.E != tx).ToList();
            return new LoadResult(ns, code.Count(d => d.Added), code.Count(d => !d.Added), result.Entry, diff.Changed);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    /// <summary>
    /// The namespace's ns form on one line, its <c>:require</c> aliases included (a definition that
    /// calls <c>alias/f</c> must read them), so that every line of a definition's text keeps its number.
    /// </summary>
    internal static string NsLine(AstNode nsNode, string ns)
    {
        if (nsNode.Str(AstSchema.Source) is not { } source)
            return "(ns " + ns + ")";
        try
        {
            return EdnWriter.Write(EdnReader.ReadOne(source, new EdnReaderOptions { ClojureSyntax = true, SourceName = ns }));
        }
        catch (EdnException)
        {
            return "(ns " + ns + ")";
        }
    }

    /// <summary>
    /// Transacts a load. The analyzer's limits keep out most code too large for one log entry, but
    /// not all (a node's datoms vary in number and size); the entry's own check catches the rest,
    /// and it is reported as code that cannot be loaded, like every other refusal of the loader.
    /// </summary>
    private async Task<TxResult> TransactAsync(EdnVector txData, string source, CancellationToken cancellationToken)
    {
        try
        {
            return await db.TransactAsync(txData, cancellationToken).ConfigureAwait(false);
        }
        catch (EntryRejectedException e) when (e.Reason == RejectReason.TooLarge)
        {
            throw new CodeException(source, 1, 0, $"code too large to store as one log entry ({e.Message}); split it into several namespaces");
        }
    }

    /// <summary>
    /// The transaction data that makes <paramref name="view"/> hold exactly <paramref name="unit"/>;
    /// with <paramref name="definition"/>, only that definition's nodes are compared (the rest of the
    /// namespace is left as it is). With <paramref name="resolveConflicts"/>, a value that concurrent
    /// branches contest is stated again even where the current view already shows it, which resolves
    /// the conflict (the transactor retracts the competing values): what an edit of a definition, made
    /// by someone who saw this version, means. Loading a whole file does not, so that a file exported
    /// and loaded back transacts nothing.
    /// </summary>
    internal static (List<object?> Forms, List<string> Changed) Diff(IDatomView view, LoadUnit unit, DateTimeOffset now, string? definition = null, bool resolveConflicts = false)
    {
        var reader = new AstReader(view);
        var existing = Existing(reader, unit.Namespace);
        if (definition is not null)
        {
            foreach (var key in existing.Keys.Where(k => AstKeys.DefinitionOf(k) != definition).ToList())
                existing.Remove(key);
        }
        foreach (var node in unit.Nodes)
        {
            if (!existing.ContainsKey(node.Key) && reader.Lookup(node.Key) is { } found)
                existing[node.Key] = found;
        }
        var desired = unit.Nodes.ToDictionary(n => n.Key, StringComparer.Ordinal);
        var forms = new List<object?>();
        var changed = new SortedSet<string>(StringComparer.Ordinal);

        object Entity(string key) => existing.TryGetValue(key, out var n) ? n.Id : key;

        object Resolve(object v)
        {
            if (v is not NodeRef r)
                return ToTx((Value)v);
            if (existing.TryGetValue(r.Key, out var n))
                return n.Id;
            if (desired.ContainsKey(r.Key))
                return r.Key; // a tempid: the node is new in this transaction
            return reader.Lookup(r.Key)?.Id ?? throw new CodeException(unit.Source, 0, 0, $"{r.Key} is not defined");
        }

        foreach (var node in unit.Nodes)
        {
            existing.TryGetValue(node.Key, out var old);
            if (node.Shared && old is not null)
                continue;
            var wanted = new Dictionary<Keyword, List<object>>();
            foreach (var (a, v) in node.Attributes)
            {
                if (!wanted.TryGetValue(a, out var list))
                    wanted[a] = list = [];
                list.Add(Resolve(v));
            }
            if (node.RecordSignature is { } signature)
            {
                var keep = old is not null && old.One(AstSchema.TypeDefinedAt) is { } at && Signature(reader, old) == signature;
                wanted[AstSchema.TypeDefinedAt] = [keep ? ToTx(old!.One(AstSchema.TypeDefinedAt)!.Value) : now];
            }
            var e = Entity(node.Key);
            var before = forms.Count;
            foreach (var (a, values) in wanted)
            {
                var have = old is null ? [] : old.Many(a).Select(ToTx).ToList();
                var schema = AstSchema.Attribute(a)!;
                if (!schema.Many)
                {
                    if (have.Count == 1 && TxEquals(have[0], values[0]) && !(resolveConflicts && Contested(view, e, a)))
                        continue;
                    forms.Add(EdnVector.Of(DbAdd, e, a, values[0]));
                    continue;
                }
                foreach (var v in values.Where(v => !have.Any(h => TxEquals(h, v))))
                    forms.Add(EdnVector.Of(DbAdd, e, a, v));
                foreach (var h in have.Where(h => !values.Any(v => TxEquals(h, v))))
                    forms.Add(EdnVector.Of(DbRetract, e, a, h));
            }
            if (old is not null)
            {
                foreach (var (a, values) in old.Attributes)
                {
                    if (wanted.ContainsKey(a))
                        continue;
                    foreach (var v in values)
                        forms.Add(EdnVector.Of(DbRetract, old.Id, a, ToTx(v)));
                }
            }
            if (forms.Count > before && !node.Shared)
                changed.Add(AstKeys.DefinitionOf(node.Key));
        }

        foreach (var (key, old) in existing)
        {
            if (desired.ContainsKey(key))
                continue;
            // A definition that left the source keeps its key as a tombstone (see the class remarks).
            var tombstone = !key.Contains('#', StringComparison.Ordinal);
            foreach (var (a, values) in old.Attributes)
            {
                if (tombstone && a.Equals(AstSchema.Key))
                    continue;
                foreach (var v in values)
                    forms.Add(EdnVector.Of(DbRetract, old.Id, a, ToTx(v)));
            }
            changed.Add(AstKeys.DefinitionOf(key));
        }
        return (forms, [.. changed]);
    }

    private static bool Contested(IDatomView view, object e, Keyword a) =>
        e is EntityId id && view is Index.Views.CurrentView current && current.Conflicts(id, a).Count > 1;

    /// <summary>Every node of a namespace now in the view: the namespace node, its definitions and their trees.</summary>
    private static Dictionary<string, AstNode> Existing(AstReader reader, string ns)
    {
        var result = new Dictionary<string, AstNode>(StringComparer.Ordinal);
        foreach (var d in reader.View.Match(null, AstSchema.Namespace, Value.String(ns)).ToList())
        {
            if (reader.Node(d.E) is not { } root)
                continue;
            foreach (var n in reader.Subtree(root))
            {
                if (n.Key is { } key)
                    result[key] = n;
            }
        }
        return result;
    }

    private static string Signature(AstReader reader, AstNode record) =>
        string.Join(",", reader.Children(record, AstSchema.TypeField).Select(f =>
            f.Str(AstSchema.FieldName) + ":" + (f.Ref(AstSchema.FieldType) is { } t ? reader.Node(t)?.Key : null)));

    internal static object ToTx(Value v) => v.Type switch
    {
        ValueType.String => v.AsString,
        ValueType.Long => v.AsLong,
        ValueType.Double => v.AsDouble,
        ValueType.Boolean => v.AsBoolean,
        ValueType.Keyword => Keyword.Parse(v.AsString),
        ValueType.Symbol => Symbol.Parse(v.AsString),
        ValueType.Ref => v.AsRef,
        ValueType.Instant => DateTimeOffset.FromUnixTimeMilliseconds(v.AsInstantMs),
        ValueType.Uuid => v.AsUuid,
        ValueType.Bytes => v.AsBytes,
        _ => throw new InvalidOperationException($"unknown value type {v.Type}"),
    };

    private static bool TxEquals(object a, object b) => a switch
    {
        // Instants are stored to the millisecond.
        DateTimeOffset x when b is DateTimeOffset y => x.ToUnixTimeMilliseconds() == y.ToUnixTimeMilliseconds(),
        double x when b is double y => x.Equals(y),
        _ => EdnEquality.Instance.Equals(a, b) || Equals(a, b),
    };

    /// <summary>The analyzer's questions answered from a view.</summary>
    internal sealed class ViewCatalog(IDatomView view) : ICodeCatalog
    {
        private readonly AstReader _reader = new(view);

        public bool FunctionExists(string key) => _reader.Lookup(key) is { } node && (node.Is(AstSchema.Types.Function) || node.Is(AstSchema.Types.Def));

        public bool RecordExists(string key) => _reader.Lookup(key)?.Is(AstSchema.Types.Record) ?? false;

        public bool MacroExists(string key) => _reader.Lookup(key) is { } node && node.Is(AstSchema.Types.Function) && node.Flag(AstSchema.FnMacro);

        public IReadOnlyList<NodeSpec>? DefinitionNodes(string key)
        {
            if (_reader.Lookup(key) is not { } root)
                return null;
            var specs = new List<NodeSpec>();
            foreach (var n in _reader.Subtree(root))
            {
                if (n.Key is not { } nodeKey)
                    continue;
                var spec = new NodeSpec(nodeKey);
                foreach (var (a, values) in n.Attributes)
                {
                    foreach (var v in values)
                    {
                        if (v.Type != ValueType.Ref)
                            spec.Add(a, v);
                        else if (_reader.Node(v.AsRef)?.Key is { } target)
                            spec.Add(a, new NodeRef(target));
                    }
                }
                specs.Add(spec);
            }
            return specs;
        }

        public IReadOnlyList<string> RecordsNamed(string name) =>
            [.. view.Match(null, AstSchema.TypeName, Value.String(name))
                .Select(d => _reader.Node(d.E))
                .Where(n => n is not null && n.Is(AstSchema.Types.Record))
                .Select(n => n!.Key!)];
    }
}
