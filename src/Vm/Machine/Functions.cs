namespace Datom.Vm.Machine;

/// <summary>A callable Yin value.</summary>
internal abstract class YFunction
{
    private static long _serials;

    /// <summary>Creation order, the only order functions have.</summary>
    public long Serial { get; } = Interlocked.Increment(ref _serials);

    public abstract string Name { get; }
}

/// <summary>A named function as a value (<c>(map greet names)</c>): calls it through its cell, so it runs the current definition.</summary>
internal sealed class FnRef(FunctionCell cell) : YFunction
{
    public FunctionCell Cell { get; } = cell;

    public override string Name => Cell.Name;
}

/// <summary>A <c>fn</c> expression's value: the code it was prepared into and the values it closed over.</summary>
internal sealed class Closure(Prepared code, Val[] captures) : YFunction
{
    public Prepared Code { get; } = code;

    public Val[] Captures { get; } = captures;

    public override string Name => Code.Name;
}

/// <summary>A native built-in as a value (<c>(map inc xs)</c>).</summary>
internal sealed class NativeRef(Native native) : YFunction
{
    public Native Native { get; } = native;

    public override string Name => Native.Name;
}
