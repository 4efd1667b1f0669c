using System.Numerics;
using Datom.Log.Edn;
using Xunit;
using static Datom.Log.Tests.Edn.EdnAssert;

namespace Datom.Log.Tests.Edn;

public class EdnCollectionTests
{
    [Fact]
    public void Empty_collections()
    {
        Assert.Empty(Assert.IsType<EdnList>(Read("()")));
        Assert.Empty(Assert.IsType<EdnVector>(Read("[]")));
        Assert.Empty(Assert.IsType<EdnMap>(Read("{}")));
        Assert.Empty(Assert.IsType<EdnSet>(Read("#{}")));
    }

    [Fact]
    public void Lists_and_vectors_hold_heterogeneous_elements_in_order()
    {
        var list = Assert.IsType<EdnList>(Read("(a b 42)"));
        Assert.Equal(new object?[] { Sym("a"), Sym("b"), 42L }, list);
        var vector = Assert.IsType<EdnVector>(Read("[nil true 1.5 \"s\" :k \\c [1] (2) {3 4} #{5}]"));
        Assert.Equal(10, vector.Count);
        Assert.Null(vector[0]);
        Assert.Equal('c', vector[5]);
        EdnEqual(EdnVector.Of(1L), vector[6]);
        EdnEqual(EdnList.Of(2L), vector[7]);
        EdnEqual(EdnMap.Of(3L, 4L), vector[8]);
        EdnEqual(EdnSet.Of(5L), vector[9]);
    }

    [Fact]
    public void Transaction_data_reads_as_expected()
    {
        var add = Assert.IsType<EdnVector>(Read("[:db/add \"tmp\" :user/email \"a@b\"]"));
        Assert.Same(Kw(":db/add"), add[0]);
        Assert.Equal("tmp", add[1]);
        Assert.Same(Kw(":user/email"), add[2]);
        Assert.Equal("a@b", add[3]);

        var entity = Assert.IsType<EdnMap>(Read("{:db/id \"x\" :user/name \"Ann\"}"));
        Assert.Equal("x", entity[Kw(":db/id")]);
        Assert.True(entity.TryGetValue(Kw(":user/name"), out var name));
        Assert.Equal("Ann", name);
        Assert.False(entity.ContainsKey(Kw(":user/age")));
        Assert.Equal(new object?[] { Kw(":db/id"), Kw(":user/name") }, entity.Keys);
        Assert.Equal(new object?[] { "x", "Ann" }, entity.Values);
    }

    [Fact]
    public void Maps_keep_insertion_order_and_allow_any_key_including_nil()
    {
        var map = Assert.IsType<EdnMap>(Read("{:a 1, \"foo\" :bar, [1 2 3] four, nil 0, {1 2} #{3}}"));
        Assert.Equal(5, map.Count);
        Assert.Equal(
            new object?[] { Kw(":a"), "foo", EdnVector.Of(1L, 2L, 3L), null, EdnMap.Of(1L, 2L) },
            map.Select(e => e.Key));
        Assert.Equal(0L, map[null]);
        Assert.Equal(Sym("four"), map[EdnList.Of(1L, 2L, 3L)]);
        Assert.Equal(EdnSet.Of(3L), map[EdnMap.Of(1L, 2L)]);
        Assert.Throws<KeyNotFoundException>(() => map[Kw(":missing")]);
    }

    [Fact]
    public void Large_maps_and_sets_look_up_through_an_index()
    {
        var text = "{" + string.Join(" ", Enumerable.Range(0, 100).Select(i => $":k{i} {i}")) + " nil -1}";
        var map = Assert.IsType<EdnMap>(Read(text));
        Assert.Equal(101, map.Count);
        Assert.Equal(42L, map[Kw(":k42")]);
        Assert.Equal(-1L, map[null]);
        Assert.False(map.ContainsKey(Kw(":k100")));

        var set = Assert.IsType<EdnSet>(Read("#{" + string.Join(" ", Enumerable.Range(0, 100)) + " nil}"));
        Assert.True(set.Contains(99L));
        Assert.True(set.Contains(new BigInteger(99)));
        Assert.True(set.Contains(null));
        Assert.False(set.Contains(99.0));
    }

