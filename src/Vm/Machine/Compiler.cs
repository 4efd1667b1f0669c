using System.Globalization;
using Datom.Log.Edn;
using Datom.Vm.Ast;
using T = Datom.Vm.Ast.AstSchema.Types;

namespace Datom.Vm.Machine;

/// <summary>
/// Prepares a function's AST (read through a view) into the machine's instructions: locals in
/// numbered slots, closures over captured values, <c>loop</c>/<c>recur</c> as jumps, calls to
/// named functions through their cells. Everything the machine needs at run time is resolved
/// here once per function version, which is what makes running from DaoDB as fast as running
/// from memory.
/// </summary>
internal sealed class Compiler
{
    // Quoted forms are EdnWriter's text, which for Clojure values (#"re") needs the Clojure reader.
    private static readonly EdnReaderOptions QuoteOptions = new() { ClojureSyntax = true };

    private readonly AstReader _reader;
    private readonly CodeBase _code;
    private readonly FunctionCell _cell;
    private readonly Compiler? _parent;
    private readonly string _name;
    private readonly string _location;
    private readonly string _lambdaPath;
    private readonly string _digest;
    private readonly List<Instr> _instrs = [];
    private readonly List<int> _lines = [];
    private readonly List<Val> _constants = [];
    private readonly List<FunctionCell> _callees = [];
    private readonly List<Prepared> _lambdas = [];
    private readonly List<RecordType> _records = [];
    private readonly List<(string Name, Access From)> _captures = [];

    // Positions some jump goes to: a fused sequence may begin at one, never span one.
    private readonly HashSet<int> _labels = [0];
    private Scope? _scope;
    private int _slots;
    private int _maxSlots;
    private int _depth;
    private int _maxDepth;
    private int _line;
    private LoopTarget? _loop;
    private int _nesting;

    private Compiler(AstReader reader, CodeBase code, FunctionCell cell, Compiler? parent, string name, string location, string lambdaPath, string digest)
    {
        _reader = reader;
        _code = code;
        _cell = cell;
        _parent = parent;
        _name = name;
        _location = location;
        _lambdaPath = lambdaPath;
        _digest = digest;
    }

    private readonly record struct Access(bool Captured, int Index);

    private sealed record Scope(Scope? Parent, string Name, int Slot);

    private sealed record LoopTarget(int Start, int FirstSlot, int Count);

    /// <summary>
    /// The version of the instructions this compiler makes, part of each <see cref="Prepared.Digest"/>:
    /// a stored continuation's frames hold positions in them, so a continuation captured in code
    /// prepared by another version (fused differently) must be refused, not resumed at the wrong
    /// instruction. Change it whenever the code made from the same AST changes.
    /// </summary>
    private const string InstructionSet = " i2";

    /// <exception cref="YinException">The AST is not a function the machine can run (<c>:error/code</c>).</exception>
    public static Prepared CompileFunction(AstReader reader, AstNode fn, FunctionCell cell, CodeBase code)
    {
        var name = fn.Key ?? fn.Str(AstSchema.FnName) ?? cell.Name;
        var compiler = new Compiler(reader, code, cell, null, name, fn.Location, "", reader.Digest(fn) + InstructionSet);
        return compiler.Function(fn, fn.Ref(AstSchema.FnReturnType) is { } rt ? TypeOf(reader, rt) : null);
    }

