using System.CommandLine;
using Datom.Log.Identity;

namespace Datom.Node.Commands;

/// <summary><c>datom init [--data DIR] [--mesh-key FILE]</c>: a new node identity, and the mesh it joins.</summary>
internal static class InitCommand
{
    public static Command Create()
    {
        var meshKey = new Option<string?>("--mesh-key")
        {
            Description = "Mesh key file: joined if it exists (copy it from a node of the mesh), created if not (the first node of a new mesh)",
            HelpName = "FILE",
        };
        var command = new Command("init", "Create the data directory and this node's Ed25519 identity; print the node id.")
        {
            Cli.Data,
            meshKey,
        };
        command.SetAction(parse => Run(new DataDirectory(parse.GetValue(Cli.Data)), parse.GetValue(meshKey)));
        return command;
    }

    private static int Run(DataDirectory data, string? meshKeyFile)
    {
        if (data.IsInitialized)
        {
            using var existing = NodeIdentity.Load(data.Path);
            throw new CliException(ExitCodes.Failed, $"{data.Path}: already initialised as node {existing.Id}; refusing to overwrite its identity");
        }
        var (id, meshNote) = Initialize(data, meshKeyFile);
        Terminal.Out.WriteLine(id.ToString());
        Terminal.Error.WriteLine($"datom: initialised {data.Path}");
        Terminal.Error.WriteLine($"datom: {meshNote}");
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Creates the directory, the mesh key (or joins the one in <paramref name="meshKeyFile"/>) and
    /// the identity. Also what <c>datom run</c> does on a directory that has none yet.
    /// </summary>
    internal static (NodeId Id, string MeshNote) Initialize(DataDirectory data, string? meshKeyFile)
    {
        Directory.CreateDirectory(data.Path);

        // The mesh key first: if the given file is unreadable, no identity is left half-made.
        MeshKey key;
        string meshNote;
        if (meshKeyFile is null)
        {
            if (File.Exists(data.MeshKeyPath))
            {
                key = MeshKey.Read(data.MeshKeyPath);
                meshNote = $"joined mesh {key.Id} (key already in {data.MeshKeyPath})";
            }
            else
            {
                key = MeshKey.Generate();
                key.Write(data.MeshKeyPath);
                meshNote = $"created mesh {key.Id}; its key is {data.MeshKeyPath}: copy it to the other machines and run 'datom init --mesh-key FILE' there";
            }
        }
        else
        {
            var (opened, created) = MeshKey.OpenOrCreate(Terminal.FullPath(meshKeyFile));
            key = opened;
            if (!string.Equals(Terminal.FullPath(meshKeyFile), data.MeshKeyPath, StringComparison.Ordinal))
            {
                if (File.Exists(data.MeshKeyPath))
                {
                    if (!MeshKey.Read(data.MeshKeyPath).Bytes.SequenceEqual(key.Bytes))
                        throw new CliException(ExitCodes.Failed, $"{data.MeshKeyPath}: holds a different mesh key than {meshKeyFile}");
                }
                else
                {
                    key.Write(data.MeshKeyPath);
                }
            }
            meshNote = created
                ? $"created mesh {key.Id}; its key is {Terminal.FullPath(meshKeyFile)}: copy it to the other machines"
                : $"joined mesh {key.Id}";
        }

        using var identity = NodeIdentity.Create(data.Path);
        return (identity.Id, meshNote);
    }
}
