using Xunit;

namespace Datom.Sync.Tests.Netns;

/// <summary>
/// The namespace tests run one at a time, after the parallel unit tests: they start processes and
/// measure seconds, and on a small machine they should not compete with each other for the CPU.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NetnsCollection
{
    public const string Name = "network namespaces";
}
