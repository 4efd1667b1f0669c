using FsCheck;
using FsCheck.Fluent;

namespace Datom.Tests;

/// <summary>
/// Seeds for properties that build their own random input from an <c>int</c>: drawn from the whole
/// int range. FsCheck's own int generator stays within ±size (size grows to 100), so a property that
/// takes an int seed otherwise sees about 201 distinct inputs however many tests it runs (issue 13).
/// Every test project that has such properties compiles this one file.
/// </summary>
public static class Seeds
{
    public static Arbitrary<int> Int32() => Gen.Choose(int.MinValue, int.MaxValue).ToArbitrary();
}