    [Fact]
    public void Sets_hold_unique_elements()
    {
        var set = Assert.IsType<EdnSet>(Read("#{a b [1 2 3]}"));
        Assert.Equal(3, set.Count);
        Assert.True(set.Contains(Sym("a")));
        Assert.True(set.Contains(EdnList.Of(1L, 2L, 3L)));
        Assert.False(set.Contains(Sym("c")));
    }

    [Theory]
    [InlineData("{:a 1 :a 2}", 1, 7, "duplicate map key :a")]
    [InlineData("{:a 1\n :b 2\n :a 3}", 3, 2, "duplicate map key :a")]
    [InlineData("{[1 2] 1 (1 2) 2}", 1, 10, "duplicate map key (1 2)")]
    [InlineData("{1 :a 1N :b}", 1, 7, "duplicate map key 1N")]
    [InlineData("{0.0 1 -0.0 2}", 1, 8, "duplicate map key -0.0")]
    [InlineData("{nil 1 nil 2}", 1, 8, "duplicate map key nil")]
    [InlineData("{0 0 1 1 2 2 3 3 4 4 5 5 6 6 7 7 8 8 9 9 5 5}", 1, 42, "duplicate map key 5")]
    [InlineData("#{1 1}", 1, 5, "duplicate set element 1")]
    [InlineData("#{[1] (1)}", 1, 7, "duplicate set element (1)")]
    [InlineData("#{##NaN ##NaN}", 1, 9, "duplicate set element ##NaN")]
    [InlineData("#{0 1 2 3 4 5 6 7 8 9 10 3}", 1, 26, "duplicate set element 3")]
    [InlineData("#{#{1 2} #{2 1}}", 1, 10, "duplicate set element #{2 1}")]
    [InlineData("#{{:a 1 :b 2} {:b 2 :a 1}}", 1, 15, "duplicate set element")]
    [InlineData("[#_ {:a 1 :a 2}]", 1, 11, "duplicate map key :a")]
    public void Duplicate_keys_and_elements_are_errors_at_the_repeat(string text, int line, int column, string reason) =>
        Fails(text, line, column, reason);

    [Fact]
    public void Equal_looking_but_distinct_keys_are_not_duplicates()
    {
        Assert.Equal(2, Assert.IsType<EdnSet>(Read("#{1 1.0}")).Count);
        Assert.Equal(2, Assert.IsType<EdnSet>(Read("#{1 1M}")).Count);
        Assert.Equal(2, Assert.IsType<EdnSet>(Read("#{a :a}")).Count);
        Assert.Equal(2, Assert.IsType<EdnSet>(Read("#{\"a\" \\a}")).Count);
        Assert.Equal(2, Assert.IsType<EdnMap>(Read("{[1] 1 #{1} 2}")).Count);
    }

    [Theory]
    [InlineData("(1 2", 1, 1, "unterminated list: end of input before ')'")]
    [InlineData("[1 2", 1, 1, "unterminated vector: end of input before ']'")]
    [InlineData("{:a 1", 1, 1, "unterminated map: end of input before '}'")]
    [InlineData("{:a", 1, 1, "unterminated map")]
    [InlineData("#{1 2", 1, 1, "unterminated set: end of input before '}'")]
    [InlineData("[1 (2\n  3", 1, 4, "unterminated list")]
    [InlineData("[1\n [2 {:a [3]}\n", 2, 2, "unterminated vector")]
    [InlineData("(]", 1, 2, "']' does not close the list opened at 1:1 (expected ')')")]
    [InlineData("[1 2)", 1, 5, "')' does not close the vector opened at 1:1 (expected ']')")]
    [InlineData("{:a 1]", 1, 6, "']' does not close the map opened at 1:1")]
    [InlineData("{:a]", 1, 4, "']' does not close the map opened at 1:1")]
    [InlineData("#{1)", 1, 4, "')' does not close the set opened at 1:1")]
    [InlineData("]", 1, 1, "unmatched ']'")]
    [InlineData("1 2 )", 1, 5, "unmatched ')'")]
    [InlineData("{:a 1 :b}", 1, 7, "map key :b has no value")]
    [InlineData("{:a}", 1, 2, "map key :a has no value")]
    public void Delimiter_errors(string text, int line, int column, string reason) => Fails(text, line, column, reason);