    private Prepared Function(AstNode fn, TypeCheck? returnCheck)
    {
        _line = fn.Line;
        var self = fn.Is(T.Lambda) ? fn.Str(AstSchema.FnName) : null;
        var arities = _reader.Children(fn, AstSchema.FnArity);
        string[] names = [];
        TypeCheck?[]? checks = null;
        List<ArityEntry>? entries = null;
        var arity = 0;
        if (arities.Count == 0)
        {
            (names, checks) = ArityCode(fn, self);
            arity = names.Length;
            if (fn.Flag(AstSchema.FnVariadic))
            {
                entries = [new ArityEntry(names.Length, true, 0)];
                arity = -1;
            }
        }
        else
        {
            entries = [];
            arity = -1;
            foreach (var a in arities)
            {
                var pc = Here;
                _labels.Add(pc);
                var (n, _) = ArityCode(a, self);
                entries.Add(new ArityEntry(n.Length, a.Flag(AstSchema.FnVariadic), pc));
                if (names.Length == 0)
                    names = n;
            }
            checks = null;
        }
        Thread();
        if (returnCheck is not null)
        {
            for (var i = 0; i < _instrs.Count; i++)
            {
                if (_instrs[i].Op == Op.Return)
                    _instrs[i] = new Instr(Op.ReturnChecked);
            }
        }
        else
        {
            FuseReturns();
        }
        return new Prepared
        {
            Name = _name,
            Location = _location,
            Line = fn.Line,
            Arity = arity,
            Entries = entries?.ToArray(),
            SlotCount = _maxSlots,
            FrameSize = _maxSlots + _maxDepth + 1,
            Code = [.. _instrs],
            Lines = [.. _lines],
            Constants = [.. _constants],
            Callees = [.. _callees],
            Lambdas = [.. _lambdas],
            Records = [.. _records],
            ParamNames = names,
            ParamChecks = checks,
            ReturnCheck = returnCheck,
            CaptureCount = _captures.Count,
            Cell = _cell,
            LambdaPath = _lambdaPath,
            Digest = _digest,
        };
    }

    /// <summary>One arity's code, from the current position: its parameters in slots 0.., then its body and a return.</summary>
    private (string[] Names, TypeCheck?[]? Checks) ArityCode(AstNode arity, string? self)
    {
        _scope = null;
        _slots = 0;
        _depth = 0;
        _line = arity.Line;
        var parameters = _reader.Children(arity, AstSchema.FnParam);
        var names = new string[parameters.Count];
        TypeCheck?[]? checks = null;
        for (var i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            names[i] = p.Str(AstSchema.ParamName) ?? throw Bad(p, "a parameter has no :param/name");
            Bind(names[i]);
            if (p.Ref(AstSchema.ParamType) is { } t && TypeOf(_reader, t) is { } check)
            {
                checks ??= new TypeCheck?[parameters.Count];
                checks[i] = check;
            }
        }
        var start = Here;
        if (self is not null)
        {
            // A named fn sees itself by its name: the closure being run, rebuilt from its code and captures.
            var slot = Bind(self);
            Emit(Op.Self, delta: 1);
            Emit(Op.Store, slot, delta: -1);
            start = Here;
            _labels.Add(start);
        }
        _loop = new LoopTarget(start, 0, parameters.Count);
        Body(_reader.Children(arity, AstSchema.Body), tail: true);
        _line = arity.Line;
        Emit(Op.Return, delta: -1);
        return (names, checks);
    }

    private static TypeCheck? TypeOf(AstReader reader, Log.Model.EntityId type)
    {
        var node = reader.Node(type);
        if (node?.Key is not { } key)
            return null;
        return TypeCheck.ForKey(key, node.Str(AstSchema.TypeName) ?? key);
    }

    // ---- scopes ----

    private int Bind(string name)
    {
        var slot = _slots++;
        _maxSlots = Math.Max(_maxSlots, _slots);
        _scope = new Scope(_scope, name, slot);
        return slot;
    }

    private Access? Resolve(string name)
    {
        for (var s = _scope; s is not null; s = s.Parent)
        {
            if (s.Name == name)
                return new Access(false, s.Slot);
        }
        for (var i = 0; i < _captures.Count; i++)
        {
            if (_captures[i].Name == name)
                return new Access(true, i);
        }
        if (_parent?.Resolve(name) is { } outer)
        {
            _captures.Add((name, outer));
            return new Access(true, _captures.Count - 1);
        }
        return null;
    }

    // ---- emission ----

