package dev.weft.proxy.http2;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConnectionWindowTest {

    @Test
    void sendsAWindowUpdateForStreamZeroAfterTheSettings() {
        Http2FrameCodec codec = Http2FrameCodecBuilder.forClient().build();
        EmbeddedChannel ch = new EmbeddedChannel(codec, new ConnectionWindow(codec, 1 << 20));
        try {
            ByteBuf out = Unpooled.buffer();
            ByteBuf b;
            while ((b = ch.readOutbound()) != null) {
                out.writeBytes(b);
                b.release();
            }
            List<long[]> frames = frames(out);
            out.release();
            // [type, stream, windowIncrement]
            assertThat(frames).anySatisfy(f -> {
                assertThat(f[0]).isEqualTo(0x8);
                assertThat(f[1]).isZero();
                assertThat(f[2]).isEqualTo((1 << 20) - 65_535);
            });
            int settings = indexOf(frames, 0x4);
            int update = indexOf(frames, 0x8);
            assertThat(settings).isGreaterThanOrEqualTo(0).isLessThan(update);
            assertThat(ch.pipeline().get(ConnectionWindow.class)).isNull();
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    private static int indexOf(List<long[]> frames, int type) {
        for (int i = 0; i < frames.size(); i++) {
            if (frames.get(i)[0] == type) {
                return i;
            }
        }
        return -1;
    }

    /** Splits client output into frames, skipping the 24-byte connection preface. */
    private static List<long[]> frames(ByteBuf in) {
        in.skipBytes(24);
        List<long[]> frames = new ArrayList<>();
        while (in.readableBytes() >= 9) {
            int length = in.readUnsignedMedium();
            int type = in.readUnsignedByte();
            in.readUnsignedByte();
            long stream = in.readUnsignedInt() & 0x7fffffffL;
            long increment = type == 0x8 ? in.getUnsignedInt(in.readerIndex()) & 0x7fffffffL : -1;
            in.skipBytes(length);
            frames.add(new long[] {type, stream, increment});
        }
        return frames;
    }
}
