package dev.weft.proxy.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandler;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DefaultHeaders;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.AsciiString;
import java.net.SocketAddress;
import java.util.Arrays;
import java.util.List;

/**
 * The HTTP/1.1 codec of a pooled upstream connection: Netty's response decoder and request
 * encoder in one handler, for a connection that carries one exchange at a time.
 *
 * <p>It replaces Netty's {@code HttpClientCodec}, whose two halves sit behind a
 * {@code CombinedChannelDuplexHandler} (an extra context hop for every read, write and flush),
 * and takes per-response allocations off the decoder: the names of common response fields
 * (as the upstream spelled them, {@code Content-Type} or {@code content-type}), the protocol
 * version, the status code and the usual reason phrases come from constants instead of being
 * copied out of the read buffer for every response; a known name needs no token validation;
 * and the last content of a Content-Length response, which can have no trailer fields, gets the
 * shared empty headers instead of a new map (see {@link Trailers}).
 * Everything else (framing, the validation of other names and of every value, the limits) is
 * Netty's decoder as HttpClientCodec configures it.
 *
 * <p>Like HttpClientCodec it knows the method of the request in flight: the response to a HEAD
 * request has no body whatever its Content-Length says, and a 2xx to CONNECT ends the message.
 *
 * <p>A response the decoder cannot read comes out with a failed {@code decoderResult()};
 * {@link Http1Connection} turns it into an upstream protocol error.
 *
 * <p>Public for the micro-benchmarks.
 *
 * <p>Reference counting: as Netty's decoder and encoder; content is a retained slice of the
 * read buffer, and written messages are released by the encoder once encoded.
 */
public final class Http1ClientCodec extends HttpResponseDecoder implements ChannelOutboundHandler {
    static final int MAX_INITIAL_LINE = 8192;
    static final int MAX_HEADER_SIZE = 64 * 1024;
    static final int MAX_CHUNK_SIZE = 64 * 1024;

