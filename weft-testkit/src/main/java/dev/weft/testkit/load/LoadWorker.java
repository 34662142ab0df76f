package dev.weft.testkit.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.HdrHistogram.Histogram;

/**
 * The share of a run that one event loop carries: its connections, the requests of the schedule that
 * fall to them, the FIFO queue of requests waiting for a free connection, and what was measured.
 * Everything but {@link #publish} runs on the worker's event loop, so no state here is shared.
 *
 * <p>Reference counting: the request bytes are one unreleasable buffer written as a {@code duplicate()}
 * per request; every decoded response object is released by the connection's handler as it arrives.
 */
final class LoadWorker {

    /** Latencies above this are recorded as this; far beyond any request timeout. */
    static final long HIGHEST_LATENCY_MICROS = TimeUnit.HOURS.toMicros(1);

    private static final int MIN_BACKOFF_MILLIS = 10;
    private static final int MAX_BACKOFF_MILLIS = 500;
    private static final long TICK_MILLIS = 20;
    private static final int MAX_STATUS = 999;
    /** The in-flight index of a connection's first, unscheduled request. */
    private static final long PRIMING = -2;
    private static final long NONE = -1;

    private final int id;
    private final int workers;
    private final int allConnections;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final InetSocketAddress address;
    private final ByteBuf request;
    private final boolean headRequests;
    private final long timeoutNanos;
    private final CountDownLatch primed;
    private final CountDownLatch drained = new CountDownLatch(1);

    private final AtomicBoolean issueScheduled = new AtomicBoolean();
    private volatile long due;
    /** {@link #cursor} as last published by the event loop, so the pacer can skip a needless wake-up. */
    private volatile long issued;
    private final Runnable issueTask = this::issuePublished;

    private final List<Slot> slots = new ArrayList<>();
    private final ArrayDeque<Slot> idle = new ArrayDeque<>();
    private final LongQueue waiting = new LongQueue();
    private Schedule schedule;
    private long cursor;
    private long outstanding;
    private int live;
    private boolean finished;
    private ScheduledFuture<?> ticker;

    private long sent;
    private long completed;
    private long errors;
    private final long[] statuses = new long[MAX_STATUS + 1];
    private final Histogram latencyMicros = new Histogram(HIGHEST_LATENCY_MICROS, 3);
    private long lastCompletion = Long.MIN_VALUE;

    LoadWorker(int id, int workers, int allConnections, EventLoop loop, Bootstrap bootstrap, InetSocketAddress address,
               ByteBuf request, boolean headRequests, long timeoutNanos, CountDownLatch primed) {
        this.id = id;
        this.workers = workers;
        this.allConnections = allConnections;
        this.loop = loop;
        this.bootstrap = bootstrap.clone(loop);
        this.address = address;
        this.request = request;
        this.headRequests = headRequests;
        this.timeoutNanos = timeoutNanos;
        this.primed = primed;
        for (int c = id; c < allConnections; c += workers) {
            slots.add(new Slot());
        }
    }

