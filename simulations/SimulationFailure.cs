namespace Datom.Simulations;

/// <summary>An invariant did not hold, or the code under test misbehaved: the run fails with this message.</summary>
internal sealed class SimulationFailure(string message) : Exception(message);