    private static final DefaultHeaders.NameValidator<CharSequence> NETTY_NAME_VALIDATOR =
            DefaultHttpHeadersFactory.headersFactory().getNameValidator();
    /** Netty's validation, except for names that came from {@link KnownNames} (tokens by construction). */
    private static final DefaultHeaders.NameValidator<CharSequence> NAME_VALIDATOR = name -> {
        if (!KnownNames.isKnown(name)) {
            NETTY_NAME_VALIDATOR.validateName(name);
        }
    };
    private static final HttpHeadersFactory HEADERS = DefaultHttpHeadersFactory.headersFactory()
            .withNameValidator(NAME_VALIDATOR);
    private static final String HTTP_1_1 = "HTTP/1.1";
    private static final String HTTP_1_0 = "HTTP/1.0";
    private static final byte[] HTTP_1_1_BYTES = HTTP_1_1.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] HTTP_1_0_BYTES = HTTP_1_0.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final String[] STATUS_CODES = new String[600];
    /** Reason phrases servers usually send, as strings; others are copied out of the line. */
    private static final String[] REASONS;
    private static final byte[][] REASON_BYTES;

    static {
        for (int i = 100; i < STATUS_CODES.length; i++) {
            STATUS_CODES[i] = Integer.toString(i);
        }
        HttpResponseStatus[] common = {HttpResponseStatus.OK, HttpResponseStatus.CREATED, HttpResponseStatus.ACCEPTED,
            HttpResponseStatus.NO_CONTENT, HttpResponseStatus.PARTIAL_CONTENT, HttpResponseStatus.MOVED_PERMANENTLY,
            HttpResponseStatus.FOUND, HttpResponseStatus.SEE_OTHER, HttpResponseStatus.NOT_MODIFIED,
            HttpResponseStatus.TEMPORARY_REDIRECT, HttpResponseStatus.PERMANENT_REDIRECT, HttpResponseStatus.BAD_REQUEST,
            HttpResponseStatus.UNAUTHORIZED, HttpResponseStatus.FORBIDDEN, HttpResponseStatus.NOT_FOUND,
            HttpResponseStatus.METHOD_NOT_ALLOWED, HttpResponseStatus.TOO_MANY_REQUESTS,
            HttpResponseStatus.INTERNAL_SERVER_ERROR, HttpResponseStatus.BAD_GATEWAY, HttpResponseStatus.SERVICE_UNAVAILABLE,
            HttpResponseStatus.GATEWAY_TIMEOUT, HttpResponseStatus.CONTINUE, HttpResponseStatus.SWITCHING_PROTOCOLS};
        REASONS = new String[common.length];
        REASON_BYTES = new byte[common.length][];
        for (int i = 0; i < common.length; i++) {
            REASONS[i] = common[i].reasonPhrase();
            REASON_BYTES[i] = REASONS[i].getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        }
    }

    private final Trailers trailers;
    private final HttpRequestEncoder encoder = new HttpRequestEncoder();
    /** The method of the request in flight: the connection carries one exchange at a time. */
    private HttpMethod method;

    public Http1ClientCodec() {
        this(new Trailers());
    }

    private Http1ClientCodec(Trailers trailers) {
        super(new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_INITIAL_LINE)
                .setMaxHeaderSize(MAX_HEADER_SIZE)
                .setMaxChunkSize(MAX_CHUNK_SIZE)
                .setHeadersFactory(HEADERS)
                .setTrailersFactory(trailers));
        this.trailers = trailers;
    }

    /**
     * The trailers of the response being decoded. Only a chunked body can carry trailer fields,
     * and the decoder asks for a map for them only when there are some, so a chunked response
     * gets Netty's small empty map to fill; the decoder also asks for one for the last content
     * of every Content-Length response, which can never have any: that one gets the shared
     * immutable empty headers instead of a map per response.
     */
    private static final class Trailers implements HttpHeadersFactory {
        private final DefaultHttpHeadersFactory base = DefaultHttpHeadersFactory.trailersFactory();
        /** Whether the response whose head was decoded last is chunked. */
        boolean chunked = true;

        @Override
        public HttpHeaders newHeaders() {
            return chunked ? base.newEmptyHeaders() : EmptyHttpHeaders.INSTANCE;
        }

        @Override
        public HttpHeaders newEmptyHeaders() {
            return newHeaders();
        }
    }

    // ---------------------------------------------------------------- decoding

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
        int before = out.size();
        super.decode(ctx, buffer, out);
        // a head is always the last message of its decode call: its body comes in later calls
        for (int i = before; i < out.size(); i++) {
            if (out.get(i) instanceof HttpResponse response) {
                trailers.chunked = HttpUtil.isTransferEncodingChunked(response);
            }
        }
    }

    @Override
    protected AsciiString splitHeaderName(byte[] sb, int start, int length) {
        AsciiString known = KnownNames.find(sb, start, length);
        return known != null ? known : super.splitHeaderName(sb, start, length);
    }

    @Override
    protected String splitFirstWordInitialLine(byte[] sb, int start, int length) {
        if (Arrays.equals(sb, start, start + length, HTTP_1_1_BYTES, 0, HTTP_1_1_BYTES.length)) {
            return HTTP_1_1;
        }
        if (Arrays.equals(sb, start, start + length, HTTP_1_0_BYTES, 0, HTTP_1_0_BYTES.length)) {
            return HTTP_1_0;
        }
        return super.splitFirstWordInitialLine(sb, start, length);
    }

    @Override
    protected String splitSecondWordInitialLine(byte[] sb, int start, int length) {
        if (length == 3) {
            int code = digit(sb[start]) * 100 + digit(sb[start + 1]) * 10 + digit(sb[start + 2]);
            if (code >= 100 && code < STATUS_CODES.length) {
                return STATUS_CODES[code];
            }
        }
        return super.splitSecondWordInitialLine(sb, start, length);
    }

    /** The value of an ASCII digit, or a negative number large enough to spoil any code it is part of. */
    private static int digit(byte b) {
        return b >= '0' && b <= '9' ? b - '0' : -1000;
    }

    @Override
    protected String splitThirdWordInitialLine(byte[] sb, int start, int length) {
        for (int i = 0; i < REASON_BYTES.length; i++) {
            byte[] r = REASON_BYTES[i];
            if (r.length == length && Arrays.equals(sb, start, start + length, r, 0, length)) {
                return REASONS[i];
            }
        }
        return super.splitThirdWordInitialLine(sb, start, length);
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpMessage msg) {
        int code = ((HttpResponse) msg).status().code();
        if (code >= 100 && code < 200) {
            // interim responses (and 101) belong to the request still in flight
            return super.isContentAlwaysEmpty(msg);
        }
        HttpMethod m = method;
        if (HttpMethod.HEAD.equals(m)) {
            return true;
        }
        if (code >= 200 && code < 300 && HttpMethod.CONNECT.equals(m)) {
            return true;
        }
        return super.isContentAlwaysEmpty(msg);
    }

    // ---------------------------------------------------------------- encoding

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof HttpRequest request) {
            method = request.method();
        }
        // the encoder writes what it made through this handler's context, to the handler before it
        encoder.write(ctx, msg, promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void bind(ChannelHandlerContext ctx, SocketAddress localAddress, ChannelPromise promise) {
        ctx.bind(localAddress, promise);
    }

    @Override
    public void connect(ChannelHandlerContext ctx, SocketAddress remoteAddress, SocketAddress localAddress,
            ChannelPromise promise) {
        ctx.connect(remoteAddress, localAddress, promise);
    }

    @Override
    public void disconnect(ChannelHandlerContext ctx, ChannelPromise promise) {
        ctx.disconnect(promise);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        ctx.close(promise);
    }

    @Override
    public void deregister(ChannelHandlerContext ctx, ChannelPromise promise) {
        ctx.deregister(promise);
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        ctx.read();
    }

    /**
     * Response field names common enough to keep as constants, in the spellings servers use
     * (nginx, Go and most frameworks: {@code Content-Type}; HTTP/2-minded ones: lowercase).
     * Matched byte for byte, so a name is forwarded exactly as the upstream spelled it.
     */
    static final class KnownNames {
        private static final AsciiString[][] BY_LENGTH;

        static {
            AsciiString[] lower = {HttpHeaderNames.SERVER, HttpHeaderNames.DATE, HttpHeaderNames.CONTENT_TYPE,
                HttpHeaderNames.CONTENT_LENGTH, HttpHeaderNames.CONNECTION, HttpHeaderNames.TRANSFER_ENCODING,
                HttpHeaderNames.KEEP_ALIVE, HttpHeaderNames.CACHE_CONTROL, HttpHeaderNames.ETAG,
                HttpHeaderNames.LAST_MODIFIED, HttpHeaderNames.VARY, HttpHeaderNames.LOCATION, HttpHeaderNames.SET_COOKIE,
                HttpHeaderNames.ACCEPT_RANGES, HttpHeaderNames.EXPIRES, HttpHeaderNames.CONTENT_ENCODING,
                HttpHeaderNames.UPGRADE, HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, HttpHeaderNames.SEC_WEBSOCKET_ACCEPT,
                HttpHeaderNames.AGE, HttpHeaderNames.PRAGMA};
            java.util.List<AsciiString> all = new java.util.ArrayList<>();
            int max = 0;
            for (AsciiString n : lower) {
                all.add(n);
                AsciiString title = AsciiString.cached(titleCase(n.toString()));
                if (!title.equals(n)) {
                    all.add(title);
                }
                max = Math.max(max, n.length());
            }
            all.add(AsciiString.cached("ETag"));
            all.add(AsciiString.cached("Sec-WebSocket-Accept"));
            BY_LENGTH = new AsciiString[max + 1][];
            for (AsciiString n : all) {
                AsciiString[] same = BY_LENGTH[n.length()];
                same = same == null ? new AsciiString[1] : Arrays.copyOf(same, same.length + 1);
                same[same.length - 1] = n;
                BY_LENGTH[n.length()] = same;
            }
        }

        private KnownNames() {}

        private static String titleCase(String name) {
            StringBuilder b = new StringBuilder(name.length());
            boolean up = true;
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                b.append(up ? Character.toUpperCase(c) : c);
                up = c == '-';
            }
            return b.toString();
        }

        /** The constant spelled exactly as {@code sb[start, start + length)}, or null. */
        static AsciiString find(byte[] sb, int start, int length) {
            if (length >= BY_LENGTH.length) {
                return null;
            }
            AsciiString[] same = BY_LENGTH[length];
            if (same == null) {
                return null;
            }
            for (AsciiString n : same) {
                if (Arrays.equals(n.array(), n.arrayOffset(), n.arrayOffset() + length, sb, start, start + length)) {
                    return n;
                }
            }
            return null;
        }

        /** Whether {@code name} is one of the constants (the same object, not just equal). */
        static boolean isKnown(CharSequence name) {
            if (!(name instanceof AsciiString a) || a.length() >= BY_LENGTH.length) {
                return false;
            }
            AsciiString[] same = BY_LENGTH[a.length()];
            if (same != null) {
                for (AsciiString n : same) {
                    if (n == a) {
                        return true;
                    }
                }
            }
            return false;
        }
    }
}
