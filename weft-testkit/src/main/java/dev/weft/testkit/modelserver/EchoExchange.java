package dev.weft.testkit.modelserver;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import java.util.Locale;
import java.util.Map;

/**
 * {@code /echo}, any method. A request with a body gets it streamed back as it arrives (same content
 * type, same length when known), reading paused while the channel is not writable, so bodies of any
 * size pass in bounded memory. A request without a body gets {@code {"method","uri","headers"}}.
 *
 * <p>Because reading stops while the echo cannot be written, a client that reads the response only
 * after sending its whole body (the JDK's HttpClient does) stalls once the body outgrows the socket
 * buffers on the way; large uploads from such clients belong on {@code /sink}.
 *
 * <p>Reference counting: each body chunk is written back as is, handing its buffer to the channel.
 */
final class EchoExchange extends Exchange {

    private final boolean hasBody;

    EchoExchange(ExchangeHandler owner, ChannelHandlerContext ctx, HttpRequest request, String route) {
        super(owner, ctx, request, route);
        this.hasBody = HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0;
    }

    @Override
    void onRequest() {
        if (hasBody) {
            String contentType = request.headers().get(HttpHeaderNames.CONTENT_TYPE,
                    HttpHeaderValues.APPLICATION_OCTET_STREAM.toString());
            long length = HttpUtil.isTransferEncodingChunked(request) ? -1 : HttpUtil.getContentLength(request, -1L);
            startResponse(HttpResponseStatus.OK, contentType, length);
        }
    }

    @Override
    void onContent(HttpContent content, boolean last) {
        if (!hasBody) {
            content.release();
            if (last) {
                respondJson(HttpResponseStatus.OK, describe());
            }
            return;
        }
        int readable = content.content().readableBytes();
        server.metrics.bodyBytesReceived(readable);
        server.metrics.bodyBytesSent(readable);
        if (last) {
            finish(ctx.writeAndFlush(content));
        } else {
            ctx.write(content);
        }
    }

    @Override
    boolean pausesReading() {
        return hasBody && !ctx.channel().isWritable();
    }

    private ObjectNode describe() {
        ObjectNode body = server.json.createObjectNode();
        body.put("method", request.method().name());
        body.put("uri", request.uri());
        ObjectNode headers = body.putObject("headers");
        for (Map.Entry<String, String> header : request.headers()) {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            String previous = headers.has(name) ? headers.get(name).asText() + ", " : "";
            headers.put(name, previous + header.getValue());
        }
        return body;
    }
}
