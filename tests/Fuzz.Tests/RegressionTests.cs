using Datom.Fuzz.Engine;
using Datom.Fuzz.Targets;
using Xunit;

namespace Datom.Fuzz.Tests;

/// <summary>
/// Inputs the fuzzer once failed on, kept literally (hex) so they replay whatever the mutator
/// becomes. Each names what was wrong and the commit that fixed it.
/// </summary>
public sealed class RegressionTests
{
    [Theory]
    // handshake, scenario 3: a responder whose first transport message decrypts to a malformed Hello
    // frame. SecureHandshake let the frame error (MalformedFrame) out where message 3's equivalent is
    // HandshakeMalformed; now both sides name it HandshakeMalformed.
    [InlineData("handshake", "0300000071960101c42066be7e332c7a453332bd9d0a7f7db055f5c5ef1a06ada66d98b39fb6810c473acb19aefbdb4ecaa58b60d2036b22859290767fae15f1ef6071ff7a9b9294819fd1cb3c86c5ad778ad4f0feea45c5033e8f762f4f5bcc0d5003ecea6a797ef3512a34503bbf9fb86eec56b4683ee96d1e269e6a5b418c5e7aedfee435182e9a980228c048c2d68527b3")]
    // datalog: a query holding the character \u0000 printed it bare in DatalogQuery.Text (ResultPrinter
    // fell back to Convert.ToString for chars, BigIntegers, decimals), which does not read back.
    [InlineData("datalog", "5b3a66696e64203f61203f62203a696e20242025203a776865726520286e6558745c7530303030203f61203f62295d")]
    // datalog: a pull pattern with the reverse reference :_#uuid threw ArgumentException (the forward
    // name #uuid is not a keyword name) out of PullPattern; now a QueryException.
    [InlineData("datalog", "5b3a66696e64205b2870756c6c203f65205b3a757365722f6e616d65207b3a757365722f667269656e6473205b3a757365722f6e616d655d7d207b3a5f237575696420227822757365722f667269656e6473205b2a5d7d5d29202e2e2e5d203a696e2024205b3f6e202e2e2e5d203a7768657265205b3f65203a757365722f6e616d65203f6e5d5d")]
    // handshake, scenario 2 with bit 3: a forged message 1 (valid tag, made from public values) around
    // the all-zero X25519 point. The responder's NoiseException (LowOrderPoint) from writing message 2
    // escaped SecureHandshake, so SyncNode logged an unexpected fault and did not count the failure
    // against the address; now HandshakeFailed.
    [InlineData("handshake", "0a0000000000000000000000000000000000000000000000000000000000000000")]
    public void Input_keeps_the_contract(string name, string hex)
    {
        using var target = AllTargets.Create(name);
        var (_, failure, _) = FuzzRunner.RunOne(target, Convert.FromHexString(hex));
        Assert.True(failure is null, failure?.Message);
    }
}
