package dev.weft.proxy.tap;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.internal.PlatformDependent;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * One {@code /tap} client: a bounded buffer of lines (filled by the exchanges' event loops, never waiting) that
 * its admin connection's event loop writes out as chunks while the connection is writable. A client that reads
 * too slowly loses lines, counted in {@code tap.dropped} and told to it as {@code {"tap_dropped": N}} lines (N the
 * total so far). The response ends after {@code limit} lines when one was asked for; closing the connection
 * unsubscribes.
 *
 * <p>Reference counting: each chunk is a new buffer from the channel's allocator, handed to the write.
 */
public final class TapSubscriber extends ChannelInboundHandlerAdapter {
    /** Lines waiting for a subscriber before new ones are dropped. */
    public static final int BUFFER_LINES = 1024;

    private final TapSink sink;
    private final Channel channel;
    private final TapFilter filter;
    private final long limit;
    private final Queue<String> queue = PlatformDependent.newFixedMpscQueue(BUFFER_LINES);
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final LongAdder dropped = new LongAdder();
    private final Runnable drainTask = this::drain;
    /** Event loop only. */
    private long written;
    private long droppedReported;
    private boolean finished;

    private TapSubscriber(TapSink sink, Channel channel, TapFilter filter, long limit) {
        this.sink = sink;
        this.channel = channel;
        this.filter = filter;
        this.limit = limit;
    }

    /**
     * Answers a {@code /tap} request on {@code channel} (on its event loop): the response head now, then a JSON
     * line per exchange {@code filter} wants, up to {@code limit} (0: until the client goes away).
     *
     * @throws IllegalStateException when {@link TapSink#MAX_SUBSCRIBERS} are tapping already (nothing was sent)
     */
    public static void start(TapSink sink, Channel channel, TapFilter filter, long limit) {
        TapSubscriber s = new TapSubscriber(sink, channel, filter, limit);
        DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/x-ndjson")
                .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
        // subscribed first (it may be refused); its lines are written by later tasks of this event loop, after the head
        sink.subscribe(s);
        channel.pipeline().addLast(s);
        channel.writeAndFlush(head);
        if (!channel.isActive()) {
            sink.unsubscribe(s);
        }
    }

    TapFilter filter() {
        return filter;
    }

    /** From any event loop: queues a line, or drops and counts it when the buffer is full. */
    void offer(String line) {
        if (!queue.offer(line)) {
            dropped.increment();
            sink.dropped.increment();
            return;
        }
        if (scheduled.compareAndSet(false, true)) {
            channel.eventLoop().execute(drainTask);
        }
    }

    private void drain() {
        scheduled.set(false);
        if (finished) {
            queue.clear();
            return;
        }
        boolean wrote = false;
        while (channel.isWritable()) {
            String line = queue.poll();
            if (line == null) {
                break;
            }
            channel.write(new DefaultHttpContent(ByteBufUtil.writeUtf8(channel.alloc(), line)));
            sink.sent.increment();
            wrote = true;
            if (limit > 0 && ++written >= limit) {
                finish();
                return;
            }
        }
        long d = dropped.sum();
        if (d != droppedReported && channel.isWritable()) {
            droppedReported = d;
            channel.write(new DefaultHttpContent(ByteBufUtil.writeUtf8(channel.alloc(), "{\"tap_dropped\":" + d + "}\n")));
            wrote = true;
        }
        if (wrote) {
            channel.flush();
        }
        if (!queue.isEmpty() && channel.isWritable() && scheduled.compareAndSet(false, true)) {
            channel.eventLoop().execute(drainTask);
        }
    }

    private void finish() {
        finished = true;
        sink.unsubscribe(this);
        queue.clear();
        channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().isWritable()) {
            drain();
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        finished = true;
        sink.unsubscribe(this);
        super.channelInactive(ctx);
    }
}
