package dev.weft.proxy.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObject;
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

/**
 * One upstream HTTP/2 stream seen as an {@link UpstreamStream}: HTTP/1 message objects written
 * become HEADERS and DATA frames of the stream, and frames read become message objects, as
 * Netty's Http2StreamFrameToHttpObjectCodec converts them. Its {@link Http2Connection} owns the
 * protocol state and dispatches the frames; everything runs on the connection's event loop.
 *
 * <p>Back-pressure: while auto-read is off, response parts read are kept here and their DATA
 * bytes are not returned to the stream's flow-control window, so the upstream stops once the
 * window is used up; they are delivered, and the window returned, when auto-read is on again.
 *
 * <p>Reference counting: written messages are passed to Netty's encoder or released; response
 * messages pass to the listener, which owns them; anything kept or read without a listener is
 * released here.
 */
final class Http2StreamHandler implements UpstreamStream {
    private final Http2Connection connection;
    /** The Netty stream, null until the request head is written. */
    private Http2Stream stream;
    /**
     * The HEADERS were written. The stream exists a moment before: creating it reports its
     * writability, and a listener told then would write DATA that went out ahead of the HEADERS.
     */
    private boolean headersWritten;
    private UpstreamListener listener;
    /** Response parts read while auto-read is off, oldest first. */
    private ArrayDeque<HttpObject> paused;
    private boolean autoRead = true;
    private boolean delivering;
    private boolean requestEnded;
    private boolean responseEnded;
    /** The Netty stream was closed, or could not be created. */
    private boolean closed;
    /** Counted out of the connection's streams: happens once. */
    private boolean finished;
    private boolean refused;
    private String resetReason;
    /** Listed by the connection to hear of the end of the current read. */
    boolean inRead;

    Http2StreamHandler(Http2Connection connection) {
        this.connection = connection;
    }

    @Override
    public void listener(UpstreamListener listener) {
        this.listener = listener;
    }

    // ---------------------------------------------------------------- request side