    private int Emit(Op op, int a = 0, int b = 0, int c = 0, int delta = 0)
    {
        _instrs.Add(new Instr(op, a, b, c));
        _lines.Add(_line);
        _depth += delta;
        _maxDepth = Math.Max(_maxDepth, _depth);
        return _instrs.Count - 1;
    }

    private int Here => _instrs.Count;

    private void Patch(int at)
    {
        _instrs[at] = _instrs[at] with { A = Here };
        _labels.Add(Here);
    }

    /// <summary>Whether instructions <paramref name="from"/>..Here can be fused into one at <paramref name="from"/>: no jump lands inside.</summary>
    private bool Fusible(int from)
    {
        for (var i = from + 1; i <= Here; i++)
        {
            if (_labels.Contains(i))
                return false;
        }
        return true;
    }

    private Instr Last(int back) => _instrs[^back];

    private void Drop(int count)
    {
        _instrs.RemoveRange(_instrs.Count - count, count);
        _lines.RemoveRange(_lines.Count - count, count);
    }

    /// <summary>Pops the test of an if: a comparison just compiled becomes a compare-and-branch.</summary>
    private int JumpIfFalse()
    {
        var n = _instrs.Count;
        var after = _depth - 1;
        if (n >= 1 && Branch(Last(1).Op) is { } branch && Fusible(n - 1))
        {
            Drop(1);
            int at;
            if (n >= 3 && Last(2).Op == Op.Load && Last(1).Op == Op.Const && Fusible(n - 3) && BranchSC(branch) is { } sc
                && (sc == Op.JumpIfNotEqSC || Immediate(_constants[Last(1).A]) is not null))
            {
                // An ordered comparison takes the constant as an immediate; equality, any constant by its index.
                var (slot, k) = (Last(2).A, sc == Op.JumpIfNotEqSC ? Last(1).A : Immediate(_constants[Last(1).A])!.Value);
                Drop(2);
                at = Emit(sc, 0, slot, k);
            }
            else
            {
                at = Emit(branch);
            }
            _depth = after;
            return at;
        }
        return Emit(Op.JumpIfFalse, delta: -1);
    }

    private static Op? Branch(Op compare) => compare switch
    {
        Op.Lt => Op.JumpIfNotLt,
        Op.Gt => Op.JumpIfNotGt,
        Op.Le => Op.JumpIfNotLe,
        Op.Ge => Op.JumpIfNotGe,
        Op.Eq => Op.JumpIfNotEq,
        _ => null,
    };

    /// <summary>A long constant that fits an instruction's operand, or null.</summary>
    private static int? Immediate(Val constant) =>
        constant.IsLong && constant.AsLong is >= int.MinValue and <= int.MaxValue ? (int)constant.AsLong : null;

    private static Op? BranchSC(Op branch) => branch switch
    {
        Op.JumpIfNotLt => Op.JumpIfNotLtSC,
        Op.JumpIfNotGt => Op.JumpIfNotGtSC,
        Op.JumpIfNotLe => Op.JumpIfNotLeSC,
        Op.JumpIfNotGe => Op.JumpIfNotGeSC,
        Op.JumpIfNotEq => Op.JumpIfNotEqSC,
        _ => null,
    };

    /// <summary>
    /// The last step of preparing: a jump to a return returns at once. Positions do not move, so
    /// jump targets and the line table stay valid.
    /// </summary>
    private void Thread()
    {
        for (var i = 0; i < _instrs.Count; i++)
        {
            if (_instrs[i].Op == Op.Jump && _instrs[i].A < _instrs.Count && _instrs[_instrs[i].A].Op == Op.Return)
                _instrs[i] = new Instr(Op.Return);
        }
    }

