package dev.weft.proxy.stats;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the bytes a connection reads and writes, TLS records included: put first in the pipeline, it sees what
 * the socket does. One instance per listener or cluster, shared by its connections.
 *
 * <p>Reference counting: passes every message on untouched.
 */
@ChannelHandler.Sharable
public final class ByteCounter extends ChannelDuplexHandler {
    private final LongAdder received;
    private final LongAdder sent;

    public ByteCounter(LongAdder received, LongAdder sent) {
        this.received = received;
        this.sent = sent;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf b) {
            received.add(b.readableBytes());
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf b) {
            sent.add(b.readableBytes());
        } else if (msg instanceof ByteBufHolder h) {
            sent.add(h.content().readableBytes());
        }
        ctx.write(msg, promise);
    }
}
