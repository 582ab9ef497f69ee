using MlxMpi.Collectives;

namespace MlxMpi.Tests.Facade;

public sealed unsafe class HeaderSlotTests
{
    private readonly byte[] a = new byte[HeaderSlot.Size];
    private readonly byte[] b = new byte[HeaderSlot.Size];

    [Test]
    public void A_call_round_trips_through_the_slot()
    {
        fixed (byte* slot = a)
        {
            int[] shape = [7, 3, 2];
            var payload = HeaderSlot.WriteCall(slot, CollectiveOp.AllGather, 1234567890123, Dtype.BFloat16, shape, 84);
            Assert.That(payload == slot + HeaderSlot.PayloadOffset(3), Is.True, "an 84-byte payload fits inline");
            Assert.That(HeaderSlot.IsWellFormed(slot), Is.True);
            Assert.That(HeaderSlot.Failed(slot), Is.False);
            Assert.That(HeaderSlot.OpOf(slot), Is.EqualTo(CollectiveOp.AllGather));
            Assert.That(HeaderSlot.SequenceOf(slot), Is.EqualTo(1234567890123));
            Assert.That(HeaderSlot.DtypeOf(slot), Is.EqualTo(Dtype.BFloat16));
            Assert.That(HeaderSlot.ShapeOf(slot), Is.EqualTo(shape));
            Assert.That(HeaderSlot.IsInline(slot), Is.True);
            Assert.That(HeaderSlot.PayloadBytesOf(slot), Is.EqualTo(84));
        }
    }

    [Test]
    public void A_payload_larger_than_the_slot_room_is_not_inline()
    {
        fixed (byte* slot = a)
        {
            var room = HeaderSlot.Size - HeaderSlot.PayloadOffset(1);
            Assert.That(HeaderSlot.WriteCall(slot, CollectiveOp.AllGather, 1, Dtype.UInt8, [room], room) == null, Is.False);
            Assert.That(HeaderSlot.WriteCall(slot, CollectiveOp.AllGather, 1, Dtype.UInt8, [room + 1], room + 1) == null, Is.True);
            Assert.That(HeaderSlot.IsInline(slot), Is.False);
        }
    }

    [Test]
    public void Slots_are_the_same_call_only_when_every_described_field_matches()
    {
        fixed (byte* x = a)
        fixed (byte* y = b)
        {
            HeaderSlot.WriteCall(x, CollectiveOp.AllGather, 5, Dtype.Float32, [2, 3], 24);
            HeaderSlot.WriteCall(y, CollectiveOp.AllGather, 5, Dtype.Float32, [2, 3], 24);
            // Different inline payload bytes do not make a different call.
            x[HeaderSlot.PayloadOffset(2)] = 1;
            y[HeaderSlot.PayloadOffset(2)] = 2;
            Assert.That(HeaderSlot.SameCall(x, y), Is.True);

            HeaderSlot.WriteCall(y, CollectiveOp.AllGather, 5, Dtype.Float32, [2, 4], 32);
            Assert.That(HeaderSlot.SameCall(x, y), Is.False, "trailing dim");
            HeaderSlot.WriteCall(y, CollectiveOp.AllGather, 5, Dtype.Int32, [2, 3], 24);
            Assert.That(HeaderSlot.SameCall(x, y), Is.False, "dtype");
            HeaderSlot.WriteCall(y, CollectiveOp.AllGather, 6, Dtype.Float32, [2, 3], 24);
            Assert.That(HeaderSlot.SameCall(x, y), Is.False, "sequence");
            HeaderSlot.WriteCall(y, CollectiveOp.Split, 5, Dtype.Float32, [2, 3], 24);
            Assert.That(HeaderSlot.SameCall(x, y), Is.False, "op");
            HeaderSlot.WriteCall(y, CollectiveOp.AllGather, 5, Dtype.Float32, [2, 3, 1], 24);
            Assert.That(HeaderSlot.SameCall(x, y), Is.False, "ndim");
        }
    }

    [Test]
    public void A_failure_carries_its_message_and_long_messages_are_truncated_to_fit()
    {
        fixed (byte* slot = a)
        {
            HeaderSlot.WriteFailure(slot, CollectiveOp.AllGather, 9, "x is disposed");
            Assert.That(HeaderSlot.Failed(slot), Is.True);
            Assert.That(HeaderSlot.SequenceOf(slot), Is.EqualTo(9));
            Assert.That(HeaderSlot.FailureMessageOf(slot), Is.EqualTo("x is disposed"));

            var longMessage = string.Concat(Enumerable.Repeat("é wrong ", 100));
            HeaderSlot.WriteFailure(slot, CollectiveOp.AllGather, 9, longMessage);
            var read = HeaderSlot.FailureMessageOf(slot);
            Assert.That(read, Does.EndWith("..."));
            Assert.That(longMessage, Does.StartWith(read[..^3]));
            Assert.That(System.Text.Encoding.UTF8.GetByteCount(read), Is.LessThanOrEqualTo(HeaderSlot.Size - HeaderSlot.FixedBytes));
        }
    }

    [Test]
    public void Garbage_is_not_well_formed()
    {
        new Random(17).NextBytes(a);
        fixed (byte* slot = a)
            Assert.That(HeaderSlot.IsWellFormed(slot), Is.False);
    }
}