    /// <summary>
    /// A load, an add or a subtract followed by a return (not a checked one) becomes one instruction
    /// that returns the value. The return stays where it was, for any jump to it, so positions do
    /// not move either.
    /// </summary>
    private void FuseReturns()
    {
        for (var i = 0; i + 1 < _instrs.Count; i++)
        {
            if (_instrs[i + 1].Op != Op.Return)
                continue;
            _instrs[i] = _instrs[i].Op switch
            {
                Op.Load => new Instr(Op.ReturnLocal, _instrs[i].A),
                Op.Add => new Instr(Op.AddReturn),
                Op.Sub => new Instr(Op.SubReturn),
                _ => _instrs[i],
            };
        }
    }

    private void Constant(Val v)
    {
        _constants.Add(v);
        Emit(Op.Const, _constants.Count - 1, delta: 1);
    }

    private int Callee(FunctionCell cell)
    {
        var i = _callees.IndexOf(cell);
        if (i >= 0)
            return i;
        _callees.Add(cell);
        return _callees.Count - 1;
    }

    // ---- expressions ----

    private void Body(IReadOnlyList<AstNode> forms, bool tail)
    {
        if (forms.Count == 0)
        {
            Constant(Val.Nil);
            return;
        }
        for (var i = 0; i < forms.Count; i++)
        {
            var last = i == forms.Count - 1;
            Expr(forms[i], tail && last);
            if (!last)
                Emit(Op.Pop, delta: -1);
        }
    }

    /// <summary>
    /// Deepest expression nesting prepared. Source read by the loader nests at most
    /// <see cref="Reading.SourceReader.MaxDepth"/>; an AST from elsewhere (a peer, an agent) is not
    /// trusted to, and a cycle of component refs would nest forever: either is refused here
    /// rather than recursing the host's stack into the ground.
    /// </summary>
    public const int MaxNesting = 1_000;

    private void Expr(AstNode node, bool tail)
    {
        if (++_nesting > MaxNesting)
            throw Bad(node, $"expressions nest more than {MaxNesting} deep (or the AST has a cycle)");
        try
        {
            ExprAt(node, tail);
        }
        finally
        {
            _nesting--;
        }
    }

    private void ExprAt(AstNode node, bool tail)
    {
        var outer = _line;
        _line = node.Line;
        var type = node.Type ?? throw Bad(node, "a node has no :ast/type");
        if (type == T.Literal)
            Constant(Literal(node));
        else if (type == T.Variable)
            Variable(node);
        else if (type == T.Call)
            Call(node);
        else if (type == T.If)
            If(node, _reader.Child(node, AstSchema.IfThen), _reader.Child(node, AstSchema.IfElse), null, tail);
        else if (type == T.When)
            If(node, null, null, _reader.Children(node, AstSchema.Body), tail);
        else if (type == T.Cond)
            Cond(node, tail);
        else if (type == T.And || type == T.Or)
            AndOr(node, type == T.And, tail);
        else if (type == T.Do)
            Body(_reader.Children(node, AstSchema.Body), tail);
        else if (type == T.Let || type == T.Loop)
            Let(node, type == T.Loop, tail);
        else if (type == T.Recur)
            Recur(node, tail);
        else if (type == T.Lambda)
            Lambda(node);
        else if (type == T.Vector || type == T.Map || type == T.Set)
            Collection(node, type == T.Vector ? Op.Vector : type == T.Map ? Op.Map : Op.Set);
        else if (type == T.Quote)
            Constant(ValConvert.FromEdn(EdnReader.ReadOne(node.Str(AstSchema.QuoteEdn) ?? "nil", QuoteOptions)));
        else if (type == T.New)
            New(node);
        else if (type == T.Try)
            Try(node, tail);
        else
            throw Bad(node, $"{type} is not an expression");
        _line = outer;
    }

    private static Val Literal(AstNode node)
    {
        if (node.One(AstSchema.LiteralString) is { } s)
            return Val.String(s.AsString);
        if (node.One(AstSchema.LiteralLong) is { } l)
            return Val.Long(l.AsLong);
        if (node.One(AstSchema.LiteralDouble) is { } d)
            return Val.Double(d.AsDouble);
        if (node.One(AstSchema.LiteralBoolean) is { } b)
            return Val.Bool(b.AsBoolean);
        if (node.One(AstSchema.LiteralKeyword) is { } k)
            return Val.Keyword(Keyword.Parse(k.AsString, clojure: true));
        return Val.Nil;
    }

