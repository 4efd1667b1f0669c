using Datom.Log.Edn;
using FsCheck.Xunit;

namespace Datom.Log.Tests.Edn;

public class EdnPropertyTests
{
    [Property(Arbitrary = [typeof(EdnArbitraries)], MaxTest = 1000)]
    public bool Reading_what_was_written_gives_an_equal_value(EdnValue v) =>
        EdnEquality.Instance.Equals(EdnReader.ReadOne(EdnWriter.Write(v.Value)), v.Value);

    [Property(Arbitrary = [typeof(EdnArbitraries)], MaxTest = 1000)]
    public bool Writing_is_stable(EdnValue v)
    {
        var once = EdnWriter.Write(v.Value);
        return once == EdnWriter.Write(v.Value) && once == EdnWriter.Write(EdnReader.ReadOne(once));
    }

    [Property(Arbitrary = [typeof(EdnArbitraries)], MaxTest = 500)]
    public bool Equal_values_hash_alike(EdnValue v) =>
        EdnEquality.Instance.GetHashCode(v.Value) == EdnEquality.Instance.GetHashCode(EdnReader.ReadOne(EdnWriter.Write(v.Value)));

    /// <summary>Reading a stream delivered in arbitrary small chunks gives the same forms as reading it whole.</summary>
    [Property(Arbitrary = [typeof(Seeds), typeof(EdnArbitraries)], MaxTest = 300)]
    public bool Chunk_boundaries_do_not_matter(EdnValue a, EdnValue b, EdnValue c, int seed) =>
        ChunkedReadMatches(seed, a, b, c);

    private static bool ChunkedReadMatches(int seed, params EdnValue[] values)
    {
        var text = string.Join("\n;c\n ", values.Select(v => EdnWriter.Write(v.Value))) + " #_ 0";
        var reader = new EdnReader(new ChunkedReader(text, new Random(seed)));
        var forms = new List<object?>();
        while (reader.TryRead(out var form))
        {
            forms.Add(form);
        }

        return forms.Count == values.Length
            && forms.Zip(values).All(p => EdnEquality.Instance.Equals(p.First, p.Second.Value))
            && forms.Zip(EdnReader.ReadAll(text)).All(p => EdnEquality.Instance.Equals(p.First, p.Second));
    }

    private sealed class ChunkedReader(string text, Random random) : TextReader
    {
        private int _offset;

        public override int Read(char[] buffer, int index, int count)
        {
            var n = Math.Min(Math.Min(count, random.Next(1, 8)), text.Length - _offset);
            text.CopyTo(_offset, buffer, index, n);
            _offset += n;
            return n;
        }
    }
}
