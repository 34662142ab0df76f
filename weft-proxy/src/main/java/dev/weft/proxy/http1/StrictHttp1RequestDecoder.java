package dev.weft.proxy.http1;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ByteProcessor;
import io.netty.util.CharsetUtil;
import java.util.List;

/**
 * Decodes the HTTP/1.x requests of a downstream connection strictly by RFC 9112, refusing every
 * message whose framing or head another parser could read differently (request smuggling).
 *
 * <h2>Output</h2>
 * For each request, in order: a {@link DefaultHttpRequest} (headers as received, in a
 * {@code DefaultHttpHeaders}; the target as received: origin-form, absolute-form, authority-form
 * for CONNECT, or {@code *} for OPTIONS), zero or more {@link DefaultHttpContent} carrying body
 * bytes as they arrive, then one {@link LastHttpContent} with empty content: carrying the trailer
 * fields of a chunked body, or {@link LastHttpContent#EMPTY_LAST_CONTENT}. A request without
 * Content-Length and Transfer-Encoding has no body. A chunked request is emitted only once its
 * first chunk-size line has been validated. Pipelined requests follow one another.
 *
 * <h2>Rejection</h2>
 * Any violation emits one {@link MalformedRequest} (400, 414, 431, 501 or 505) and from then on
 * all input is discarded; the next handler answers and closes the connection. Nothing of a request
 * rejected in its head is emitted. The head (request line, field lines and the empty line) may be
 * at most {@code maxHeaderBytes} long: a longer request line is refused with 414, a longer head
 * with 431, as soon as the bytes buffered prove it, so no more than {@code maxHeaderBytes} plus one
 * read is ever buffered. Chunk-size lines and the trailer section are bounded by the same number
 * (400 and 431). A chunk may be at most {@link Integer#MAX_VALUE} bytes. If the input ends in the
 * middle of a request, a {@code MalformedRequest(400)} says so.
 *
 * <h2>Upgrade</h2>
 * After an HTTP/1.1 request with an {@code Upgrade} field and a {@code Connection} field listing
 * {@code upgrade} has been emitted up to its {@code LastHttpContent}, the decoder buffers the
 * following bytes until the next handler decides: {@link #upgradeAccepted()} passes the buffered
 * bytes and everything received later through as raw {@link ByteBuf}s; {@link #upgradeRejected()}
 * resumes HTTP decoding with the buffered bytes. Both may be called from inside
 * {@code channelRead} of a later handler or at any later time, on the channel's event loop.
 *
 * <h2>Reference counting</h2>
 * The content of each emitted {@code DefaultHttpContent} is a retained slice of the received
 * bytes, never a copy; each raw {@code ByteBuf} passed through after an accepted upgrade is the
 * received buffer itself or a retained slice of the decoder's buffer. Whoever receives one of these
 * owns it and releases it once. {@code HttpRequest}, the empty {@code LastHttpContent}s and
 * {@code MalformedRequest} hold no buffers. The decoder owns only the bytes it has not yet
 * decoded (a partial line, or bytes waiting for an upgrade decision): it releases them when the
 * channel becomes inactive, releases everything received after a rejection at once, and, like any
 * {@link ByteToMessageDecoder}, passes them on as one {@code ByteBuf} when it is removed from the
 * pipeline.
 */
public final class StrictHttp1RequestDecoder extends ByteToMessageDecoder {

    private enum State {
        REQUEST_LINE, HEADER_LINE, CHUNK_SIZE, CHUNK_DATA, CHUNK_DATA_END, TRAILER_LINE, FIXED_BODY,
        UPGRADE_PENDING, PASSTHROUGH, REJECTED
    }

    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final byte SP = ' ';
    private static final byte HTAB = '\t';

    // findLineEnd results other than the index of the CR
    private static final int NEED_MORE = -1;
    private static final int TOO_LONG = -2;
    private static final int BARE_CR = -3;
    private static final int BARE_LF = -4;

    // parseChunkSize results other than the size
    private static final long INVALID_CHUNK_SIZE = -1;
    private static final long CHUNK_TOO_LARGE = -2;
    private static final long BAD_CHUNK_EXTENSION = -3;