    private void Variable(AstNode node)
    {
        var name = node.Str(AstSchema.Name) ?? throw Bad(node, "a variable has no :ast/name");
        if (node.Ref(AstSchema.Function) is null && node.Str(AstSchema.Builtin) is null && Resolve(name) is { } access)
        {
            Emit(access.Captured ? Op.Capture : Op.Load, access.Index, delta: 1);
            return;
        }
        if (node.Ref(AstSchema.Function) is { } fn)
        {
            if (IsDef(fn))
                Emit(Op.DefGet, Callee(_code.Cell(fn)), delta: 1);
            else
                Constant(Val.Object(new FnRef(_code.Cell(fn))));
            return;
        }
        if (node.Str(AstSchema.Builtin) is { } builtin)
        {
            Constant(Builtins.AsValue(builtin) ?? throw Bad(node, $"unknown built-in {builtin}"));
            return;
        }
        throw Bad(node, $"unknown symbol {name}");
    }

    private void Call(AstNode node)
    {
        var args = _reader.Children(node, AstSchema.Arg);
        if (node.Str(AstSchema.Builtin) is { } builtin)
        {
            BuiltinCall(node, builtin, args);
            return;
        }
        if (node.Ref(AstSchema.Function) is { } def && IsDef(def))
        {
            Emit(Op.DefGet, Callee(_code.Cell(def)), delta: 1);
            Args(args);
            _line = node.Line;
            Emit(Op.CallValue, 0, args.Count, delta: -args.Count);
            return;
        }
        if (node.Ref(AstSchema.Function) is { } fn)
        {
            var callee = Callee(_code.Cell(fn));
            Args(args);
            _line = node.Line;
            EmitCall(callee, args.Count);
            return;
        }
        var op = _reader.Child(node, AstSchema.Operator) ?? throw Bad(node, "a call names no function, built-in or operator");
        Expr(op, false);
        Args(args);
        _line = node.Line;
        Emit(Op.CallValue, 0, args.Count, delta: -args.Count);
    }

    /// <summary>A call of callee <paramref name="callee"/>; a last argument computed as slot plus or minus a constant is fused into it.</summary>
    private void EmitCall(int callee, int argc)
    {
        var count = _instrs.Count;
        if (argc > 0 && count >= 1 && Last(1).Op is Op.AddSC or Op.SubSC && Fusible(count - 1)
            && Last(1).A <= 0xFFFF && Immediate(_constants[Last(1).B]) is >= short.MinValue and <= short.MaxValue)
        {
            var (op, slot, k) = (Last(1).Op == Op.AddSC ? Op.CallAddSC : Op.CallSubSC, Last(1).A, Immediate(_constants[Last(1).B])!.Value);
            Drop(1);
            Emit(op, callee, argc, slot | (k << 16), delta: -argc);
            return;
        }
        Emit(Op.Call, callee, argc, delta: 1 - argc);
    }

    private void Args(IReadOnlyList<AstNode> args)
    {
        foreach (var a in args)
            Expr(a, false);
    }

