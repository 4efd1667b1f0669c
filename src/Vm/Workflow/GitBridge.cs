using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Datom.Index;
using Datom.Vm.Ast;
using Datom.Vm.Loading;
using Datom.Vm.Printing;

namespace Datom.Vm.Workflow;

/// <summary>Something git refused, or git is not there; the message says which.</summary>
public sealed class GitException(string message) : Exception(message);

/// <summary>What an export wrote.</summary>
public sealed record GitExportResult(int Commits, string Branch, string? Head);

/// <summary>
/// The code history as a git repository and back, through the <c>git</c> command (LibGit2Sharp's
/// native library is not available on every machine this runs on, and git is).
/// </summary>
/// <remarks>
/// Export writes one commit per transaction that changed code, in merge order (see
/// <see cref="CodeHistory"/>), on the branch <see cref="Branch"/>: author and committer are the
/// entry's author (name: the first 12 characters of the node id; email: <c>ID@datom</c>), the date is
/// the entry's HLC wall time (to the second: git's resolution), and the message is <c>:tx/reason</c>
/// with trailers naming the entry. Each commit holds one file per namespace (<c>my.app</c> is
/// <c>my/app.yin</c>), the namespace printed from the merged database after that transaction. The
/// same history always gives the same commits (same hashes), so an export can be repeated.
/// </remarks>
public static class GitBridge
{
    public const string Branch = "datom";
    public const string Extension = ".yin";

    public static string FileOf(string ns) => ns.Replace('.', '/') + Extension;

    public static string NamespaceOf(string file) => file[..^Extension.Length].Replace('/', '.');

    /// <exception cref="GitException">git failed or is missing, or the directory is not one to export into.</exception>
    public static async Task<GitExportResult> ExportAsync(CodeHistory history, string directory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(directory);
        if (history.Transactions.Count == 0)
            throw new GitException("there is no code to export");
        if (Directory.Exists(Path.Combine(directory, ".git")))
        {
            var status = await RunAsync(directory, ["status", "--porcelain", "--untracked-files=no"], null, cancellationToken).ConfigureAwait(false);
            if (status.Length > 0)
                throw new GitException($"{directory} has uncommitted changes; commit or discard them first");
        }
        else if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
        {
            throw new GitException($"{directory} is neither empty nor a git repository");
        }
        else
        {
            Directory.CreateDirectory(directory);
            await RunAsync(directory, ["init", "--quiet", "--initial-branch=" + Branch], null, cancellationToken).ConfigureAwait(false);
        }

        var stream = new MemoryStream();
        void Text(string s) => stream.Write(Encoding.UTF8.GetBytes(s));
        void Data(string s)
        {
            var bytes = Encoding.UTF8.GetBytes(s);
            Text(string.Create(CultureInfo.InvariantCulture, $"data {bytes.Length}\n"));
            stream.Write(bytes);
            Text("\n");
        }
        Text($"reset refs/heads/{Branch}\n\n");
        var printed = new Dictionary<string, string>(StringComparer.Ordinal);
        var mark = 0;
        foreach (var tx in history.Transactions)
        {
            var id = tx.Author.ToString();
            var who = string.Create(CultureInfo.InvariantCulture, $"{id[..12]} <{id}@datom> {tx.Time.UnixMilliseconds / 1000} +0000");
            Text(string.Create(CultureInfo.InvariantCulture, $"commit refs/heads/{Branch}\nmark :{++mark}\nauthor {who}\ncommitter {who}\n"));
            Data($"{tx.Message}\n\nDatom-Entry: {tx.Hash}\nDatom-Author: {id}\n");
            if (mark > 1)
                Text(string.Create(CultureInfo.InvariantCulture, $"from :{mark - 1}\n"));
            var view = history.After(tx);
            foreach (var ns in tx.Namespaces.Order(StringComparer.Ordinal))
            {
                string? text;
                try
                {
                    text = AstPrinter.PrintNamespace(view, ns);
                }
                catch (KeyNotFoundException)
                {
                    text = null;
                }
                if (text is null)
                {
                    if (printed.Remove(ns))
                        Text($"D {FileOf(ns)}\n");
                    continue;
                }
                if (printed.TryGetValue(ns, out var before) && before == text)
                    continue;
                printed[ns] = text;
                Text($"M 100644 inline {FileOf(ns)}\n");
                Data(text);
            }
            Text("\n");
        }
        await RunAsync(directory, ["fast-import", "--quiet", "--force"], stream.ToArray(), cancellationToken).ConfigureAwait(false);
        await RunAsync(directory, ["symbolic-ref", "HEAD", "refs/heads/" + Branch], null, cancellationToken).ConfigureAwait(false);
        await RunAsync(directory, ["reset", "--quiet", "--hard"], null, cancellationToken).ConfigureAwait(false);
        var head = (await RunAsync(directory, ["rev-parse", "HEAD"], null, cancellationToken).ConfigureAwait(false)).Trim();
        return new GitExportResult(mark, Branch, head);
    }

