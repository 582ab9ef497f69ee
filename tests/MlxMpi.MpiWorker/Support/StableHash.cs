using System.Text;

namespace MlxMpi.MpiWorker;

/// <summary>FNV-1a over UTF-8: the same on every process, unlike string.GetHashCode, which is randomised per
/// process. Used to compare strings across ranks with one gather of an Int64.</summary>
internal static class StableHash
{
    public static ulong Of(string text)
    {
        var hash = 0xCBF29CE484222325UL;
        foreach (var b in Encoding.UTF8.GetBytes(text))
            hash = (hash ^ b) * 0x100000001B3UL;
        return hash;
    }
}