    private void BuiltinCall(AstNode node, string name, List<AstNode> args)
    {
        var n = args.Count;
        switch (name)
        {
            case "def-ref*":
            {
                // The def itself, not its value: what binding* rebinds.
                if (n != 1 || args[0].Ref(AstSchema.Function) is not { } def || !IsDef(def))
                    throw Bad(node, "def-ref* takes the name of a def");
                Constant(Val.Object(new FnRef(_code.Cell(def))));
                return;
            }
            case "apply":
                if (n < 2)
                    throw Bad(node, "(apply f args) takes a function and a collection");
                Args(args);
                _line = node.Line;
                Emit(Op.Apply, 0, n, delta: 1 - n);
                return;
            case "suspend":
                if (n > 1)
                    throw Bad(node, "(suspend) or (suspend value)");
                Args(args);
                _line = node.Line;
                Emit(Op.Suspend, n, delta: 1 - n);
                return;
        }
        var fast = (name, n) switch
        {
            ("+", 2) => Op.Add,
            ("-", 2) => Op.Sub,
            ("*", 2) => Op.Mul,
            ("<", 2) => Op.Lt,
            (">", 2) => Op.Gt,
            ("<=", 2) => Op.Le,
            (">=", 2) => Op.Ge,
            ("=", 2) => Op.Eq,
            ("==", 2) => Op.NumEq,
            ("inc", 1) => Op.Inc,
            ("dec", 1) => Op.Dec,
            ("not", 1) => Op.Not,
            _ => (Op?)null,
        };
        Args(args);
        _line = node.Line;
        if (fast is { } op)
        {
            var count = _instrs.Count;
            if (op is Op.Add or Op.Sub && count >= 2 && Last(2).Op == Op.Load && Last(1).Op == Op.Const && Fusible(count - 2)
                && _constants[Last(1).A].IsLong)
            {
                var (slot, k) = (Last(2).A, Last(1).A);
                var after = _depth - 1;
                Drop(2);
                Emit(op == Op.Add ? Op.AddSC : Op.SubSC, slot, k);
                _depth = after;
                return;
            }
            Emit(op, delta: 1 - n);
            return;
        }
        if (Prelude.Cell(name) is { } prelude)
        {
            EmitCall(Callee(prelude), n);
            return;
        }
        var native = Natives.Find(name) ?? throw Bad(node, $"unknown built-in {name}");
        Emit(Op.Native, native.Id, n, delta: 1 - n);
    }

    private void If(AstNode node, AstNode? then, AstNode? otherwise, IReadOnlyList<AstNode>? body, bool tail)
    {
        var test = _reader.Child(node, AstSchema.IfTest) ?? throw Bad(node, "if/when without a test");
        Expr(test, false);
        var jumpIfFalse = JumpIfFalse();
        var depth = _depth;
        if (body is not null)
            Body(body, tail);
        else if (then is not null)
            Expr(then, tail);
        else
            Constant(Val.Nil);
        var jumpEnd = Emit(Op.Jump);
        Patch(jumpIfFalse);
        _depth = depth;
        if (otherwise is not null)
            Expr(otherwise, tail);
        else
            Constant(Val.Nil);
        Patch(jumpEnd);
    }

    private void Cond(AstNode node, bool tail)
    {
        var clauses = _reader.Children(node, AstSchema.Arg);
        var ends = new List<int>();
        var depth = _depth;
        for (var i = 0; i + 1 < clauses.Count; i += 2)
        {
            _depth = depth;
            Expr(clauses[i], false);
            var next = JumpIfFalse();
            Expr(clauses[i + 1], tail);
            ends.Add(Emit(Op.Jump));
            Patch(next);
        }
        _depth = depth;
        Constant(Val.Nil);
        foreach (var end in ends)
            Patch(end);
    }

    private void AndOr(AstNode node, bool and, bool tail)
    {
        var operands = _reader.Children(node, AstSchema.Arg);
        if (operands.Count == 0)
        {
            Constant(and ? Val.True : Val.Nil);
            return;
        }
        var ends = new List<int>();
        for (var i = 0; i < operands.Count; i++)
        {
            var last = i == operands.Count - 1;
            Expr(operands[i], tail && last);
            if (!last)
                ends.Add(Emit(and ? Op.AndJump : Op.OrJump, delta: -1));
        }
        foreach (var end in ends)
            Patch(end);
    }

