namespace Datom.Vm.Tests.Support;

/// <summary>Programs the tests load, with the lines the tests refer to.</summary>
public static class Programs
{
    /// <summary>
    /// A namespace with User types: process-user takes a User and returns a Result (both records
    /// defined here); greet takes a User and returns a String. main calls both (lines 14 and 15).
    /// </summary>
    public const string Users = """
        (ns core)

        (defrecord User [^String name ^Long age])
        (defrecord Result [^Boolean ok ^String message])

        (defn ^Result process-user [^User user]
          (->Result (> (:age user) 17)
                    (str "processed " (:name user))))

        (defn ^String greet [^User user]
          (str "Hello, " (:name user) "!"))

        (defn main []
          (let [u (->User "ann" 42)]
            [(greet u)
             (:message (process-user u))]))

        (defn twice [^Long n] (* 2 n))
        """;

    public const int GreetCallLine = 15;
    public const int ProcessUserCallLine = 16;
}
