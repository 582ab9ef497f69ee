using MlxMpi.Collectives;

namespace MlxMpi.Tests.Facade;

public sealed unsafe class HeaderSlotTests
{
    // Room for the longest description, as HeaderExchange's second round provides.
    private readonly byte[] a = new byte[HeaderSlot.DescriptionBytes(HeaderSlot.MaxNdim) + HeaderSlot.MaxFailureBytes];
    private readonly byte[] b = new byte[HeaderSlot.DescriptionBytes(HeaderSlot.MaxNdim) + HeaderSlot.MaxFailureBytes];

    [Test]
    public void A_call_round_trips_through_the_slot()
    {
        fixed (byte* slot = a)
        {
            int[] shape = [7, 3];
            var payload = HeaderSlot.WriteCall(slot, CollectiveOp.AllGather, 1234567890123, Dtype.BFloat16, shape, 24);
            Assert.That(payload == slot + HeaderSlot.PayloadOffset(2), Is.True, "a 24-byte payload fits inline beside 2 dims");
            Assert.That(HeaderSlot.IsWellFormed(slot, HeaderSlot.Size), Is.True);
            Assert.That(HeaderSlot.ExtensionBytesOf(slot), Is.Zero, "no second round");
            Assert.That(HeaderSlot.Failed(slot), Is.False);
            Assert.That(HeaderSlot.OpOf(slot), Is.EqualTo(CollectiveOp.AllGather));
            Assert.That(HeaderSlot.SequenceOf(slot), Is.EqualTo(1234567890123));
            Assert.That(HeaderSlot.DtypeOf(slot), Is.EqualTo(Dtype.BFloat16));
            Assert.That(HeaderSlot.ShapeOf(slot), Is.EqualTo(shape));
            Assert.That(HeaderSlot.IsInline(slot), Is.True);
            Assert.That(HeaderSlot.PayloadBytesOf(slot), Is.EqualTo(24));
        }
    }

    [Test]
    public void A_payload_larger_than_the_slot_room_is_not_inline()
    {
        fixed (byte* slot = a)
        {
            var room = HeaderSlot.Size - HeaderSlot.PayloadOffset(1);
            Assert.That(room, Is.GreaterThanOrEqualTo(8), "an 8-byte 1-d gather travels inline");
            Assert.That(HeaderSlot.WriteCall(slot, CollectiveOp.AllGather, 1, Dtype.UInt8, [room], room) == null, Is.False);
            Assert.That(HeaderSlot.WriteCall(slot, CollectiveOp.AllGather, 1, Dtype.UInt8, [room + 1], room + 1) == null, Is.True);
            Assert.That(HeaderSlot.IsInline(slot), Is.False);
            Assert.That(HeaderSlot.IsWellFormed(slot, HeaderSlot.Size), Is.True);
        }
    }

    [Test]
    public void Shapes_with_more_dimensions_than_the_slot_holds_are_extended()
    {
        fixed (byte* slot = a)
        {
            var ndim = HeaderSlot.InlineDims + 1;
            var shape = Enumerable.Range(2, ndim).ToArray();
            Assert.That(HeaderSlot.IsExtendedCall(ndim), Is.True);
            Assert.That(HeaderSlot.IsExtendedCall(HeaderSlot.InlineDims), Is.False);
            Assert.That(HeaderSlot.WriteCall(slot, CollectiveOp.AllGather, 3, Dtype.Int8, shape, 1) == null, Is.True, "never inline");
            Assert.That(HeaderSlot.ExtensionBytesOf(slot), Is.EqualTo(HeaderSlot.DescriptionBytes(ndim)));
            Assert.That(HeaderSlot.IsWellFormed(slot, HeaderSlot.Size), Is.False, "the slot alone cannot hold it");
            Assert.That(HeaderSlot.IsWellFormed(slot, HeaderSlot.DescriptionBytes(ndim)), Is.True);
            Assert.That(HeaderSlot.ShapeOf(slot), Is.EqualTo(shape));
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

            int[] longShape = [2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3];
            HeaderSlot.WriteCall(x, CollectiveOp.AllGather, 5, Dtype.Float32, longShape, 24);
            HeaderSlot.WriteCall(y, CollectiveOp.AllGather, 5, Dtype.Float32, longShape, 24);
            Assert.That(HeaderSlot.SameCall(x, y), Is.True, "extended descriptions compare whole");
            int[] lastDimDiffers = [2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 4];
            HeaderSlot.WriteCall(y, CollectiveOp.AllGather, 5, Dtype.Float32, lastDimDiffers, 32);
            Assert.That(HeaderSlot.SameCall(x, y), Is.False, "a dimension past the slot's room");
        }
    }