    private void Let(AstNode node, bool loop, bool tail)
    {
        var scope = _scope;
        var slots = _slots;
        var bindings = _reader.Children(node, AstSchema.Binding);
        var first = _slots;
        foreach (var b in bindings)
        {
            var name = b.Str(AstSchema.BindingName) ?? throw Bad(b, "a binding has no :binding/name");
            var value = _reader.Child(b, AstSchema.BindingValue) ?? throw Bad(b, "a binding has no :binding/value");
            _line = b.Line;
            Expr(value, false);
            var slot = Bind(name);
            Emit(Op.Store, slot, delta: -1);
        }
        var outerLoop = _loop;
        if (loop)
        {
            _loop = new LoopTarget(Here, first, bindings.Count);
            _labels.Add(Here);
        }
        Body(_reader.Children(node, AstSchema.Body), loop || tail);
        _loop = outerLoop;
        _scope = scope;
        _slots = slots;
    }

    private void Recur(AstNode node, bool tail)
    {
        if (!tail || _loop is null)
            throw Bad(node, "recur is only allowed in tail position of a loop or fn");
        var args = _reader.Children(node, AstSchema.Arg);
        if (args.Count != _loop.Count)
            throw Bad(node, $"recur takes {_loop.Count} argument(s) here, not {args.Count}");
        Args(args);
        _line = node.Line;
        Emit(Op.Recur, _loop.Start, args.Count, _loop.FirstSlot, delta: -args.Count);
        // Control never falls through a recur; the expression's value slot is notional.
        _depth++;
    }

    private void Lambda(AstNode node)
    {
        var index = _lambdas.Count;
        var path = _lambdaPath.Length == 0 ? index.ToString(CultureInfo.InvariantCulture) : _lambdaPath + "." + index.ToString(CultureInfo.InvariantCulture);
        var child = new Compiler(_reader, _code, _cell, this, $"{_name}/fn@{node.Line}", _location, path, _digest) { _nesting = _nesting };
        _lambdas.Add(null!);
        var prepared = child.Function(node, null);
        _lambdas[index] = prepared;
        foreach (var (_, from) in child._captures)
            Emit(from.Captured ? Op.Capture : Op.Load, from.Index, delta: 1);
        _line = node.Line;
        Emit(Op.Closure, index, delta: 1 - child._captures.Count);
    }

    /// <summary>Whether a referenced definition is a <c>def</c> (a value), not a function.</summary>
    private bool IsDef(Log.Model.EntityId id) => _reader.Node(id)?.Is(T.Def) ?? false;

    /// <summary>
    /// <c>try</c>: a handler is pushed for the body and popped after it. An error unwinds the machine
    /// to the handler's frame and depth, pushes the error and jumps here to the catch clauses, which
    /// test its class in order; none matching rethrows it. With a <c>finally</c>, an outer handler
    /// runs the finally code on the way out of the catch clauses too, and rethrows.
    /// </summary>
    private void Try(AstNode node, bool tail)
    {
        _ = tail;
        var (savedScope, savedSlots) = (_scope, _slots);
        var catches = _reader.Children(node, AstSchema.TryCatch);
        var fin = _reader.Child(node, AstSchema.TryFinally);
        var depth = _depth;
        var ends = new List<int>();
        int outer = -1;
        if (fin is not null)
            outer = Emit(Op.TryEnter);
        var enter = Emit(Op.TryEnter);
        Body(_reader.Children(node, AstSchema.Body), false);
        Emit(Op.TryExit);
        var afterBody = Emit(Op.Jump);
        // The handler: the error is on the stack.
        Patch(enter);
        _depth = depth + 1;
        var errSlot = Bind("try error " + Here.ToString(CultureInfo.InvariantCulture));
        Emit(Op.Store, errSlot, delta: -1);
        foreach (var c in catches)
        {
            _line = c.Line;
            var cls = c.Str(AstSchema.CatchClass) ?? "Throwable";
            _constants.Add(Val.String(cls));
            Emit(Op.CatchTest, _constants.Count - 1, errSlot, delta: 1);
            var next = Emit(Op.JumpIfFalse, delta: -1);
            var scope = _scope;
            var local = Bind(c.Str(AstSchema.BindingName) ?? "_");
            Emit(Op.Load, errSlot, delta: 1);
            Emit(Op.Store, local, delta: -1);
            Body(_reader.Children(c, AstSchema.Body), false);
            _scope = scope;
            ends.Add(Emit(Op.Jump));
            Patch(next);
            _depth = depth;
        }
        Emit(Op.Load, errSlot, delta: 1);
        Emit(Op.Throw, delta: -1);
        _depth = depth + 1;
        Patch(afterBody);
        foreach (var e in ends)
            Patch(e);
        if (fin is not null)
        {
            // Normal way out: pop the outer handler, run the finally for its effects, keep the value.
            Emit(Op.TryExit);
            Expr(fin, false);
            Emit(Op.Pop, delta: -1);
            var done = Emit(Op.Jump);
            Patch(outer);
            _depth = depth + 1;
            var again = Bind("finally error " + Here.ToString(CultureInfo.InvariantCulture));
            Emit(Op.Store, again, delta: -1);
            Expr(fin, false);
            Emit(Op.Pop, delta: -1);
            Emit(Op.Load, again, delta: 1);
            Emit(Op.Throw, delta: -1);
            _depth = depth + 1;
            Patch(done);
        }
        (_scope, _slots) = (savedScope, savedSlots);
    }

