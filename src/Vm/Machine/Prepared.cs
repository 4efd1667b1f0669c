using Datom.Log.Model;

namespace Datom.Vm.Machine;

/// <summary>The machine's instructions. A, B and C are the operands named in each comment.</summary>
internal enum Op : byte
{
    /// <summary>Push constant A.</summary>
    Const,

    /// <summary>Push local slot A.</summary>
    Load,

    /// <summary>Push captured value A of the running closure.</summary>
    Capture,

    /// <summary>Pop into local slot A.</summary>
    Store,

    /// <summary>Drop the top value.</summary>
    Pop,

    /// <summary>Go to A.</summary>
    Jump,

    /// <summary>Pop; go to A if the value is nil or false.</summary>
    JumpIfFalse,

    /// <summary><c>and</c>: if the top is falsey go to A keeping it, else pop it.</summary>
    AndJump,

    /// <summary><c>or</c>: if the top is truthy go to A keeping it, else pop it.</summary>
    OrJump,

    /// <summary>Call the function of cell A with the top B values as arguments.</summary>
    Call,

    /// <summary>Call the value below the top B values with them as arguments.</summary>
    CallValue,

    /// <summary>Call native A with the top B values.</summary>
    Native,

    /// <summary><c>apply</c>: a function, B-2 arguments and a collection spread after them.</summary>
    Apply,

    /// <summary>Return the top value to the caller.</summary>
    Return,

    /// <summary>Check the top value against the declared return type, then return it.</summary>
    ReturnChecked,

    /// <summary>Return local slot A (Load, Return).</summary>
    ReturnLocal,

    /// <summary>Make a closure of lambda A over the top (its capture count) values.</summary>
    Closure,

    /// <summary>Pop B values into slots C.., then go to A.</summary>
    Recur,

    /// <summary>Make a vector of the top A values.</summary>
    Vector,

    /// <summary>Make a map of the top A values (key, value, key, value ...).</summary>
    Map,

    /// <summary>Make a set of the top A values.</summary>
    Set,

    /// <summary>Make a record of type A from the top B values.</summary>
    New,

    /// <summary>Push the running closure itself (a named <c>fn</c> calling itself).</summary>
    Self,

    /// <summary>Push the value of the <c>def</c> of cell A, computing it on its first use in this run.</summary>
    DefGet,

    /// <summary>Push a handler: an error unwinds to this frame and depth, is pushed, and control goes to A.</summary>
    TryEnter,

    /// <summary>Pop the innermost handler.</summary>
    TryExit,

    /// <summary>Push whether the error in slot B is of the class named by constant A (or a subclass).</summary>
    CatchTest,

    /// <summary>Pop a value and throw it.</summary>
    Throw,

    /// <summary>Capture the continuation and stop; A is 1 if a value is popped to suspend with.</summary>
    Suspend,

    // Two-operand arithmetic and comparison, with a long fast path.
    Add,
    Sub,
    Mul,
    Lt,
    Gt,
    Le,
    Ge,
    Eq,
    NumEq,

    // One operand.
    Inc,
    Dec,
    Not,

    // Fused forms the compiler makes of common sequences (fewer dispatches for the same work).

    /// <summary>Push slot A plus constant B (Load, Const, Add).</summary>
    AddSC,

    /// <summary>Push slot A minus constant B (Load, Const, Sub).</summary>
    SubSC,

    /// <summary>Pop two; go to A unless the first is less than the second (Lt, JumpIfFalse).</summary>
    JumpIfNotLt,
    JumpIfNotGt,
    JumpIfNotLe,
    JumpIfNotGe,
    JumpIfNotEq,

    /// <summary>Call the function of cell A with B arguments, the last of them slot C &amp; 0xFFFF plus the number C &gt;&gt; 16 (AddSC, Call).</summary>
    CallAddSC,

    /// <summary>As <see cref="CallAddSC"/>, minus the constant (SubSC, Call).</summary>
    CallSubSC,

    /// <summary>Pop two, return their sum (Add, Return).</summary>
    AddReturn,

    /// <summary>Pop two, return their difference (Sub, Return).</summary>
    SubReturn,

    /// <summary>Go to A unless slot B is less than the number C (Load, Const, Lt, JumpIfFalse, for a constant long that fits).</summary>
    JumpIfNotLtSC,
    JumpIfNotGtSC,
    JumpIfNotLeSC,
    JumpIfNotGeSC,

    /// <summary>Go to A unless slot B equals constant C (Load, Const, Eq, JumpIfFalse).</summary>
    JumpIfNotEqSC,
}

internal readonly record struct Instr(Op Op, int A = 0, int B = 0, int C = 0);

/// <summary>One arity of a function: its parameter count (a variadic one's rest parameter included) and first instruction.</summary>
internal readonly record struct ArityEntry(int Params, bool Variadic, int Pc);