    [Test]
    public void A_failure_carries_its_message_and_long_messages_are_extended_then_truncated()
    {
        fixed (byte* slot = a)
        {
            var length = HeaderSlot.WriteFailure(slot, CollectiveOp.AllGather, 9, "x is disposed");
            Assert.That(length, Is.EqualTo(HeaderSlot.FixedBytes + 13));
            Assert.That(HeaderSlot.Failed(slot), Is.True);
            Assert.That(HeaderSlot.SequenceOf(slot), Is.EqualTo(9));
            Assert.That(HeaderSlot.FailureMessageOf(slot), Is.EqualTo("x is disposed"));
            Assert.That(HeaderSlot.ExtensionBytesOf(slot), Is.Zero, "a short message fits in the slot");

            var medium = "the output must have shape (4, 3) and dtype float32";
            length = HeaderSlot.WriteFailure(slot, CollectiveOp.AllGather, 9, medium);
            Assert.That(HeaderSlot.ExtensionBytesOf(slot), Is.EqualTo(length), "a longer one goes in the second round");
            Assert.That(HeaderSlot.FailureMessageOf(slot), Is.EqualTo(medium));

            var longMessage = string.Concat(Enumerable.Repeat("é wrong ", 300));
            HeaderSlot.WriteFailure(slot, CollectiveOp.AllGather, 9, longMessage);
            var read = HeaderSlot.FailureMessageOf(slot);
            Assert.That(read, Does.EndWith("..."));
            Assert.That(longMessage, Does.StartWith(read[..^3]));
            Assert.That(System.Text.Encoding.UTF8.GetByteCount(read), Is.LessThanOrEqualTo(HeaderSlot.MaxMessageBytes));
            Assert.That(HeaderSlot.IsWellFormed(slot, HeaderSlot.MaxFailureBytes), Is.True);
        }
    }

    [Test]
    public void Garbage_is_not_well_formed_and_never_asks_for_a_second_round()
    {
        var random = new Random(TestContext.CurrentContext.Random.Next());
        fixed (byte* slot = a)
        {
            for (var i = 0; i < 1000; i++)
            {
                random.NextBytes(a);
                Assert.That(HeaderSlot.IsWellFormed(slot, HeaderSlot.Size), Is.False);
                Assert.That(HeaderSlot.ExtensionBytesOf(slot), Is.Zero);
            }
            // This protocol's magic with impossible sizes is not well-formed either.
            HeaderSlot.WriteCall(slot, CollectiveOp.AllGather, 1, Dtype.Int8, [4], 4);
            *(int*)(slot + 16) = HeaderSlot.MaxNdim + 1;
            Assert.That(HeaderSlot.IsWellFormed(slot, a.Length), Is.False, "ndim beyond the limit");
            HeaderSlot.WriteCall(slot, CollectiveOp.AllGather, 1, Dtype.Int8, [4], 4);
            *(long*)(slot + 24) = 1L << 40;
            Assert.That(HeaderSlot.IsWellFormed(slot, HeaderSlot.Size), Is.False, "an inline payload that cannot fit");
        }
    }
}
