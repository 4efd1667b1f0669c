using System.Collections.Frozen;
using System.Reflection;
using Microsoft.AspNetCore.Http;

namespace Datom.Node.WebConsole;

/// <summary>
/// The console's page, built into this binary: <c>src/Node/WebConsole/assets/</c>, the bundle that
/// <c>src/Node/WebConsole/web</c> builds (checked in, so the repository's own build needs no npm),
/// embedded as resources named <c>console/FILE</c>. No CDN: a node may have no internet.
/// </summary>
internal static class ConsoleAssets
{
    private const string Prefix = "console/";

    private static readonly FrozenDictionary<string, string> Types = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary();

    /// <summary>The asset names (index.html, app.js, …), for tests.</summary>
    public static IEnumerable<string> Names =>
        typeof(ConsoleAssets).Assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)).Select(n => n[Prefix.Length..]);

    public static async Task ServeAsync(HttpContext context, string name)
    {
        var type = Types.GetValueOrDefault(Path.GetExtension(name));
        using var stream = type is null || name.Contains('/', StringComparison.Ordinal) ? null : typeof(ConsoleAssets).Assembly.GetManifestResourceStream(Prefix + name);
        if (stream is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync($"datom console: no asset {name}\n", context.RequestAborted);
            return;
        }
        context.Response.ContentType = type;
        context.Response.ContentLength = stream.Length;
        if (HttpMethods.IsHead(context.Request.Method))
            return;
        await stream.CopyToAsync(context.Response.Body, context.RequestAborted);
    }
}
