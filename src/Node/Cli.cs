namespace Datom.Node;

internal static class Cli
{
    public static int Run(string[] args)
    {
        Console.Error.WriteLine("datom: no commands yet");
        return args.Length == 0 ? 2 : 2;
    }
}