    @Override
    public void write(Object msg) {
        if (finished || closed || requestEnded || !(msg instanceof HttpObject)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpMessage head) {
            if (stream != null || closed || !writeHead(head)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (requestEnded || !(msg instanceof HttpContent)) {
                ReferenceCountUtil.release(msg);
                return;
            }
        } else if (!headersWritten) {
            ReferenceCountUtil.release(msg); // a body without a head: nothing to send it on
            return;
        }
        if (msg instanceof LastHttpContent last) {
            requestEnded = true;
            HttpHeaders trailers = last.trailingHeaders();
            ByteBuf content = last.content();
            // as Http2StreamFrameToHttpObjectCodec: an empty DATA frame carries END_STREAM when nothing else does
            boolean filler = !(last instanceof FullHttpMessage) && trailers.isEmpty();
            if (content.isReadable() || filler) {
                connection.writeData(stream, content, trailers.isEmpty());
            } else {
                content.release();
            }
            if (!trailers.isEmpty()) {
                connection.writeTrailers(stream, HttpConversionUtil.toHttp2Headers(trailers, true));
            }
        } else {
            ByteBuf content = ((HttpContent) msg).content();
            if (content.isReadable()) {
                connection.writeData(stream, content, false);
            } else {
                content.release();
            }
        }
    }

    /** Writes the HEADERS that create the stream; false when it was not created. */
    private boolean writeHead(HttpMessage head) {
        Http2Headers headers;
        try {
            head.headers().set(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text(), connection.scheme());
            headers = HttpConversionUtil.toHttp2Headers(head, true);
        } catch (RuntimeException e) {
            openFailed("request head cannot be sent over HTTP/2: " + e.getMessage());
            return false;
        }
        boolean end = head instanceof FullHttpMessage full && !full.content().isReadable()
                && full.trailingHeaders().isEmpty();
        connection.writeHeaders(this, headers, end);
        if (stream == null) {
            return false;
        }
        headersWritten = true;
        requestEnded = end;
        return true;
    }

    /** Called by the connection as the Netty stream is created. */
    void opened(Http2Stream stream) {
        this.stream = stream;
    }

    boolean isOpen() {
        return stream != null;
    }

    /**
     * The stream could not be created, so the upstream never saw the request: the listener hears
     * of a refused stream (safe to retry), later, as it is in the middle of writing the head.
     */
    void openFailed(String reason) {
        closed = true;
        refused = true;
        resetReason = reason;
        connection.channel().eventLoop().execute(this::end);
    }

    @Override
    public void flush() {
        if (stream != null && !closed) {
            connection.flush();
        }
    }

    @Override
    public boolean isWritable() {
        if (finished || closed) {
            return false;
        }
        return headersWritten ? connection.isWritable(stream) : connection.channel().isWritable();
    }

    void onWritabilityChanged() {
        UpstreamListener l = listener;
        if (l != null && headersWritten && !closed) {
            l.onWritabilityChanged(connection.isWritable(stream));
        }
    }

    // ---------------------------------------------------------------- response side

    /** Response HEADERS (head, or trailers) read for the stream. */
    void onHeaders(Http2Headers headers, boolean endStream) throws Http2Exception {
        if (responseEnded) {
            return;
        }
        int id = stream.id();
        CharSequence status = headers.status();
        HttpObject msg;
        if (status != null && isInformational(status)) {
            msg = HttpConversionUtil.toFullHttpResponse(id, headers, Unpooled.EMPTY_BUFFER, true);
        } else if (endStream) {
            responseEnded = true;
            if (status == null) {
                LastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
                HttpConversionUtil.addHttp2ToHttpHeaders(id, headers, last.trailingHeaders(), HttpVersion.HTTP_1_1,
                        true, true);
                msg = last;
            } else {
                // one message: a gRPC trailers-only response must reach the downstream as HEADERS with END_STREAM
                msg = HttpConversionUtil.toFullHttpResponse(id, headers, Unpooled.EMPTY_BUFFER, true);
            }
        } else {
            HttpResponse head = HttpConversionUtil.toHttpResponse(id, headers, true);
            if (!isContentAlwaysEmpty(status) && !HttpUtil.isContentLengthSet(head)) {
                head.headers().add(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
            msg = head;
        }
        deliver(msg);
    }

    /** 1xx but 101: an interim response, one message of its own. */
    private static boolean isInformational(CharSequence status) {
        return status.length() == 3 && status.charAt(0) == '1' && !"101".contentEquals(status);
    }

    private static boolean isContentAlwaysEmpty(CharSequence status) {
        return status != null && ("204".contentEquals(status) || "304".contentEquals(status));
    }

    /**
     * Response DATA read for the stream; returns how many of its bytes may go back to the
     * flow-control window now (all, unless they wait for auto-read).
     */
    int onData(ByteBuf data, boolean endStream) {
        int n = data.readableBytes();
        if (responseEnded || (n == 0 && !endStream)) {
            return n;
        }
        if (endStream) {
            responseEnded = true;
        }
        HttpContent c = endStream ? new DefaultLastHttpContent(data.retain()) : new DefaultHttpContent(data.retain());
        return deliver(c) ? n : 0;
    }

    /** Hands {@code msg} to the listener, or keeps it while reading is paused; true when it went. */
    private boolean deliver(HttpObject msg) {
        UpstreamListener l = listener;
        if (l == null) {
            ReferenceCountUtil.release(msg);
            return true;
        }
        if (!autoRead || (paused != null && !paused.isEmpty())) {
            if (paused == null) {
                paused = new ArrayDeque<>(4);
            }
            paused.add(msg);
            return false;
        }
        connection.delivered(this);
        l.onResponse(msg);
        return true;
    }

    /** The end of the connection's read in which this stream delivered something. */
    void readComplete() {
        UpstreamListener l = listener;
        if (l != null) {
            l.onReadComplete();
        }
    }

    @Override
    public void setAutoRead(boolean autoRead) {
        this.autoRead = autoRead;
        if (autoRead && paused != null && !paused.isEmpty()) {
            resume();
        }
    }

    /** Delivers the parts kept while paused, as a read of their own, and returns their window. */
    private void resume() {
        if (delivering) {
            return; // a listener call resumed reading: the loop below goes on
        }
        delivering = true;
        int bytes = 0;
        try {
            HttpObject msg;
            while (autoRead && listener != null && (msg = paused.poll()) != null) {
                if (msg instanceof HttpContent c) {
                    bytes += c.content().readableBytes();
                }
                listener.onResponse(msg);
            }
        } finally {
            delivering = false;
        }
        returnWindow(bytes);
        UpstreamListener l = listener;
        if (l != null) {
            l.onReadComplete();
        }
        if (closed && paused.isEmpty()) {
            end();
        }
    }

    private void returnWindow(int bytes) {
        if (bytes > 0 && stream != null && !closed) {
            connection.consume(stream, bytes);
        }
    }

    private void discardPaused() {
        if (paused == null) {
            return;
        }
        int bytes = 0;
        HttpObject msg;
        while ((msg = paused.poll()) != null) {
            if (msg instanceof HttpContent c) {
                bytes += c.content().readableBytes();
            }
            ReferenceCountUtil.release(msg);
        }
        returnWindow(bytes);
    }

    void onResetRead(long errorCode) {
        refused = errorCode == Http2Error.REFUSED_STREAM.code();
        Http2Error e = Http2Error.valueOf(errorCode);
        resetReason = "upstream reset the stream (" + (e == null ? "error " + errorCode : e.name()) + ")";
    }

    void onGoAway() {
        refused = true;
        resetReason = "upstream sent GOAWAY before processing the stream";
    }

    void onStreamError(Throwable cause) {
        if (resetReason == null) {
            resetReason = "upstream stream error: " + cause.getMessage();
        }
    }

    /** The Netty stream closed: whatever ended it, the exchange hears of it unless its response is complete. */
    void onClosed() {
        closed = true;
        if (responseEnded && listener != null && paused != null && !paused.isEmpty()) {
            return; // the response is all here: it is delivered when reading resumes
        }
        end();
    }

    private void end() {
        if (finished) {
            return;
        }
        UpstreamListener l = listener;
        listener = null;
        discardPaused();
        finish();
        if (l != null && !responseEnded) {
            l.onReset(resetReason != null ? resetReason : "upstream connection closed", refused);
        }
    }

    private void finish() {
        if (!finished) {
            finished = true;
            connection.streamClosed();
        }
    }

    // ---------------------------------------------------------------- end of the exchange

    @Override
    public void release() {
        detach();
    }

    @Override
    public void reset() {
        detach();
    }

    /**
     * The exchange is done with the stream: a stream still open on either side (the exchange
     * gave up, or the response ended before the request) is reset with CANCEL.
     */
    private void detach() {
        listener = null;
        discardPaused();
        if (stream != null && !closed && !(responseEnded && requestEnded)) {
            closed = true;
            connection.reset(stream);
        }
        finish();
    }

    @Override
    public Channel channel() {
        return connection.channel();
    }

    @Override
    public String protocol() {
        return "HTTP/2";
    }
}