    private void Collection(AstNode node, Op op)
    {
        var items = _reader.Children(node, AstSchema.Arg);
        Args(items);
        _line = node.Line;
        Emit(op, items.Count, delta: 1 - items.Count);
    }

    private void New(AstNode node)
    {
        var typeId = node.Ref(AstSchema.NewType) ?? throw Bad(node, "->Type names no record");
        var type = _reader.Node(typeId);
        if (type is null || !type.Is(T.Record))
            throw YinException.Of(Kinds.UnknownFunction, $"{node.Str(AstSchema.Name)}: the record type is not defined");
        var record = RecordTypeOf(_reader, type);
        _records.Add(record);
        var args = _reader.Children(node, AstSchema.Arg);
        if (node.Str(AstSchema.Name) is { } name && name.StartsWith("map->", StringComparison.Ordinal))
        {
            // (map->T m): (merge (->T nil ...) m), as T/create does: the map's field keys set the fields.
            if (record.IsDeftype)
                throw YinException.Of(Kinds.UnknownFunction, $"{name}: {record.Name} is a deftype, which has no map constructor");
            Constant(Builtins.AsValue("merge") ?? throw Bad(node, "merge is not a built-in"));
            foreach (var _ in record.Fields)
                Constant(Val.Nil);
            Emit(Op.New, _records.Count - 1, record.Fields.Count, delta: 1 - record.Fields.Count);
            Args(args);
            _line = node.Line;
            Emit(Op.CallValue, 0, 2, delta: -2);
            return;
        }
        Args(args);
        _line = node.Line;
        Emit(Op.New, _records.Count - 1, args.Count, delta: 1 - args.Count);
    }

    /// <summary>A record type as its datoms define it.</summary>
    public static RecordType RecordTypeOf(AstReader reader, AstNode type)
    {
        var fields = reader.Children(type, AstSchema.TypeField);
        return new RecordType(
            type.Key ?? type.Id.ToString(),
            type.Str(AstSchema.TypeName) ?? "?",
            [.. fields.Select(f => Keyword.Intern(null, f.Str(AstSchema.FieldName) ?? "?"))],
            [.. fields.Select(f => f.Ref(AstSchema.FieldType) is { } t ? TypeOf(reader, t) : null)])
        {
            IsDeftype = type.Flag(AstSchema.TypeDeftype),
        };
    }

    private YinException Bad(AstNode node, string message) =>
        YinException.Of(Kinds.Code, $"cannot prepare {_name} ({node.Location}:{node.Line}): {message}");
}