    /// <summary>The newest commit of a repository: its id, message and namespace files.</summary>
    public sealed record GitCommit(string Id, string Subject, IReadOnlyDictionary<string, string> Files);

    /// <exception cref="GitException">Not a repository, no commit, or git failed.</exception>
    public static async Task<GitCommit> ReadHeadAsync(string directory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory))
            throw new GitException($"{directory}: no such directory");
        var id = (await RunAsync(directory, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], null, cancellationToken, "has no commit (is it a git repository?)").ConfigureAwait(false)).Trim();
        var subject = (await RunAsync(directory, ["log", "-1", "--format=%s", id], null, cancellationToken).ConfigureAwait(false)).Trim();
        var names = (await RunAsync(directory, ["ls-tree", "-r", "-z", "--name-only", id], null, cancellationToken).ConfigureAwait(false))
            .Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Where(n => n.EndsWith(Extension, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in names)
            files[name] = await RunAsync(directory, ["cat-file", "blob", id + ":" + name], null, cancellationToken).ConfigureAwait(false);
        return new GitCommit(id, subject, files);
    }

    /// <summary>
    /// Brings the newest commit's namespace files in: each is loaded like <c>datom code load</c> (only
    /// what differs is transacted, one transaction per namespace that changed), with the commit's
    /// subject as the reason unless one is given. A namespace keeps the source name it was loaded
    /// under, so that a file exported and imported again transacts nothing.
    /// </summary>
    public static async Task<(GitCommit Commit, IReadOnlyList<LoadResult> Loads)> ImportAsync(DaoDb db, CodeLoader loader, string directory, string? reason = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(loader);
        var commit = await ReadHeadAsync(directory, cancellationToken).ConfigureAwait(false);
        if (commit.Files.Count == 0)
            throw new GitException($"commit {commit.Id[..12]} has no {Extension} files");
        var results = new List<LoadResult>();
        foreach (var (file, text) in commit.Files)
        {
            var reader = new AstReader(db.Current());
            var location = reader.Lookup(AstKeys.Namespace(NamespaceOf(file)))?.Str(AstSchema.Location) ?? file;
            results.Add(await loader.LoadAsync(text, location, string.IsNullOrEmpty(reason) ? commit.Subject : reason, cancellationToken).ConfigureAwait(false));
        }
        return (commit, results);
    }

    private static async Task<string> RunAsync(string directory, string[] args, byte[]? input, CancellationToken cancellationToken, string? failure = null)
    {
        var info = new ProcessStartInfo("git")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add("-C");
        info.ArgumentList.Add(directory);
        foreach (var a in args)
            info.ArgumentList.Add(a);
        // The user's or system's git configuration must not change what an export writes.
        info.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        info.Environment["GIT_TERMINAL_PROMPT"] = "0";
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new GitException("could not start git");
        }
        catch (Win32Exception e)
        {
            throw new GitException($"git is needed for this and could not be run: {e.Message}");
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            if (input is not null)
                await process.StandardInput.BaseStream.WriteAsync(input, cancellationToken).ConfigureAwait(false);
            process.StandardInput.Close();
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            var output = await stdout.ConfigureAwait(false);
            var error = await stderr.ConfigureAwait(false);
            if (process.ExitCode != 0)
                throw new GitException(failure is not null ? $"{directory} {failure}" : $"git {args[0]} failed: {error.Trim()}");
            return output;
        }
    }
}
