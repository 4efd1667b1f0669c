using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Datom.Sync.Tests.Netns;

/// <summary>Marks a test class whose tests need network namespaces (see <see cref="ContractFactAttribute"/>).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class NeedsNetworkNamespacesAttribute : Attribute;

/// <summary>
/// A fact in an abstract contract suite: it runs for every implementation, and is skipped, with
/// the reason, only in a concrete class marked <see cref="NeedsNetworkNamespacesAttribute"/> when
/// namespaces cannot be made here. (A plain attribute cannot know which class it runs in.)
/// </summary>
[XunitTestCaseDiscoverer("Datom.Sync.Tests.Netns.ContractFactDiscoverer", "Datom.Sync.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class ContractFactAttribute : FactAttribute;

public sealed class ContractFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        var display = discoveryOptions.MethodDisplayOrDefault();
        var displayOptions = discoveryOptions.MethodDisplayOptionsOrDefault();
        var needsNamespaces = testMethod.TestClass.Class.GetCustomAttributes(typeof(NeedsNetworkNamespacesAttribute)).Any();
        if (needsNamespaces && NetworkNamespaces.UnavailableReason is { } reason)
            return [new XunitSkippedDataRowTestCase(diagnosticMessageSink, display, displayOptions, testMethod, reason)];
        return [new XunitTestCase(diagnosticMessageSink, display, displayOptions, testMethod)];
    }
}
