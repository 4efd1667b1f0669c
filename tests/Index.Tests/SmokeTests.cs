using Xunit;
using static Datom.Index.Tests.TestDb;

namespace Datom.Index.Tests;

public class SmokeTests
{
    [Fact]
    public void Simple_join()
    {
        var db = Build("{:name :string, :age :long}", """[{:db/id 1 :name "Ivan" :age 15} {:db/id 2 :name "Petr" :age 37} {:db/id 3 :name "Ivan" :age 37}]""");
        AssertQ("""#{[1 15] [3 37]}""", """[:find ?e ?a :where [?e :name "Ivan"] [?e :age ?a]]""", db);
    }
}
