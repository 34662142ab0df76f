package dev.weft.proxy.http2;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request stream of a {@link ServerConnection}, speaking HTTP/1 message objects as Netty's
 * Http2StreamFrameToHttpObjectCodec does: HEADERS become an {@link HttpRequest} (a {@code FullHttpRequest} with
 * END_STREAM; chunked unless it has a content-length), DATA an {@link HttpContent}, END_STREAM a
 * {@link LastHttpContent} (with trailers, if a HEADERS frame ends the stream). Responses go the other way; a
 * {@link FullHttpResponse} without body or trailers is one HEADERS frame with END_STREAM.
 *
 * <p>The receive window of request DATA is returned as the handler is given it; while {@link #setReading}
 * is off, DATA is held and its window kept, which holds the client back.
 *
 * <p>Reference counting: a message given to {@link #onRequest} belongs to the handler; one written with
 * {@link #write} belongs to this stream, which releases what it cannot send. Confined to the connection's loop.
 */
public abstract class ServerStream {
    private static final Logger log = LoggerFactory.getLogger(ServerStream.class);

    private ServerConnection owner;
    private Http2Stream stream;
    /** Request content that arrived while reading was off. */
    private ArrayDeque<HttpContent> held;
    private boolean reading = true;
    private boolean delivering;
    /** Queued for the end of the connection's current read. */
    private boolean inRead;
    /** The request's END_STREAM was handed to the handler. */
    private boolean requestEnded;
    /** The response's END_STREAM was written. */
    private boolean responseEnded;
    /** This side reset the stream: its handler is finishing on its own. */
    private boolean resetSent;
    private boolean closed;

    /** A request head, body part or end; the handler owns it. */
    protected abstract void onRequest(Object msg);

    /** A read that gave this stream messages ended: the time to flush what they caused. */
    protected abstract void onRequestReadComplete();

    /** The stream can take response bytes again. */
    protected abstract void onWritable();

    /** The stream closed before its exchange ended: reset by the client, or the connection went away. */
    protected abstract void onClosed();

    // ---------------------------------------------------------------- what the handler calls

    /** The connection's channel: addresses, TLS and peer identity. */
    public final Channel connection() {
        return owner.ctx().channel();
    }

    public final EventLoop eventLoop() {
        return owner.ctx().channel().eventLoop();
    }

    public final ByteBufAllocator alloc() {
        return owner.ctx().alloc();
    }

    /** Whether the caller runs inside a read of the connection that will end with {@link #onRequestReadComplete}. */
    public final boolean readInProgress() {
        return inRead && owner.reading();
    }

    /** Whether the response may take more bytes now (the stream's send window is not used up). */
    public final boolean isWritable() {
        return !closed && owner.isWritable(stream);
    }

    /** Writes a response head, body part or end; sent on {@link #flush}. */
    public final void write(Object msg) {
        if (closed || responseEnded) {
            ReferenceCountUtil.release(msg);
            return;
        }
        ChannelHandlerContext ctx = owner.ctx();
        int id = stream.id();
        if (msg instanceof HttpResponse head) {
            int code = head.status().code();
            boolean interim = code >= 100 && code < 200;
            boolean end = !interim && msg instanceof FullHttpResponse full && !full.content().isReadable()
                    && full.trailingHeaders().isEmpty();
            // set before the write: the stream may close as it goes out
            responseEnded = end;
            owner.encoder().writeHeaders(ctx, id, HttpConversionUtil.toHttp2Headers(head, true), 0, end,
                    ctx.voidPromise());
            if (interim || end || !(msg instanceof HttpContent)) {
                ReferenceCountUtil.release(msg);
                return;
            }
        }
        if (msg instanceof LastHttpContent last) {
            boolean trailers = !last.trailingHeaders().isEmpty();
            ByteBuf content = last.content();
            responseEnded = true;
            if (content.isReadable() || (!trailers && !(last instanceof FullHttpMessage))) {
                owner.encoder().writeData(ctx, id, content, 0, !trailers, ctx.voidPromise());
            } else {
                content.release();
            }
            if (trailers) {
                owner.encoder().writeHeaders(ctx, id, HttpConversionUtil.toHttp2Headers(last.trailingHeaders(), true),
                        0, true, ctx.voidPromise());
            }
        } else if (msg instanceof HttpContent c) {
            owner.encoder().writeData(ctx, id, c.content(), 0, false, ctx.voidPromise());
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    /** Sends what was written (through the connection's flush consolidation). */
    public final void flush() {
        owner.flush();
    }

    /** Stops (false) or resumes taking request content; held content is handed over on resume. */
    public final void setReading(boolean on) {
        reading = on;
        if (on && held != null && !held.isEmpty() && !delivering) {
            boolean update = false;
            delivering = true;
            try {
                HttpContent c;
                while (reading && !closed && (c = held.poll()) != null) {
                    update |= deliver(c);
                }
            } finally {
                delivering = false;
            }
            if (owner.reading()) {
                markRead();
            } else {
                onRequestReadComplete();
                if (update) {
                    owner.flush();
                }
            }
        }
    }

    /** Resets the stream (RST_STREAM CANCEL) unless it is closed already. */
    public final void reset() {
        if (closed) {
            return;
        }
        resetSent = true;
        sendReset();
    }

    private void sendReset() {
        owner.resetStream(owner.ctx(), stream.id(), Http2Error.CANCEL.code(), owner.ctx().newPromise());
        owner.flush();
    }

    // ---------------------------------------------------------------- what the connection calls

    final void opened(ServerConnection c, Http2Stream s) {
        owner = c;
        stream = s;
    }

    final void headersRead(Http2Headers headers, boolean endOfStream) throws Http2Exception {
        Object msg;
        int id = stream.id();
        if (headers.method() == null && headers.status() == null) {
            if (!endOfStream) {
                throw Http2Exception.streamError(id, Http2Error.PROTOCOL_ERROR, "HEADERS without :method mid-request");
            }
            LastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, true);
            HttpConversionUtil.addHttp2ToHttpHeaders(id, headers, last.trailingHeaders(), HttpVersion.HTTP_1_1, true, true);
            msg = last;
        } else {
            HttpRequest head;
            try {
                head = HttpConversionUtil.toHttpRequest(id, headers, true);
            } catch (RuntimeException e) {
                throw Http2Exception.streamError(id, Http2Error.PROTOCOL_ERROR, e, "malformed request headers");
            }
            if (endOfStream) {
                msg = new DefaultFullHttpRequest(head.protocolVersion(), head.method(), head.uri(), Unpooled.EMPTY_BUFFER,
                        head.headers(), EmptyHttpHeaders.INSTANCE);
            } else {
                if (!HttpUtil.isContentLengthSet(head)) {
                    head.headers().add(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
                }
                msg = head;
            }
        }
        if (!(msg instanceof HttpRequest) && (!reading || (held != null && !held.isEmpty()))) {
            hold((LastHttpContent) msg); // trailers, behind the body held before them
            return;
        }
        if (endOfStream) {
            requestEnded = true;
        }
        dispatch(msg);
        markRead();
    }

    final void dataRead(ByteBuf data, boolean endOfStream) {
        HttpContent c = endOfStream ? new DefaultLastHttpContent(data, EmptyHttpHeaders.INSTANCE) : new DefaultHttpContent(data);
        if (!reading || (held != null && !held.isEmpty())) {
            hold(c);
            return;
        }
        deliver(c);
        markRead();
    }

    final void readComplete() {
        inRead = false;
        onRequestReadComplete();
    }

    final void writable() {
        if (!closed) {
            onWritable();
        }
    }

    final void closed() {
        closed = true;
        if (held != null) {
            HttpContent c;
            while ((c = held.poll()) != null) {
                c.release();
            }
        }
        if (!resetSent && !(requestEnded && responseEnded)) {
            onClosed();
        }
    }

    // ---------------------------------------------------------------- internals

    private void hold(HttpContent c) {
        if (held == null) {
            held = new ArrayDeque<>(4);
        }
        held.add(c);
    }

    /** Hands request content over and returns its window; true when a WINDOW_UPDATE was written. */
    private boolean deliver(HttpContent c) {
        int n = c.content().readableBytes();
        if (c instanceof LastHttpContent) {
            requestEnded = true;
        }
        dispatch(c);
        return !closed && owner.consume(stream, n);
    }

    private void dispatch(Object msg) {
        try {
            onRequest(msg);
        } catch (RuntimeException e) {
            // the stream goes, and with it (onClosed) the exchange
            log.warn("HTTP/2 stream {} failed; resetting it", stream.id(), e);
            if (!closed) {
                sendReset();
            }
        }
    }

    private void markRead() {
        if (!inRead) {
            inRead = true;
            owner.readBy(this);
        }
    }
}
