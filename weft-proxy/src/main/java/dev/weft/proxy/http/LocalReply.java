package dev.weft.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;

/**
 * Responses the proxy makes itself. Each carries {@code x-weft-error} and a one-line reason; a
 * gRPC request gets a trailers-only gRPC response (HTTP 200, grpc-status, grpc-message) instead,
 * because gRPC clients read the status from there, not from the HTTP status.
 */
public final class LocalReply {
    public static final AsciiString X_WEFT_ERROR = AsciiString.cached("x-weft-error");
    public static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
    public static final AsciiString GRPC_MESSAGE = AsciiString.cached("grpc-message");
    private static final AsciiString APPLICATION_GRPC = AsciiString.cached("application/grpc");

    private LocalReply() {}

    /** Whether the request is gRPC (content-type application/grpc or application/grpc+...). */
    public static boolean isGrpc(HttpRequest request) {
        String ct = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
        return ct != null && ct.regionMatches(true, 0, "application/grpc", 0, 16);
    }

    /**
     * The response for {@code error}; {@code reason} is one line saying what happened, for
     * example "no healthy endpoint in cluster models".
     */
    public static FullHttpResponse create(ByteBufAllocator alloc, WeftError error, String reason, boolean grpc, boolean head) {
        String line = reason.replace('\r', ' ').replace('\n', ' ');
        return build(alloc, error, line, error.code() + ": " + line + "\n", grpc, head);
    }

    /**
     * As {@link #create}, but the body (and a gRPC request's grpc-message) is {@code text} itself, without
     * the code in front: for replies whose wording clients know from Envoy, like "RBAC: access denied".
     */
    public static FullHttpResponse createVerbatim(ByteBufAllocator alloc, WeftError error, String text, boolean grpc,
            boolean head) {
        String line = text.replace('\r', ' ').replace('\n', ' ');
        return build(alloc, error, line, line, grpc, head);
    }

    private static FullHttpResponse build(ByteBufAllocator alloc, WeftError error, String line, String text, boolean grpc,
            boolean head) {
        if (grpc) {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, alloc.buffer(0));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, APPLICATION_GRPC)
                    .set(GRPC_STATUS, error.grpcStatus())
                    .set(GRPC_MESSAGE, percentEncode(line))
                    .set(X_WEFT_ERROR, error.code())
                    .set(HttpHeaderNames.CONTENT_LENGTH, 0);
            return r;
        }
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        ByteBuf content = head ? alloc.buffer(0) : alloc.buffer(body.length).writeBytes(body);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, error.status(), content);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                .set(X_WEFT_ERROR, error.code())
                .set(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return r;
    }

    /** grpc-message is percent-encoded per the gRPC HTTP/2 protocol spec. */
    static String percentEncode(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            int c = b & 0xff;
            if (c >= 0x20 && c <= 0x7e && c != '%') {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return sb.toString();
    }
}
