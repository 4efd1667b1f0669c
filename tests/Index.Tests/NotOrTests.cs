using Datom.Index.Query;
using Xunit;
using static Datom.Index.Tests.TestDb;

namespace Datom.Index.Tests;

/// <summary>
/// not, not-join, or, or-join, and: https://docs.datomic.com/query/query-data-reference.html#not-clauses,
/// #not-join-clauses, #or-clauses, #or-join-clauses (examples adapted to a small slice of mbrainz).
/// </summary>
public class NotOrTests
{
    private static readonly MemoryView Db = Build(
        """
        {:artist/name :string, :artist/country :ref, :artist/type :ref, :artist/gender :ref,
         :release/name :string, :release/artists [:ref :many], :release/year :long, :release/media [:ref :many],
         :medium/format :ref}
        """,
        """
        [{:db/id 100 :db/ident :country/CA} {:db/id 101 :db/ident :country/US} {:db/id 102 :db/ident :country/GB}
         {:db/id 110 :db/ident :artist.type/group} {:db/id 111 :db/ident :artist.type/person}
         {:db/id 120 :db/ident :artist.gender/female} {:db/id 121 :db/ident :artist.gender/male}
         {:db/id 130 :db/ident :medium.format/vinyl7} {:db/id 131 :db/ident :medium.format/vinyl12} {:db/id 132 :db/ident :medium.format/cd}]
        """,
        """
        [{:db/id 1 :artist/name "Joni Mitchell" :artist/country :country/CA :artist/type :artist.type/person :artist/gender :artist.gender/female}
         {:db/id 2 :artist/name "Neil Young" :artist/country :country/CA :artist/type :artist.type/person :artist/gender :artist.gender/male}
         {:db/id 3 :artist/name "The Doors" :artist/country :country/US :artist/type :artist.type/group}
         {:db/id 4 :artist/name "Janis Joplin" :artist/country :country/US :artist/type :artist.type/person :artist/gender :artist.gender/female}
         {:db/id 5 :artist/name "The Kinks" :artist/country :country/GB :artist/type :artist.type/group}
         {:db/id 10 :release/name "Ladies of the Canyon" :release/artists [1] :release/year 1970 :release/media [20]}
         {:db/id 11 :release/name "After the Gold Rush" :release/artists [2] :release/year 1970 :release/media [21 22]}
         {:db/id 12 :release/name "L.A. Woman" :release/artists [3] :release/year 1971 :release/media [23]}
         {:db/id 13 :release/name "Pearl" :release/artists [4] :release/year 1971}
         {:db/id 14 :release/name "Lola" :release/artists [5] :release/year 1970}
         {:db/id 20 :medium/format :medium.format/vinyl12}
         {:db/id 21 :medium/format :medium.format/vinyl7}
         {:db/id 22 :medium/format :medium.format/cd}
         {:db/id 23 :medium/format :medium.format/vinyl12}]
        """);

    // "not clauses": artists not from Canada.
    [Fact]
    public void Not()
    {
        AssertQ("3", "[:find (count ?eid) . :where [?eid :artist/name] (not [?eid :artist/country :country/CA])]", Db);
        AssertQ("""#{["The Doors"] ["Janis Joplin"] ["The Kinks"]}""", "[:find ?n :where [?e :artist/name ?n] (not [?e :artist/country :country/CA])]", Db);
    }

    // "not clauses" with several clauses joining on a bound variable and a local one.
    [Fact]
    public void Not_with_several_clauses()
    {
        AssertQ("""#{["The Doors"] ["Janis Joplin"]}""",
            "[:find ?n :where [?a :artist/name ?n] (not [?r :release/artists ?a] [?r :release/year 1970])]", Db);
    }

    // "not-join clauses": artists without a 1970 release.
    [Fact]
    public void Not_join()
    {
        AssertQ("2", "[:find (count ?artist) . :where [?artist :artist/name] (not-join [?artist] [?release :release/artists ?artist] [?release :release/year 1970])]", Db);
    }

    [Fact]
    public void Not_joins_on_every_shared_variable()
    {
        // Pairs (artist, year) where the artist has no release in that year.
        AssertQ("""#{["Joni Mitchell" 1971] ["Neil Young" 1971] ["The Doors" 1970] ["Janis Joplin" 1970] ["The Kinks" 1971]}""",
            "[:find ?n ?y :where [?a :artist/name ?n] [_ :release/year ?y] (not [?r :release/artists ?a] [?r :release/year ?y])]", Db);
    }