    /**
     * Opens every connection and sends one unscheduled, unrecorded request on each, so that neither
     * connecting nor the first response's class loading and cold code delays the schedule. Each
     * connection counts down {@code primed} once that request is answered or its first attempt failed.
     */
    void connectAll() {
        loop.execute(() -> {
            ticker = loop.scheduleAtFixedRate(this::expire, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
            for (Slot slot : slots) {
                connect(slot);
            }
        });
    }

    /**
     * Hands the worker the schedule it issues requests from. Called before the first {@link #publish};
     * the event loop runs tasks in order, so every issue task sees it.
     */
    void start(Schedule schedule) {
        loop.execute(() -> this.schedule = schedule);
    }

    /**
     * Called by the pacing thread: requests below {@code dueCount} are due now. A busy event loop
     * usually has issued them already from its own clock (see {@link #issueFromClock}); only an idle
     * one needs the task, and with it a wake-up.
     */
    void publish(long dueCount) {
        due = dueCount;
        if (issued < dueCount && issueScheduled.compareAndSet(false, true)) {
            loop.execute(issueTask);
        }
    }

    /** Waits until every request of this worker is answered or failed, at most {@code nanos}. */
    boolean awaitDrained(long nanos) throws InterruptedException {
        return drained.await(nanos, TimeUnit.NANOSECONDS);
    }

    /** Stops the worker: requests still unanswered become errors, connections close. */
    Future<WorkerResult> finish() {
        return loop.submit(() -> {
            finished = true;
            if (ticker != null) {
                ticker.cancel(false);
            }
            while (!waiting.isEmpty()) {
                fail(waiting.poll());
            }
            for (Slot slot : slots) {
                if (slot.index >= 0) {
                    fail(slot.index);
                    slot.index = NONE;
                }
                if (slot.channel != null) {
                    slot.channel.close();
                }
            }
            return new WorkerResult(sent, completed, errors, statuses.clone(), latencyMicros.copy(), lastCompletion);
        });
    }

    private boolean owns(long index) {
        return workers == 1 || (int) (index % allConnections) % workers == id;
    }

    private void issuePublished() {
        issueScheduled.set(false);
        issue(due);
    }

    /**
     * Issues what the schedule says is due by now. Called whenever the loop has finished reading, so
     * under load requests go out on time without waiting for the pacer to wake the loop.
     */
    private void issueFromClock() {
        if (schedule != null && cursor < schedule.total) {
            issue(schedule.dueAt(System.nanoTime()));
        }
    }

    private void issue(long dueNow) {
        assert loop.inEventLoop();
        if (cursor >= dueNow) {
            return;
        }
        while (cursor < dueNow) {
            long index = cursor++;
            if (!owns(index)) {
                continue;
            }
            outstanding++;
            if (schedule.measured(index)) {
                sent++;
            }
            Slot slot = idle.pollFirst();
            if (slot != null) {
                send(slot, index);
            } else {
                waiting.add(index);
            }
        }
        issued = cursor;
        checkDrained();
    }

    private void send(Slot slot, long index) {
        slot.index = index;
        slot.channel.writeAndFlush(request.duplicate(), slot.channel.voidPromise());
    }

    private void connect(Slot slot) {
        if (finished) {
            return;
        }
        Slot.Handler handler = slot.new Handler();
        ChannelFuture future = bootstrap.clone().handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new ResponseDecoder(), handler);
            }
        }).connect(address);
        future.addListener(f -> connected(slot, future));
    }

    private void connected(Slot slot, ChannelFuture future) {
        if (finished) {
            future.channel().close();
            return;
        }
        if (future.isSuccess()) {
            slot.channel = future.channel();
            slot.backoffMillis = 0;
            live++;
            if (slot.primed) {
                ready(slot);
            } else {
                send(slot, PRIMING);
            }
            return;
        }
        markPrimed(slot);
        if (live == 0) {
            // Nothing can answer: fail the waiting requests now rather than hold them until they time out.
            while (!waiting.isEmpty()) {
                fail(waiting.poll());
            }
            checkDrained();
        }
        slot.backoffMillis = slot.backoffMillis == 0
                ? MIN_BACKOFF_MILLIS : Math.min(MAX_BACKOFF_MILLIS, slot.backoffMillis * 2);
        loop.schedule(() -> connect(slot), slot.backoffMillis, TimeUnit.MILLISECONDS);
    }

    /** The slot's connection can take a request: the oldest waiting one, else it joins the idle ones. */
    private void ready(Slot slot) {
        if (finished) {
            return;
        }
        if (!waiting.isEmpty()) {
            send(slot, waiting.poll());
        } else {
            idle.addLast(slot);
        }
    }

    private void markPrimed(Slot slot) {
        if (!slot.primed) {
            slot.primed = true;
            primed.countDown();
        }
    }

    private void responded(Slot slot, int status, boolean keepAlive) {
        long index = slot.index;
        if (index == PRIMING) {
            slot.index = NONE;
            markPrimed(slot);
        } else if (index >= 0) {
            slot.index = NONE;
            recordResponse(index, status);
        } else {
            return;
        }
        if (keepAlive) {
            ready(slot);
        } else {
            slot.channel.close();
        }
        checkDrained();
    }

    private void recordResponse(long index, int status) {
        long now = System.nanoTime();
        outstanding--;
        if (schedule.measured(index)) {
            completed++;
            statuses[Math.min(status, MAX_STATUS)]++;
            latencyMicros.recordValue(Math.min(HIGHEST_LATENCY_MICROS,
                    Math.max(0, (now - schedule.intended(index)) / 1000)));
            lastCompletion = now;
        }
    }

    private void lost(Slot slot, Channel channel) {
        if (slot.channel != channel) {
            return;
        }
        slot.channel = null;
        live--;
        if (slot.index >= 0) {
            fail(slot.index);
        } else if (slot.index == PRIMING) {
            markPrimed(slot);
        } else {
            idle.remove(slot);
        }
        slot.index = NONE;
        checkDrained();
        connect(slot);
    }

    /**
     * Fails requests that have waited past the timeout since their intended time, queued or in flight,
     * and drops connections whose priming request is that late.
     */
    private void expire() {
        if (schedule == null) {
            return;
        }
        long deadline = System.nanoTime() - timeoutNanos;
        while (!waiting.isEmpty() && schedule.intended(waiting.peek()) <= deadline) {
            fail(waiting.poll());
        }
        for (Slot slot : slots) {
            if (slot.index >= 0 && schedule.intended(slot.index) <= deadline) {
                // The late response would answer the wrong request; only a new connection is clean.
                fail(slot.index);
                slot.index = NONE;
                slot.channel.close();
            } else if (slot.index == PRIMING && schedule.start <= deadline) {
                slot.channel.close();
            }
        }
        checkDrained();
    }

    private void fail(long index) {
        outstanding--;
        if (schedule.measured(index)) {
            errors++;
        }
    }

    private void checkDrained() {
        if (schedule != null && outstanding == 0 && cursor >= schedule.total) {
            drained.countDown();
        }
    }

    /** One of the worker's connections, across reconnects. */
    private final class Slot {
        Channel channel;
        long index = NONE;
        int backoffMillis;
        boolean primed;

        /** Reads the responses of one channel of this slot; releases every message it receives. */
        final class Handler extends ChannelInboundHandlerAdapter {
            private int status;
            private boolean keepAlive;

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                try {
                    HttpObject object = (HttpObject) msg;
                    if (object.decoderResult().isFailure()) {
                        ctx.close();
                        return;
                    }
                    if (msg instanceof HttpResponse response) {
                        status = response.status().code();
                        keepAlive = HttpUtil.isKeepAlive(response);
                    }
                    if (msg instanceof LastHttpContent && status >= 200) {
                        responded(Slot.this, status, keepAlive);
                    }
                } finally {
                    ReferenceCountUtil.release(msg);
                }
            }

            @Override
            public void channelReadComplete(ChannelHandlerContext ctx) {
                issueFromClock();
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                lost(Slot.this, ctx.channel());
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                ctx.close();
            }
        }
    }

    /** Decodes responses without validating header values, and knows HEAD responses carry no body. */
    private final class ResponseDecoder extends HttpResponseDecoder {
        ResponseDecoder() {
            super(new HttpDecoderConfig().setValidateHeaders(false));
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpMessage msg) {
            return headRequests || super.isContentAlwaysEmpty(msg);
        }
    }

    /** What a worker measured, read once it has stopped. */
    record WorkerResult(long sent, long completed, long errors, long[] statuses, Histogram latencyMicros,
                        long lastCompletion) {
    }
}