    [Fact]
    public void Delimiters_need_no_whitespace()
    {
        EdnEqual(EdnVector.Of(Sym("a"), EdnList.Of(Sym("b")), Sym("c")), Read("[a(b)c]"));
        EdnEqual(EdnMap.Of(Kw(":a"), EdnVector.Of(1L), Kw(":b"), EdnMap.Of()), Read("{:a[1]:b{}}"));
        EdnEqual(EdnVector.Of("a", "b", 1L, "c"), Read("[\"a\"\"b\"1\"c\"]"));
        Assert.Equal(new object?[] { Sym("a"), "s" }, EdnReader.ReadAll("a\"s\""));
        EdnEqual(EdnVector.Of(EdnSet.Of(1L), EdnSet.Of()), Read("[#{1}#{}]"));
    }

    [Fact]
    public void Factories_build_values_that_equal_read_ones()
    {
        EdnEqual(Read("[1 \"a\" :k]"), EdnVector.Of(1L, "a", Kw(":k")));
        EdnEqual(Read("(1 2)"), new EdnList(new object?[] { 1L, 2L }));
        EdnVector vector = [1L, 2L];
        EdnList list = [1L, 2L];
        EdnSet set = [1L, 2L, 1L];
        Assert.Equal(vector, list);
        Assert.Equal(2, set.Count);
        EdnEqual(Read("{:a 1 nil 2}"), new EdnMap(new[] { KeyValuePair.Create<object?, object?>(Kw(":a"), 1L), KeyValuePair.Create<object?, object?>(null, 2L) }));
        Assert.Throws<ArgumentException>(() => EdnMap.Of(Kw(":a"), 1L, Kw(":a"), 2L));
        Assert.Throws<ArgumentException>(() => EdnMap.Of(Kw(":a")));
        Assert.Single(new EdnSet(new object?[] { 1L, 1, new BigInteger(1) }));
        Assert.Same(EdnVector.Empty, EdnVector.Of());
    }

    [Fact]
    public void Collection_position_and_meta_are_not_part_of_equality()
    {
        var read = Assert.IsType<EdnVector>(Read("\n  [1 2]"));
        Assert.Equal(new SourcePosition(2, 3), read.Position);
        var built = EdnVector.Of(1L, 2L);
        Assert.Null(built.Position);
        Assert.Equal(built, read);
        Assert.Equal(built.GetHashCode(), read.GetHashCode());
        var withMeta = read.WithMeta(EdnMap.Of(Kw(":doc"), "x"));
        Assert.Equal(read, withMeta);
        Assert.Equal(read.Position, withMeta.Position);
        Assert.Equal("x", withMeta.Meta![Kw(":doc")]);
        Assert.Equal(EdnMap.Of(1L, 2L), EdnMap.Of(1L, 2L).WithPosition(new SourcePosition(1, 1)).WithMeta(EdnMap.Empty));
        Assert.Equal(EdnSet.Of(1L), EdnSet.Of(1L).WithPosition(new SourcePosition(1, 1)));
        Assert.Equal(EdnList.Of(1L), EdnList.Of(1L).WithMeta(EdnMap.Empty));
    }

    [Fact]
    public void ToString_prints_EDN()
    {
        Assert.Equal("[1 :a \"s\"]", Read("[1 :a \"s\"]")!.ToString());
        Assert.Equal("{:a (1 2), nil #{}}", Read("{:a (1 2) nil #{}}")!.ToString());
        Assert.Equal("#my/tag [1]", Read("#my/tag [1]")!.ToString());
        Assert.Equal("[#object[System.Object]]", EdnVector.Of(new object()).ToString());
    }
}