/// <summary>
/// A function as the machine runs it: prepared once from its AST datoms, then shared by every frame
/// that runs it and never changed. A new definition makes a new Prepared; frames that started in
/// this one keep it and finish in it.
/// </summary>
internal sealed class Prepared
{
    public required string Name { get; init; }

    public required string Location { get; init; }

    public required int Line { get; init; }

    /// <summary>The parameter count of a fixed single-arity function, or -1 (see <see cref="Entries"/>).</summary>
    public required int Arity
    {
        get;
        init
        {
            field = value;
            CallArity = ParamChecks is null ? value : -1;
        }
    }

    /// <summary>
    /// <see cref="Arity"/> for a function that a call may enter without checking its arguments
    /// (fixed arity, no declared parameter types), else -1: the one comparison the machine's fast
    /// call makes.
    /// </summary>
    public int CallArity { get; private set; } = -1;

    /// <summary>A multi-arity or variadic function's arities and where each one's code starts.</summary>
    public ArityEntry[]? Entries { get; init; }

    /// <summary>Locals: the parameters first, then let and loop bindings.</summary>
    public required int SlotCount { get; init; }

    /// <summary>Slots plus the deepest the operand stack goes: what a frame needs on the value stack.</summary>
    public required int FrameSize { get; init; }

    public required Instr[] Code { get; init; }

    /// <summary>The source line of each instruction, for errors and stack traces.</summary>
    public required int[] Lines { get; init; }

    public required Val[] Constants { get; init; }

    public required FunctionCell[] Callees { get; init; }

    public required Prepared[] Lambdas { get; init; }

    public required RecordType[] Records { get; init; }

    public required string[] ParamNames { get; init; }

    /// <summary>Declared parameter types, or null when none is declared.</summary>
    public required TypeCheck?[]? ParamChecks
    {
        get;
        init
        {
            field = value;
            CallArity = value is null ? Arity : -1;
        }
    }

    public required TypeCheck? ReturnCheck { get; init; }

    public required int CaptureCount { get; init; }

    /// <summary>The named function this code belongs to (a lambda's enclosing function).</summary>
    public required FunctionCell Cell { get; init; }

    /// <summary>Empty for a function; the lambda indexes from it (<c>0</c>, <c>0.1</c>) for a lambda.</summary>
    public required string LambdaPath { get; init; }

    /// <summary>The AST digest of the definition this was prepared from (see <see cref="Ast.AstReader.Digest"/>), with the compiler's instruction-set version.</summary>
    public required string Digest { get; init; }

    public int LineAt(int pc) => Lines.Length == 0 ? Line : Lines[Math.Clamp(pc, 0, Lines.Length - 1)];

    public Prepared? Lambda(string path)
    {
        if (path.Length == 0)
            return this;
        var current = this;
        foreach (var part in path.Split('.'))
        {
            if (!int.TryParse(part, System.Globalization.CultureInfo.InvariantCulture, out var i) || i < 0 || i >= current.Lambdas.Length)
                return null;
            current = current.Lambdas[i];
        }
        return current;
    }
}

/// <summary>
/// The machine's handle on one named function: its entity, and the code prepared from its current
/// definition, or null when that must be (re)prepared. Calls go through the cell, so a call always
/// runs the current definition; invalidation (a DaoDB subscription saw the function's datoms
/// change) only clears the cell, so frames already running keep the code they started with.
/// </summary>
internal sealed class FunctionCell(CodeBase owner, string name, EntityId? entity, string? prelude)
{
    /// <summary>Where the function's code is read and cached.</summary>
    public CodeBase Owner { get; } = owner;

    private readonly Lock _gate = new();
    private Prepared? _current;
    private int _version;
    private int _invalidations;

    public string Name { get; private set; } = name;

    /// <summary>The function's entity, for functions stored in DaoDB.</summary>
    public EntityId? Entity { get; } = entity;

    /// <summary>The prelude function's name, for the VM's own functions.</summary>
    public string? Prelude { get; } = prelude;

    public Prepared? Current => Volatile.Read(ref _current);

    public int Version => Volatile.Read(ref _version);

    /// <summary>How many times this cell was invalidated.</summary>
    public int Invalidations => Volatile.Read(ref _invalidations);

    internal IDisposable? Subscription { get; set; }

    /// <summary>Publishes code prepared at <paramref name="version"/>, unless the cell was invalidated since.</summary>
    public void Publish(Prepared prepared, int version)
    {
        lock (_gate)
        {
            if (_version != version)
                return;
            Name = prepared.Name;
            Volatile.Write(ref _current, prepared);
        }
    }

    public void Invalidate()
    {
        lock (_gate)
        {
            _version++;
            _invalidations++;
            Volatile.Write(ref _current, null);
        }
    }
}
