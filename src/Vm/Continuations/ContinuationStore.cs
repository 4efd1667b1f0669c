using System.Collections.Immutable;
using System.Globalization;
using Datom.Index;
using Datom.Index.Query;
using Datom.Log.Edn;
using Datom.Log.Model;
using Datom.Vm.Ast;
using Datom.Vm.Machine;

namespace Datom.Vm.Continuations;

/// <summary>
/// Continuations as datoms. A continuation is an entity with its capture time, entry function,
/// value stack and frames; each frame is a component entity naming the function it runs (a ref to
/// the function's entity, or a prelude name), the lambda path inside it, the instruction to resume
/// at, where its slots begin, its closure values, and the digest of the code it was running. Values
/// are stored as EDN text, with <c>#yin/...</c> tags for what EDN has no word for (functions,
/// records, errors, entities, sequences).
/// </summary>
/// <remarks>
/// Resuming needs the very code each frame was running, since a frame finishes in the code it
/// started in: the frame's digest is checked against the function's current definition, then
/// against the definition as of the capture time; if neither matches, resuming is refused with an
/// error rather than run in code the frame never saw.
/// </remarks>
internal static class ContinuationStore
{
    private static readonly Keyword FnTag = Keyword.Intern(null, "fn");

    public static async Task<EntityId> SaveAsync(DaoDb db, Continuation k, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(k);
        await AstSchema.EnsureAsync(db, cancellationToken).ConfigureAwait(false);
        var forms = new List<object?>();
        var frameIds = new List<object?>();
        for (var i = 0; i < k.Frames.Count; i++)
        {
            var f = k.Frames[i];
            var id = "frame-" + i.ToString(CultureInfo.InvariantCulture);
            frameIds.Add(id);
            var map = new List<object?>
            {
                K("db/id"), id,
                AstSchema.FrameIndex, (long)i,
                AstSchema.FramePc, (long)f.Pc,
                AstSchema.FrameBase, (long)f.Bp,
                AstSchema.FrameResult, (long)f.ResultSp,
                AstSchema.FrameDigest, f.Code.Digest,
            };
            map.AddRange(CodeRef(f.Code.Cell));
            if (f.Code.LambdaPath.Length > 0)
                map.AddRange([AstSchema.FrameLambda, f.Code.LambdaPath]);
            if (f.Captures is not null)
                map.AddRange([AstSchema.FrameCaptures, Encode(f.Captures)]);
            forms.Add(EdnMap.Of([.. map]));
        }
        var continuation = new List<object?>
        {
            K("db/id"), "continuation",
            AstSchema.ContinuationCapturedAt, k.CapturedAt,
            AstSchema.ContinuationEntry, k.Entry,
            AstSchema.ContinuationStack, Encode(k.Stack),
            AstSchema.ContinuationFrame, new EdnVector(frameIds),
        };
        if (k.ExpectsValue)
            continuation.AddRange([AstSchema.ContinuationValue, EdnWriter.Write(ToEdn(k.Suspended))]);
        forms.Add(EdnMap.Of([.. continuation]));
        var result = await db.TransactAsync(new EdnVector(forms), cancellationToken).ConfigureAwait(false);
        var entity = result.Tx.TempIds["continuation"];
        k.Id = entity;
        return entity;
    }

    private static object?[] CodeRef(FunctionCell cell) => cell.Prelude is { } name
        ? [AstSchema.FrameBuiltin, name]
        : [AstSchema.FrameFunction, cell.Entity!.Value];

