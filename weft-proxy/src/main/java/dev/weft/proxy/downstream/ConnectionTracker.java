package dev.weft.proxy.downstream;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The open downstream connections and in-flight requests of one listener, so a graceful drain can stop
 * taking new work and wait for what is running to finish.
 */
public final class ConnectionTracker {
    private final ChannelGroup connections = new DefaultChannelGroup("weft-downstream", GlobalEventExecutor.INSTANCE);
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean draining;

    public void add(Channel channel) {
        connections.add(channel);
    }

    public ChannelGroup connections() {
        return connections;
    }

    public void requestStarted() {
        inFlight.incrementAndGet();
    }

    public void requestFinished() {
        inFlight.decrementAndGet();
    }

    public int inFlight() {
        return inFlight.get();
    }

    public boolean draining() {
        return draining;
    }

    public void startDraining() {
        draining = true;
    }
}
