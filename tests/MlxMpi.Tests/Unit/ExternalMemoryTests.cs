using System.Buffers;
using System.Runtime.InteropServices;

namespace MlxMpi.Tests.Unit;

/// <summary>MlxArray views over caller memory (FromPointer, FromMemory): no copy, the caller's writes seen, the owner
/// released exactly when the last view goes, and bad arguments rejected with messages that say what is wrong.</summary>
public sealed unsafe class ExternalMemoryTests
{
    [Test]
    public void FromMemory_views_the_array_in_place_and_sees_later_writes()
    {
        var rng = TestRandom.Create();
        var data = TestRandom.Values<float>(rng, 12);
        using var view = MlxArray.FromMemory<float>(data, 3, 4);
        Assert.That((view.Dtype, view.Shape), Is.EqualTo((Dtype.Float32, (IReadOnlyList<int>)[3, 4])));
        Assert.That(view.ToArray<float>(), Is.EqualTo(data));
        data[7] = -123.5f; // no copy: the view reads the caller's memory
        Assert.That(view.ToArray<float>()[7], Is.EqualTo(-123.5f));
        using var transposed = view.Transpose();
        Assert.That(transposed.ToArray<float>()[7 % 4 * 3 + 7 / 4], Is.EqualTo(-123.5f));
    }

    [Test]
    public void FromMemory_unpins_only_when_the_last_view_is_disposed()
    {
        using var manager = new CountingMemoryManager(16);
        var view = MlxArray.FromMemory(manager.Memory, 4, 4);
        Assert.That(manager.Pinned, Is.EqualTo(1));
        var reshaped = view.Reshape(16);
        view.Dispose();
        Assert.That(manager.Pinned, Is.EqualTo(1), "a view still uses the memory");
        reshaped.Dispose();
        Assert.That(manager.Pinned, Is.EqualTo(0));
        reshaped.Dispose();
        Assert.That(manager.Unpins, Is.EqualTo(1), "unpinned exactly once");
    }

    [Test]
    public void FromPointer_disposes_its_owner_after_the_last_view()
    {
        var memory = (int*)NativeMemory.Alloc(6, sizeof(int));
        for (var i = 0; i < 6; i++)
            memory[i] = i * 11 - 3;
        var owner = new FreeOnDispose(memory);
        var view = MlxArray.FromPointer((nint)memory, Dtype.Int32, [2, 3], owner);
        Assert.That(view.ToArray<int>(), Is.EqualTo(new[] { -3, 8, 19, 30, 41, 52 }));
        var t = view.Transpose();
        view.Dispose();
        Assert.That(owner.Disposed, Is.False);
        Assert.That(t.ToArray<int>(), Is.EqualTo(new[] { -3, 30, 8, 41, 19, 52 }));
        t.Dispose();
        Assert.That(owner.Disposed, Is.True);
    }

    [Test]
    public void FromPointer_rejects_null_and_misaligned_pointers()
    {
        Assert.That(() => MlxArray.FromPointer(0, Dtype.Float32, [2]), Throws.ArgumentException.With.Message.Contains("null"));
        Assert.That(() => MlxArray.FromPointer(0x1002, Dtype.Float32, [2]), Throws.ArgumentException.With.Message.Contains("aligned"));
        Assert.That(() => MlxArray.FromPointer(0x1000, Dtype.Float32, [-1]), Throws.ArgumentException.With.Message.Contains("negative"));
        using var empty = MlxArray.FromPointer(0, Dtype.Float64, [0, 3]);
        Assert.That(empty.Size, Is.Zero);
    }

    [Test]
    public void FromMemory_rejects_a_shape_of_another_size() =>
        Assert.That(() => MlxArray.FromMemory<int>(new int[5], 2, 3), Throws.ArgumentException.With.Message.Contains("6 elements"));

    [Test]
    public void Views_of_overlapping_caller_memory_cannot_be_gather_input_and_output()
    {
        var data = new int[4];
        using var input = MlxArray.FromMemory(data.AsMemory(0, 2));
        using var output = MlxArray.FromMemory(data.AsMemory(1, 2));
        Assert.That(() => Distributed.AllGatherInto(input, output), Throws.ArgumentException.With.Message.Contains("share memory"));
        using var separate = MlxArray.FromMemory(data.AsMemory(2, 2));
        data[0] = 5;
        data[1] = 6;
        Distributed.AllGatherInto(input, separate); // a group of one: x copied into output
        Assert.That(data, Is.EqualTo(new[] { 5, 6, 5, 6 }));
    }

    private sealed class FreeOnDispose(void* memory) : IDisposable
    {
        public bool Disposed { get; private set; }

        public void Dispose()
        {
            NativeMemory.Free(memory);
            Disposed = true;
        }
    }

    /// <summary>Native memory behind a Memory&lt;T&gt;, counting pins, so a test sees when MlxMpi unpins.</summary>
    private sealed class CountingMemoryManager(int length) : MemoryManager<float>
    {
        private readonly float* _memory = (float*)NativeMemory.AllocZeroed((nuint)length, sizeof(float));

        public int Pinned { get; private set; }

        public int Unpins { get; private set; }

        public override Span<float> GetSpan() => new(_memory, length);

        public override MemoryHandle Pin(int elementIndex = 0)
        {
            Pinned++;
            return new MemoryHandle(_memory + elementIndex, default, this);
        }

        public override void Unpin()
        {
            Pinned--;
            Unpins++;
        }

        protected override void Dispose(bool disposing) => NativeMemory.Free(_memory);
    }
}
