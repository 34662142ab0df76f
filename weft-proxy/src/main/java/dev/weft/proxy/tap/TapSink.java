package dev.weft.proxy.tap;

import dev.weft.proxy.accesslog.LogFormat;
import dev.weft.proxy.config.HttpSettings;
import dev.weft.proxy.config.ListenerSpec;
import dev.weft.proxy.observe.ExchangeObserver;
import dev.weft.proxy.observe.RequestInfo;
import dev.weft.proxy.observe.Telemetry;
import dev.weft.proxy.stats.Stats;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;

/**
 * The tap: streams every finished exchange that a subscriber's {@link TapFilter} wants to that subscriber (admin
 * {@code /tap}), as a JSON line in the access log's default format. With nobody tapping, no listener has the tap's
 * observer, so exchanges pay nothing for it; the first subscriber (and the last one leaving) makes the proxy
 * rebuild its listener contexts, off the event loops, so new exchanges report to the tap (or stop to).
 *
 * <p>Stats: {@code tap.subscribers} (gauge: subscribers whose exchanges are being tapped), {@code tap.sent},
 * {@code tap.dropped} (lines a slow subscriber's full buffer had no room for).
 */
public final class TapSink implements Telemetry.Sink {
    /** At most this many subscribers at once; one more is refused (each costs a format per exchange). */
    public static final int MAX_SUBSCRIBERS = 16;
    private static final TapSubscriber[] NONE = new TapSubscriber[0];

    private final Telemetry telemetry;
    final LongAdder sent;
    final LongAdder dropped;
    private final Observer observer = new Observer();
    /** Copy-on-write; read by every tapped exchange. */
    private volatile TapSubscriber[] subscribers = NONE;
    private volatile int active;

    public TapSink(Telemetry telemetry, Stats stats) {
        this.telemetry = telemetry;
        this.sent = stats.counter("tap.sent");
        this.dropped = stats.counter("tap.dropped");
        stats.gauge("tap.subscribers", () -> active);
    }

    @Override
    public ExchangeObserver observerFor(ListenerSpec listener, HttpSettings settings) {
        return subscribers.length == 0 ? null : observer;
    }

    /**
     * Adds {@code s}; the returned future completes (on another thread) once new exchanges report to it.
     *
     * @throws IllegalStateException when {@link #MAX_SUBSCRIBERS} are tapping already
     */
    CompletableFuture<Void> subscribe(TapSubscriber s) {
        boolean first;
        synchronized (this) {
            if (subscribers.length >= MAX_SUBSCRIBERS) {
                throw new IllegalStateException(MAX_SUBSCRIBERS + " subscribers are tapping already");
            }
            TapSubscriber[] next = Arrays.copyOf(subscribers, subscribers.length + 1);
            next[next.length - 1] = s;
            first = subscribers.length == 0;
            subscribers = next;
        }
        // listener contexts are rebuilt under the proxy's lock, which an update holds while it binds: not on an event loop
        return CompletableFuture.runAsync(() -> {
            if (first) {
                telemetry.observersChanged();
            }
            synchronized (this) {
                active = subscribers.length;
            }
        });
    }

    /** Removes {@code s} (idempotent); the last one leaving takes the tap's observer off every listener. */
    void unsubscribe(TapSubscriber s) {
        boolean last;
        synchronized (this) {
            int i = Arrays.asList(subscribers).indexOf(s);
            if (i < 0) {
                return;
            }
            TapSubscriber[] next = new TapSubscriber[subscribers.length - 1];
            System.arraycopy(subscribers, 0, next, 0, i);
            System.arraycopy(subscribers, i + 1, next, i, next.length - i);
            subscribers = next.length == 0 ? NONE : next;
            active = Math.min(active, subscribers.length);
            last = subscribers.length == 0;
        }
        if (last) {
            CompletableFuture.runAsync(telemetry::observersChanged);
        }
    }

    private final class Observer implements ExchangeObserver {
        @Override
        public void onComplete(RequestInfo info) {
            TapSubscriber[] subs = subscribers;
            String line = null;
            for (TapSubscriber s : subs) {
                if (s.filter().matches(info)) {
                    if (line == null) {
                        line = LogFormat.DEFAULT.format(info);
                    }
                    s.offer(line);
                }
            }
        }
    }
}
