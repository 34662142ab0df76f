package dev.weft.proxy.lb;

import java.net.InetSocketAddress;

/** One resolved upstream host of a cluster. CONTRACT, see LoadBalancer. */
public final class Endpoint {
    public Endpoint(InetSocketAddress address, int weight, int priority, boolean healthy) { throw new UnsupportedOperationException(); }
    public InetSocketAddress address() { throw new UnsupportedOperationException(); }
    public int weight() { throw new UnsupportedOperationException(); }
    public int priority() { throw new UnsupportedOperationException(); }
    public boolean healthy() { throw new UnsupportedOperationException(); }
    /** Requests in flight to this endpoint; the router increments before sending and decrements when done. */
    public int activeRequests() { throw new UnsupportedOperationException(); }
    public void requestStarted() { throw new UnsupportedOperationException(); }
    public void requestFinished() { throw new UnsupportedOperationException(); }
}