    /// <summary>Reads a stored continuation back, with each frame's code resolved.</summary>
    /// <param name="asOf">The database as of a time, to find code that has changed since the capture.</param>
    /// <exception cref="YinException">It is not a continuation, or its code cannot be found (<c>:error/continuation</c>).</exception>
    public static Continuation Load(IDatomView view, EntityId id, CodeBase code, Func<DateTimeOffset, IDatomView>? asOf)
    {
        var reader = new AstReader(view);
        var node = reader.Node(id);
        if (node?.One(AstSchema.ContinuationCapturedAt) is not { } at)
            throw YinException.Of(Kinds.Continuation, $"{id} is not a stored continuation");
        var capturedAt = DateTimeOffset.FromUnixTimeMilliseconds(at.AsInstantMs);
        var decoder = new Decoder(code, asOf is null ? null : () => asOf(capturedAt));
        var frames = new List<(long Index, FrameImage Image)>();
        foreach (var v in node.Many(AstSchema.ContinuationFrame))
        {
            var f = reader.Node(v.AsRef) ?? throw YinException.Of(Kinds.Continuation, "a frame of the continuation is missing");
            var prepared = decoder.Code(f.Ref(AstSchema.FrameFunction), f.Str(AstSchema.FrameBuiltin), f.Str(AstSchema.FrameLambda) ?? "", f.Str(AstSchema.FrameDigest) ?? "");
            var captures = f.Str(AstSchema.FrameCaptures) is { } text ? decoder.Values(text) : null;
            frames.Add((f.Long(AstSchema.FrameIndex) ?? 0, new FrameImage(prepared, (int)(f.Long(AstSchema.FramePc) ?? 0), (int)(f.Long(AstSchema.FrameBase) ?? 0), (int)(f.Long(AstSchema.FrameResult) ?? -1), captures)));
        }
        frames.Sort((a, b) => a.Index.CompareTo(b.Index));
        var stack = decoder.Values(node.Str(AstSchema.ContinuationStack) ?? "[]");
        var value = node.Str(AstSchema.ContinuationValue);
        var k = new Continuation(node.Str(AstSchema.ContinuationEntry) ?? "?", [.. frames.Select(f => f.Image)], stack, value is not null,
            value is null ? Val.Nil : decoder.Value(EdnReader.ReadOne(value)), capturedAt)
        {
            Id = id,
        };
        return k;
    }

    private static string Encode(IEnumerable<Val> values) => EdnWriter.Write(new EdnVector(values.Select(ToEdn)));

    /// <summary>A value as EDN, tagging what EDN cannot say.</summary>
    internal static object? ToEdn(Val v)
    {
        ValComparer.Guard();
        return ToEdnAt(v);
    }

    private static object? ToEdnAt(Val v) => v.Kind switch
    {
        ValKind.Entity => new EdnTagged(Symbol.Intern("yin", "entity"), ((EntityId)v.Obj!).ToString()),
        ValKind.Seq => SeqEdn(v),
        ValKind.Atom => new EdnTagged(Symbol.Intern("yin", "atom"), EdnMap.Of(
            Keyword.Intern(null, "kind"), ((YAtom)v.Obj!).Kind,
            Keyword.Intern(null, "value"), ToEdn(((YAtom)v.Obj!).Value))),
        ValKind.Vector => new EdnVector(((YVector)v.Obj!).Items.Select(ToEdn)),
        ValKind.Set => new EdnSet(((YSet)v.Obj!).Items.Select(ToEdn)),
        ValKind.Map => new EdnMap(((YMap)v.Obj!).Items.Select(kv => new KeyValuePair<object?, object?>(ToEdn(kv.Key), ToEdn(kv.Value)))),
        ValKind.Record => new EdnTagged(Symbol.Intern("yin", "record"), EdnMap.Of(
            Keyword.Intern(null, "type"), ((YRecord)v.Obj!).Type.Key,
            Keyword.Intern(null, "values"), new EdnVector(((YRecord)v.Obj!).Values.Select(ToEdn)))),
        ValKind.Error => new EdnTagged(Symbol.Intern("yin", "error"), EdnMap.Of(
            Keyword.Intern(null, "kind"), ((YinError)v.Obj!).Kind,
            Keyword.Intern(null, "message"), ((YinError)v.Obj!).Message,
            Keyword.Intern(null, "data"), ToEdn(((YinError)v.Obj!).Data))),
        ValKind.Fn => Function((YFunction)v.Obj!),
        _ => ValConvert.ToEdn(v),
    };

