package dev.weft.testkit.modelserver;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.concurrent.ThreadLocalRandom;

/** What all connections of one model server share: its config, counters, concurrency gate and JSON mapper. */
final class ServerContext {

    /** Size of the chunks /bytes writes; a multiple of 256 so every chunk starts the pattern afresh. */
    static final int PATTERN_CHUNK = 64 * 1024;

    /**
     * The data /bytes serves: byte {@code i} of the body is {@code (byte) i}. Unreleasable and outside
     * leak tracking, because every response writes slices of it for the life of the JVM.
     */
    private static final ByteBuf PATTERN;

    static {
        ByteBuf buf = new UnpooledByteBufAllocator(true, true).directBuffer(PATTERN_CHUNK);
        for (int i = 0; i < PATTERN_CHUNK; i++) {
            buf.writeByte(i);
        }
        PATTERN = Unpooled.unreleasableBuffer(buf);
    }

    final ModelServerConfig config;
    final ServerMetrics metrics = new ServerMetrics();
    final ConcurrencyGate gate;
    final ObjectMapper json = new ObjectMapper();

    ServerContext(ModelServerConfig config) {
        this.config = config;
        this.gate = new ConcurrencyGate(config.maxConcurrency(), config.maxQueue());
    }

    /** The first {@code length} bytes of the pattern, as a buffer the caller may write and release. */
    static ByteBuf pattern(int length) {
        return PATTERN.slice(0, length);
    }

    /** A fresh response id such as {@code chatcmpl-3f9a...}. */
    String newId(String prefix) {
        return prefix + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
    }
}