    [Fact]
    public void Not_may_come_before_the_clauses_that_bind_it()
    {
        AssertQ("""#{["The Doors"] ["Janis Joplin"] ["The Kinks"]}""", "[:find ?n :where (not [?e :artist/country :country/CA]) [?e :artist/name ?n]]", Db);
    }

    // "or clauses": media in any vinyl format.
    [Fact]
    public void Or()
    {
        AssertQ("3", "[:find (count ?medium) . :where (or [?medium :medium/format :medium.format/vinyl7] [?medium :medium/format :medium.format/vinyl12])]", Db);
    }

    // "or clauses" with and: groups, or female persons.
    [Fact]
    public void Or_with_and()
    {
        AssertQ("""#{["Joni Mitchell"] ["The Doors"] ["Janis Joplin"] ["The Kinks"]}""",
            """
            [:find ?n :where [?artist :artist/name ?n]
             (or [?artist :artist/type :artist.type/group]
                 (and [?artist :artist/type :artist.type/person] [?artist :artist/gender :artist.gender/female]))]
            """, Db);
    }

    // "or-join clauses": releases by Canadian artists or from 1970.
    [Fact]
    public void Or_join()
    {
        AssertQ("""#{["Ladies of the Canyon"] ["After the Gold Rush"] ["Lola"]}""",
            """
            [:find ?rn :where [?release :release/name ?rn]
             (or-join [?release]
               (and [?release :release/artists ?artist] [?artist :artist/country :country/CA])
               [?release :release/year 1970])]
            """, Db);
    }

    [Fact]
    public void Or_binds_variables_it_introduces()
    {
        AssertQ("""#{[1 "Joni Mitchell"] [2 "Neil Young"]}""",
            "[:find ?e ?n :where (or [?e :artist/country :country/CA] [?e :artist/country :country/GB]) [?e :artist/type :artist.type/person] [?e :artist/name ?n]]", Db);
        AssertQ("""#{["The Kinks"] ["Joni Mitchell"] ["Neil Young"]}""",
            """[:find ?n :where (or (and [?e :artist/country :country/CA] [?e :artist/name ?n]) (and [?e :artist/country :country/GB] [?e :artist/name ?n]))]""", Db);
    }

    [Fact]
    public void Or_join_with_required_variables()
    {
        AssertQ("""#{["Joni Mitchell" 1970] ["Neil Young" 1970] ["The Doors" 1971]}""",
            """
            [:find ?n ?y :in $ [?n ...] :where [?a :artist/name ?n]
             (or-join [[?a] ?y] (and [?r :release/artists ?a] [?r :release/year ?y]))]
            """, Db, new List<object> { "Joni Mitchell", "Neil Young", "The Doors" });
    }

    [Fact]
    public void Not_inside_or_and_or_inside_not()
    {
        AssertQ("""#{["The Doors"] ["The Kinks"] ["Janis Joplin"]}""",
            "[:find ?n :where [?a :artist/name ?n] (or [?a :artist/type :artist.type/group] (and [?a :artist/country :country/US] (not [?a :artist/type :artist.type/group])))]", Db);
        AssertQ("""#{["Janis Joplin"]}""",
            "[:find ?n :where [?a :artist/name ?n] (not (or [?a :artist/country :country/CA] [?a :artist/type :artist.type/group]))]", Db);
    }

    [Fact]
    public void Or_branches_must_use_the_same_variables()
    {
        var e = Assert.Throws<QueryException>(() => Q("[:find ?e :where (or [?e :artist/name ?n] [?e :artist/country ?c])]", Db));
        Assert.Contains("every branch of or must use the same variables (?c ?n differ)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Not_needs_its_join_variables_bound()
    {
        var e = Assert.Throws<QueryException>(() => Q("[:find ?e :where [?e :artist/name] (not-join [?x] [?x :artist/country :country/CA])]", Db));
        Assert.Contains("insufficient bindings: ?x must be bound before this not runs", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Or_join_required_variable_must_be_bound()
    {
        var e = Assert.Throws<QueryException>(() => Q("[:find ?y :where (or-join [[?a] ?y] (and [?r :release/artists ?a] [?r :release/year ?y]))]", Db));
        Assert.Contains("?a must be bound before this or-join runs", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void And_only_in_or()
    {
        var e = Assert.Throws<QueryException>(() => Q("[:find ?e :where (and [?e :artist/name])]", Db));
        Assert.Contains("and is only a branch of or", e.Message, StringComparison.Ordinal);
    }
}
