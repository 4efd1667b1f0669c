namespace Datom.Node;

internal static class Program
{
    public static int Main(string[] args) => Cli.Run(args);
}