    /** The decoder validates every field itself, so Netty's second validation is skipped. */
    private static final HttpHeadersFactory HEADERS =
            DefaultHttpHeadersFactory.headersFactory().withValidation(false);

    /** tchar of RFC 9110 §5.6.2. */
    private static final boolean[] TCHAR = new boolean[256];
    /** field-vchar, SP and HTAB of RFC 9110 §5.5: everything but controls other than HTAB, and DEL. */
    private static final boolean[] FIELD_VALUE_CHAR = new boolean[256];
    /** qdtext of RFC 9110 §5.6.4. */
    private static final boolean[] QDTEXT = new boolean[256];
    /** Visible US-ASCII except '#': a fragment is never part of a request-target (RFC 9112 §3.2). */
    private static final boolean[] TARGET_CHAR = new boolean[256];
    /** unreserved and sub-delims of RFC 3986: the characters of a reg-name besides pct-encoded. */
    private static final boolean[] REG_NAME_CHAR = new boolean[128];

    static {
        for (int c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
            REG_NAME_CHAR[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 32] = true;
            REG_NAME_CHAR[c] = true;
            REG_NAME_CHAR[c - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
        for (char c : "-._~!$&'()*+,;=".toCharArray()) {
            REG_NAME_CHAR[c] = true;
        }
        FIELD_VALUE_CHAR[HTAB] = true;
        for (int c = 0x20; c < 256; c++) {
            FIELD_VALUE_CHAR[c] = c != 0x7F;
            QDTEXT[c] = c != 0x7F && c != '"' && c != '\\';
            TARGET_CHAR[c] = c > 0x20 && c < 0x7F && c != '#';
        }
        QDTEXT[HTAB] = true;
    }

    private static final ByteProcessor IS_TCHAR = b -> TCHAR[b & 0xFF];
    private static final ByteProcessor IS_FIELD_VALUE_CHAR = b -> FIELD_VALUE_CHAR[b & 0xFF];
    private static final ByteProcessor IS_TARGET_CHAR = b -> TARGET_CHAR[b & 0xFF];

    private final int maxHeaderBytes;
    private ChannelHandlerContext ctx;
    private State state = State.REQUEST_LINE;
    /** True while a decode loop of this handler is on the stack. */
    private boolean busy;
    /** Bytes after the reader index known to hold no CR or LF, so a slowly arriving line is scanned once. */
    private int lineScanned;
    /** Bytes of the current head (or trailer section) consumed so far. */
    private int headBytes;

    private HttpVersion version;
    private HttpMethod method;
    private String uri;
    private HttpHeaders headers;
    private int hostCount;
    private long contentLength;
    private boolean transferEncoding;
    private boolean lastCodingChunked;
    private int chunkedCodings;
    private boolean unsupportedCoding;
    private boolean upgradeField;
    private boolean connectionUpgrade;
    private boolean upgradeRequested;
    /** A chunked request, held back until its first chunk-size line is valid. */
    private HttpRequest pendingRequest;
    private long remaining;
    private HttpHeaders trailers;

    /**
     * Creates a decoder for one connection.
     *
     * @param maxHeaderBytes the longest request head accepted, in bytes; the proxy passes 60 KiB
     */
    public StrictHttp1RequestDecoder(int maxHeaderBytes) {
        if (maxHeaderBytes <= 0) {
            throw new IllegalArgumentException("maxHeaderBytes: " + maxHeaderBytes + " (expected: > 0)");
        }
        this.maxHeaderBytes = maxHeaderBytes;
    }

    /**
     * Switches the connection to the upgraded protocol: the bytes buffered since the upgrade
     * request and all later ones are passed on unparsed. Call on the channel's event loop.
     *
     * @throws IllegalStateException if no upgrade decision is pending
     */
    public void upgradeAccepted() {
        resumeAfterUpgrade(State.PASSTHROUGH);
    }

    /**
     * Keeps the connection on HTTP/1: the bytes buffered since the upgrade request and all later
     * ones are decoded as requests. Call on the channel's event loop. It may also be called while
     * the upgrade request's body is still being decoded (the proxy answered it before reading it
     * all), and then the decoder does not pause at its end; with no upgrade in progress it does
     * nothing, so a caller that declines an upgrade need not know how far the decoder got.
     */
    public void upgradeRejected() {
        if (state == State.UPGRADE_PENDING) {
            resumeAfterUpgrade(State.REQUEST_LINE);
        } else {
            upgradeRequested = false;
        }
    }

    /** Whether an upgrade was accepted, so every received buffer is passed on unparsed. */
    public boolean isPassthrough() {
        return state == State.PASSTHROUGH;
    }

    private void resumeAfterUpgrade(State next) {
        if (ctx == null) {
            throw new IllegalStateException("the decoder is not in a pipeline");
        }
        assert ctx.executor().inEventLoop();
        if (state != State.UPGRADE_PENDING) {
            throw new IllegalStateException("no upgrade decision is pending (state " + state + ")");
        }
        state = next;
        // A decode loop on the stack (the decision was taken inside channelRead of a later
        // handler) carries on with the new state by itself. Otherwise the buffered bytes are
        // pushed through ByteToMessageDecoder with an empty read, so they are decoded or passed on
        // in order and the cumulation is released as usual.
        if (!busy && internalBuffer().isReadable()) {
            try {
                channelRead(ctx, Unpooled.EMPTY_BUFFER);
                channelReadComplete(ctx);
            } catch (Exception e) {
                ctx.fireExceptionCaught(e);
            }
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof ByteBuf buf && !busy && !internalBuffer().isReadable()) {
            if (state == State.REJECTED) {
                buf.release();
                return;
            }
            if (state == State.PASSTHROUGH) {
                ctx.fireChannelRead(buf);
                return;
            }
        }
        boolean wasBusy = busy;
        busy = true;
        try {
            super.channelRead(ctx, msg);
        } finally {
            busy = wasBusy;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        boolean wasBusy = busy;
        busy = true;
        try {
            super.channelInactive(ctx);
        } finally {
            busy = wasBusy;
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        boolean wasBusy = busy;
        busy = true;
        try {
            super.userEventTriggered(ctx, evt);
        } finally {
            busy = wasBusy;
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.isReadable()) {
            boolean progress = switch (state) {
                case REQUEST_LINE -> readRequestLine(in, out);
                case HEADER_LINE -> readHeaderLine(in, out);
                case CHUNK_SIZE -> readChunkSize(in, out);
                case CHUNK_DATA -> readChunkData(in, out);
                case CHUNK_DATA_END -> readChunkDataEnd(in, out);
                case TRAILER_LINE -> readTrailerLine(in, out);
                case FIXED_BODY -> readFixedBody(in, out);
                // Returning lets ByteToMessageDecoder fire what was decoded, so the next handler
                // can decide on the upgrade before another byte is looked at.
                case UPGRADE_PENDING -> false;
                case PASSTHROUGH -> {
                    out.add(in.readRetainedSlice(in.readableBytes()));
                    yield false;
                }
                case REJECTED -> {
                    in.skipBytes(in.readableBytes());
                    yield false;
                }
            };
            if (!progress) {
                return;
            }
        }
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        // ByteToMessageDecoder has already decoded all it could; what is left is a cut-off request.
        boolean midRequest = switch (state) {
            case REQUEST_LINE -> in.isReadable();
            case HEADER_LINE, CHUNK_SIZE, CHUNK_DATA, CHUNK_DATA_END, TRAILER_LINE, FIXED_BODY -> true;
            case UPGRADE_PENDING, PASSTHROUGH, REJECTED -> false;
        };
        if (midRequest) {
            reject(in, out, 400, "connection closed before the request was complete");
        }
    }

    private boolean readRequestLine(ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        int cr = findLineEnd(in, maxHeaderBytes - headBytes);
        if (cr < 0) {
            return lineNotReady(cr, in, out, 414, "request line too long", "request head");
        }
        int lineLength = cr + 2 - start;
        if (cr == start) {
            // RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the request-line
            // (some clients send a CRLF after a POST body); they count toward the head limit.
            in.skipBytes(lineLength);
            headBytes += lineLength;
            return true;
        }
        if (!parseRequestLine(in, start, cr, out)) {
            return false;
        }
        in.skipBytes(lineLength);
        headBytes += lineLength;
        state = State.HEADER_LINE;
        return true;
    }

    private boolean parseRequestLine(ByteBuf in, int start, int end, List<Object> out) {
        int methodEnd = in.indexOf(start, end, SP);
        if (methodEnd <= start) {
            return reject(in, out, 400, "malformed request line");
        }
        if (in.forEachByte(start, methodEnd - start, IS_TCHAR) >= 0) {
            return reject(in, out, 400, "request method is not a token");
        }
        int targetStart = methodEnd + 1;
        int targetEnd = in.indexOf(targetStart, end, SP);
        if (targetEnd <= targetStart) {
            return reject(in, out, 400, "malformed request line");
        }
        if (in.forEachByte(targetStart, targetEnd - targetStart, IS_TARGET_CHAR) >= 0) {
            return reject(in, out, 400, "invalid character in request target");
        }
        int versionStart = targetEnd + 1;
        if (end - versionStart != 8 || !isHttpVersionSyntax(in, versionStart)) {
            return reject(in, out, 400, "malformed HTTP version");
        }
        int major = in.getByte(versionStart + 5) - '0';
        int minor = in.getByte(versionStart + 7) - '0';
        if (major != 1 || minor > 1) {
            return reject(in, out, 505, "HTTP version not supported");
        }
        version = minor == 1 ? HttpVersion.HTTP_1_1 : HttpVersion.HTTP_1_0;
        method = HttpMethod.valueOf(in.toString(start, methodEnd - start, CharsetUtil.US_ASCII));
        uri = in.toString(targetStart, targetEnd - targetStart, CharsetUtil.US_ASCII);
        if (!isValidTargetForm(method, uri)) {
            return reject(in, out, 400, "malformed request target");
        }
        headers = HEADERS.newHeaders();
        hostCount = 0;
        contentLength = -1;
        transferEncoding = false;
        lastCodingChunked = false;
        chunkedCodings = 0;
        unsupportedCoding = false;
        upgradeField = false;
        connectionUpgrade = false;
        return true;
    }

    private static boolean isHttpVersionSyntax(ByteBuf in, int i) {
        return in.getByte(i) == 'H' && in.getByte(i + 1) == 'T' && in.getByte(i + 2) == 'T'
                && in.getByte(i + 3) == 'P' && in.getByte(i + 4) == '/' && isDigit(in.getByte(i + 5))
                && in.getByte(i + 6) == '.' && isDigit(in.getByte(i + 7));
    }

    /** RFC 9112 §3.2: which of the four forms each method may use. */
    private static boolean isValidTargetForm(HttpMethod method, String target) {
        if (HttpMethod.CONNECT.equals(method)) {
            return isValidAuthority(target, true);
        }
        char first = target.charAt(0);
        if (first == '/') {
            return true;
        }
        if (target.equals("*")) {
            return HttpMethod.OPTIONS.equals(method);
        }
        // absolute-form: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then ':'
        int colon = target.indexOf(':');
        if (colon <= 0 || !isAlpha(first)) {
            return false;
        }
        for (int i = 1; i < colon; i++) {
            char c = target.charAt(i);
            if (!isAlpha(c) && !isDigit(c) && c != '+' && c != '-' && c != '.') {
                return false;
            }
        }
        return true;
    }

    private boolean readHeaderLine(ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        int cr = findLineEnd(in, maxHeaderBytes - headBytes);
        if (cr < 0) {
            return lineNotReady(cr, in, out, 431, "request head too large", "request head");
        }
        int lineLength = cr + 2 - start;
        if (cr == start) {
            in.skipBytes(lineLength);
            return endOfHead(in, out);
        }
        if (!parseField(in, start, cr, out, headers, true)) {
            return false;
        }
        in.skipBytes(lineLength);
        headBytes += lineLength;
        return true;
    }

    private boolean endOfHead(ByteBuf in, List<Object> out) {
        if (hostCount == 0 && version == HttpVersion.HTTP_1_1) {
            return reject(in, out, 400, "missing Host header");
        }
        if (transferEncoding) {
            // RFC 9112 §6.1 and §6.3: each of these makes the framing ambiguous to someone.
            if (contentLength >= 0) {
                return reject(in, out, 400, "both Content-Length and Transfer-Encoding");
            }
            if (version == HttpVersion.HTTP_1_0) {
                return reject(in, out, 400, "Transfer-Encoding in an HTTP/1.0 request");
            }
            if (!lastCodingChunked) {
                return reject(in, out, 400, "final transfer coding is not chunked");
            }
            if (chunkedCodings > 1) {
                return reject(in, out, 400, "chunked transfer coding applied more than once");
            }
            if (unsupportedCoding) {
                return reject(in, out, 501, "transfer coding not implemented");
            }
        }
        HttpRequest request = new DefaultHttpRequest(version, method, uri, headers);
        // RFC 9110 §7.8: Upgrade in an HTTP/1.0 request is ignored.
        upgradeRequested = version == HttpVersion.HTTP_1_1 && upgradeField && connectionUpgrade;
        headers = null;
        if (transferEncoding) {
            pendingRequest = request;
            state = State.CHUNK_SIZE;
            return true;
        }
        out.add(request);
        if (contentLength > 0) {
            remaining = contentLength;
            state = State.FIXED_BODY;
            return true;
        }
        return finishRequest(out, LastHttpContent.EMPTY_LAST_CONTENT);
    }

    private boolean finishRequest(List<Object> out, LastHttpContent last) {
        out.add(last);
        headBytes = 0;
        trailers = null;
        if (upgradeRequested) {
            upgradeRequested = false;
            state = State.UPGRADE_PENDING;
            return false;
        }
        state = State.REQUEST_LINE;
        return true;
    }

    private boolean readFixedBody(ByteBuf in, List<Object> out) {
        int n = (int) Math.min(remaining, in.readableBytes());
        out.add(new DefaultHttpContent(in.readRetainedSlice(n)));
        remaining -= n;
        return remaining > 0 || finishRequest(out, LastHttpContent.EMPTY_LAST_CONTENT);
    }

    private boolean readChunkSize(ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        int cr = findLineEnd(in, maxHeaderBytes);
        if (cr < 0) {
            return lineNotReady(cr, in, out, 400, "chunk size line too long", "chunk framing");
        }
        long size = parseChunkSize(in, start, cr);
        if (size < 0) {
            String reason = size == CHUNK_TOO_LARGE ? "chunk size too large"
                    : size == BAD_CHUNK_EXTENSION ? "malformed chunk extension" : "invalid chunk size";
            return reject(in, out, 400, reason);
        }
        in.skipBytes(cr + 2 - start);
        if (pendingRequest != null) {
            out.add(pendingRequest);
            pendingRequest = null;
        }
        if (size == 0) {
            headBytes = 0;
            state = State.TRAILER_LINE;
        } else {
            remaining = size;
            state = State.CHUNK_DATA;
        }
        return true;
    }

    /** chunk-size [ chunk-ext ] of RFC 9112 §7.1, or one of the negative error results. */
    private static long parseChunkSize(ByteBuf in, int start, int end) {
        long size = 0;
        int i = start;
        for (; i < end; i++) {
            int digit = hexValue(in.getByte(i));
            if (digit < 0) {
                break;
            }
            size = size << 4 | digit;
            if (size > Integer.MAX_VALUE) {
                return CHUNK_TOO_LARGE;
            }
        }
        if (i == start) {
            return INVALID_CHUNK_SIZE;
        }
        if (i == end) {
            return size;
        }
        byte next = in.getByte(i);
        if (next != ';' && next != SP && next != HTAB) {
            return INVALID_CHUNK_SIZE;
        }
        return isValidChunkExtension(in, i, end) ? size : BAD_CHUNK_EXTENSION;
    }

    /** chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ) */
    private static boolean isValidChunkExtension(ByteBuf in, int i, int end) {
        while (i < end) {
            i = skipOws(in, i, end);
            if (i == end || in.getByte(i) != ';') {
                return false;
            }
            i = skipOws(in, i + 1, end);
            int nameStart = i;
            i = skipTchars(in, i, end);
            if (i == nameStart) {
                return false;
            }
            int afterName = skipOws(in, i, end);
            if (afterName < end && in.getByte(afterName) == '=') {
                i = skipOws(in, afterName + 1, end);
                if (i == end) {
                    return false;
                }
                if (in.getByte(i) == '"') {
                    i = skipQuotedString(in, i, end);
                    if (i < 0) {
                        return false;
                    }
                } else {
                    int valueStart = i;
                    i = skipTchars(in, i, end);
                    if (i == valueStart) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /** Returns the index after the quoted-string starting at {@code i}, or -1 if it is malformed. */
    private static int skipQuotedString(ByteBuf in, int i, int end) {
        for (i++; i < end; i++) {
            int b = in.getByte(i) & 0xFF;
            if (b == '"') {
                return i + 1;
            }
            if (b == '\\') {
                i++;
                if (i == end || !FIELD_VALUE_CHAR[in.getByte(i) & 0xFF]) {
                    return -1;
                }
            } else if (!QDTEXT[b]) {
                return -1;
            }
        }
        return -1;
    }

    private boolean readChunkData(ByteBuf in, List<Object> out) {
        int n = (int) Math.min(remaining, in.readableBytes());
        out.add(new DefaultHttpContent(in.readRetainedSlice(n)));
        remaining -= n;
        if (remaining == 0) {
            state = State.CHUNK_DATA_END;
        }
        return true;
    }

    private boolean readChunkDataEnd(ByteBuf in, List<Object> out) {
        int i = in.readerIndex();
        if (in.getByte(i) != CR) {
            return reject(in, out, 400, "missing CRLF after chunk data");
        }
        if (in.readableBytes() < 2) {
            return false;
        }
        if (in.getByte(i + 1) != LF) {
            return reject(in, out, 400, "missing CRLF after chunk data");
        }
        in.skipBytes(2);
        state = State.CHUNK_SIZE;
        return true;
    }

    private boolean readTrailerLine(ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        int cr = findLineEnd(in, maxHeaderBytes - headBytes);
        if (cr < 0) {
            return lineNotReady(cr, in, out, 431, "trailer section too large", "trailer section");
        }
        int lineLength = cr + 2 - start;
        if (cr == start) {
            in.skipBytes(lineLength);
            LastHttpContent last = trailers == null
                    ? LastHttpContent.EMPTY_LAST_CONTENT
                    : new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, trailers);
            return finishRequest(out, last);
        }
        if (trailers == null) {
            trailers = HEADERS.newHeaders();
        }
        if (!parseField(in, start, cr, out, trailers, false)) {
            return false;
        }
        in.skipBytes(lineLength);
        headBytes += lineLength;
        return true;
    }

    /**
     * Finds the CRLF ending the line at the reader index.
     *
     * @param budget the most bytes the line, CRLF included, may take
     * @return the index of the CR, or NEED_MORE, TOO_LONG, BARE_CR or BARE_LF
     */
    private int findLineEnd(ByteBuf in, int budget) {
        int start = in.readerIndex();
        int readable = in.readableBytes();
        int searchable = Math.min(readable, budget);
        int found = searchable > lineScanned
                ? in.forEachByte(start + lineScanned, searchable - lineScanned, ByteProcessor.FIND_CRLF)
                : -1;
        if (found < 0) {
            lineScanned = Math.max(searchable, 0);
            // The CRLF cannot start before byte `readable`, so the line takes at least readable + 2.
            return readable >= budget - 1 ? TOO_LONG : NEED_MORE;
        }
        if (in.getByte(found) == LF) {
            return BARE_LF;
        }
        if (found + 2 - start > budget) {
            return TOO_LONG;
        }
        if (found + 1 == in.writerIndex()) {
            lineScanned = found - start;
            return NEED_MORE;
        }
        if (in.getByte(found + 1) != LF) {
            return BARE_CR;
        }
        lineScanned = 0;
        return found;
    }

    private boolean lineNotReady(int result, ByteBuf in, List<Object> out, int tooLongStatus,
                                 String tooLongReason, String where) {
        return switch (result) {
            case NEED_MORE -> false;
            case TOO_LONG -> reject(in, out, tooLongStatus, tooLongReason);
            case BARE_CR -> reject(in, out, 400, "bare CR in " + where);
            default -> reject(in, out, 400, "bare LF in " + where);
        };
    }

    /** field-line = field-name ":" OWS field-value OWS (RFC 9112 §5), CRLF excluded. */
    private boolean parseField(ByteBuf in, int start, int end, List<Object> out, HttpHeaders into,
                               boolean requestHead) {
        byte first = in.getByte(start);
        if (first == SP || first == HTAB) {
            return reject(in, out, 400, "obsolete line folding");
        }
        int colon = in.indexOf(start, end, (byte) ':');
        if (colon < 0) {
            return reject(in, out, 400, "field line without a colon");
        }
        if (colon == start) {
            return reject(in, out, 400, "empty field name");
        }
        int bad = in.forEachByte(start, colon - start, IS_TCHAR);
        if (bad >= 0) {
            return reject(in, out, 400, skipOws(in, bad, colon) == colon
                    ? "whitespace between field name and colon"
                    : "invalid character in field name");
        }
        int valueStart = skipOws(in, colon + 1, end);
        int valueEnd = end;
        while (valueEnd > valueStart && isOws(in.getByte(valueEnd - 1))) {
            valueEnd--;
        }
        if (valueEnd > valueStart && in.forEachByte(valueStart, valueEnd - valueStart, IS_FIELD_VALUE_CHAR) >= 0) {
            return reject(in, out, 400, "control character in field value");
        }
        String name = in.toString(start, colon - start, CharsetUtil.US_ASCII);
        // ISO-8859-1 maps obs-text to chars one to one, so the value is forwarded byte for byte.
        String value = in.toString(valueStart, valueEnd - valueStart, CharsetUtil.ISO_8859_1);
        if (requestHead && !inspectField(name, value, in, out)) {
            return false;
        }
        into.add(name, value);
        return true;
    }

    /** Records the fields that frame or route the request, rejecting bad ones at once. */
    private boolean inspectField(String name, String value, ByteBuf in, List<Object> out) {
        switch (name.length()) {
            case 4 -> {
                if (name.equalsIgnoreCase("host")) {
                    if (++hostCount > 1) {
                        return reject(in, out, 400, "more than one Host header");
                    }
                    if (!isValidAuthority(value, false)) {
                        return reject(in, out, 400, "invalid Host header");
                    }
                }
            }
            case 7 -> upgradeField |= name.equalsIgnoreCase("upgrade");
            case 10 -> {
                if (name.equalsIgnoreCase("connection") && listContains(value, "upgrade")) {
                    connectionUpgrade = true;
                }
            }
            case 14 -> {
                if (name.equalsIgnoreCase("content-length")) {
                    // RFC 9112 §6.3 lets a recipient merge equal duplicates; refusing them leaves no
                    // room for a peer that picks a different one.
                    if (contentLength >= 0) {
                        return reject(in, out, 400, "duplicate Content-Length");
                    }
                    contentLength = parseContentLength(value);
                    if (contentLength < 0) {
                        return reject(in, out, 400, "malformed Content-Length");
                    }
                }
            }
            case 17 -> {
                if (name.equalsIgnoreCase("transfer-encoding") && !parseTransferCodings(value)) {
                    return reject(in, out, 400, "malformed Transfer-Encoding");
                }
            }
            default -> { }
        }
        return true;
    }

    /** Returns the value of 1*DIGIT, or -1 if it is not one or overflows. */
    private static long parseContentLength(String value) {
        if (value.isEmpty()) {
            return -1;
        }
        long n = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!isDigit(c) || n > (Long.MAX_VALUE - (c - '0')) / 10) {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    /**
     * Adds one Transfer-Encoding field line's codings to what is known of the request's codings.
     * Empty list elements are ignored (RFC 9110 §5.6.1.2).
     *
     * @return false if an element is not a transfer-coding
     */
    private boolean parseTransferCodings(String value) {
        transferEncoding = true;
        int n = value.length();
        for (int i = 0; i <= n; ) {
            int comma = value.indexOf(',', i);
            int elementEnd = comma < 0 ? n : comma;
            int s = skipOws(value, i, elementEnd);
            int e = elementEnd;
            while (e > s && isOws(value.charAt(e - 1))) {
                e--;
            }
            if (s < e) {
                int nameEnd = s;
                while (nameEnd < e && isTchar(value.charAt(nameEnd))) {
                    nameEnd++;
                }
                if (nameEnd == s) {
                    return false;
                }
                int p = skipOws(value, nameEnd, e);
                boolean hasParameters = p < e;
                if (hasParameters && value.charAt(p) != ';') {
                    return false;
                }
                boolean chunked = nameEnd - s == 7 && value.regionMatches(true, s, "chunked", 0, 7);
                if (chunked && hasParameters) {
                    return false;
                }
                if (chunked) {
                    chunkedCodings++;
                } else {
                    unsupportedCoding = true;
                }
                lastCodingChunked = chunked;
            }
            i = elementEnd + 1;
        }
        return true;
    }

    /** Whether a comma-separated list holds {@code token}, compared case-insensitively. */
    private static boolean listContains(String list, String token) {
        int n = list.length();
        for (int i = 0; i <= n; ) {
            int comma = list.indexOf(',', i);
            int elementEnd = comma < 0 ? n : comma;
            int s = skipOws(list, i, elementEnd);
            int e = elementEnd;
            while (e > s && isOws(list.charAt(e - 1))) {
                e--;
            }
            if (e - s == token.length() && list.regionMatches(true, s, token, 0, token.length())) {
                return true;
            }
            i = elementEnd + 1;
        }
        return false;
    }

    /**
     * uri-host [ ":" port ] of RFC 3986 (a Host value, or with {@code portRequired} the
     * authority-form of CONNECT). An empty host is refused: the proxy routes by it.
     */
    private static boolean isValidAuthority(String authority, boolean portRequired) {
        int n = authority.length();
        if (n == 0) {
            return false;
        }
        int i;
        if (authority.charAt(0) == '[') {
            int close = authority.indexOf(']');
            if (close < 2) {
                return false;
            }
            boolean future = authority.charAt(1) == 'v' || authority.charAt(1) == 'V';
            for (int j = 1; j < close; j++) {
                char c = authority.charAt(j);
                boolean ok = future
                        ? c < 128 && REG_NAME_CHAR[c] || c == ':'
                        : hexValue(c) >= 0 || c == ':' || c == '.';
                if (!ok) {
                    return false;
                }
            }
            i = close + 1;
        } else {
            i = 0;
            while (i < n && authority.charAt(i) != ':') {
                char c = authority.charAt(i);
                if (c == '%') {
                    if (i + 2 >= n || hexValue(authority.charAt(i + 1)) < 0 || hexValue(authority.charAt(i + 2)) < 0) {
                        return false;
                    }
                    i += 3;
                } else if (c < 128 && REG_NAME_CHAR[c]) {
                    i++;
                } else {
                    return false;
                }
            }
            if (i == 0) {
                return false;
            }
        }
        if (i == n) {
            return !portRequired;
        }
        if (authority.charAt(i) != ':') {
            return false;
        }
        int digits = n - i - 1;
        if (digits == 0) {
            return !portRequired;
        }
        if (digits > 5) {
            return false;
        }
        int port = 0;
        for (int j = i + 1; j < n; j++) {
            char c = authority.charAt(j);
            if (!isDigit(c)) {
                return false;
            }
            port = port * 10 + (c - '0');
        }
        return port <= 65535;
    }

    private boolean reject(ByteBuf in, List<Object> out, int status, String reason) {
        in.skipBytes(in.readableBytes());
        state = State.REJECTED;
        pendingRequest = null;
        headers = null;
        trailers = null;
        lineScanned = 0;
        out.add(new MalformedRequest(status, reason));
        return false;
    }

    private static int skipOws(ByteBuf in, int i, int end) {
        while (i < end && isOws(in.getByte(i))) {
            i++;
        }
        return i;
    }

    private static int skipOws(String s, int i, int end) {
        while (i < end && isOws(s.charAt(i))) {
            i++;
        }
        return i;
    }

    private static int skipTchars(ByteBuf in, int i, int end) {
        while (i < end && TCHAR[in.getByte(i) & 0xFF]) {
            i++;
        }
        return i;
    }

    private static boolean isOws(int c) {
        return c == SP || c == HTAB;
    }

    private static boolean isTchar(char c) {
        return c < 256 && TCHAR[c];
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    /** The value of an ASCII hex digit, or -1. */
    private static int hexValue(int c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static boolean isAlpha(int c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
    }
}
