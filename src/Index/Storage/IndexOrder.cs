namespace Datom.Index.Storage;

/// <summary>The four covering sort orders (Datomic's names). VAET holds only datoms whose value is a ref.</summary>
public enum IndexOrder : byte
{
    Eavt = 0,
    Aevt = 1,
    Avet = 2,
    Vaet = 3,
}