    /// <summary>
    /// A seq as stored: a vector's or collection's position as its items; a list cell by cell (its
    /// rest may be lazy); an unrealised lazy seq as its thunk, or as the generator call that makes it
    /// again, so that a continuation holding <c>(range)</c> is stored without walking it.
    /// </summary>
    private static object? SeqEdn(Val v)
    {
        switch (v.Obj)
        {
            case YEmptyList:
                return new EdnList([]);
            case YList l:
                return new EdnTagged(Symbol.Intern("yin", "cons"), new EdnVector([ToEdn(l.First), ToEdn(l.More), (long)l.Count]));
            case YLazySeq { IsRealized: true } done:
                return ToEdn(done.Seq());
            case YLazySeq { Thunk: { } thunk }:
                return new EdnTagged(Symbol.Intern("yin", "lazy"), EdnMap.Of(Keyword.Intern(null, "fn"), Function(thunk)));
            case YLazySeq { Native: { } native, Args: { } args }:
                return new EdnTagged(Symbol.Intern("yin", "lazy"), EdnMap.Of(
                    Keyword.Intern(null, "native"), native,
                    Keyword.Intern(null, "args"), new EdnVector(args.Select(ToEdn))));
            case YLazySeq:
                throw YinException.Of(Kinds.Continuation, "a lazy sequence made by cycle, concat, repeatedly or distinct cannot be stored unrealised");
            default:
                return new EdnTagged(Symbol.Intern("yin", "seq"), new EdnVector(((YSeq)v.Obj!).Values.Select(ToEdn)));
        }
    }

    private static EdnTagged Function(YFunction f)
    {
        switch (f)
        {
            case FnRef r:
                return new EdnTagged(Symbol.Intern("yin", "fn"), EdnMap.Of(CodeRefEdn(r.Cell)));
            case NativeRef n:
                return new EdnTagged(Symbol.Intern("yin", "native"), n.Native.Name);
            case Closure c:
                return new EdnTagged(Symbol.Intern("yin", "closure"), EdnMap.Of(
                    [.. CodeRefEdn(c.Code.Cell),
                    Keyword.Intern(null, "lambda"), c.Code.LambdaPath,
                    Keyword.Intern(null, "digest"), c.Code.Digest,
                    Keyword.Intern(null, "captures"), new EdnVector(c.Captures.Select(ToEdn))]));
            default:
                throw YinException.Of(Kinds.Continuation, $"{f.Name} cannot be stored");
        }
    }

    private static object?[] CodeRefEdn(FunctionCell cell) => cell.Prelude is { } name
        ? [Keyword.Intern(null, "prelude"), name]
        : [Keyword.Intern(null, "entity"), cell.Entity!.Value.ToString(), FnTag, cell.Name];

    private static Keyword K(string text) => Keyword.Parse(text);

    /// <summary>Turns stored values and code references back into live ones.</summary>
    private sealed class Decoder(CodeBase code, Func<IDatomView>? older)
    {
        private IDatomView? _older;

        public Val[] Values(string text) => EdnReader.ReadOne(text) is EdnVector v ? [.. v.Select(Value)] : throw YinException.Of(Kinds.Continuation, "stored values are not a vector");

        public Val Value(object? edn)
        {
            ValComparer.Guard();
            switch (edn)
            {
                case EdnTagged { Tag.Namespace: "yin" } t:
                    return Tagged(t.Tag.Name, t.Value);
                case EdnVector v:
                    return ValConvert.Vector(v.Select(Value));
                case EdnSet s:
                    return Val.Object(new YSet(SetEntries.Of(s.Select(Value))));
                case EdnMap m:
                    return Val.Object(new YMap(m.Aggregate(YMap.Empty.Items, (acc, kv) => acc.SetItem(Value(kv.Key), Value(kv.Value)))));
                default:
                    return ValConvert.FromEdn(edn);
            }
        }

