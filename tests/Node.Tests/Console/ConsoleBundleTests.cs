using Datom.Node.WebConsole;
using Xunit;

namespace Datom.Node.Tests.Console;

/// <summary>The console's page is built into the binary, and the checked-in bundle is what its sources build.</summary>
public sealed class ConsoleBundleTests
{
    [Fact]
    public void The_binary_carries_the_page()
    {
        Assert.Equal(["app.css", "app.js", "index.html"], ConsoleAssets.Names.Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// Rebuilds the bundle from src/Node/WebConsole/web (npm ci, then esbuild into a temporary folder)
    /// and compares it byte for byte with the checked-in one, so an edit to the sources without
    /// <c>npm run build</c> fails here. Skipped, saying so, where npm is missing.
    /// </summary>
    [SkippableNpmFact]
    public void The_checked_in_bundle_is_what_the_sources_build()
    {
        var web = ConsoleTestSupport.WebDirectory;
        if (!File.Exists(Path.Combine(web, "node_modules", "esbuild", "package.json")))
        {
            var (installed, log) = ConsoleTestSupport.Run(web, "npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], TimeSpan.FromMinutes(5));
            Assert.True(installed == 0, $"npm ci in {web} failed:\n{log}");
        }
        var (code, output) = ConsoleTestSupport.Run(web, "node", ["build.mjs", "--check"], TimeSpan.FromMinutes(2));
        Assert.True(code == 0, output);
    }
}

/// <summary>A fact that needs npm (and node) on the PATH.</summary>
public sealed class SkippableNpmFactAttribute : FactAttribute
{
    public SkippableNpmFactAttribute()
    {
        if (Datom.Sync.Tests.Netns.NetworkNamespaces.FindExecutable("npm") is null || Datom.Sync.Tests.Netns.NetworkNamespaces.FindExecutable("node") is null)
            Skip = "npm or node is missing: the console bundle's rebuild check needs them (Debian's nodejs and npm)";
    }
}
