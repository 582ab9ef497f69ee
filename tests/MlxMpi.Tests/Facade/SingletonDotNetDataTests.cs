using System.Numerics.Tensors;
using MlxMpi.Tests.Unit;

namespace MlxMpi.Tests.Facade;

/// <summary>The span, tensor and object gathers on the singleton group (no launcher): the values come back, an element
/// type without a dtype is an ArgumentException naming it, and a wrong output length says what it should be.</summary>
public sealed class SingletonDotNetDataTests
{
    private readonly record struct Pair(int A, int B);

    private sealed record Note(string Text, int[] Values);

    [Test]
    public void Span_gathers_on_a_group_of_one_copy_the_input()
    {
        var rng = TestRandom.Create();
        var data = TestRandom.Values<BFloat16>(rng, 9);
        var result = Distributed.AllGather((ReadOnlySpan<BFloat16>)data);
        Assert.That(result, Is.EqualTo(data));
        Assert.That(result, Is.Not.SameAs(data));
        var output = new BFloat16[9];
        Distributed.AllGatherInto<BFloat16>(data, output);
        Assert.That(output, Is.EqualTo(data));
    }

    [Test]
    public void An_element_type_without_a_dtype_is_rejected_by_name()
    {
        var e = Assert.Throws<ArgumentException>(() => Distributed.AllGather<Pair>([new Pair(1, 2)]));
        Assert.That(e!.Message, Does.Contain(nameof(Pair)));
        Assert.That(e.ParamName, Is.EqualTo("T"));
    }

    [Test]
    public void AllGatherInto_with_an_output_of_the_wrong_length_names_the_length_it_needs() =>
        Assert.That(() => Distributed.AllGatherInto<int>([1, 2, 3], new int[4]), Throws.ArgumentException.With.Message.Contains("(3,)"));

    [Test]
    public void Tensor_gather_on_a_group_of_one_returns_a_dense_copy()
    {
        var rng = TestRandom.Create();
        var values = TestRandom.Values<float>(rng, 6);
        var strided = new ReadOnlyTensorSpan<float>(values, [2, 3], [1, 2]);
        var result = Distributed.AllGather(strided);
        Assert.That(result.IsDense, Is.True);
        for (var i = 0; i < 2; i++)
            for (var j = 0; j < 3; j++)
                Assert.That(result[i, j], Is.EqualTo(values[i + 2 * j]));
    }

    [Test]
    public void AllGatherObject_on_a_group_of_one_round_trips_through_json()
    {
        var note = new Note("hé, ünïcode ✓", [3, 1, 4]);
        var result = Distributed.AllGatherObject(note);
        Assert.That(result, Has.Length.EqualTo(1));
        Assert.That(result[0], Is.Not.SameAs(note));
        Assert.That((result[0].Text, result[0].Values), Is.EqualTo((note.Text, note.Values)));
    }
}
