package dev.weft.proxy.downstream;

import dev.weft.proxy.http2.ServerStream;
import dev.weft.proxy.router.Downstream;
import dev.weft.proxy.router.Exchange;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;

/**
 * One downstream HTTP/2 stream: exactly one exchange.
 *
 * <p>Reference counting: request messages go to the exchange, which owns them; anything that
 * arrives without an exchange is released.
 */
final class Http2StreamDownstream extends ServerStream implements Downstream {
    private final LiveListener listener;
    /** The listener's filter chain the connection was accepted on. */
    private final int chain;
    private final boolean secure;
    private final ConnectionTracker tracker;
    /** The client's address as text, worked out on first use. */
    private String remoteIp;
    private Exchange exchange;

    Http2StreamDownstream(LiveListener listener, int chain, boolean secure) {
        this.listener = listener;
        this.chain = chain;
        this.secure = secure;
        this.tracker = listener.tracker();
    }

    @Override
    protected void onRequest(Object msg) {
        if (msg instanceof HttpRequest && exchange == null) {
            exchange = new Exchange(listener.context(chain), this, connection().remoteAddress());
            tracker.requestStarted();
            exchange.onRequest(msg);
        } else if (exchange != null) {
            exchange.onRequest(msg);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    protected void onRequestReadComplete() {
        if (exchange != null) {
            exchange.onRequestReadComplete();
        }
    }

    @Override
    protected void onWritable() {
        if (exchange != null) {
            exchange.onDownstreamWritable();
        }
    }

    @Override
    protected void onClosed() {
        if (exchange != null && !exchange.isDone()) {
            exchange.cancel();
            tracker.requestFinished();
        }
    }

    // ---------------------------------------------------------------- Downstream
    // connection(), write, flush, isWritable, alloc, eventLoop and readInProgress are the stream's

    @Override
    public boolean secure() {
        return secure;
    }

    @Override
    public String remoteIp() {
        if (remoteIp == null && connection().remoteAddress() instanceof InetSocketAddress isa && isa.getAddress() != null) {
            remoteIp = isa.getAddress().getHostAddress();
        }
        return remoteIp;
    }

    @Override
    public boolean http2() {
        return true;
    }

    @Override
    public void prepareResponse(HttpResponse response, boolean headRequest) {
        // HTTP/2 frames its own bodies; connection-specific headers were removed by the router.
    }

    @Override
    public void setRequestReading(boolean reading) {
        setReading(reading);
    }

    @Override
    public void exchangeFinished(Exchange ex, boolean reusable) {
        tracker.requestFinished();
        if (!reusable) {
            reset(); // the request body is no longer wanted
        }
    }

    @Override
    public void abort() {
        reset();
    }

    @Override
    public void upgradeAccepted() {
        // HTTP/2 streams are never upgraded (no extended CONNECT support).
    }

    @Override
    public void upgradeRejected() {
        // see upgradeAccepted
    }
}