        private Val Tagged(string tag, object? value)
        {
            var map = value as EdnMap;
            object? Field(string name) => map is not null && map.TryGetValue(Keyword.Intern(null, name), out var v) ? v : null;
            switch (tag)
            {
                case "entity":
                    return Val.Entity(EntityId.Parse((string)value!));
                case "seq":
                    return ((EdnVector)value!).Count == 0 ? Val.Nil : Val.Object(new YSeq(ImmutableList.CreateRange(((EdnVector)value).Select(Value)), 0));
                case "native":
                    return Val.Object(Natives.Find((string)value!)?.AsValue ?? throw YinException.Of(Kinds.Continuation, $"no native {value}"));
                case "cons":
                {
                    var parts = (EdnVector)value!;
                    return Val.Object(new YList(Value(parts[0]), Value(parts[1]), (int)(long)parts[2]!));
                }
                case "lazy" when Field("fn") is { } fn:
                    return Val.Object(new YLazySeq((YFunction)Value(fn).Obj!));
                case "lazy":
                {
                    var native = Natives.Find((string)Field("native")!) ?? throw YinException.Of(Kinds.Continuation, $"no native {Field("native")}");
                    Val[] args = [.. ((EdnVector)Field("args")!).Select(Value)];
                    // Generators only build their first step here; no machine is needed until it is walked.
                    return native.Fn(null!, args);
                }
                case "atom":
                    return Val.Object(new YAtom((string)Field("kind")!, Value(Field("value"))));
                case "fn":
                    return Val.Object(new FnRef(Cell(Field("entity") as string, Field("prelude") as string)));
                case "closure":
                {
                    var cell = Cell(Field("entity") as string, Field("prelude") as string);
                    var prepared = Code(cell, (string?)Field("lambda") ?? "", (string?)Field("digest") ?? "");
                    var captures = Field("captures") is EdnVector c ? c.Select(Value).ToArray() : [];
                    return Val.Object(new Closure(prepared, captures));
                }
                case "record":
                {
                    var key = (string)Field("type")!;
                    var type = RecordTypeOf(key);
                    var values = ((EdnVector)Field("values")!).Select(Value).ToArray();
                    return Val.Object(new YRecord(type, values));
                }
                case "error":
                    return Val.Object(new YinError((Keyword)Field("kind")!, (string)Field("message")!, Value(Field("data"))));
                default:
                    throw YinException.Of(Kinds.Continuation, $"unknown stored value #yin/{tag}");
            }
        }

        private FunctionCell Cell(string? entity, string? prelude)
        {
            if (prelude is not null)
                return Prelude.Cell(prelude) ?? throw YinException.Of(Kinds.Continuation, $"no prelude function {prelude}");
            return entity is not null && EntityId.TryParse(entity, out var id)
                ? code.Cell(id)
                : throw YinException.Of(Kinds.Continuation, "a stored function names no entity");
        }

        public Prepared Code(EntityId? function, string? prelude, string lambda, string digest) =>
            Code(Cell(function?.ToString(), prelude), lambda, digest);

        private Prepared Code(FunctionCell cell, string lambda, string digest)
        {
            var current = cell.Current ?? cell.Owner.Prepare(cell);
            if (current.Digest != digest && older is not null && cell.Prelude is null)
            {
                _older ??= older();
                current = code.PrepareAt(cell, _older);
            }
            if (current.Digest != digest)
                throw YinException.Of(Kinds.Continuation, $"the code of {cell.Name} has changed since the continuation was captured, and the code it was running cannot be found");
            return current.Lambda(lambda) ?? throw YinException.Of(Kinds.Continuation, $"{cell.Name} has no fn at {lambda}");
        }

        private RecordType RecordTypeOf(string key)
        {
            var reader = new AstReader(code.Snapshot());
            var node = reader.Lookup(key);
            if (node is null || !node.Is(AstSchema.Types.Record))
                throw YinException.Of(Kinds.Continuation, $"the record type {key} is not defined");
            return Compiler.RecordTypeOf(reader, node);
        }
    }
}
